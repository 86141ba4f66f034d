/**
 * A lossy stream cannot make one message carry its every problem: each stream decoder, fed a flow with a
 * hole after every byte, lists at most MAX_ANOMALIES_PER_CODE anomalies of a code and counts the rest
 * ({code, count, firstFrame, lastFrame}); the counts add up to every gap. And resynchronisation counts every
 * byte it skipped, across chunks.
 */
import { describe, expect, it } from 'vitest';
import type { DecodedMessage, FlowInfo, ProtocolName, StreamDecoderFactory } from '../../src/decoders/types.js';
import { MAX_ANOMALIES_PER_CODE } from '../../src/decoders/anomaly-list.js';
import { createGed188StreamDecoder, heartbeatReq } from '../../src/decoders/ged188/index.js';
import { createLdapStreamDecoder } from '../../src/decoders/ldap/stream.js';
import { createGiopStreamDecoder } from '../../src/decoders/giop/stream.js';
import { createTlsStreamDecoder } from '../../src/decoders/tls/index.js';
import { createSipStreamDecoder } from '../../src/decoders/sip/index.js';

const FLOW: FlowInfo = {
  id: 3,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  clientPort: 40000,
  serverIp: '10.0.0.2',
  serverPort: 389,
  client: '10.0.0.1:40000',
  server: '10.0.0.2:389',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

const DECODERS: [ProtocolName, StreamDecoderFactory, number][] = [
  ['ldap', createLdapStreamDecoder, 0x30],
  ['ged188', createGed188StreamDecoder, 0x00],
  ['giop', createGiopStreamDecoder, 0x47],
  ['tls', createTlsStreamDecoder, 0x16],
  ['sip', createSipStreamDecoder, 0x49],
];

function feed(factory: StreamDecoderFactory, steps: (d: ReturnType<StreamDecoderFactory>) => void): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const d = factory({ flow: FLOW, emit: (m) => out.push(m), options: {} });
  steps(d);
  d.end();
  return out;
}

describe('anomalies per flow and direction are bounded', () => {
  for (const [name, factory, firstByte] of DECODERS) {
    it(`${name}: 20,000 one-byte holes give one message listing at most ${MAX_ANOMALIES_PER_CODE} of a code, the rest counted`, () => {
      const gaps = 20_000;
      const byte = Uint8Array.of(firstByte);
      const out = feed(factory, (d) => {
        for (let i = 0; i < gaps; i++) {
          d.data('c2s', byte, 2 * i + 1, i);
          d.gap('c2s', 1, 2 * i + 2, i);
        }
      });
      let listed = 0;
      let counted = 0;
      for (const m of out) {
        const byCode = new Map<string, number>();
        for (const a of m.anomalies ?? []) byCode.set(a.code, (byCode.get(a.code) ?? 0) + 1);
        for (const n of byCode.values()) expect(n).toBeLessThanOrEqual(MAX_ANOMALIES_PER_CODE);
        listed += m.anomalies?.length ?? 0;
        for (const c of m.omittedAnomalies ?? []) {
          counted += c.count;
          expect(c.firstFrame).toBeLessThanOrEqual(c.lastFrame!);
        }
        expect(m.summary.length).toBeLessThan(500);
      }
      // Every gap after a buffered byte cut a message: each one is listed or counted.
      expect(listed + counted).toBeGreaterThanOrEqual(gaps - 1);
      expect(listed).toBeLessThanOrEqual(4 * MAX_ANOMALIES_PER_CODE);
      const cut = out.flatMap((m) => m.omittedAnomalies ?? []).find((c) => c.code === 'message-cut-by-gap');
      expect(cut).toBeDefined();
      expect(cut!.lastFrame).toBe(2 * gaps);
      const streamError = out.find((m) => m.type === 'STREAM_ERROR');
      if (streamError) expect(streamError.fields.anomalies).toBe(listed + counted);
    });
  }
});

describe('resynchronisation counts every byte it skipped', () => {
  it('GED-188: 3 MB of bytes that start no message, in 64 KiB chunks, then a heartbeat', () => {
    const junk = new Uint8Array(64 * 1024).fill(0xff);
    const chunks = 48;
    const hb = heartbeatReq({ invokeId: 9 });
    const out = feed(createGed188StreamDecoder, (d) => {
      d.data('c2s', hb, 1, 0);
      for (let i = 0; i < chunks; i++) d.data('c2s', junk, i + 2, 0);
      d.data('c2s', hb, chunks + 2, 1);
    });
    const anomalies = out.flatMap((m) => m.anomalies ?? []);
    const resync = anomalies.find((a) => a.code === 'resynchronised');
    expect(resync?.message).toBe(`skipped ${chunks * junk.length} bytes that did not start a message`);
    expect(resync?.offset).toBe(hb.length);
    expect(resync?.frame).toBe(2);
    expect(out.filter((m) => m.type === 'HEARTBEAT_REQ')).toHaveLength(2);
  });

  it('bytes dropped while no start is found are reported at the end of the stream', () => {
    const junk = new Uint8Array(100_000).fill(0xff);
    const out = feed(createGed188StreamDecoder, (d) => {
      d.data('c2s', heartbeatReq({ invokeId: 1 }), 1, 0);
      d.data('c2s', junk, 2, 0);
    });
    const anomalies = out.flatMap((m) => m.anomalies ?? []);
    const unfound = anomalies.find((a) => a.code === 'no-message-start');
    const tail = anomalies.find((a) => a.code === 'incomplete-message');
    // Everything but the tail kept in case a message starts across the next chunk.
    expect(unfound?.message).toMatch(/^skipped (\d+) bytes/);
    const skipped = Number(/skipped (\d+)/.exec(unfound!.message)![1]);
    const kept = Number(/ended (\d+) bytes/.exec(tail!.message)![1]);
    expect(skipped + kept).toBe(junk.length);
  });
});
