import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSipDecoder, createSipStreamDecoder, decodeSipMessage, probeSip } from '../../../src/decoders/sip/index.js';
import type { DecodedMessage, FlowInfo } from '../../../src/decoders/types.js';
import { fromHex, loadExpectedOps, loadVectors, replay } from '../dns/replay-vectors.js';
import { byPort, decodeFixture } from '../dns/pipeline.js';
import { leftoverAnomalyTests } from '../leftovers.js';

const SIP_PORTS = [5060, 5061, 5054];

function compareWithTshark(fixture: string, msgs: DecodedMessage[]): void {
  const ops = loadExpectedOps(fixture, 'sip');
  const sorted = [...msgs].sort((a, b) => a.frame - b.frame);
  expect(sorted.map((m) => m.frame)).toEqual(ops.map((o) => Number(o['frame.number'])));
  sorted.forEach((m, i) => {
    const op = ops[i];
    if (op['sip.Method']) {
      expect(m.type).toBe(op['sip.Method']);
      expect(m.fields.method).toBe(op['sip.Method']);
    } else {
      expect(m.type).toBe(op['sip.Status-Code']);
      expect(m.fields.statusCode).toBe(Number(op['sip.Status-Code']));
    }
    expect(m.fields.callId).toBe(op['sip.Call-ID']);
    expect(m.fields.cseq).toBe(op['sip.CSeq']);
    expect(m.anomalies).toBeUndefined();
  });
}

describe('SIP against tshark', () => {
  for (const fixture of ['zeek__sip_wireshark.pcap', 'pcapplusplus__sip_resp.pcap']) {
    it(fixture, () => compareWithTshark(fixture, replay(loadVectors('sip', fixture), createSipDecoder, { serverPorts: SIP_PORTS })));
  }

  it('shows the failed registration: 401 then 403 Wrong password, paired with their REGISTERs', () => {
    const msgs = replay(loadVectors('sip', 'zeek__sip_wireshark.pcap'), createSipDecoder, { serverPorts: SIP_PORTS });
    const r401 = msgs.find((m) => m.frame === 2)!;
    expect(r401.pairedFrame).toBe(1);
    expect(r401.responseTime).toBeGreaterThan(0);
    const r403 = msgs.find((m) => m.type === '403')!;
    expect(r403.fields.reason).toBe('Wrong password');
    expect(r403.pairedFrame).toBe(3);
    expect(msgs.find((m) => m.frame === 4)!.pairedFrame).toBe(3); // 100 Trying
    const reg = msgs.find((m) => m.frame === 1)!;
    expect(reg.fields.requestUri).toMatch(/^sip:/);
    expect(reg.fields.userAgent).not.toBeNull();
    expect(typeof reg.fields.from).toBe('string');
    expect(reg.summary).toMatch(/^REGISTER sip:/);
    const timeout = msgs.find((m) => m.type === '408')!;
    expect(timeout.fields.cseqMethod).toBe('INVITE');
  });

  it('reads the SIP message carried over TCP with its SDP body', () => {
    const msgs = replay(loadVectors('sip', 'pcapplusplus__sip_resp.pcap'), createSipDecoder, { serverPorts: SIP_PORTS });
    const tcp = msgs.find((m) => m.transport === 'tcp')!;
    expect(tcp.frame).toBe(5);
    expect(tcp.fields.statusCode).toBe(401);
    const ok = msgs.find((m) => m.frame === 3)!;
    expect(ok.fields.contentType).toBe('application/sdp');
    expect(ok.fields.contentLength as number).toBeGreaterThan(0);
  });
});

