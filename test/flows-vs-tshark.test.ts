/**
 * Every public capture, read by the capture reader and followed by the flow tracker, compared with
 * tshark 4.0's account of the same file (test/fixtures/public/expected/<file>.json).
 */

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { createFlowTracker, type FlowStats } from '../src/decoders/net/index.js';
import type { FlowRecord } from '../src/decoders/types.js';

const dir = join(import.meta.dirname, 'fixtures', 'public');
const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();

interface ExpectedStream {
  stream: number;
  a: string;
  b: string;
  first_frame: number;
  packets_a_to_b: number;
  packets_b_to_a: number;
  payload_bytes_a_to_b: number;
  payload_bytes_b_to_a: number;
  syn?: number;
  syn_ack?: number;
  rst?: number;
  fin?: number;
  /** Segments tshark flags tcp.analysis.retransmission (out-of-order ones are not). */
  retransmissions?: number;
}

interface Expected {
  frames: number;
  tcp_streams: ExpectedStream[];
  udp_streams: ExpectedStream[];
}

/**
 * Where tshark and ctiscope legitimately differ on a file, and why. Each entry is the narrowest change
 * that makes the comparison fair; every other file is compared as is.
 */
interface Exception {
  why: string;
  /** tshark's frame count includes records that are not packets. */
  packets?: number;
  /** tshark numbers these non-packet records as frames too, shifting the frame numbers after them. */
  tsharkNonPacketFrames?: number[];
  /** Run without idle expiry: the file stitches captures taken months or years apart. */
  noIdleExpiry?: boolean;
  /** tshark gives the two directions of one UDP 5-tuple these two udp.stream numbers. */
  mergeUdpStreams?: [number, number];
}

const EXCEPTIONS: Record<string, Exception> = {
  // MANIFEST.md: tshark 4.0 reads the 3 custom blocks as data frames with no interface (frames 1, 7, 10).
  'pcapng-testgen__le_test202.pcapng': { why: 'custom blocks counted as frames', packets: 8, tsharkNonPacketFrames: [1, 7, 10] },
  'pcapng-testgen__be_test202.pcapng': { why: 'custom blocks counted as frames', packets: 8, tsharkNonPacketFrames: [1, 7, 10] },
  // Generated file: DHCP frames 1 and 3 carry timestamp 0, frames 2 and 4 a 2012 one. With idle expiry the
  // flow of frame 1 ends when capture time jumps 42 years ahead, and frame 3 starts a new one.
  'pcapng-testgen__le_test100.pcapng': { why: 'timestamps jump between 1970 and 2012', noIdleExpiry: true },
  // A collage of single messages from captures made between 2004 and 2024; tcp.stream 5 continues at
  // frame 25 a month after frame 24. tshark never ends a stream on time, ctiscope does after idleTimeout.
  'pcapplusplus__ldap.pcapng': { why: 'collage of captures years apart', noIdleExpiry: true },
  // Frame 1 is stamped 1970, frame 4 (same 4-tuple) 2021.
  'pcapplusplus__dns_over_tcp.pcapng': { why: 'timestamps from 1970 and 2021 on one stream', noIdleExpiry: true },
  // tshark's SCCP dissector sets up RTP conversations per direction, which splits 192.168.195.58:32144 ↔
  // 192.168.195.50:17718 into udp.stream 1 and 3; with `--disable-protocol skinny` tshark also finds 5 streams.
  'ndpi__skinny.pcap': { why: 'SCCP media setup splits one RTP 5-tuple in two udp.streams', mergeUdpStreams: [1, 3] },
};

/** `keepCopies`: a packet captured twice counted twice, as tshark counts it (by default the copy is left out, duplicates.ts). */
function run(file: string, opts: { noIdleExpiry?: boolean; keepCopies?: boolean } = {}): { records: FlowRecord[]; stats: FlowStats; packets: number; truncated: boolean } {
  const records: FlowRecord[] = [];
  const tracker = createFlowTracker({ onFlowEnd: (r) => records.push(r), idleTimeout: opts.noIdleExpiry ? Infinity : undefined, keepCopies: opts.keepCopies });
  const summary = readCaptureBytes(new Uint8Array(readFileSync(join(dir, file))), { packet: (p) => tracker.packet(p) }, { file });
  const stats = tracker.finish();
  return { records, stats, packets: summary.packets, truncated: summary.truncated };
}

