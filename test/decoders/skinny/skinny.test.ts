import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSkinnyStreamDecoder, probeSkinny, SKINNY_MESSAGE_NAMES } from '../../../src/decoders/skinny/index.js';
import type { DecodedMessage, FlowInfo } from '../../../src/decoders/types.js';
import { fromHex, loadExpectedOps, loadVectors, replay } from '../dns/replay-vectors.js';
import { byPort, decodeFixture } from '../dns/pipeline.js';
import { leftoverAnomalyTests } from '../leftovers.js';

function decode(fixture: string): DecodedMessage[] {
  return replay(loadVectors('skinny', fixture), createSkinnyStreamDecoder, { serverPorts: [2000] });
}

/** tshark lists per frame every Skinny message id in it; ours is one message each, at the frame that completes it. */
function compareWithTshark(fixture: string, msgs: DecodedMessage[]): void {
  const ops = loadExpectedOps(fixture, 'skinny');
  const theirs = ops.flatMap((o) =>
    o['skinny.messageId'].split('|').map((id, k) => ({ frame: Number(o['frame.number']), id: Number(id), name: o['skinny.messageId_name'].split('|')[k] })),
  );
  const ours = [...msgs]
    .sort((a, b) => a.frame - b.frame || a.offset - b.offset)
    .map((m) => ({ frame: m.frame, id: m.fields.messageId, name: m.type }));
  expect(ours).toEqual(theirs);
  for (const m of msgs) {
    expect(m.fields.messageIdName).toBe(m.type);
    expect(m.anomalies).toBeUndefined();
  }
}

describe('Skinny against tshark', () => {
  for (const fixture of ['ndpi__skinny.pcap', 'ndpi__sccp_hw_conf_register.pcapng']) {
    it(fixture, () => compareWithTshark(fixture, decode(fixture)));
  }

  it('reads the registration: device name, RegisterAck keepalive, paired response', () => {
    const msgs = decode('ndpi__sccp_hw_conf_register.pcapng');
    const req = msgs.find((m) => m.type === 'RegisterReq')!;
    expect(req.direction).toBe('c2s');
    expect(req.fields).toMatchObject({ deviceName: 'NONSECURE_CONF', stationIpAddr: '172.18.110.58', deviceType: 0x34, instance: 1 });
    expect(req.summary).toBe('RegisterReq device NONSECURE_CONF ip 172.18.110.58');
    const ack = msgs.find((m) => m.type === 'RegisterAck')!;
    expect(ack.fields.keepAliveInterval).toBe(30);
    expect(ack.fields.secondaryKeepAliveInterval).toBe(60);
    expect(ack.pairedFrame).toBe(req.frame);
    expect(ack.responseTime).toBeCloseTo(0.000992, 6);
    const caps = msgs.find((m) => m.type === 'CapabilitiesRes')!;
    expect(caps.pairedFrame).toBe(msgs.find((m) => m.type === 'CapabilitiesReq')!.frame);
    expect(caps.fields.headerVersionName).toBe('V18');
  });

  it('several messages in one segment carry the same frame and consecutive offsets', () => {
    const msgs = decode('ndpi__skinny.pcap').filter((m) => m.frame === 30);
    expect(msgs).toHaveLength(10);
    for (let i = 1; i < msgs.length; i++) expect(msgs[i].offset).toBe(msgs[i - 1].offset + msgs[i - 1].length);
  });
});

const flow: FlowInfo = {
  id: 0,
  transport: 'tcp',
  clientIp: '10.0.0.5',
  clientPort: 51000,
  serverIp: '10.0.0.10',
  serverPort: 2000,
  client: '10.0.0.5:51000',
  server: '10.0.0.10:2000',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

/** Builds a Skinny message: length, header version, id, data. */
function skinny(id: number, data: number[] = [], version = 0): Uint8Array {
  const b = new Uint8Array(12 + data.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 4 + data.length, true);
  v.setUint32(4, version, true);
  v.setUint32(8, id, true);
  b.set(data, 12);
  return b;
}

function run(chunks: [('c2s' | 's2c'), Uint8Array, number, number][]): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const d = createSkinnyStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
  for (const [dir, b, frame, time] of chunks) d.data(dir, b, frame, time);
  d.end();
  return out;
}

