/**
 * Big SPAN captures for the benchmark and the UI's large sample: hundreds of CAD desktops starting over a few
 * minutes, a share of them failing in one of the reference ways, then heartbeating until the capture holds
 * the requested number of packets. Frames are streamed to `onChunk` as pcapng chunks, never all held in
 * memory: desktops run in time order (runActors) and frames older than the earliest desktop clock are final.
 */

import { LinkType } from '../../capture/types.js';
import { PcapngWriter } from '../../capture/writer.js';
import { agentFor, cadDesktop, type DesktopContext } from './desktop.js';
import { hashString, Rng } from './prng.js';
import { CAD_CASES, runActors, serverNames, type Actor, type CadCaseName, type ExpectedResult, type ExpectedWorkstation } from './scenarios.js';
import { SynthNet } from './tcp.js';

export interface SpanCaptureOptions {
  /** Number of agent PCs (10.10.20.1–250, then 10.10.21.1–250, …). */
  workstations: number;
  /** Share (0–1) of PCs that hit one of the failure cases of the reference scenarios. */
  failureRate: number;
  seed: number;
  /** Keep the logged-in desktops heartbeating until about this many packets are written. */
  targetPackets?: number;
  /** Seconds over which the desktops start (default 120, or 0.12 s per PC when that is longer). */
  startWindow?: number;
  /** Without targetPackets: heartbeats go on until this many seconds after time 0 (default startWindow + 90). */
  duration?: number;
  /** Receives the pcapng file chunk by chunk. */
  onChunk: (chunk: Uint8Array) => void;
  chunkSize?: number;
}

export interface SpanCaptureResult {
  expected: ExpectedResult;
  packets: number;
  bytes: number;
  /** Epoch seconds of the first and last frame. */
  firstTime: number;
  lastTime: number;
}

/** The failure cases spread over the failing PCs, in turn. */
const FAILURE_CASES: CadCaseName[] = ['licenceRefused', 'loginRefused', 'staleLdap', 'licensingTimeout', 'ctiStandby', 'ldapBindRefused', 'licensingDown'];

export function spanHost(index: number): string {
  return `10.10.${20 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

export function buildSpanCapture(opts: SpanCaptureOptions): SpanCaptureResult {
  const rng = new Rng(opts.seed);
  const net = new SynthNet({ seed: opts.seed, vantage: 'span' });
  const startWindow = opts.startWindow ?? Math.max(120, opts.workstations * 0.12);
  const target = opts.targetPackets;
  const endTime = target !== undefined ? Infinity : (opts.duration ?? startWindow + 90);
  const stop = target !== undefined ? () => net.packetCount >= target : undefined;

  const actors: Actor[] = [];
  const expected: ExpectedWorkstation[] = [];
  for (let i = 0; i < opts.workstations; i++) {
    const host = spanHost(i);
    const caseName: CadCaseName = rng.next() < opts.failureRate ? FAILURE_CASES[rng.int(0, FAILURE_CASES.length - 1)] : 'normal';
    const c = CAD_CASES[caseName];
    const clock = net.newClock(Math.round(rng.between(0, startWindow) * 1000) / 1000);
    const ctx: DesktopContext = { net, clock, rng: new Rng(opts.seed ^ hashString(host)), agent: agentFor(host), endTime, stop };
    actors.push({ clock, script: cadDesktop(ctx, c.variant) });
    expected.push({ host, desktop: 'cad', outcome: c.outcome, ...('failedPhase' in c ? { failedPhase: c.failedPhase } : {}), findings: [...c.findings] });
  }

  const w = new PcapngWriter({
    tsResolution: 'us',
    comment: `Synthetic ctiscope SPAN capture: ${opts.workstations} CAD desktops, failure rate ${opts.failureRate}, seed ${opts.seed}. Made by ctiscope's generator, not captured.`,
    application: 'ctiscope sample generator',
    onChunk: opts.onChunk,
    chunkSize: opts.chunkSize,
  });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'span0' });
  w.writeNames(serverNames());
  let packets = 0;
  let firstTime = NaN;
  let lastTime = NaN;
  const write = (time: number, data: Uint8Array): void => {
    if (packets === 0) firstTime = time;
    lastTime = time;
    packets++;
    w.writePacket(iface, time, data);
  };
  runActors(net, actors, (watermark) => net.drain(watermark, write));
  net.finish(write);
  w.end();
  return { expected: { workstations: expected }, packets, bytes: w.bytesWritten, firstTime, lastTime };
}
