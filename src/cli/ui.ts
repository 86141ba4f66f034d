/**
 * `ctiscope ui [FILE…]`: opens the web UI on 127.0.0.1. With files, they are analysed here first (the Node
 * pipeline) and the page opens with that analysis; without, the page waits for a capture to be dropped on it
 * and analyses it inside the browser tab.
 *
 * `ctiscope ui --live -i IFACE [-f BPF]`: a live capture (the `ctiscope live` session) feeds the page, whose
 * timeline grows as packets arrive. The first Ctrl-C stops the capture and prints the report as `ctiscope live`
 * does; the page keeps the final timeline until a second Ctrl-C ends the server.
 */

import { spawn } from 'node:child_process';
import { analyzeFiles } from '../pipeline-node.js';
import { LiveCaptureError } from '../capture/live-node.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, useColor } from './common.js';
import { ExitCode } from './exit-codes.js';
import { captureFileOptions, createLivePrinter, reportCaptureEnd, startLiveAnalysis, waitForStop, type LiveAnalysis } from './live.js';
import { MessageStore } from '../message-store.js';
import { DEFAULT_UI_PORT, UiLiveFeed, isLoopbackAddress, startUiServer, type UiServer, type UiServerOptions } from './ui-server.js';
import type { AnalysisDocument } from '../timeline/model.js';

export interface UiArgs {
  files?: string[];
  /** Live: a JSON profile of extra service ports (as `ctiscope live --profile`). */
  profile?: string;
  /** Serve a live capture instead of files. */
  live?: boolean;
  interface?: string;
  filter?: string;
  snaplen?: number;
  write?: string;
  maxSize?: number;
  ring?: number;
  /** Live: stop capturing after this many seconds (the page keeps the final timeline until Ctrl-C). */
  duration?: number;
  color?: boolean;
  verbose?: boolean;
  port?: number;
  host?: string;
  open?: boolean;
  showSecrets?: boolean;
  /** Use any free port when --port is busy (the demo). */
  anyPortIfBusy?: boolean;
  /** The analysis was just printed (the demo): the banner does not say its summary again. */
  summaryShown?: boolean;
}

/** Opens the URL in the desktop's browser, if there is one; failing quietly is fine (the URL is printed). */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser launcher on this machine.
  }
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

function checkAddress(args: UiArgs): { host: string; port: number } {
  const host = args.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new CliError(`--host ${host}: ctiscope ui listens only on a loopback address (127.0.0.1 or ::1)`, ExitCode.USAGE);
  const port = args.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${args.port}: not a TCP port (0 picks a free one)`, ExitCode.USAGE);
  return { host, port };
}

/** Starts the server on the port asked for (or, with anyPortIfBusy, any free one), with the CLI's error wording. */
async function serve(args: UiArgs, opts: Omit<UiServerOptions, 'port' | 'host'>): Promise<UiServer> {
  const { host, port } = checkAddress(args);
  try {
    return await startUiServer({ ...opts, port, host }).catch((e: NodeJS.ErrnoException) => {
      // The demo should just work: when the usual port is taken, any free one will do.
      if (e.code === 'EADDRINUSE' && args.anyPortIfBusy) return startUiServer({ ...opts, port: 0, host });
      throw e;
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port (0 picks a free one)`, ExitCode.USAGE);
    throw new CliError(`cannot start the web server: ${(e as Error).message}`);
  }
}

export async function runUi(args: UiArgs): Promise<void> {
  if (args.live) return runUiLive(args);
  for (const [given, name] of [
    [args.interface, '-i/--interface'],
    [args.filter, '-f/--filter'],
    [args.snaplen, '--snaplen'],
    [args.write, '--write'],
    [args.maxSize, '--max-size'],
    [args.ring, '--ring'],
    [args.duration, '--duration'],
  ] as const) {
    if (given !== undefined) throw new CliError(`${name} is for a live capture: add --live (ctiscope ui --live -i IFACE)`, ExitCode.USAGE);
  }
  checkAddress(args);

  let doc: AnalysisDocument | undefined;
  let messages: MessageStore | undefined;
  const files = args.files?.length ? checkFiles(args.files) : [];
  if (files.includes('-')) throw new CliError('ctiscope ui reads files, not standard input', ExitCode.USAGE);
  if (files.length) {
    messages = new MessageStore({ hideSecretBytes: !args.showSecrets });
    const store = messages;
    const progress = progressOptions();
    const result = await analyzeFiles(files, {
      ...progress,
      analyze: true,
      decode: { keepRaw: true, showSecrets: args.showSecrets },
      onMessage: (m) => store.add(m),
      onFlowEnd: store.addFlow,
    });
    progress.doneProgress();
    if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
    printWarnings(result.source.warnings);
    doc = result.doc;
  }

  const server = await serve(args, { doc, messages });
  const what = args.summaryShown ? '' : `${doc ? doc.summary.message : 'drop a capture on the page to analyse it in the browser'}\n`;
  process.stdout.write(`ctiscope ui: ${server.url}\n${what}Press Ctrl-C to stop.\n`);
  if (args.open) openBrowser(server.url);
  await untilSignal();
  await server.close();
}

