import { describe, expect, it } from 'vitest';
import { decodeLink, LinkLayer, LinkStatus } from '../../../src/decoders/net/link.js';
import { decodeIpv4, decodeIpv6, formatIpv4, formatIpv6, IpPacket } from '../../../src/decoders/net/ip.js';
import { bytes, ether, fragmentHeader, ipv4, ipv6, text, udp } from './packets.js';

const ip4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: udp(1000, 53, text('hello')) });
const ip6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: udp(1000, 53, text('hello')) });

/**
 * Decodes a frame alone and, as the readers hand it, in place inside a larger buffer (bytes before it, and bytes
 * after its end that must not be read): both readings must agree, offsets shifted.
 */
function link(linkType: number, data: Uint8Array): LinkLayer {
  const out = new LinkLayer();
  decodeLink(linkType, data, out);
  const pad = 37;
  const chunk = new Uint8Array(pad + data.length + 64).fill(0x88);
  chunk.set(data, pad);
  const inPlace = new LinkLayer();
  decodeLink(linkType, chunk, inPlace, pad, pad + data.length);
  expect({ ...inPlace, offset: inPlace.offset - pad }).toEqual({ ...out });
  return out;
}

describe('decodeLink', () => {
  it('finds IPv4 and IPv6 in Ethernet II', () => {
    const a = link(1, ether(ip4, 0x0800));
    expect([a.status, a.offset]).toEqual([LinkStatus.IPV4, 14]);
    const b = link(1, ether(ip6, 0x86dd));
    expect([b.status, b.offset]).toEqual([LinkStatus.IPV6, 14]);
  });

  it('treats ARP and 802.3 length frames as not IP', () => {
    expect(link(1, ether(new Uint8Array(28), 0x0806)).status).toBe(LinkStatus.NOT_IP);
    // 802.3: the type field holds a length (≤ 1500), followed by LLC; even if IP-looking bytes follow.
    const llc = link(1, ether(ip4, ip4.length));
    expect(llc.status).toBe(LinkStatus.NOT_IP);
    expect(llc.etherType).toBe(0);
  });

  it('crosses 802.1Q, QinQ (802.1ad) and priority tags', () => {
    const one = link(1, ether(ip4, 0x0800, [{ tpid: 0x8100, vid: 808 }]));
    expect([one.status, one.offset, one.vlanId, one.vlanDepth]).toEqual([LinkStatus.IPV4, 18, 808, 1]);
    const qinq = link(1, ether(ip6, 0x86dd, [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 200 }]));
    expect([qinq.status, qinq.offset, qinq.vlanId, qinq.vlanDepth]).toEqual([LinkStatus.IPV6, 22, 200, 2]);
    const prio = link(1, ether(ip4, 0x0800, [{ tpid: 0x8100, vid: 0x6000 }]));
    expect([prio.status, prio.vlanId]).toEqual([LinkStatus.IPV4, 0]);
    const deep = link(1, ether(ip4, 0x0800, [0x9100, 0x88a8, 0x8100, 0x8100].map((tpid, i) => ({ tpid, vid: i + 1 }))));
    expect([deep.status, deep.offset, deep.vlanDepth]).toEqual([LinkStatus.IPV4, 30, 4]);
  });

  it('reports a frame cut inside its VLAN tags as truncated', () => {
    const frame = ether(ip4, 0x0800, [{ tpid: 0x8100, vid: 5 }]).subarray(0, 15);
    expect(link(1, frame).status).toBe(LinkStatus.TRUNCATED);
  });

  it('reads Linux cooked SLL and SLL2', () => {
    const sll = bytes([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00], ip4);
    expect([link(113, sll).status, link(113, sll).offset]).toEqual([LinkStatus.IPV4, 16]);
    const sll2 = bytes([0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], ip6);
    expect([link(276, sll2).status, link(276, sll2).offset]).toEqual([LinkStatus.IPV6, 20]);
    const arp = bytes([0x08, 0x06, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], new Uint8Array(28));
    expect(link(276, arp).status).toBe(LinkStatus.NOT_IP);
  });

  it('reads raw IP by version nibble (101) and by link type (228, 229)', () => {
    expect(link(101, ip4).status).toBe(LinkStatus.IPV4);
    expect(link(101, ip6).status).toBe(LinkStatus.IPV6);
    expect(link(101, new Uint8Array([0x50, 0, 0])).status).toBe(LinkStatus.NOT_IP);
    expect(link(228, ip4).status).toBe(LinkStatus.IPV4);
    expect(link(229, ip6).status).toBe(LinkStatus.IPV6);
  });

  it('reads BSD NULL in either byte order, every AF_INET6 value, and an Ethertype-style header', () => {
    expect(link(0, bytes([2, 0, 0, 0], ip4)).status).toBe(LinkStatus.IPV4);
    expect(link(0, bytes([0, 0, 0, 2], ip4)).status).toBe(LinkStatus.IPV4);
    for (const af of [10, 24, 28, 30]) {
      expect(link(0, bytes([af, 0, 0, 0], ip6)).status).toBe(LinkStatus.IPV6);
      expect(link(0, bytes([0, 0, 0, af], ip6)).status).toBe(LinkStatus.IPV6);
    }
    const et = link(0, bytes([0x0f, 0x00, 0x08, 0x00], ip4));
    expect([et.status, et.offset]).toEqual([LinkStatus.IPV4, 4]);
    expect(link(0, bytes([7, 0, 0, 0], ip4)).status).toBe(LinkStatus.NOT_IP);
  });

  it('reads OpenBSD LOOP in network order only', () => {
    expect(link(108, bytes([0, 0, 0, 2], ip4)).status).toBe(LinkStatus.IPV4);
    expect(link(108, bytes([0, 0, 0, 24], ip6)).status).toBe(LinkStatus.IPV6);
    expect(link(108, bytes([2, 0, 0, 0], ip4)).status).toBe(LinkStatus.NOT_IP);
  });

  it('says so for an unknown link type', () => {
    expect(link(147, ip4).status).toBe(LinkStatus.UNKNOWN_LINK);
  });
});

