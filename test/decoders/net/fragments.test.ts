import { describe, expect, it } from 'vitest';
import { FragmentReassembler } from '../../../src/decoders/net/fragments.js';
import { decodeIpv4, decodeIpv6, IpPacket } from '../../../src/decoders/net/ip.js';
import { fragmentHeader, ipv4, ipv6 } from './packets.js';

/** A datagram payload with recognisable bytes (i & 255). */
function datagram(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);
}

function v4Fragment(payload: Uint8Array, offset: number, length: number, more: boolean, id = 42): IpPacket {
  const pkt = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: payload.subarray(offset, offset + length), id, moreFragments: more, fragOffset: offset });
  const ip = new IpPacket();
  decodeIpv4(pkt, 0, pkt.length, ip);
  return ip;
}

function v6Fragment(payload: Uint8Array, offset: number, length: number, more: boolean, id = 99): IpPacket {
  const pkt = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: payload.subarray(offset, offset + length), ext: [fragmentHeader(offset, more, id)] });
  const ip = new IpPacket();
  decodeIpv6(pkt, 0, pkt.length, ip);
  return ip;
}

describe('FragmentReassembler', () => {
  const whole = datagram(3000);
  const parts: [number, number, boolean][] = [
    [0, 1480, true],
    [1480, 1480, true],
    [2960, 40, false],
  ];

  it('reassembles IPv4 fragments in order, releasing on the last one', () => {
    const r = new FragmentReassembler();
    const results = parts.map(([o, l, m], i) => r.add(v4Fragment(whole, o, l, m), i));
    expect(results.slice(0, 2)).toEqual([null, null]);
    expect(results[2]?.protocol).toBe(17);
    expect(results[2]?.payload).toEqual(whole);
    expect(r.size).toBe(0);
    expect(r.stats.reassembled).toBe(1);
  });

  it('reassembles fragments that arrive in reverse order', () => {
    const r = new FragmentReassembler();
    const results = parts
      .slice()
      .reverse()
      .map(([o, l, m], i) => r.add(v4Fragment(whole, o, l, m), i));
    expect(results[0]).toBeNull();
    expect(results[1]).toBeNull();
    expect(results[2]?.payload).toEqual(whole);
  });

  it('keeps the first bytes where fragments overlap, and counts the overlap', () => {
    const r = new FragmentReassembler();
    const forged = whole.slice();
    forged.fill(0xee, 1000, 1600);
    expect(r.add(v4Fragment(whole, 0, 1480, true), 0)).toBeNull();
    // Overlaps bytes 1000..1480 of the first fragment with different content.
    expect(r.add(v4Fragment(forged, 1000, 1000, true), 1)).toBeNull();
    const done = r.add(v4Fragment(whole, 2000, 1000, false), 2);
    expect(done).not.toBeNull();
    const expected = whole.slice();
    expected.fill(0xee, 1480, 1600); // only the part nobody sent before takes the second fragment's bytes
    expect(done!.payload).toEqual(expected);
    expect(r.stats.overlaps).toBe(1);
  });

  it('never releases a datagram whose fragments all have more-fragments set', () => {
    const r = new FragmentReassembler();
    for (let i = 0; i < 5; i++) expect(r.add(v4Fragment(whole, i * 160, 160, true), i)).toBeNull();
    expect(r.size).toBe(1);
    r.finish();
    expect(r.stats.incompleteAtEnd).toBe(1);
    expect(r.size).toBe(0);
  });

  it('does not release a datagram with a hole', () => {
    const r = new FragmentReassembler();
    expect(r.add(v4Fragment(whole, 0, 1480, true), 0)).toBeNull();
    expect(r.add(v4Fragment(whole, 2960, 40, false), 1)).toBeNull();
    expect(r.size).toBe(1);
  });

  it('keeps datagrams with different IDs apart', () => {
    const r = new FragmentReassembler();
    const other = datagram(3000).map((b) => b ^ 0xff);
    expect(r.add(v4Fragment(whole, 0, 1480, true, 1), 0)).toBeNull();
    expect(r.add(v4Fragment(other, 0, 1480, true, 2), 0)).toBeNull();
    expect(r.add(v4Fragment(other, 1480, 1520, false, 2), 0)?.payload).toEqual(other);
    expect(r.add(v4Fragment(whole, 1480, 1520, false, 1), 0)?.payload).toEqual(whole);
  });

  it('abandons a datagram after the timeout (capture time)', () => {
    const r = new FragmentReassembler({ timeout: 30 });
    expect(r.add(v4Fragment(whole, 0, 1480, true), 100)).toBeNull();
    expect(r.add(v4Fragment(whole, 1480, 1480, true), 110)).toBeNull();
    // 31 s after the first fragment: the old one is swept before this fragment is added.
    expect(r.add(v4Fragment(whole, 2960, 40, false), 131)).toBeNull();
    expect(r.stats.timedOut).toBe(1);
  });

  it('bounds datagrams and bytes held', () => {
    const r = new FragmentReassembler({ maxDatagrams: 4, maxBytes: 1 << 20 });
    for (let id = 0; id < 10; id++) r.add(v4Fragment(whole, 0, 1480, true, id), 0);
    expect(r.size).toBe(4);
    expect(r.stats.evicted).toBe(6);
    const small = new FragmentReassembler({ maxBytes: 4000 });
    for (let id = 0; id < 10; id++) small.add(v4Fragment(whole, 0, 1480, true, id), 0);
    expect(small.size).toBe(2);
  });

  it('rejects fragments past 64 KiB', () => {
    const r = new FragmentReassembler();
    expect(r.add(v4Fragment(datagram(2000), 0, 1000, true), 0)).toBeNull();
    const big = v4Fragment(datagram(2000), 0, 1000, false);
    big.fragOffset = 65000;
    expect(r.add(big, 0)).toBeNull();
    expect(r.stats.invalid).toBe(1);
  });

  it('reassembles IPv6 fragments, out of order', () => {
    const r = new FragmentReassembler();
    expect(r.add(v6Fragment(whole, 1232, 1232, true), 0)).toBeNull();
    expect(r.add(v6Fragment(whole, 2464, 536, false), 0)).toBeNull();
    const done = r.add(v6Fragment(whole, 0, 1232, true), 0);
    expect(done?.payload).toEqual(whole);
    expect(done?.protocol).toBe(17);
  });
});
