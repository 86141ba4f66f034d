/**
 * GED-188 heartbeats handed to the analyzer as events, with no message made (StreamDecoderContext.heartbeat), give
 * the document their messages give, byte for byte: on every sample, every scenario and noisy twin whole, with
 * frames lost (heartbeats unanswered, replies whose request is gone) and with neighbours swapped (a reply before its
 * request), and on a generated SPAN capture of 40 desktops. The event path must also be the one taken: most
 * heartbeats of a capture with sessions go by it.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { createDecodePipeline, sourceInfo, type PipelineObserver } from '../../src/decode-pipeline.js';
import { createAnalyzer } from '../../src/timeline/analyzer.js';
import { SCENARIOS, type ScenarioOutput } from '../../src/lab/synth/scenarios.js';
import { NOISY_TWINS } from '../../src/lab/synth/noisy.js';
import { scenarioToPcapng } from '../../src/lab/synth/write-samples.js';
import { buildSpanCapture } from '../../src/lab/synth/span.js';
import { SynthNet, type SynthPacket, type TcpConversation } from '../../src/lab/synth/tcp.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { LinkType } from '../../src/capture/types.js';
import { heartbeatConf, heartbeatReq, openConf, openReq, setAgentStateReq } from '../../src/decoders/ged188/encode.js';

const root = join(__dirname, '..', '..');

interface Run {
  doc: string;
  /** Heartbeats offered as events, and those the analyzer took. */
  offered: number;
  taken: number;
  /** HEARTBEAT_REQ / HEARTBEAT_CONF messages the analyzer got. */
  heartbeatMessages: number;
}

/** The analysis as `ctiscope analyze` wires it (no message kept), heartbeats as events or not. */
function analyzeBytes(bytes: Uint8Array, name: string, events: boolean): Run {
  const analyzer = createAnalyzer();
  const run: Run = { doc: '', offered: 0, taken: 0, heartbeatMessages: 0 };
  const observer: PipelineObserver = {
    message(m) {
      if (m.type === 'HEARTBEAT_REQ' || m.type === 'HEARTBEAT_CONF') run.heartbeatMessages++;
      analyzer.message(m);
    },
    flowStart: (info, cls) => analyzer.flowStart(info, cls),
    flowEnd: (r, cls) => analyzer.flowEnd(r, cls),
    gap: (flowId, dir, length, frame, time) => analyzer.gap(flowId, dir, length, frame, time),
    names: (address, list) => analyzer.names(address, list),
    warning: (w) => analyzer.warning(w),
  };
  if (events) {
    observer.heartbeat = (h) => {
      run.offered++;
      const took = analyzer.heartbeat(h);
      if (took) run.taken++;
      return took;
    };
  }
  const pipeline = createDecodePipeline({ decode: { forgetEmitted: true } }, observer);
  const summary = readCaptureBytes(bytes, pipeline.sink, { file: name });
  const source = sourceInfo([name], [summary]);
  analyzer.captureEndsAt(source.end);
  pipeline.finish(source);
  run.doc = JSON.stringify(analyzer.finish(source));
  return run;
}

/** Both ways; the documents must be equal, and the events path must have been offered every heartbeat. */
function compare(bytes: Uint8Array, name: string): Run {
  const withEvents = analyzeBytes(bytes, name, true);
  const withMessages = analyzeBytes(bytes, name, false);
  expect(withEvents.doc).toBe(withMessages.doc);
  // A heartbeat comes either way, once: as an event taken, or as a message (refused, or never offered).
  expect(withEvents.taken + withEvents.heartbeatMessages).toBe(withMessages.heartbeatMessages);
  return withEvents;
}

const bytesOf = (s: ScenarioOutput): Uint8Array => scenarioToPcapng(s);

function pcapngOf(packets: readonly SynthPacket[]): Uint8Array {
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  for (const p of packets) w.writePacket(iface, p.time, p.data);
  return w.toBytes();
}

/** A CAD desktop's CTI session: OPEN (IdleTimeout 60 s), then `rest`. */
function ctiSession(rest: (c: TcpConversation) => void): SynthPacket[] {
  const net = new SynthNet({ seed: 4 });
  const c = net.tcp({ client: '10.10.20.61', server: '192.168.100.1', serverPort: 12028 });
  c.connect();
  c.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 60, servicesRequested: ['CLIENT_EVENTS'], clientId: 'cad', agentExtension: '2061', agentId: '1061' }));
  c.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS'], agentState: 'LOGOUT', peripheralOnline: true }), { delay: 0.004 });
  rest(c);
  return net.collect();
}

