/**
 * `ctiscope lab --scenario NAME`: runs a simulated contact center on loopback, captures it live on `lo` and
 * shows the analysis as it happens (the same printing as `ctiscope live`), then the report. For training
 * ("this is what a stale directory address looks like") and for reproducing a failure on demand.
 *
 * `ctiscope lab --only PIECE --listen ADDR:PORT` runs one simulated server (or the desktop) alone, e.g. to test a
 * real CTI client against the simulated CTI server.
 */

import { writeJson } from './json-writer.js';
import { MessageStore } from '../message-store.js';
import { LiveCaptureError, type LiveStats } from '../capture/live-node.js';
import { LAB_PORTS, startLab } from '../lab/lab.js';
import { LAB_PIECES, LAB_SCENARIOS, isLabScenario, labAddresses, labAgent, type LabPlan, type LabScenarioName } from '../lab/scenarios.js';
import { LabError, parseEndpoint, type LabServer } from '../lab/loopback.js';
import { startCtiServer } from '../lab/cti-server.js';
import { startPgCtiServer } from '../lab/pg-cti-server.js';
import { SERVER_SIDE_PORTS } from '../lab/server-side-lab.js';
import { REFUSAL } from '../lab/synth/server-side.js';
import { startDesktopServiceServer, startLicensingServer } from '../lab/giop-servers.js';
import { startLdapServer } from '../lab/ldap-server.js';
import { startCadDesktop, type DesktopResult } from '../lab/desktop.js';
import { startUnansweredHost } from '../lab/unanswered-host.js';
import type { AnalysisDocument, AnalyzerUpdate } from '../timeline/model.js';
import type { DecodedMessage } from '../decoders/types.js';
import type { ExpectedResult } from '../lab/synth/scenarios.js';
import { renderTextReport } from '../timeline/report-text.js';
import { exitCodeFor } from './analyze.js';
import { CliError, useColor } from './common.js';
import { ExitCode } from './exit-codes.js';
import { captureFileOptions, createLivePrinter, startLiveAnalysis, type CaptureFileOptions, type LiveAnalysis, type LiveSessionResult } from './live.js';

export interface LabRunOptions {
  scenario: LabScenarioName;
  agents?: number;
  network?: number;
  /** Capture on lo while the lab runs (default true); without permission the run goes on uncaptured. */
  capture?: boolean;
  /** Seconds to keep running after every desktop is logged in or has given up (heartbeats; default 3). */
  holdSeconds?: number;
  heartbeatSeconds?: number;
  connectTimeoutMs?: number;
  write?: CaptureFileOptions;
  onUpdate?(u: AnalyzerUpdate): void;
  /** Every decoded message (lab --ui keeps them for the details pane); needs `keepRaw` for their bytes. */
  onMessage?(m: DecodedMessage): void;
  /** Keep each decoded message's bytes (for onMessage). */
  keepRaw?: boolean;
  /** Told the live session once capture runs (its first packet time anchors the printed times). */
  onCapture?(live: LiveAnalysis): void;
  /** Awaited once capture runs, before the desktops start (lab --ui waits for the page to open). */
  beforeDesktops?(): Promise<unknown>;
  /** Server and desktop activity, one line each. */
  log?(line: string): void;
  /** Ends the hold early (Ctrl-C). */
  signal?: AbortSignal;
  slapd?: string;
}

