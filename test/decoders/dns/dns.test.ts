import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createDnsDatagramDecoder,
  createDnsDecoder,
  createDnsStreamDecoder,
  decodeDnsMessage,
  probeDns,
  probeDnsDatagram,
} from '../../../src/decoders/dns/index.js';
import type { DecodedMessage, FlowInfo } from '../../../src/decoders/types.js';
import { fromHex, loadExpectedOps, loadVectors, replay } from './replay-vectors.js';
import { byPort, decodeFixture } from './pipeline.js';
import { leftoverAnomalyTests } from '../leftovers.js';

const DNS_PORTS = [53, 5353, 5355];

/** Compares our messages one for one with tshark's `ops.dns` rows of the fixture. */
function compareWithTshark(fixture: string, messages: DecodedMessage[]): void {
  const ops = loadExpectedOps(fixture, 'dns');
  expect(messages.length).toBe(ops.length);
  const byFrame = [...messages].sort((a, b) => a.frame - b.frame);
  byFrame.forEach((m, i) => {
    const op = ops[i];
    expect(m.frame).toBe(Number(op['frame.number']));
    expect(m.fields.id).toBe(parseInt(op['dns.id'], 16));
    expect(m.type).toBe(op['dns.flags.response'] === '1' ? 'response' : 'query');
    expect(m.fields.qname).toBe(op['dns.qry.name']);
    expect(m.fields.qtype).toBe(Number(op['dns.qry.type']));
    expect(m.fields.answerCount).toBe(Number(op['dns.count.answers']));
    if (op['dns.flags.rcode'] !== undefined) expect(m.fields.rcode).toBe(Number(op['dns.flags.rcode']));
    // tshark's dns.a/dns.aaaa list addresses from every section; ours split answers from glue.
    const ours = [...(m.fields.addresses as string[]), ...((m.fields.additionalAddresses as string[] | undefined) ?? [])];
    const theirs = [op['dns.a'], op['dns.aaaa']].filter(Boolean).flatMap((s) => s.split('|'));
    expect(ours.sort()).toEqual(theirs.sort());
    expect(m.anomalies).toBeUndefined();
  });
}