const flow: FlowInfo = {
  id: 1,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  clientPort: 40000,
  serverIp: '10.0.0.2',
  serverPort: 5060,
  client: '10.0.0.1:40000',
  server: '10.0.0.2:5060',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('SIP parsing and TCP framing', () => {
  const register =
    'REGISTER sip:cucm.example.com SIP/2.0\r\nv: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1\r\nf: <sip:1001@cucm.example.com>;tag=a\r\n' +
    't: <sip:1001@cucm.example.com>\r\ni: abc@10.0.0.1\r\nCSeq: 7 REGISTER\r\nm: <sip:1001@10.0.0.1:40000>\r\nExpires: 3600\r\n' +
    'User-Agent: Cisco-CSF\r\nSubject: a long\r\n  folded value\r\nl: 4\r\n\r\nbody';
  const reply = 'SIP/2.0 200 OK\r\ni: abc@10.0.0.1\r\nCSeq: 7 REGISTER\r\nContent-Length: 0\r\n\r\n';

  it('reads compact headers, folding and the body length', () => {
    const m = decodeSipMessage(enc(register));
    expect(m.kind).toBe('request');
    expect(m.headers.get('call-id')).toEqual(['abc@10.0.0.1']);
    expect(m.headers.get('subject')).toEqual(['a long folded value']);
    expect(m.contentLength).toBe(4);
    expect(m.bodyLength).toBe(4);
    expect(m.anomalies).toEqual([]);
  });

  it('splits TCP messages in one segment and across byte-sized segments, ignoring keep-alive CRLFs', () => {
    const out: DecodedMessage[] = [];
    const d = createSipStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    const both = enc(register + '\r\n\r\n' + register);
    d.data('c2s', both, 1, 0);
    const r = enc(reply);
    for (let i = 0; i < r.length; i++) d.data('s2c', r.subarray(i, i + 1), 10 + i, 1);
    d.end();
    expect(out.map((m) => m.type)).toEqual(['REGISTER', 'REGISTER', '200']);
    expect(out[0].fields).toMatchObject({ callId: 'abc@10.0.0.1', cseqNumber: 7, expires: 3600, userAgent: 'Cisco-CSF', contact: '<sip:1001@10.0.0.1:40000>' });
    expect(out[1].length).toBe(enc(register).length);
    expect(out[2].pairedFrame).toBe(1);
    expect(out[2].responseTime).toBe(1);
    expect(out[2].frames).toHaveLength(r.length);
  });

  it('resynchronises on the next start line after a gap', () => {
    const out: DecodedMessage[] = [];
    const d = createSipStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    const b = enc(register);
    d.data('c2s', b.subarray(0, 30), 1, 0);
    d.gap('c2s', 40, 2, 0);
    d.data('c2s', enc(register.slice(70) + register), 3, 0);
    d.end();
    expect(out).toHaveLength(1);
    expect(out[0].fields.cseq).toBe('7 REGISTER');
    expect(out[0].anomalies?.map((a) => a.code)).toContain('message-cut-by-gap');
  });

  leftoverAnomalyTests('sip', createSipStreamDecoder, enc(register));

  it('probeSip', () => {
    expect(probeSip(enc(register), 'c2s')).toBe('yes');
    expect(probeSip(enc(reply), 's2c')).toBe('yes');
    expect(probeSip(enc('REGIS'), 'c2s')).toBe('maybe');
    expect(probeSip(enc('REGISTER sip:x'), 'c2s')).toBe('maybe');
    expect(probeSip(enc('GET / HTTP/1.1\r\n'), 'c2s')).toBe('no');
    expect(probeSip(enc('INVITE me to dinner\r\n'), 'c2s')).toBe('no');
    expect(probeSip(fromHex('160301'), 'c2s')).toBe('no');
  });

  it('never throws on random or mutated input', () => {
    const samples = loadVectors('sip', 'zeek__sip_wireshark.pcap').packets.map((p) => fromHex(p.hex));
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const d = createSipStreamDecoder({ flow, emit: () => {}, options: {} });
        chunks.forEach((c, i) => d.data(i % 2 ? 's2c' : 'c2s', c, i + 1, i));
        d.end();
        for (const c of chunks) decodeSipMessage(c);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.nat(samples.length - 1), fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (i, flips) => {
        const b = samples[i].slice();
        for (const [pos, val] of flips) b[pos % b.length] = val;
        const d = createSipStreamDecoder({ flow, emit: () => {}, options: {} });
        d.data('c2s', b.subarray(0, b.length >> 1), 1, 0);
        d.data('c2s', b.subarray(b.length >> 1), 2, 0);
        d.end();
      }),
      { numRuns: 200 },
    );
  });
});

describe('SIP through capture reader and flow tracker', () => {
  const pick = byPort(SIP_PORTS, { udp: createSipDecoder, tcp: createSipDecoder });
  for (const fixture of ['zeek__sip_wireshark.pcap', 'pcapplusplus__sip_resp.pcap']) {
    it(fixture, () => compareWithTshark(fixture, decodeFixture(fixture, { pick, serverPorts: SIP_PORTS })));
  }
});