/** Applies an exception to tshark's streams: renumbers frames, merges split streams, renumbers streams. */
function adjust(streams: ExpectedStream[], ex: Exception | undefined, transport: 'tcp' | 'udp', ourPackets: number): ExpectedStream[] {
  let out = streams.map((s) => ({ ...s }));
  const skipped = ex?.tsharkNonPacketFrames;
  if (skipped && ourPackets === ex.packets) {
    for (const s of out) s.first_frame -= skipped.filter((f) => f < s.first_frame).length;
  }
  if (transport === 'udp' && ex?.mergeUdpStreams) {
    const [i, j] = ex.mergeUdpStreams;
    const x = out.find((s) => s.stream === i)!;
    const y = out.find((s) => s.stream === j)!;
    expect([y.a, y.b], 'streams to merge are the same 5-tuple reversed').toEqual([x.b, x.a]);
    x.packets_a_to_b += y.packets_b_to_a;
    x.packets_b_to_a += y.packets_a_to_b;
    x.payload_bytes_a_to_b += y.payload_bytes_b_to_a;
    x.payload_bytes_b_to_a += y.payload_bytes_a_to_b;
    out = out.filter((s) => s !== y);
  }
  out.sort((p, q) => p.stream - q.stream);
  out.forEach((s, k) => (s.stream = k));
  return out;
}

function compareStreams(file: string, transport: 'tcp' | 'udp', expected: ExpectedStream[], records: FlowRecord[]): void {
  // Flows known only from an ICMP error's quoted header have no packets of their own; tshark's summary
  // leaves ICMP frames out, so they have no counterpart there.
  const ours = records.filter((r) => r.transport === transport && r.packets.c2s + r.packets.s2c > 0);
  expect(ours.length, `${file}: ${transport} stream count`).toBe(expected.length);
  const byId = [...ours].sort((x, y) => x.id - y.id);
  for (const e of expected) {
    const where = `${file} ${transport}.stream ${e.stream} (${e.a} ↔ ${e.b})`;
    const r = ours.find(
      (o) => o.firstFrame === e.first_frame && ((o.client === e.a && o.server === e.b) || (o.client === e.b && o.server === e.a)),
    );
    expect(r, `${where}: no flow with these endpoints starting at frame ${e.first_frame}`).toBeDefined();
    if (!r) continue;
    // Flow ids follow the order of first packets, like tcp.stream / udp.stream (ICMP-only flows aside).
    expect(byId.indexOf(r), `${where}: position`).toBe(e.stream);
    const aIsClient = r.client === e.a;
    const aToB = aIsClient ? 'c2s' : 's2c';
    const bToA = aIsClient ? 's2c' : 'c2s';
    expect(
      [r.packets[aToB], r.packets[bToA], r.payloadBytes[aToB], r.payloadBytes[bToA]],
      `${where}: packets and payload bytes a→b, b→a`,
    ).toEqual([e.packets_a_to_b, e.packets_b_to_a, e.payload_bytes_a_to_b, e.payload_bytes_b_to_a]);
    if (transport === 'tcp') {
      const h = r.history;
      expect(
        { syn: /S/i.test(h), synAck: /H/i.test(h), rst: /R/i.test(h), fin: /F/i.test(h) },
        `${where}: flags seen (history ${h})`,
      ).toEqual({ syn: (e.syn ?? 0) > 0, synAck: (e.syn_ack ?? 0) > 0, rst: (e.rst ?? 0) > 0, fin: (e.fin ?? 0) > 0 });
      expect(r.retransmissions, `${where}: retransmissions (tcp.analysis.retransmission)`).toBe(e.retransmissions ?? 0);
    }
  }
}

describe('flows agree with tshark on every public capture', () => {
  for (const file of files) {
    it(file, () => {
      const expected = JSON.parse(readFileSync(join(dir, 'expected', `${file}.json`), 'utf8')) as Expected;
      const ex = EXCEPTIONS[file];
      const { records, stats, packets, truncated } = run(file, { noIdleExpiry: ex?.noIdleExpiry, keepCopies: true });
      expect(stats.packets).toBe(packets);
      // For a file cut short, tshark's frame count is what the reader could deliver (the fuzzed file's
      // one whole record), so the same comparison holds.
      expect(packets, `${file}: frames${ex ? ` (${ex.why})` : ''}${truncated ? ' (truncated file)' : ''}`).toBe(ex?.packets ?? expected.frames);
      compareStreams(file, 'tcp', adjust(expected.tcp_streams, ex, 'tcp', packets), records);
      compareStreams(file, 'udp', adjust(expected.udp_streams, ex, 'udp', packets), records);
    });
  }
});

