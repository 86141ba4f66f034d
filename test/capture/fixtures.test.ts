/**
 * Every public fixture against tshark 4.0's reading of it (expected/<file>.json, and times printed once
 * by `tshark -T fields -e frame.time_epoch`, copied below).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAll, readChunked } from './vectors.js';

const DIR = join(import.meta.dirname, '../fixtures/public');
const files = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f));

interface Expected {
  capinfos: { packets: number; interface_encapsulations?: string[] };
  frames: number;
}

const expectedOf = (f: string): Expected => JSON.parse(readFileSync(join(DIR, 'expected', `${f}.json`), 'utf8'));
const bytesOf = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

/** capinfos encapsulation names → LINKTYPE_* (Raw IP is 101 whatever DLT the file used). */
const LINK_TYPE_BY_NAME: [RegExp, number][] = [
  [/^Ethernet \(/, 1],
  [/^NULL\/Loopback \(/, 0],
  [/^Raw IP \(/, 101],
  [/^Linux cooked-mode capture v1 \(/, 113],
  [/^Linux cooked-mode capture v2 \(/, 276],
];

function linkTypeOf(name: string): number {
  for (const [re, lt] of LINK_TYPE_BY_NAME) if (re.test(name)) return lt;
  throw new Error(`no link type for ${name}`);
}

/** frame.time_epoch of the first and last frame as tshark 4.0 prints them. */
const TSHARK_TIMES: Record<string, [number, number]> = {
  'ndpi__custom_rules_same-ip_multiple_ports.pcapng': [1680119132.471406976, 1690371378.74811],
  'pcapplusplus__ldap.pcapng': [1103276405.901593, 1717403202.805],
  'pcapplusplus__nanosecs_big_endian.pcap': [1766361926.167647291, 1766361926.168451894],
  'tcpdump__tcp-handshake-nano.pcap': [1418145369.924505488, 1418145370.052115157],
  'node-pcap-parser__be.pcap': [3064.71459, 3064.896929],
  'pcapplusplus__many_interfaces-1.pcapng': [1439753725.701607, 1439753728.292345],
  'zeek__linux_dlt_sll2.pcap': [1660534249.872259, 1660535793.578961],
  // tshark prints the out-of-range nanosecond field as is: "980658802.1882137472"
  'ndpi__fuzz-2021-10-13.pcap': [980658803.882137472, 980658803.882137472],
};

describe('public fixtures', () => {
  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const f of files) {
    it(`${f}: packet count and link types as capinfos`, () => {
      const exp = expectedOf(f);
      const r = readAll(bytesOf(f), f);
      expect(r.summary.packets).toBe(exp.capinfos.packets);
      expect(r.packets.map((p) => p.frame)).toEqual(Array.from({ length: exp.capinfos.packets }, (_, i) => i + 1));
      if (exp.capinfos.interface_encapsulations) {
        expect(r.summary.interfaces.map((i) => i.linkType)).toEqual(exp.capinfos.interface_encapsulations.map(linkTypeOf));
      }
      const linkTypes = new Set(r.summary.interfaces.map((i) => i.linkType));
      for (const p of r.packets) {
        expect(p.caplen).toBe(p.data.length);
        expect(p.caplen).toBeLessThanOrEqual(p.origLen);
        expect(linkTypes.has(p.linkType)).toBe(true);
      }
      // Only the fuzzed file is cut short (tshark: "cut short in the middle of a packet").
      expect(r.summary.truncated).toBe(f === 'ndpi__fuzz-2021-10-13.pcap');
    });
  }

  for (const [f, [first, last]] of Object.entries(TSHARK_TIMES)) {
    it(`${f}: first and last packet times within 1 µs of tshark`, () => {
      const r = readAll(bytesOf(f), f);
      expect(Math.abs(r.packets[0].time - first)).toBeLessThan(1e-6);
      expect(Math.abs(r.packets[r.packets.length - 1].time - last)).toBeLessThan(1e-6);
    });
  }

  it('ndpi__fuzz-2021-10-13.pcap: one packet, then truncation at byte 237 (2 bytes into record 2)', () => {
    const r = readAll(bytesOf('ndpi__fuzz-2021-10-13.pcap'), 'ndpi__fuzz-2021-10-13.pcap');
    expect(r.summary.packets).toBe(1);
    // Format 2.0: incl_len and orig_len are swapped, as libpcap and Wireshark read it.
    expect(r.packets[0]).toMatchObject({ caplen: 197, origLen: 524501, linkType: 0 });
    expect(r.summary.truncated).toBe(true);
    const w = r.warnings.find((x) => x.code === 'truncated-record');
    expect(w?.offset).toBe(237);
    expect(w?.message).toContain('ndpi__fuzz-2021-10-13.pcap');
    expect(w?.message).toContain('byte 237');
  });

  it('tcpdump__tcp_rst_data-trunc.pcap: snaplen-cut frame 111 of 112', () => {
    const r = readAll(bytesOf('tcpdump__tcp_rst_data-trunc.pcap'));
    expect(r.packets[0]).toMatchObject({ caplen: 111, origLen: 112 });
  });

  it('pcapng-testgen test202 (LE and BE): 8 packets over 3 sections, SHB comments, SPB lengths', () => {
    for (const f of ['pcapng-testgen__le_test202.pcapng', 'pcapng-testgen__be_test202.pcapng']) {
      const r = readAll(bytesOf(f), f);
      expect(r.summary.sections).toBe(3);
      expect(r.summary.comments).toEqual(['test202 SHB-0', 'test202 SHB-1', 'test202 SHB-2']);
      // tshark: frame.len / frame.cap_len / interface of frames 2-6, 8, 9, 11 (1, 7, 10 are custom blocks)
      expect(r.packets.map((p) => [p.origLen, p.caplen, p.interfaceId])).toEqual([
        [314, 96, 0],
        [342, 96, 0],
        [168, 168, 1],
        [314, 128, 0],
        [342, 128, 0],
        [314, 128, 0],
        [342, 128, 0],
        [168, 168, 1],
      ]);
      expect(r.summary.interfaces.map((i) => i.name)).toEqual(['eth0', 'null1', 'silly ethernet interface 2', 'eth0', 'null1']);
      expect(r.names).toContainEqual(['fc01:dead::beef', ['foo.example.com']]);
      expect(r.names).toContainEqual(['10.1.2.4', ['bar.example.org']]);
      expect(r.names).toContainEqual(['192.168.1.2', ['a']]);
    }
  });

  it('pcapng-testgen__le_test100.pcapng: names from 5 NRBs (the last name per address is what tshark -z hosts shows)', () => {
    const r = readAll(bytesOf('pcapng-testgen__le_test100.pcapng'));
    const last = new Map<string, string>();
    for (const [a, n] of r.names) last.set(a, n[n.length - 1]);
    expect(Object.fromEntries(last)).toEqual({
      '192.168.1.2': 'qux.example.com',
      '10.1.2.4': 'bar.example.org',
      '192.168.1.3': 'bar.example.com',
      '192.168.1.8': 'example.com',
      '10.1.2.3': 'foo.example.org',
      'fc01:dead::beef': 'foo.example.com',
      'fc01:feed::beef': 'bar.example.net',
    });
  });

  it('ndpi__avast_securedns.pcapng: the Wireshark-written NRB gives 367 addresses', () => {
    const r = readAll(bytesOf('ndpi__avast_securedns.pcapng'));
    expect(new Set(r.names.map(([a]) => a)).size).toBe(367);
    expect(r.names).toContainEqual(['129.187.139.43', ['bvbr.bib-bvb.de']]);
    expect(r.names).toContainEqual(['35.214.154.67', ['67.154.214.35.bc.googleusercontent.com']]);
  });

  it('ndpi__custom_rules_same-ip_multiple_ports.pcapng: one ns and one µs interface', () => {
    const r = readAll(bytesOf('ndpi__custom_rules_same-ip_multiple_ports.pcapng'));
    expect(r.summary.interfaces.map((i) => i.tsUnit)).toEqual([1e-9, 1e-6]);
  });

  it('reads every fixture identically in 1-byte, odd-size and single pushes', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (const f of files) {
      const bytes = bytesOf(f);
      const whole = readAll(bytes, f);
      const sizes = Array.from({ length: 64 }, () => 1 + (rand() % 1500));
      for (const chunks of [[1], [7, 3, 1024], sizes]) {
        const r = readChunked(bytes, chunks, f);
        expect(r.packets).toEqual(whole.packets);
        expect(r.names).toEqual(whole.names);
        expect(r.summary).toEqual(whole.summary);
      }
    }
  });
});