describe('IPv4', () => {
  it('reads addresses, protocol and skips header options', () => {
    const pkt = ipv4({ src: '192.0.2.1', dst: '198.51.100.7', proto: 6, payload: text('abcd'), options: [1, 1, 1, 0, 0x94, 4, 0, 0] });
    const ip = new IpPacket();
    expect(decodeIpv4(pkt, 0, pkt.length, ip)).toBe(true);
    expect([formatIpv4(ip.src0), formatIpv4(ip.dst0), ip.protocol, ip.payloadOffset, ip.payloadEnd]).toEqual(['192.0.2.1', '198.51.100.7', 6, 28, 32]);
    expect(ip.isFragment).toBe(false);
  });

  it('trims Ethernet padding after the total length', () => {
    const pkt = bytes(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: text('ab') }), new Uint8Array(24));
    const ip = new IpPacket();
    decodeIpv4(pkt, 0, pkt.length, ip);
    expect([ip.payloadEnd - ip.payloadOffset, ip.payloadLength, ip.lengthBeyondCapture]).toEqual([2, 2, false]);
  });

  it('keeps what is there when the total length claims more, and marks it', () => {
    const pkt = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: text('abcdef'), totalLength: 27 });
    const ip = new IpPacket();
    expect(decodeIpv4(pkt, 0, pkt.length, ip)).toBe(true);
    expect([ip.payloadEnd - ip.payloadOffset, ip.payloadLength, ip.lengthBeyondCapture]).toEqual([6, 7, true]);
  });

  it('rejects headers it cannot read', () => {
    const ip = new IpPacket();
    const good = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: text('x') });
    expect(decodeIpv4(good.subarray(0, 19), 0, 19, ip)).toBe(false);
    const badIhl = good.slice();
    badIhl[0] = 0x44;
    expect(decodeIpv4(badIhl, 0, badIhl.length, ip)).toBe(false);
    const shortTotal = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: text('x'), totalLength: 12 });
    expect(decodeIpv4(shortTotal, 0, shortTotal.length, ip)).toBe(false);
  });

  it('reads fragment fields', () => {
    const pkt = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, payload: new Uint8Array(16), id: 0x1234, moreFragments: true, fragOffset: 1480 });
    const ip = new IpPacket();
    decodeIpv4(pkt, 0, pkt.length, ip);
    expect([ip.isFragment, ip.moreFragments, ip.fragOffset, ip.fragId]).toEqual([true, true, 1480, 0x1234]);
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, routing and destination options to the upper layer', () => {
    const payload = udp(5353, 53, text('q'));
    const pkt = ipv6({
      src: 'fe80::1',
      dst: 'ff02::fb',
      proto: 17,
      payload,
      ext: [
        { type: 0, body: [0, 0, 1, 4, 0, 0, 0, 0] },
        { type: 43, body: [0, 2, 0, 0, 0, 0, 0, 0, ...new Array(16).fill(0)] },
        { type: 60, body: [0, 0, 1, 4, 0, 0, 0, 0] },
      ],
    });
    const ip = new IpPacket();
    expect(decodeIpv6(pkt, 0, pkt.length, ip)).toBe(true);
    expect([ip.protocol, ip.payloadOffset, ip.payloadEnd]).toEqual([17, 40 + 8 + 24 + 8, pkt.length]);
    expect(formatIpv6(ip.src0, ip.src1, ip.src2, ip.src3)).toBe('fe80::1');
    expect(formatIpv6(ip.dst0, ip.dst1, ip.dst2, ip.dst3)).toBe('ff02::fb');
  });

  it('reads a fragment header, and treats an atomic fragment as whole', () => {
    const ip = new IpPacket();
    const frag = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: new Uint8Array(24), ext: [fragmentHeader(1232, true, 0xdeadbeef)] });
    decodeIpv6(frag, 0, frag.length, ip);
    expect([ip.isFragment, ip.fragOffset, ip.moreFragments, ip.fragId >>> 0, ip.protocol]).toEqual([true, 1232, true, 0xdeadbeef, 17]);
    const atomic = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: udp(1, 2, text('x')), ext: [fragmentHeader(0, false, 7)] });
    decodeIpv6(atomic, 0, atomic.length, ip);
    expect([ip.isFragment, ip.protocol, ip.payloadOffset]).toEqual([false, 17, 48]);
  });

  it('trims to the payload length and marks a payload cut short', () => {
    const ip = new IpPacket();
    const pkt = bytes(ipv6({ src: '::1', dst: '::1', proto: 17, payload: text('abc') }), [0, 0]);
    decodeIpv6(pkt, 0, pkt.length, ip);
    expect([ip.payloadEnd - ip.payloadOffset, ip.lengthBeyondCapture]).toEqual([3, false]);
    const cut = ipv6({ src: '::1', dst: '::1', proto: 17, payload: text('abc'), payloadLength: 10 });
    decodeIpv6(cut, 0, cut.length, ip);
    expect([ip.payloadEnd - ip.payloadOffset, ip.payloadLength, ip.lengthBeyondCapture]).toEqual([3, 10, true]);
  });

  it('formats addresses as RFC 5952 says', () => {
    const w = (s: string) => s.split(':').map((g) => parseInt(g, 16));
    const f = (s: string) => {
      const g = w(s);
      return formatIpv6((g[0] << 16) | g[1], (g[2] << 16) | g[3], (g[4] << 16) | g[5], (g[6] << 16) | g[7]);
    };
    expect(f('2001:470:1f0b:16b0:0:0:a26:53')).toBe('2001:470:1f0b:16b0::a26:53');
    expect(f('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(f('0:0:0:0:0:0:0:0')).toBe('::');
    expect(f('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(f('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(f('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:3:4:5:6');
    expect(f('2001:db8:0:2:3:4:5:6')).toBe('2001:db8:0:2:3:4:5:6');
  });
});
