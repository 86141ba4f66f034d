import { describe, expect, it } from 'vitest';
import { createCtiosStreamDecoder } from '../../../src/decoders/ctios/index.js';
import type { DecodedMessage, FlowInfo } from '../../../src/decoders/types.js';

const flow: FlowInfo = {
  id: 4,
  transport: 'tcp',
  clientIp: '10.1.1.20',
  clientPort: 52000,
  serverIp: '10.1.1.5',
  serverPort: 42028,
  client: '10.1.1.20:52000',
  server: '10.1.1.5:42028',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

describe('CTI OS opaque decoder', () => {
  it('emits one data message per chunk with byte count, direction and stream offset', () => {
    const out: DecodedMessage[] = [];
    const d = createCtiosStreamDecoder({ flow, emit: (m) => out.push(m), options: { keepRaw: true } });
    const chunk = new Uint8Array(312).fill(7);
    d.data('c2s', chunk, 5, 10.5);
    chunk.fill(0); // the caller reuses its buffer: the kept copy must not change
    d.data('s2c', new Uint8Array(40), 6, 10.6);
    d.gap('c2s', 100, 7, 11);
    d.data('c2s', new Uint8Array(0), 8, 11); // nothing to report
    d.data('c2s', new Uint8Array(12), 9, 12);
    d.end();
    expect(out.map((m) => [m.frame, m.direction, m.fields.bytes, m.offset])).toEqual([
      [5, 'c2s', 312, 0],
      [6, 's2c', 40, 0],
      [9, 'c2s', 12, 412],
    ]);
    expect(out[0]).toMatchObject({ protocol: 'ctios', type: 'data', flowId: 4, server: '10.1.1.5:42028', time: 10.5, length: 312 });
    expect(out[0].fields).toEqual({ bytes: 312, direction: 'c2s' });
    expect(out[0].summary).toBe('CTI OS data 312 bytes (format not public)');
    expect(out[0].raw?.every((b) => b === 7)).toBe(true);
  });

  it('keeps no bytes unless asked', () => {
    const out: DecodedMessage[] = [];
    const d = createCtiosStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    d.data('s2c', new Uint8Array(3), 1, 0);
    expect(out[0].raw).toBeUndefined();
  });
});
