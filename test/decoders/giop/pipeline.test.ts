import { expect, test } from 'vitest';
import { createGiopStreamDecoder } from '../../../src/decoders/giop/index.js';
import { decodeCaptureFile } from './pipeline.js';
import { loadExpectedOps } from './vectors.js';

test('ndpi__corba.pcap through capture reader and flow tracker agrees with tshark', () => {
  const { messages } = decodeCaptureFile('ndpi__corba.pcap', createGiopStreamDecoder, () => true);
  const giop = messages.filter((m) => m.fields.compressed !== true);
  const expected = loadExpectedOps('ndpi__corba.pcap', 'giop').filter((o) => o['tcp.stream'] !== undefined);
  expect(giop.map((m) => [m.frame, m.type, m.fields.requestId, m.fields.operation ?? null, m.fields.replyStatus ?? null])).toEqual(
    expected.map((e) => [
      Number(e['frame.number']),
      e['giop.type_name'],
      Number(e['giop.request_id']),
      e['giop.request_op'] ?? (e['giop.type_name'] === 'Reply' ? 'echo' : null),
      e['giop.replystatus'] === undefined ? null : Number(e['giop.replystatus']),
    ]),
  );
  expect(giop.every((m) => m.anomalies === undefined)).toBe(true);
  expect(giop.find((m) => m.fields.requestId === 1 && m.type === 'Request')!.frames).toEqual([8, 10]);
  expect(giop.filter((m) => m.type === 'Reply').map((m) => m.pairedFrame)).toEqual([4, 10]);
  expect(giop[0].client).toBe('127.0.1.1:42717');
  expect(giop[0].server).toBe('127.0.1.1:56899');
});
