import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTlsStreamDecoder, parseCertificate, probeTls } from '../../../src/decoders/tls/index.js';
import type { DecodedMessage, FlowInfo } from '../../../src/decoders/types.js';
import { fromHex, loadExpectedOps, loadVectors, replay } from '../dns/replay-vectors.js';
import { byPort, decodeFixture } from '../dns/pipeline.js';
import { leftoverAnomalyTests } from '../leftovers.js';

const TLS_PORTS = [443, 3001];

const HANDSHAKE_NAMES: Record<string, number> = {
  ClientHello: 1,
  ServerHello: 2,
  NewSessionTicket: 4,
  Certificate: 11,
  ServerKeyExchange: 12,
  ServerHelloDone: 14,
  ClientKeyExchange: 16,
};

function decode(fixture: string): DecodedMessage[] {
  return replay(loadVectors('tls', fixture), createTlsStreamDecoder, { serverPorts: TLS_PORTS });
}

/**
 * tshark lists, per frame, the handshake types and alerts it could read (`tls.handshake || tls.alert_message`).
 * Ours: one message per handshake message or alert, at the frame where it completes.
 */
function compareWithTshark(fixture: string, msgs: DecodedMessage[]): void {
  const ops = loadExpectedOps(fixture, 'tls');
  const visible = msgs.filter((m) => m.type !== 'ChangeCipherSpec' && !(m.type === 'alert' && m.fields.encrypted));
  const frames = [...new Set(visible.map((m) => m.frame))].sort((a, b) => a - b);
  expect(frames).toEqual(ops.map((o) => Number(o['frame.number'])));
  for (const op of ops) {
    const here = visible.filter((m) => m.frame === Number(op['frame.number']));
    const hs = here.filter((m) => m.type !== 'alert');
    const theirTypes = op['tls.handshake.type'] ? op['tls.handshake.type'].split('|').map(Number) : [];
    expect(hs.map((m) => m.fields.handshakeType)).toEqual(theirTypes);
    for (const m of hs) expect(HANDSHAKE_NAMES[m.type]).toBe(m.fields.handshakeType);
    if (op['tls.handshake.extensions_server_name']) {
      expect(hs.find((m) => m.type === 'ClientHello')!.fields.serverName).toBe(op['tls.handshake.extensions_server_name']);
    }
    if (op['tls.alert_message.desc']) {
      const alert = here.find((m) => m.type === 'alert')!;
      expect(alert.fields.alertLevel).toBe(Number(op['tls.alert_message.level']));
      expect(alert.fields.alertDescription).toBe(Number(op['tls.alert_message.desc']));
    }
    // The record version of the first record in the frame.
    expect(here[0].fields.recordVersion).toBe(parseInt(op['tls.record.version'].split('|')[0], 16));
  }
}

/** The public captures with TLS in them. */
const TLS_FIXTURES = [
  'ndpi__tls_alert.pcap',
  'zeek__tls_openjdk-25.0.2-zeek.org.pcap',
  'ndpi__selfsigned.pcap',
  'pcapplusplus__many_interfaces-1.pcapng',
  'ndpi__psiphon3.pcap',
];