export interface LabRunResult {
  plan: LabPlan;
  desktops: DesktopResult[];
  captureFilter: string;
  /** Why nothing was captured (no tcpdump, no permission), when so. */
  captureError?: string;
  /** The live analysis's final document, when the run was captured. */
  doc?: AnalysisDocument;
  result?: LiveSessionResult;
  stats?: LiveStats;
  /** Server-side scenarios: what the capture must show (Lab.truth). */
  truth?: ExpectedResult;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * One lab run: servers up, live capture on lo (when possible), desktops, a short hold, then the capture stops
 * and everything is closed, whatever happened on the way.
 */
export async function runLabSession(opts: LabRunOptions): Promise<LabRunResult> {
  const lab = await startLab({
    scenario: opts.scenario,
    agents: opts.agents,
    network: opts.network,
    heartbeatSeconds: opts.heartbeatSeconds ?? 1,
    connectTimeoutMs: opts.connectTimeoutMs,
    slapd: opts.slapd,
    log: opts.log,
  });
  let live: LiveAnalysis | undefined;
  try {
    let captureError: string | undefined;
    if (opts.capture !== false) {
      try {
        live = await startLiveAnalysis({
          label: `live:lo (lab ${opts.scenario})`,
          onUpdate: opts.onUpdate,
          onMessage: opts.onMessage,
          decode: opts.keepRaw ? { keepRaw: true } : undefined,
          write: opts.write,
          // A snaplen well above the lab's largest packet (the team entry's search result, about 2.3 KB) keeps libpcap's
          // ring frames small, so a burst of many desktops fits the default 2 MiB ring (about 250 frames of 8 KiB; with
          // the default 256 KiB snaplen it holds only a handful of packets on lo, and bursts were dropped).
          capture: { iface: 'lo', filter: lab.captureFilter, snaplen: 8192 },
        });
        opts.onCapture?.(live);
      } catch (e) {
        if (!(e instanceof LiveCaptureError)) throw e;
        captureError = e.message;
      }
    }
    await opts.beforeDesktops?.();
    const desktops = await lab.runDesktops();
    const truth = lab.truth?.();
    // Let the logged-in desktops heartbeat a little, and the last FIN/ACKs reach the capture.
    await sleep((opts.holdSeconds ?? 3) * 1000, opts.signal);
    if (!live) return { plan: lab.plan, desktops, truth, captureFilter: lab.captureFilter, captureError: captureError ?? 'capture was turned off' };
    const { result, stats, error } = await live.stop();
    return { plan: lab.plan, desktops, truth, captureFilter: lab.captureFilter, captureError: error?.message, doc: result.doc, result, stats };
  } finally {
    await live?.stop().catch(() => undefined);
    await lab.close();
  }
}

// ------------------------------------------------------------------------------------------ the command

/** lab --ui: how long the desktops wait for the page to open before they start anyway. */
const LAB_UI_WAIT_SECONDS = 10;

export { LAB_PIECES };
export type LabPiece = (typeof LAB_PIECES)[number];

export interface LabArgs {
  scenario?: string;
  write?: string;
  json: boolean;
  ui: boolean;
  agents?: number;
  network?: number;
  hold?: number;
  only?: string;
  listen?: string;
  ldap?: string[];
  standby?: boolean;
  color?: boolean;
  verbose?: boolean;
}

function labError(e: unknown): never {
  if (e instanceof LabError) throw new CliError(e.message, e.code === 'usage' ? ExitCode.USAGE : e.code === 'environment' ? ExitCode.USAGE : ExitCode.BAD_INPUT);
  throw e;
}

/** Waits for Ctrl-C or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

async function runPiece(args: LabArgs): Promise<void> {
  const piece = args.only as LabPiece;
  if (!(LAB_PIECES as readonly string[]).includes(piece)) throw new CliError(`--only ${args.only}: one of ${LAB_PIECES.join(', ')}`, ExitCode.USAGE);
  const scenario = args.scenario ?? 'ok';
  if (!isLabScenario(scenario)) throw new CliError(`--scenario ${scenario}: one of ${LAB_SCENARIOS.join(', ')}`, ExitCode.USAGE);
  const a = labAddresses(args.network ?? 1);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const defaults: Record<LabPiece, number> = {
    'ldap-server': LAB_PORTS.ldap,
    'licensing-server': LAB_PORTS.licensing,
    'cti-server': LAB_PORTS.cti,
    'pg-cti-server': SERVER_SIDE_PORTS.ctiA,
    'services-server': LAB_PORTS.chat,
    'stale-host': LAB_PORTS.ldap,
    desktop: LAB_PORTS.ldap,
  };
  try {
    if (piece === 'desktop') {
      const ldapHosts = (args.ldap?.length ? args.ldap : [`${a.nodeA}:${LAB_PORTS.ldap}`, `${a.nodeB}:${LAB_PORTS.ldap}`]).map((t) => parseEndpoint(t, LAB_PORTS.ldap));
      const agent = labAgent(a, 1);
      if (args.listen) agent.host = parseEndpoint(args.listen, 1).host;
      const run = startCadDesktop({ agent, ldapHosts, log });
      const r = await run.started;
      log(r.outcome === 'logged-in' ? `logged in (${r.loginSeconds?.toFixed(3)} s); heartbeats until Ctrl-C` : `failed at ${r.failedPhase ?? '?'}: ${r.message}`);
      if (r.outcome === 'logged-in') await untilSignal();
      await run.close();
      process.exitCode = r.outcome === 'logged-in' ? ExitCode.OK : ExitCode.LOGIN_FAILED;
      return;
    }
    const at = parseEndpoint(args.listen ?? `${a.nodeA}:${defaults[piece]}`, defaults[piece]);
    const servers: LabServer[] = [];
    if (piece === 'ldap-server') {
      servers.push(
        await startLdapServer({
          listen: [at],
          content: { agents: Array.from({ length: Math.max(1, args.agents ?? 8) }, (_, i) => labAgent(a, i + 1)), ctiServers: [a.nodeA, a.nodeB], ctiPort: LAB_PORTS.cti, heartbeatInterval: 30, withoutTeams: scenario === 'team-missing' ? [labAgent(a, 1).teamId] : undefined },
          password: scenario === 'ldap-bind-refused' ? 'changed-on-the-server' : undefined,
          probeFrom: a.filler,
          log,
        }),
      );
    } else if (piece === 'licensing-server') {
      servers.push(await startLicensingServer({ ...at, licences: scenario === 'licence-refused' ? 'refused' : 'ok', log }));
    } else if (piece === 'cti-server') {
      servers.push(await startCtiServer({ ...at, role: args.standby ? 'standby' : 'master', login: scenario === 'login-refused' ? 'refused' : 'ok', log }));
    } else if (piece === 'pg-cti-server') {
      // A UCCE CTI server for clients carrying many agents; --scenario login-refused refuses every LOGIN (CF 260, 10140).
      servers.push(await startPgCtiServer({ ...at, side: args.standby ? 'B' : 'A', refuseEvery: scenario === 'login-refused' ? REFUSAL.logonDevice : undefined, log }));
    } else if (piece === 'services-server') {
      for (const service of ['chat', 'recording', 'enterprise'] as const) servers.push(await startDesktopServiceServer({ host: at.host, port: LAB_PORTS[service], service, log }));
    } else if (piece === 'stale-host') {
      servers.push(await startUnansweredHost({ ...at, fillerAddress: a.filler }));
    }
    for (const s of servers) log(`${s.name} listening on ${s.host}:${s.port}; Ctrl-C to stop`);
    await untilSignal();
    await Promise.allSettled(servers.map((s) => s.close()));
  } catch (e) {
    labError(e);
  }
}

export async function runLabCommand(args: LabArgs): Promise<void> {
  if (args.only) return runPiece(args);
  const scenario = args.scenario ?? 'ok';
  if (!isLabScenario(scenario)) throw new CliError(`--scenario ${scenario}: one of ${LAB_SCENARIOS.join(', ')}`, ExitCode.USAGE);
  if (args.agents !== undefined && (!Number.isInteger(args.agents) || args.agents < 4 || args.agents > 200)) throw new CliError(`--agents ${args.agents}: 4 to 200`, ExitCode.USAGE);
  const ui = args.ui ? await import('./ui-server.js').catch(() => undefined) : undefined;
  if (args.ui && !ui?.startUiServer) throw new CliError('--ui: the web UI server is not available in this build', ExitCode.USAGE);
  const err = (m: string): void => void process.stderr.write(`ctiscope lab: ${m}\n`);
  const out = args.json ? process.stderr : process.stdout;
  const color = useColor(args.color, out);
  const write = captureFileOptions({ write: args.write, interface: 'lo' }, err);
  let live: LiveAnalysis | undefined;
  // --ui: the page shows the run as it happens (the same live feed as `ctiscope ui --live`), then the final timeline.
  const messages = ui ? new MessageStore() : undefined;
  const feed = ui
    ? new ui.UiLiveFeed({ snapshot: () => live?.session.snapshot(), packets: () => live?.session.packets ?? 0, interface: 'lo' })
    : undefined;
  let server: Awaited<ReturnType<NonNullable<typeof ui>['startUiServer']>> | undefined;
  if (ui) {
    server = await ui.startUiServer({ port: 0, live: feed, messages }).catch((e: Error) => {
      feed?.close();
      throw new CliError(`--ui: cannot start the web server: ${e.message}`);
    });
    err(`the run in the browser, as it happens: ${server.url} (the desktops start when the page is open, or in ${LAB_UI_WAIT_SECONDS} s)`);
  }
  let run: LabRunResult;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printer = createLivePrinter({ color, width: out.columns ?? 100, write: (t) => void out.write(t), origin: () => live?.session.firstTime });
  try {
    const plan = (await import('../lab/scenarios.js')).planScenario(scenario, labAddresses(args.network ?? 1), args.agents);
    out.write(`lab ${scenario}: ${plan.description}${plan.sample ? ` (reference sample: samples/${plan.sample}.pcapng)` : ''}\n`);
    run = await runLabSession({
      scenario,
      agents: args.agents,
      network: args.network,
      holdSeconds: args.hold,
      write,
      onUpdate: feed
        ? (u) => {
            feed.changed();
            printer(u);
          }
        : printer,
      onMessage: messages?.add,
      keepRaw: messages !== undefined,
      onCapture: (l) => (live = l),
      beforeDesktops: feed ? () => feed.waitForViewer(LAB_UI_WAIT_SECONDS * 1000, abort.signal) : undefined,
      signal: abort.signal,
    });
  } catch (e) {
    await server?.close();
    labError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  for (const d of run.desktops) err(`desktop ${d.host} (agent ${d.agent}): ${d.outcome === 'logged-in' ? `logged in in ${d.loginSeconds?.toFixed(3)} s` : `failed${d.failedPhase ? ` at ${d.failedPhase}` : ''}: ${d.message}`}`);
  if (!run.doc) {
    feed?.stop(undefined, run.captureError);
    await server?.close();
    err(`the exchange ran but was not captured: ${run.captureError}`);
    process.exitCode = run.desktops.some((d) => d.outcome === 'failed') ? ExitCode.LOGIN_FAILED : ExitCode.OK;
    return;
  }
  if (run.result?.files.length) err(`packets written to ${run.result.files.join(', ')}`);
  feed?.stop(run.doc);
  if (args.json) await writeJson(process.stdout, run.doc);
  else process.stdout.write('\n' + renderTextReport(run.doc, { color, width: process.stdout.columns, verbose: args.verbose }));
  process.exitCode = exitCodeFor(run.doc);
  if (server) {
    err(`the run's timeline stays in the browser: ${server.url} (Ctrl-C to stop)`);
    await untilSignal();
    await server.close();
  }
}