describe('DNS against tshark', () => {
  for (const fixture of [
    'pcapplusplus__dns_over_tcp.pcapng',
    'ndpi__avast_securedns.pcapng',
    'zeek__ipv6-fragmented-dns.pcap',
    'tcpdump__LINKTYPE_RAW_ipv6.pcap',
    'node-pcap-parser__be.pcap',
    'ndpi__dns_fragmented.pcap',
    'pcapplusplus__many_interfaces-1.pcapng',
  ]) {
    it(fixture, () => {
      const v = loadVectors('dns', fixture);
      compareWithTshark(fixture, replay(v, createDnsDecoder, { serverPorts: DNS_PORTS }));
    });
  }

  it('reports NXDOMAIN over TCP with its SOA and pairs it with the query', () => {
    const msgs = replay(loadVectors('dns', 'pcapplusplus__dns_over_tcp.pcapng'), createDnsDecoder, { serverPorts: [53] });
    const nx = msgs.find((m) => m.frame === 3)!;
    expect(nx.fields.rcodeName).toBe('NXDOMAIN');
    expect(nx.fields.qtypeName).toBe('AAAA');
    expect(nx.pairedFrame).toBe(2);
    expect(nx.responseTime).toBeGreaterThanOrEqual(0);
    const soa = (nx.fields.authority as { typeName: string; data: string }[]).find((r) => r.typeName === 'SOA')!;
    expect(soa.data).toBe('a.gtld-servers.net nstld.verisign-grs.com 1608102303 1800 900 604800 86400');
    expect(nx.summary).toContain('NXDOMAIN AAAA cole-tech.net');
  });

  it('pairs UDP responses with the first of retransmitted queries and decodes SERVFAIL', () => {
    const msgs = replay(loadVectors('dns', 'ndpi__dns_fragmented.pcap'), createDnsDecoder, { serverPorts: [53] });
    const r39 = msgs.find((m) => m.frame === 39)!;
    expect(r39.pairedFrame).toBe(36);
    const servfail = msgs.find((m) => m.frame === 31)!;
    expect(servfail.fields.rcodeName).toBe('SERVFAIL');
    expect(servfail.pairedFrame).toBe(30);
    // The IPv6 TCP stream: a DNSKEY answer of 1730 bytes split over several segments.
    const tcp = msgs.find((m) => m.frame === 50)!;
    expect(tcp.transport).toBe('tcp');
    const types = (tcp.fields.answers as { typeName: string }[]).map((a) => a.typeName);
    expect(types.filter((t) => t === 'DNSKEY').length).toBeGreaterThan(0);
    expect(types.every((t) => t === 'DNSKEY' || t === 'RRSIG')).toBe(true);
  });

  it('decodes PTR answers, TXT data and CNAME chains', () => {
    const msgs = replay(loadVectors('dns', 'pcapplusplus__many_interfaces-1.pcapng'), createDnsDecoder, { serverPorts: DNS_PORTS });
    const ptr = msgs.find((m) => m.frame === 7)!;
    expect((ptr.fields.answers as { typeName: string; data: string }[])[0].typeName).toBe('PTR');
    const txt = replay(loadVectors('dns', 'ndpi__avast_securedns.pcapng'), createDnsDecoder, { serverPorts: [53] }).find((m) => m.frame === 2)!;
    expect((txt.fields.answers as { data: string }[])[0].data).toMatch(/^"/);
    const nl = replay(loadVectors('dns', 'pcapplusplus__NullLoopback.pcap'), createDnsDecoder, { serverPorts: [53] })[0];
    const answers = nl.fields.answers as { typeName: string; data: string }[];
    expect(answers[0].typeName).toBe('CNAME');
    expect(nl.fields.addresses).toHaveLength(16);
  });
});

describe('decodeDnsMessage', () => {
  // A query for example.com A, id 0x1234 (tcpdump__LINKTYPE_RAW_ipv6.pcap frame 1).
  const query = fromHex('123401000001000000000000076578616d706c6503636f6d0000010001');

  it('reads the header and question', () => {
    const m = decodeDnsMessage(query);
    expect(m).toMatchObject({ id: 0x1234, response: false, recursionDesired: true, questionCount: 1 });
    expect(m.questions).toEqual([{ name: 'example.com', type: 1, typeName: 'A', class: 1, classTopBit: false }]);
    expect(m.anomalies).toEqual([]);
  });

  it('survives a compression pointer loop', () => {
    // Question name is a pointer to itself.
    const loop = fromHex('abcd81000001000100000000c00c00010001c00c000100010000003c000401020304');
    const m = decodeDnsMessage(loop);
    expect(m.anomalies.some((a) => a.message.includes('loop'))).toBe(true);
  });

  it('follows pointers in RDATA and formats AAAA, MX and SRV', () => {
    // Response: question "a.b" A; answers: AAAA 2001:db8::1, MX 10 mx.<ptr a.b>, SRV 1 2 5060 <ptr a.b>.
    const hex =
      '0001818000010003000000000161016200000100 01'.replace(/ /g, '') +
      'c00c001c00010000000a0010' + '20010db8000000000000000000000001' +
      'c00c000f00010000000a0007' + '000a026d78c00c' +
      'c00c002100010000000a0008' + '0001000213c4c00c';
    const m = decodeDnsMessage(fromHex(hex));
    expect(m.anomalies).toEqual([]);
    expect(m.answers.map((r) => r.data)).toEqual(['2001:db8::1', '10 mx.a.b', '1 2 5060 a.b']);
  });

  it('reports a message cut inside a record', () => {
    const full = fromHex(loadVectors('dns', 'node-pcap-parser__be.pcap').packets[0].hex);
    const m = decodeDnsMessage(full.subarray(0, full.length - 3));
    expect(m.questions).toHaveLength(0);
    expect(m.anomalies[0].code).toBe('bad-question');
  });

  it('never throws on random or mutated bytes', () => {
    const samples = loadVectors('dns', 'ndpi__dns_fragmented.pcap').packets.map((p) => fromHex(p.hex));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        decodeDnsMessage(b);
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(fc.tuple(fc.nat(4000), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(2000),
        (i, flips, cut) => {
          const b = samples[i].slice(0, samples[i].length - (cut % (samples[i].length + 1)));
          for (const [pos, val] of flips) if (b.length) b[pos % b.length] = val;
          const m = decodeDnsMessage(b);
          expect(typeof m.id).toBe('number');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('DNS stream decoder', () => {
  const flow: FlowInfo = {
    id: 3,
    transport: 'tcp',
    clientIp: '10.0.0.1',
    clientPort: 40000,
    serverIp: '10.0.0.53',
    serverPort: 53,
    client: '10.0.0.1:40000',
    server: '10.0.0.53:53',
    roleBy: 'syn',
    firstFrame: 1,
    start: 0,
  };
  const q = fromHex(loadVectors('dns', 'pcapplusplus__dns_over_tcp.pcapng').packets[1].hex);

  it('splits two messages in one segment and one message over byte-sized segments', () => {
    const out: DecodedMessage[] = [];
    const d = createDnsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    const two = new Uint8Array(q.length * 2);
    two.set(q);
    two.set(q, q.length);
    d.data('c2s', two, 1, 1);
    for (let i = 0; i < q.length; i++) d.data('c2s', q.subarray(i, i + 1), 10 + i, 2);
    d.end();
    expect(out.map((m) => m.fields.qname)).toEqual(['cole-tech.net', 'cole-tech.net', 'cole-tech.net']);
    expect(out[2].frames).toHaveLength(q.length);
    expect(out[2].offset).toBe(q.length * 2);
  });

  it('resynchronises after a gap', () => {
    const out: DecodedMessage[] = [];
    const d = createDnsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    d.data('c2s', q.subarray(0, 10), 1, 1);
    d.gap('c2s', 20, 2, 1);
    d.data('c2s', q.subarray(30), 3, 1); // the tail of the lost message
    d.data('c2s', q, 4, 2);
    d.end();
    expect(out).toHaveLength(1);
    expect(out[0].frame).toBe(4);
    expect(out[0].anomalies?.map((a) => a.code)).toContain('message-cut-by-gap');
  });

  leftoverAnomalyTests('dns', createDnsStreamDecoder, q);

  it('a gap in one direction rides on the next message of that direction, not the other’s', () => {
    const out: DecodedMessage[] = [];
    const d = createDnsStreamDecoder({ flow, emit: (m) => out.push(m), options: {} });
    d.data('c2s', q.subarray(0, 10), 1, 1);
    d.gap('c2s', q.length - 10, 2, 1);
    d.data('s2c', q, 3, 2);
    d.data('c2s', q, 4, 3);
    d.end();
    expect(out.map((m) => [m.direction, m.frame, m.anomalies?.map((a) => a.code)])).toEqual([
      ['s2c', 3, undefined],
      ['c2s', 4, ['message-cut-by-gap']],
    ]);
  });

  it('UDP decoder takes each datagram as a message; random streams never throw', () => {
    const out: DecodedMessage[] = [];
    const d = createDnsDatagramDecoder({ flow: { ...flow, transport: 'udp' }, emit: (m) => out.push(m), options: { keepRaw: true } });
    d.data('c2s', q.subarray(2), 5, 1);
    expect(out[0].raw).toEqual(q.subarray(2));
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const s = createDnsStreamDecoder({ flow, emit: () => {}, options: {} });
        chunks.forEach((c, i) => s.data(i % 2 ? 's2c' : 'c2s', c, i + 1, i));
        s.end();
      }),
      { numRuns: 200 },
    );
  });

  it('probeDns recognises a TCP query and refuses other protocols', () => {
    expect(probeDns(q, 'c2s')).toBe('yes');
    expect(probeDns(q, 's2c')).toBe('no');
    expect(probeDns(q.subarray(0, 8), 'c2s')).toBe('maybe');
    expect(probeDns(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 'c2s')).toBe('no');
    // The first bytes of a TLS ClientHello.
    expect(probeDns(fromHex('1603010200010001fc0303'.padEnd(40, '0')), 'c2s')).toBe('no');
  });
});

describe('DNS through capture reader and flow tracker', () => {
  const pick = byPort(DNS_PORTS, { udp: createDnsDatagramDecoder, tcp: createDnsStreamDecoder });
  for (const fixture of [
    'zeek__ipv6-fragmented-dns.pcap',
    'tcpdump__LINKTYPE_RAW_ipv6.pcap',
    'node-pcap-parser__be.pcap',
    'ndpi__dns_fragmented.pcap',
    'pcapplusplus__many_interfaces-1.pcapng',
    'pcapplusplus__NullLoopback.pcap',
    'node-pcap-parser__smtp.pcap',
  ]) {
    it(fixture, () => compareWithTshark(fixture, decodeFixture(fixture, { pick, serverPorts: DNS_PORTS })));
  }

  it('pcapplusplus__dns_over_tcp.pcapng (retransmission 51 years later)', () => {
    // Frame 1 is stamped 1970 and frame 4, a retransmission of it, 2021: with the tracker's idle timeout
    // the flow would be expired in between and frame 4 decoded again; tshark has no timeout.
    const msgs = decodeFixture('pcapplusplus__dns_over_tcp.pcapng', { pick, serverPorts: DNS_PORTS, idleTimeout: 1e10 });
    compareWithTshark('pcapplusplus__dns_over_tcp.pcapng', msgs);
  });

  it('ndpi__avast_securedns.pcapng (DNS on UDP 443, found by content as tshark does)', () => {
    const msgs = decodeFixture('ndpi__avast_securedns.pcapng', {
      pick: (f) => (f.transport === 'udp' ? createDnsDatagramDecoder : null),
      serverPorts: [443],
    });
    compareWithTshark('ndpi__avast_securedns.pcapng', msgs);
  });

  it('probeDnsDatagram recognises the UDP 443 queries and responses', () => {
    const v = loadVectors('dns', 'ndpi__avast_securedns.pcapng');
    const q = fromHex(v.packets[0].hex);
    const r = fromHex(v.packets[1].hex);
    expect(probeDnsDatagram(q, 'c2s')).toBe('yes');
    expect(probeDnsDatagram(r, 's2c')).toBe('yes');
    expect(probeDnsDatagram(r, 'c2s')).toBe('no');
    expect(probeDnsDatagram(new TextEncoder().encode('REGISTER sip:a SIP/2.0\r\n'), 'c2s')).toBe('no');
  });
});