/**
 * `ctiscope ui --live`: the `ctiscope live` session (same capture, same analysis, same live lines and report)
 * with the web UI fed from it. First Ctrl-C (or --duration, or the capture ending): capture stops, the report is
 * printed; the page keeps the final timeline until the second Ctrl-C.
 */
async function runUiLive(args: UiArgs): Promise<void> {
  if (args.files?.length) throw new CliError('ctiscope ui --live captures from an interface; name no files', ExitCode.USAGE);
  if (!args.interface) throw new CliError('ctiscope ui --live needs -i IFACE (tcpdump -D lists them)', ExitCode.USAGE);
  // The same checks and words as `ctiscope live`.
  if (args.duration !== undefined && !(args.duration > 0)) throw new CliError(`--duration ${args.duration}: seconds, more than 0`, ExitCode.USAGE);
  if (args.snaplen !== undefined && (!Number.isInteger(args.snaplen) || args.snaplen < 64 || args.snaplen > 262144)) throw new CliError(`--snaplen ${args.snaplen}: bytes per packet, 64 to 262144`, ExitCode.USAGE);
  checkAddress(args);
  const err = (m: string): void => void process.stderr.write(`ctiscope: ${m}\n`);
  const write = captureFileOptions({ write: args.write, maxSize: args.maxSize, ring: args.ring, interface: args.interface }, err);
  const out = process.stdout;
  const color = useColor(args.color, out);

  let live: LiveAnalysis | undefined;
  const messages = new MessageStore({ hideSecretBytes: !args.showSecrets });
  const feed = new UiLiveFeed({
    snapshot: () => live?.session.snapshot(),
    packets: () => live?.session.packets ?? 0,
    interface: args.interface,
    filter: args.filter,
  });
  const printer = createLivePrinter({ color, width: out.columns ?? 100, write: (t) => void out.write(t), origin: () => live?.session.firstTime });
  try {
    live = await startLiveAnalysis({
      ...profileOptions({ profile: args.profile }),
      label: `live:${args.interface}`,
      decode: { showSecrets: args.showSecrets, keepRaw: true },
      onMessage: messages.add,
      onUpdate: (u) => {
        feed.changed();
        printer(u);
      },
      write,
      capture: { iface: args.interface, filter: args.filter, snaplen: args.snaplen },
    });
  } catch (e) {
    feed.close();
    if (e instanceof LiveCaptureError) throw new CliError(e.message, ExitCode.BAD_INPUT);
    if ((e as NodeJS.ErrnoException).code && write) throw new CliError(`--write ${write.path}: ${(e as Error).message}`, ExitCode.USAGE);
    throw e;
  }
  let server: UiServer;
  try {
    server = await serve(args, { live: feed, messages });
  } catch (e) {
    feed.close();
    await live.stop();
    throw e;
  }
  process.stdout.write(`ctiscope ui: ${server.url}\n`);
  err(`capturing on ${args.interface}${args.filter ? ` (${args.filter})` : ''} with ${live.capture.backend}${args.duration ? ` for ${args.duration} s` : ''}; the timeline grows in the browser. Ctrl-C stops the capture and prints the summary (the page keeps the final timeline until a second Ctrl-C)`);
  if (args.open) openBrowser(server.url);

  await waitForStop(args.duration, live.capture.closed);
  const stopped = await live.stop();
  feed.stop(stopped.result.doc, stopped.error ? `capture ended: ${stopped.error.message}` : undefined);
  reportCaptureEnd(stopped, { color, verbose: args.verbose });
  err(`capture stopped; the final timeline stays at ${server.url} until Ctrl-C`);
  await untilSignal();
  await server.close();
}