describe('TLS against tshark', () => {
  for (const fixture of TLS_FIXTURES) {
    it(fixture, () => compareWithTshark(fixture, decode(fixture)));
  }

  it('names the fatal protocol_version alert and the encrypted alert of the second stream', () => {
    const msgs = decode('ndpi__tls_alert.pcap');
    const fatal = msgs.find((m) => m.type === 'alert' && !m.fields.encrypted)!;
    expect(fatal.fields).toMatchObject({ alertLevelName: 'fatal', alertDescriptionName: 'protocol_version', serverName: 'www.google-analytics.com' });
    expect(fatal.direction).toBe('s2c');
    expect(fatal.summary).toBe('alert fatal protocol_version (70)');
    const enc = msgs.filter((m) => m.type === 'alert' && m.fields.encrypted);
    expect(enc.length).toBeGreaterThan(0);
    expect(enc[0].fields.alertDescriptionName).toBe('encrypted alert');
  });

  it('reads the self-signed certificate for localhost', () => {
    const msgs = decode('ndpi__selfsigned.pcap');
    const cert = msgs.find((m) => m.type === 'Certificate')!;
    const certs = cert.fields.certificates as Record<string, unknown>[];
    expect(certs).toHaveLength(1);
    expect(certs[0].selfSigned).toBe(true);
    expect(certs[0].subject).toBe(certs[0].issuer);
    expect(String(certs[0].notBefore)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(cert.summary).toContain('self-signed');
    const sh = msgs.find((m) => m.type === 'ServerHello')!;
    expect(sh.fields.versionName).toBe('TLS 1.2');
  });

  it('reassembles a certificate chain over several segments and reads issuer names', () => {
    const msgs = decode('ndpi__psiphon3.pcap');
    const cert = msgs.find((m) => m.type === 'Certificate')!;
    expect(cert.frames.length).toBeGreaterThan(1);
    const certs = cert.fields.certificates as Record<string, unknown>[];
    expect(certs.length).toBeGreaterThan(0);
    for (const c of certs) {
      expect(c.error).toBeUndefined();
      expect(typeof c.issuer).toBe('string');
      expect(c.notAfter).not.toBeNull();
    }
  });

  it('reports TLS 1.3 from supported_versions in the OpenJDK ServerHello', () => {
    const msgs = decode('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const ch = msgs.find((m) => m.type === 'ClientHello')!;
    expect(ch.fields.versions).toContain('TLS 1.3');
    expect(ch.fields.clientVersionName).toBe('TLS 1.2');
    expect(ch.fields.cipherSuiteCount as number).toBeGreaterThan(0);
    const sh = msgs.find((m) => m.type === 'ServerHello')!;
    expect(sh.fields.versionName).toBe('TLS 1.3');
    expect(sh.fields.serverVersion).toBe(0x0303);
    expect(String(sh.fields.cipherSuiteName)).toMatch(/^TLS_/);
  });

  it('reads ALPN from the Chrome ClientHello', () => {
    const ch = decode('pcapplusplus__many_interfaces-1.pcapng').find((m) => m.type === 'ClientHello')!;
    expect(Array.isArray(ch.fields.alpn)).toBe(true);
  });
});

const flow: FlowInfo = {
  id: 0,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  clientPort: 50000,
  serverIp: '10.0.0.2',
  serverPort: 443,
  client: '10.0.0.1:50000',
  server: '10.0.0.2:443',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
};

function clientStream(fixture: string): Uint8Array {
  const v = loadVectors('tls', fixture);
  const first = v.packets[0];
  const parts = v.packets.filter((p) => p.src === first.src && p.sport === first.sport).map((p) => fromHex(p.hex));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('TLS stream decoder', () => {
  it('decodes a ClientHello fed one byte at a time, and recovers after a gap', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const out: DecodedMessage[] = [];
    const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    d.data('c2s', hello.subarray(0, 7), 1, 0);
    d.gap('c2s', 100, 2, 0);
    d.data('c2s', hello.subarray(107), 3, 0); // the rest of the broken record: skipped
    for (let i = 0; i < hello.length; i++) d.data('c2s', hello.subarray(i, i + 1), 10 + i, 1);
    d.end();
    expect(out.map((m) => m.type)).toEqual(['ClientHello']);
    expect(out[0].fields.serverName).toBe('zeek.org');
    expect(out[0].frames).toHaveLength(hello.length);
    expect(out[0].anomalies?.length).toBeGreaterThan(0);
  });

  it('names handshake_failure and unknown_ca alerts with the SNI the client asked for', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const out: DecodedMessage[] = [];
    const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    d.data('c2s', hello, 1, 0);
    d.data('s2c', fromHex('15030300020228'), 2, 0.1); // fatal handshake_failure from the server
    d.data('c2s', fromHex('15030300020230'), 3, 0.2); // fatal unknown_ca from the client
    d.end();
    expect(out.map((m) => [m.direction, m.type, m.fields.alertDescriptionName, m.fields.serverName])).toEqual([
      ['c2s', 'ClientHello', undefined, 'zeek.org'],
      ['s2c', 'alert', 'handshake_failure', 'zeek.org'],
      ['c2s', 'alert', 'unknown_ca', 'zeek.org'],
    ]);
  });

  it('keeps what the end of the flow cut: on the direction’s last message, or a STREAM_ERROR', () => {
    const out: DecodedMessage[] = [];
    const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    // A whole record holding the first 5 bytes of a 256-byte ClientHello; the rest never comes.
    d.data('c2s', fromHex('16030300050100010000'), 1, 0);
    d.data('s2c', fromHex('15030300020228'), 2, 0.1);
    d.data('s2c', fromHex('150303'), 3, 0.2); // a record header cut short
    d.end();
    expect(out.map((m) => [m.direction, m.type, m.anomalies?.map((a) => [a.code, a.frame])])).toEqual([
      ['s2c', 'alert', [['incomplete-message', 3]]],
      ['c2s', 'STREAM_ERROR', [['incomplete-handshake-message', 1]]],
    ]);
    expect(out[1].fields).toEqual({ anomalies: 1 });
  });

  // Application data is stepped over in the segments, not buffered: a record cut by a gap or by the end of the
  // stream is reported exactly as when the record stream held it (same code, words, frame and offset).
  const appData = (bodyLength: number): Uint8Array => {
    const r = new Uint8Array(5 + bodyLength);
    r.set([23, 3, 3, bodyLength >> 8, bodyLength & 0xff]);
    return r;
  };

  it('a gap inside application data: the record is reported cut, the next record found again', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const out: DecodedMessage[] = [];
    const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    const record = appData(1000);
    d.data('c2s', hello, 1, 0);
    d.data('c2s', appData(20), 2, 0.1); // whole records, stepped over
    d.data('c2s', record.subarray(0, 405), 3, 0.2);
    d.gap('c2s', 300, 4, 0.3);
    d.data('c2s', record.subarray(705), 5, 0.4); // the record's last 300 bytes: no record start in them
    d.data('c2s', fromHex('1503030002' + '0100'), 6, 0.5); // a plaintext close_notify alert
    d.end();
    expect(out.map((m) => m.type)).toEqual(['ClientHello', 'alert']);
    expect(out[1].offset).toBe(hello.length + 25 + 1005);
    expect(out[1].anomalies?.map((a) => [a.code, a.frame, a.offset, a.message])).toEqual([
      ['message-cut-by-gap', 4, hello.length + 25, '405 bytes of a message were followed by 300 bytes that were not captured; that message is lost'],
      ['resynchronised', 5, hello.length + 730, 'skipped 300 bytes that did not start a message'],
    ]);
  });

  it('the stream ends inside application data: incomplete-message on the last message', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const out: DecodedMessage[] = [];
    const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    const record = appData(1000);
    d.data('c2s', hello, 1, 0);
    d.data('c2s', record.subarray(0, 100), 2, 0.1);
    d.data('c2s', record.subarray(100, 205), 3, 0.2);
    d.end();
    expect(out.map((m) => m.type)).toEqual(['ClientHello']);
    expect(out[0].anomalies?.map((a) => [a.code, a.frame, a.offset, a.message])).toEqual([
      ['incomplete-message', 3, hello.length, 'the stream ended 205 bytes into a message that was never completed'],
    ]);
  });

  it('bytes read where they lie (dataAt, inside a larger buffer) give what views of them give, in any chunks', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    const alert = fromHex('1503030002' + '0100');
    const stream = new Uint8Array(hello.length + 1005 + 25 + alert.length + 1005);
    stream.set(hello, 0);
    stream.set(appData(1000), hello.length);
    stream.set(appData(20), hello.length + 1005);
    stream.set(alert, hello.length + 1030);
    stream.set(appData(1000), hello.length + 1030 + alert.length);
    const cut = stream.length - 400; // the last record cut by the end
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: cut - 1 }), { maxLength: 10 }), fc.integer({ min: 0, max: 9 }), (cuts, pad) => {
        const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), cut];
        const run = (at: boolean): string => {
          const out: DecodedMessage[] = [];
          const d = createTlsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = stream.subarray(bounds[i], bounds[i + 1]);
            if (!at) {
              d.data('c2s', part, i + 1, i);
              continue;
            }
            // Bytes around the part that must not be read: 0x16 would start a handshake record.
            const buf = new Uint8Array(part.length + 2 * pad + 7).fill(0x16);
            buf.set(part, pad);
            d.dataAt!('c2s', buf, pad, part.length, i + 1, i);
          }
          d.end();
          return JSON.stringify(out);
        };
        expect(run(true)).toBe(run(false));
      }),
      { numRuns: 60 },
    );
  });

  // One whole record: the ClientHello's first.
  const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
  leftoverAnomalyTests('tls', createTlsStreamDecoder, hello.subarray(0, 5 + ((hello[3] << 8) | hello[4])));

  it('probeTls accepts hellos and refuses other protocols', () => {
    const hello = clientStream('zeek__tls_openjdk-25.0.2-zeek.org.pcap');
    expect(probeTls(hello, 'c2s')).toBe('yes');
    expect(probeTls(hello, 's2c')).toBe('no');
    expect(probeTls(hello.subarray(0, 4), 'c2s')).toBe('maybe');
    expect(probeTls(new TextEncoder().encode('REGISTER sip:x SIP/2.0\r\n'), 'c2s')).toBe('no');
    expect(probeTls(fromHex('47494f50010200000000'), 'c2s')).toBe('no');
  });

  it('never throws or hangs on random and mutated streams', () => {
    const samples = ['ndpi__selfsigned.pcap', 'ndpi__psiphon3.pcap', 'ndpi__tls_alert.pcap'].map((f) =>
      loadVectors('tls', f).packets.map((p) => fromHex(p.hex)),
    );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }), (chunks) => {
        const d = createTlsStreamDecoder({ flow, emit: () => {}, options: { keepRaw: true } });
        chunks.forEach((c, i) => d.data(i % 3 ? 's2c' : 'c2s', c, i + 1, i));
        d.end();
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(fc.tuple(fc.nat(100_000), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }),
        (which, flips) => {
          const packets = samples[which].map((p) => p.slice());
          for (const [pos, val] of flips) {
            const p = packets[pos % packets.length];
            if (p.length) p[(pos >> 5) % p.length] = val;
          }
          const d = createTlsStreamDecoder({ flow, emit: () => {}, options: {} });
          packets.forEach((p, i) => d.data(i % 2 ? 's2c' : 'c2s', p, i + 1, i));
          d.end();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parseCertificate never throws on random or mutated DER', () => {
    const certMsg = replay(loadVectors('tls', 'ndpi__psiphon3.pcap'), createTlsStreamDecoder, { serverPorts: TLS_PORTS, keepRaw: true }).find(
      (m) => m.type === 'Certificate',
    )!;
    // Handshake header (4) + list length (3) + first certificate length (3).
    const der = certMsg.raw!.subarray(10);
    expect(parseCertificate(der).issuerCN).toBe('Cloudflare Inc ECC CA-3');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        parseCertificate(b);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(der.length), (flips, cut) => {
        const b = der.slice(0, cut);
        for (const [pos, val] of flips) if (pos < b.length) b[pos] = val;
        parseCertificate(b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('TLS through capture reader and flow tracker', () => {
  const pick = byPort(TLS_PORTS, { tcp: createTlsStreamDecoder });
  for (const fixture of TLS_FIXTURES) {
    it(fixture, () => {
      const msgs = decodeFixture(fixture, { pick, serverPorts: TLS_PORTS });
      compareWithTshark(fixture, msgs);
      // Same messages as from the hand-extracted vectors.
      expect(msgs.map((m) => [m.frame, m.type, m.summary])).toEqual(decode(fixture).map((m) => [m.frame, m.type, m.summary]));
    });
  }
});