describe('connection outcomes on real captures', () => {
  const tcp = (file: string) => run(file).records.filter((r) => r.transport === 'tcp');

  it('one_tcp_rst: a SYN answered by RST is REJ', () => {
    const [r] = tcp('pcapplusplus__one_tcp_rst.pcap');
    expect([r.state, r.client, r.server, r.roleBy, r.rstBy, r.rstFrame]).toEqual(['REJ', '10.1.1.13:45264', '10.1.1.6:20000', 'syn', 's2c', 2]);
  });

  it('custom_rules_same-ip_multiple_ports: three unanswered connects, each SYN sent 3 times over about 3 s', () => {
    const flows = tcp('ndpi__custom_rules_same-ip_multiple_ports.pcapng');
    expect(flows.map((r) => r.serverPort).sort()).toEqual([443, 444, 446]);
    for (const r of flows) expect(r.state).toBe('S0');
    const by = (port: number) => flows.find((r) => r.serverPort === port)!;
    // tshark: 3, 2 and 3 SYNs (port 444 has only one retransmission in the file).
    expect([by(443).syns, by(444).syns, by(446).syns]).toEqual([3, 2, 3]);
    expect(by(443).synSpan).toBeGreaterThan(2.5);
    expect(by(443).synSpan).toBeLessThan(3.5);
    expect(by(446).synSpan).toBeGreaterThan(2.5);
    expect(by(446).synSpan).toBeLessThan(3.5);
    expect(by(443).synFrames).toHaveLength(3);
    expect(by(443).retransmissions).toBe(2);
  });

  it('tcp_scan: refused connects are REJ, connects the client reset after the handshake are RSTO', () => {
    const flows = tcp('ndpi__tcp_scan.pcapng');
    const state = (port: number) => flows.find((r) => r.serverPort === port)!.state;
    expect([state(445), state(3389)]).toEqual(['REJ', 'REJ']);
    // SYN, SYN-ACK, ACK, then RST from the client: the handshake completed, so Zeek's rule gives RSTO
    // (RSTOS0 is for a client reset before any SYN-ACK).
    expect([state(80), state(443)]).toEqual(['RSTO', 'RSTO']);
    const r80 = flows.find((r) => r.serverPort === 80)!;
    expect([r80.rstBy, r80.synAckFrame, r80.history]).toEqual(['c2s', 5, 'ShAR']);
  });

  it('ldap-who-am-i: a complete session is SF', () => {
    const [r] = tcp('zeek__ldap-who-am-i.pcap');
    expect(r.state).toBe('SF');
    expect(r.history).toBe('ShADadFf');
    expect(r.openAtEnd).toBe(false);
  });

  it('psiphon3: every segment recorded twice: each copy left out, one SYN and no retransmission; counted as tshark counts them, the SYN twice', () => {
    const { records, stats } = run('ndpi__psiphon3.pcap');
    const [once] = records.filter((x) => x.transport === 'tcp');
    expect([stats.duplicates, stats.firstDuplicate, stats.firstDuplicateOf]).toEqual([31, 2, 1]);
    expect([once.syns, once.retransmissions, once.state, once.history]).toEqual([1, 0, 'SF', 'ShADadFf']);
    expect(once.packets.c2s + once.packets.s2c).toBe(31);
    const [r] = run('ndpi__psiphon3.pcap', { keepCopies: true }).records.filter((x) => x.transport === 'tcp');
    expect(r.syns).toBe(2);
    expect(r.synAckFrame).toBeDefined();
    expect(r.synFrames[1]).toBeLessThan(r.synAckFrame!);
    expect(r.state).toBe('SF');
    expect(r.history).toBe('SThtADadFf');
    // Every segment of this capture was recorded twice. tshark flags the repeats as retransmission (10)
    // or, when they come within the handshake's round trip (14.4 ms) of the segment that last brought new bytes
    // and do not end at the highest sequence number, out-of-order (7: frames 13, 25, 33, 34, 35, 50, 51);
    // ctiscope tells them apart the same way.
    expect(r.retransmissions).toBe(10);
  });

  it('icmp-destunreach-udp: the port-unreachable is attached to the DNS flow it quotes', () => {
    const { records, stats } = run('zeek__icmp-destunreach-udp.pcap');
    expect(stats.icmpErrors).toBe(1);
    expect(records).toHaveLength(1);
    const [r] = records;
    expect([r.transport, r.packets.c2s + r.packets.s2c, r.payloadBytes.c2s + r.payloadBytes.s2c]).toEqual(['udp', 0, 0]);
    expect(r.serverPort).toBe(53);
    expect(r.icmpErrors).toHaveLength(1);
    expect(r.icmpErrors[0]).toMatchObject({ frame: 1, kind: 'destination-unreachable', type: 3, code: 3, codeName: 'port-unreachable' });
  });

  it('smtp: the fragmentation-needed errors quoting TCP attach to the SMTP flow without adding to it', () => {
    const { records } = run('node-pcap-parser__smtp.pcap');
    const smtp = records.find((r) => r.transport === 'tcp' && r.serverPort === 25)!;
    expect(smtp.icmpErrors.map((e) => [e.frame, e.codeName])).toEqual([
      [26, 'fragmentation-needed'],
      [28, 'fragmentation-needed'],
      [29, 'fragmentation-needed'],
      [30, 'fragmentation-needed'],
    ]);
  });

  it('ipv4_fragmented-3: fragments that never complete produce no TCP flow', () => {
    const { records, stats } = run('zeek__ipv4_fragmented-3.pcap');
    expect(records).toHaveLength(0);
    expect(stats.fragments.fragments).toBe(5);
    expect(stats.fragments.reassembled).toBe(0);
    expect(stats.fragments.incompleteAtEnd).toBe(1);
  });

  it('a stitched capture: idle expiry ends a flow when capture time jumps past idleTimeout', () => {
    // The counterpart of the pcapplusplus__ldap.pcapng exception above, with the default timeout.
    const { records, stats } = run('pcapplusplus__ldap.pcapng');
    const split = records.filter((r) => r.client === '192.168.86.104:35313' || r.server === '192.168.86.104:35313');
    expect(split.map((r) => [r.firstFrame, r.openAtEnd])).toEqual([
      [9, false],
      [25, true],
    ]);
    expect(stats.flowsExpired).toBeGreaterThan(0);
  });

  it('tcp_rst_data-trunc: the RST payload is counted, the snaplen cut is counted as truncation', () => {
    const { records, stats } = run('tcpdump__tcp_rst_data-trunc.pcap');
    // One RST/ACK from port 80 with 58 bytes declared, 57 captured; port 80 makes its sender the server.
    expect([records[0].client, records[0].server, records[0].roleBy]).toEqual(['172.16.133.41:52875', '199.204.31.89:80', 'port']);
    expect(records[0].payloadBytes).toEqual({ c2s: 0, s2c: 58 });
    expect([records[0].state, records[0].rstBy]).toEqual(['RSTRH', 's2c']);
    expect(stats.truncated).toBe(1);
  });
  it("each connection's handshake round trip is tshark's initial RTT (tcp.analysis.initial_rtt) where the client sent one SYN and it was answered", () => {
    if (spawnSync('tshark', ['--version']).status !== 0) return expect.fail('tshark is not installed (scripts/ensure-system-deps.mjs installs it)');
    let compared = 0;
    for (const file of files) {
      const ex = EXCEPTIONS[file];
      const { records } = run(file, { ...ex, keepCopies: true });
      const out = spawnSync('tshark', ['-n', '-r', join(dir, file), '-Y', 'tcp.analysis.initial_rtt', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.analysis.initial_rtt'], { encoding: 'utf8' }).stdout;
      const tshark = new Map<number, number>();
      for (const line of out.trim().split('\n').filter(Boolean)) {
        const [stream, rtt] = line.split('\t');
        tshark.set(Number(stream), Number(rtt));
      }
      // A refused connect has no handshake (tshark times its RST as one): only answered SYNs.
      for (const r of records.filter((x) => x.transport === 'tcp' && x.syns === 1 && x.synAckFrame !== undefined)) {
        const theirs = tshark.get(r.id);
        if (theirs === undefined) {
          expect(r.handshakeRtt, `${file} tcp.stream ${r.id}: no handshake for tshark`).toBeUndefined();
          continue;
        }
        // A handshake within one timestamp is 0 s: tshark takes zero for "not yet" and times a later ACK instead.
        if (r.handshakeRtt === 0) continue;
        // tshark prints microseconds (nanoseconds for a nanosecond capture).
        expect(r.handshakeRtt, `${file} tcp.stream ${r.id}`).toBeCloseTo(theirs, 6);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(15);
  });
});