describe('Skinny stream decoder', () => {
  it('names the registration family as tshark does', () => {
    const expected: Record<number, string> = {
      0x0000: 'KeepAliveReq',
      0x0001: 'RegisterReq',
      0x0002: 'IpPort',
      0x0100: 'KeepAliveAck',
      0x0081: 'RegisterAck',
      0x009d: 'RegisterReject',
      0x0027: 'UnregisterReq',
      0x0118: 'UnregisterAck',
      0x009b: 'CapabilitiesReq',
      0x0010: 'CapabilitiesRes',
      0x000f: 'VersionReq',
      0x0098: 'VersionRes',
      0x002c: 'MediaResourceNotification',
    };
    for (const [id, name] of Object.entries(expected)) expect(SKINNY_MESSAGE_NAMES[Number(id)]).toBe(name);
  });

  it('reports RegisterReject text, keepalive pairing, and unregistration', () => {
    const reject = [...new TextEncoder().encode('Device not configured'), 0, ...new Array(11).fill(0)];
    const out = run([
      ['c2s', skinny(0x0001, [...new TextEncoder().encode('SEP001122334455'), 0]), 1, 0],
      ['s2c', skinny(0x009d, reject), 2, 0.5],
      ['c2s', skinny(0x0000), 3, 1],
      ['s2c', skinny(0x0100), 4, 1.25],
      ['c2s', skinny(0x0027), 5, 2],
      ['s2c', skinny(0x0118, [0, 0, 0, 0]), 6, 2.1],
    ]);
    expect(out.map((m) => m.type)).toEqual(['RegisterReq', 'RegisterReject', 'KeepAliveReq', 'KeepAliveAck', 'UnregisterReq', 'UnregisterAck']);
    expect(out[0].fields.deviceName).toBe('SEP001122334455');
    expect(out[1].fields.text).toBe('Device not configured');
    expect(out[1].pairedFrame).toBe(1);
    expect(out[3].responseTime).toBe(0.25);
    expect(out[5].fields.statusName).toBe('Ok');
  });

  it('handles byte-by-byte delivery and resynchronises after a gap', () => {
    const a = skinny(0x0000);
    const b = skinny(0x0081, [30, 0, 0, 0], 0x12);
    const chunks: [('c2s' | 's2c'), Uint8Array, number, number][] = [];
    for (let i = 0; i < b.length; i++) chunks.push(['s2c', b.subarray(i, i + 1), 1 + i, 0]);
    const out = run(chunks);
    expect(out).toHaveLength(1);
    expect(out[0].frames).toHaveLength(b.length);
    const got: DecodedMessage[] = [];
    const d = createSkinnyStreamDecoder({ flow, emit: (m) => got.push(m), options: {} });
    d.data('c2s', a.subarray(0, 5), 1, 0);
    d.gap('c2s', 3, 2, 0);
    d.data('c2s', fromHex('deadbeef'), 3, 0);
    d.data('c2s', skinny(0x0001, new Array(16).fill(0x41)), 4, 0);
    d.end();
    expect(got.map((m) => m.type)).toEqual(['RegisterReq']);
    expect(got[0].anomalies?.map((x) => x.code)).toEqual(['message-cut-by-gap', 'resynchronised']);
  });

  leftoverAnomalyTests('skinny', createSkinnyStreamDecoder, skinny(0x0001, new Array(16).fill(0x41)));

  it('probeSkinny', () => {
    const reg = fromHex(loadVectors('skinny', 'ndpi__sccp_hw_conf_register.pcapng').packets[0].hex);
    expect(probeSkinny(reg, 'c2s')).toBe('yes');
    expect(probeSkinny(reg.subarray(0, 6), 'c2s')).toBe('maybe');
    expect(probeSkinny(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n'), 'c2s')).toBe('no');
    expect(probeSkinny(fromHex('160301020001000001fc0303'), 'c2s')).toBe('no');
  });

  it('never throws on random or mutated streams', () => {
    const samples = loadVectors('skinny', 'ndpi__skinny.pcap').packets.map((p) => fromHex(p.hex));
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        run(chunks.map((c, i) => [i % 2 ? 's2c' : 'c2s', c, i + 1, i]));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(10_000), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }), (flips) => {
        const packets = samples.map((p) => p.slice());
        for (const [pos, val] of flips) {
          const p = packets[pos % packets.length];
          p[(pos >> 4) % p.length] = val;
        }
        run(packets.map((p, i) => ['s2c', p, i + 1, i]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('Skinny through capture reader and flow tracker', () => {
  const pick = byPort([2000], { tcp: createSkinnyStreamDecoder });
  for (const fixture of ['ndpi__skinny.pcap', 'ndpi__sccp_hw_conf_register.pcapng']) {
    it(fixture, () => compareWithTshark(fixture, decodeFixture(fixture, { pick, serverPorts: [2000] })));
  }
});
