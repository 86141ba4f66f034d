/**
 * The two ways a TCP flow can end in the middle of a message, run against any stream decoder: the cut
 * message's `incomplete-message` anomaly goes on its direction's last message, or, when that direction
 * produced none, on a STREAM_ERROR message of its own (src/decoders/emit.ts). Never dropped.
 */

import { expect, it } from 'vitest';
import type { DecodedMessage, FlowInfo, ProtocolName, StreamDecoderFactory } from '../../src/decoders/types.js';

const FLOW: FlowInfo = {
  id: 7,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  clientPort: 40000,
  serverIp: '10.0.0.2',
  serverPort: 4000,
  client: '10.0.0.1:40000',
  server: '10.0.0.2:4000',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

/** `message`: one whole message as the client sends it; its first `cut` bytes are what a cut stream leaves. */
export function leftoverAnomalyTests(protocol: ProtocolName, factory: StreamDecoderFactory, message: Uint8Array, cut = 10): void {
  const run = (chunks: ['c2s' | 's2c', Uint8Array][], forgetEmitted = false): DecodedMessage[] => {
    const out: DecodedMessage[] = [];
    const d = factory({ flow: FLOW, emit: (m) => out.push(m), options: { forgetEmitted } });
    chunks.forEach(([dir, bytes], i) => d.data(dir, bytes, i + 1, i + 1));
    d.end();
    return out;
  };

  it('a stream that ends mid-message reports it on that direction’s last message', () => {
    const out = run([
      ['c2s', message],
      ['c2s', message.subarray(0, cut)],
    ]);
    expect(out.map((m) => [m.protocol, m.direction, m.frame])).toEqual([[protocol, 'c2s', 1]]);
    expect(out[0].anomalies?.map((a) => [a.code, a.frame, a.offset])).toEqual([['incomplete-message', 2, message.length]]);
  });

  it('a direction that ends mid-message having sent nothing whole gets a STREAM_ERROR message', () => {
    const out = run([
      ['c2s', message],
      ['s2c', message.subarray(0, cut)],
    ]);
    expect(out.map((m) => [m.protocol, m.direction, m.type === 'STREAM_ERROR'])).toEqual([
      [protocol, 'c2s', false],
      [protocol, 's2c', true],
    ]);
    // The server's cut message is not put on the client's.
    expect(out[0].anomalies).toBeUndefined();
    const e = out[1];
    expect([e.frame, e.frames, e.offset, e.length, e.fields.anomalies]).toEqual([2, [], 0, 0, 1]);
    expect(e.summary).toContain('incomplete-message');
    expect(e.anomalies?.map((a) => [a.code, a.frame])).toEqual([['incomplete-message', 2]]);
  });

  // A caller that keeps no message (the analyzer) has already taken the last one: the decoder holds none for
  // leftovers, and a direction that sent nothing whole still gets its STREAM_ERROR.
  it('forgetEmitted: the cut after a whole message adds no message and holds none', () => {
    const out = run(
      [
        ['c2s', message],
        ['c2s', message.subarray(0, cut)],
      ],
      true,
    );
    expect(out.map((m) => [m.protocol, m.direction, m.frame, m.anomalies])).toEqual([[protocol, 'c2s', 1, undefined]]);
  });

  it('forgetEmitted: a direction with nothing whole still gets its STREAM_ERROR message', () => {
    const out = run(
      [
        ['c2s', message],
        ['s2c', message.subarray(0, cut)],
      ],
      true,
    );
    expect(out.map((m) => [m.direction, m.type === 'STREAM_ERROR'])).toEqual([
      ['c2s', false],
      ['s2c', true],
    ]);
  });
}
