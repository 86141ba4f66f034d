/**
 * Which shard of a parallel run a packet belongs to: a symmetric hash of its two IP addresses, so that both
 * directions of a flow, every fragment of a datagram (which carry no ports) and the ICMP errors quoting a
 * flow's packets (hashed on the quoted header) all reach the shard that tracks that flow. Packets that are
 * not IP, or are IP but carry no flow, go to shard 0, which only counts them.
 */

import type { CapturedPacket } from '../capture/types.js';
import { decodeIcmpError, IcmpError } from '../decoders/net/icmp.js';
import { decodeIpv4, decodeIpv6, IpPacket, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../decoders/net/ip.js';
import { decodeLink, LinkLayer, LinkStatus } from '../decoders/net/link.js';

function mix(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ w1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ w2, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ w3, 0x165667b1);
  return h ^ (h >>> 16);
}

/** Symmetric in the two addresses: a→b and b→a give the same value. */
function pairHash(ip: IpPacket): number {
  const h = (mix(ip.src0, ip.src1, ip.src2, ip.src3) + mix(ip.dst0, ip.dst1, ip.dst2, ip.dst3)) | 0;
  return (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ (h >>> 12)) >>> 0;
}

export class ShardRouter {
  private readonly link = new LinkLayer();
  private readonly ip = new IpPacket();
  private readonly icmp = new IcmpError();

  constructor(readonly shards: number) {}

  shardOf(p: CapturedPacket): number {
    const data = p.data;
    const status = decodeLink(p.linkType, data, this.link);
    const ip = this.ip;
    let ok = false;
    if (status === LinkStatus.IPV4) ok = decodeIpv4(data, this.link.offset, data.length, ip);
    else if (status === LinkStatus.IPV6) ok = decodeIpv6(data, this.link.offset, data.length, ip);
    if (!ok) return 0;
    const proto = ip.protocol;
    if (!ip.isFragment && ((proto === IPPROTO_ICMP && ip.version === 4) || (proto === IPPROTO_ICMPV6 && ip.version === 6))) {
      // An ICMP error belongs with the flow it quotes; other ICMP is only counted.
      if (!decodeIcmpError(ip.buf, ip.payloadOffset, ip.payloadEnd, ip.version === 6, this.icmp)) return 0;
      return pairHash(this.icmp.quoted) % this.shards;
    }
    return pairHash(ip) % this.shards;
  }
}