function heartbeats(c: TcpConversation, from: number, n: number, opts: { every?: number; answered?: boolean; coalesced?: boolean } = {}): void {
  for (let i = 0; i < n; i++) {
    if (opts.coalesced && i % 2 === 1) {
      // Two requests in one segment, both answered in one.
      c.send('c2s', [heartbeatReq({ invokeId: from + i }), heartbeatReq({ invokeId: from + i + 100 })], { delay: opts.every ?? 20, coalesce: true });
      c.send('s2c', [heartbeatConf({ invokeId: from + i }), heartbeatConf({ invokeId: from + i + 100 })], { delay: 0.003, coalesce: true });
      continue;
    }
    c.send('c2s', heartbeatReq({ invokeId: from + i }), { delay: opts.every ?? 20 });
    if (opts.answered !== false) c.send('s2c', heartbeatConf({ invokeId: from + i }), { delay: 0.003 });
  }
}

/** Sessions where what a heartbeat leaves behind counts: silence before the end, a request unanswered among them. */
const SESSIONS: Record<string, () => SynthPacket[]> = {
  'heartbeats, then silent past the IdleTimeout and reset by the server': () =>
    ctiSession((c) => {
      heartbeats(c, 10, 6, { coalesced: true });
      c.reset('s2c', { delay: 150 });
    }),
  'heartbeats, then silent and closed by the server': () =>
    ctiSession((c) => {
      heartbeats(c, 10, 5);
      c.close('s2c', { delay: 90 });
    }),
  'a login left unanswered while heartbeats go on': () =>
    ctiSession((c) => {
      heartbeats(c, 10, 2);
      c.send('c2s', setAgentStateReq({ invokeId: 5, agentState: 'LOGIN', agentId: '1061', agentExtension: '2061', agentInstrument: '2061', agentPassword: 'x' }), { delay: 1 });
      heartbeats(c, 20, 4, { every: 5 });
    }),
  'heartbeats the server stops answering': () =>
    ctiSession((c) => {
      heartbeats(c, 10, 3);
      heartbeats(c, 20, 4, { answered: false });
    }),
};

describe('heartbeats as events give the document their messages give', () => {
  const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng'));
  it.each(samples)('sample %s', (file) => {
    const r = compare(new Uint8Array(readFileSync(join(root, 'samples', file))), file);
    // Every sample with CTI sessions sends heartbeats after its login; all but each session's first go as events.
    if (r.heartbeatMessages + r.taken > 20) expect(r.taken).toBeGreaterThan(r.heartbeatMessages);
  });

  const all: [string, () => ScenarioOutput][] = [...Object.entries(SCENARIOS), ...NOISY_TWINS.map((t): [string, () => ScenarioOutput] => [t.name, t.build])];
  it.each(all.filter(([name]) => name !== 'pg-span-500' && name !== 'span-many-agents'))('%s with frames lost and swapped', (name, build) => {
    const s = build();
    // Every 3rd, 5th and 7th frame lost from a start that moves, and each pair of neighbours from a start swapped.
    for (const every of [3, 5, 7]) {
      for (let from = 0; from < every; from++) {
        compare(bytesOf({ ...s, packets: s.packets.filter((_, i) => i % every !== from) }), `${name}-${every}-${from}.pcapng`);
      }
    }
    for (let from = 0; from < 4; from++) {
      const packets = s.packets.slice();
      for (let i = from; i + 1 < packets.length; i += 4) [packets[i], packets[i + 1]] = [packets[i + 1], packets[i]];
      compare(bytesOf({ ...s, packets }), `${name}-swapped-${from}.pcapng`);
    }
  });

  it.each(Object.keys(SESSIONS))('%s, whole and with any one frame lost', (name) => {
    const packets = SESSIONS[name]();
    const whole = compare(pcapngOf(packets), 'whole.pcapng');
    expect(whole.taken).toBeGreaterThan(4);
    for (let lost = 0; lost < packets.length; lost++) compare(pcapngOf(packets.filter((_, i) => i !== lost)), `without-${lost + 1}.pcapng`);
  });

  it('a generated SPAN capture of 40 desktops, a fifth of them failing', () => {
    const chunks: Uint8Array[] = [];
    buildSpanCapture({ workstations: 40, failureRate: 0.2, seed: 5, targetPackets: 20_000, onChunk: (c) => chunks.push(c.slice()) });
    const r = compare(new Uint8Array(Buffer.concat(chunks)), 'span-40.pcapng');
    // Most heartbeats go as events: a message only for each session's first, and those after a stream anomaly.
    expect(r.taken).toBeGreaterThan(5_000);
    expect(r.heartbeatMessages).toBeLessThan(r.taken / 20);
  });
});
