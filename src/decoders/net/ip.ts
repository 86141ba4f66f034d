/**
 * IPv4 and IPv6 headers, including IPv6 extension headers, decoded into a reused IpPacket struct.
 */

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;

/** Extension headers followed before giving up (a loop guard against crafted chains). */
const MAX_EXTENSION_HEADERS = 16;

/** Reused per packet: one decoded IP header. */
export class IpPacket {
  version: 4 | 6 = 4;
  /** Bytes that payloadOffset / payloadEnd refer to: the frame, or a reassembled datagram. */
  buf: Uint8Array = new Uint8Array(0);
  headerOffset = 0;
  /** Addresses as big-endian 32-bit words; IPv4 uses word 0 only (the others are 0). */
  src0 = 0;
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst0 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
  /** Upper-layer protocol (for IPv6, after the extension headers). */
  protocol = 0;
  /** Upper-layer bytes present: buf[payloadOffset, payloadEnd). */
  payloadOffset = 0;
  payloadEnd = 0;
  /** Upper-layer length the header declares; larger than payloadEnd − payloadOffset when bytes are missing. */
  payloadLength = 0;
  /** The header claims more bytes than the frame holds (snaplen cut, or a wrong total length). */
  lengthBeyondCapture = false;
  hopLimit = 0;
  /** Fragment of a larger datagram (offset > 0 or more-fragments set). */
  isFragment = false;
  /** Byte offset of this fragment within the datagram's payload. */
  fragOffset = 0;
  moreFragments = false;
  fragId = 0;
}

/** Decodes an IPv4 header at buf[offset]; `end` is the end of the captured bytes. Returns true when usable. */
export function decodeIpv4(buf: Uint8Array, offset: number, end: number, out: IpPacket): boolean {
  if (end - offset < 20) return false;
  const vihl = buf[offset];
  if (vihl >> 4 !== 4) return false;
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20 || offset + ihl > end) return false;
  const totalLength = (buf[offset + 2] << 8) | buf[offset + 3];
  // TSO-offloaded frames captured on the sender carry total length 0: use what was captured.
  const declaredEnd = totalLength === 0 ? end : offset + totalLength;
  if (totalLength !== 0 && totalLength < ihl) return false;
  out.version = 4;
  out.buf = buf;
  out.headerOffset = offset;
  out.src0 = ((buf[offset + 12] << 24) | (buf[offset + 13] << 16) | (buf[offset + 14] << 8) | buf[offset + 15]) | 0;
  out.dst0 = ((buf[offset + 16] << 24) | (buf[offset + 17] << 16) | (buf[offset + 18] << 8) | buf[offset + 19]) | 0;
  out.src1 = out.src2 = out.src3 = 0;
  out.dst1 = out.dst2 = out.dst3 = 0;
  out.protocol = buf[offset + 9];
  out.hopLimit = buf[offset + 8];
  out.payloadOffset = offset + ihl;
  // Longer than the header says: Ethernet padding, trimmed. Shorter: keep what is there and say so.
  out.lengthBeyondCapture = declaredEnd > end;
  out.payloadEnd = declaredEnd > end ? end : declaredEnd;
  out.payloadLength = declaredEnd - out.payloadOffset;
  const flagsFrag = (buf[offset + 6] << 8) | buf[offset + 7];
  out.moreFragments = (flagsFrag & 0x2000) !== 0;
  out.fragOffset = (flagsFrag & 0x1fff) * 8;
  out.isFragment = out.moreFragments || out.fragOffset !== 0;
  out.fragId = (buf[offset + 4] << 8) | buf[offset + 5];
  return true;
}

/** Decodes an IPv6 header and its extension headers at buf[offset]. Returns true when usable. */
export function decodeIpv6(buf: Uint8Array, offset: number, end: number, out: IpPacket): boolean {
  if (end - offset < 40) return false;
  if (buf[offset] >> 4 !== 6) return false;
  const payloadLength = (buf[offset + 4] << 8) | buf[offset + 5];
  out.version = 6;
  out.buf = buf;
  out.headerOffset = offset;
  out.src0 = readU32(buf, offset + 8);
  out.src1 = readU32(buf, offset + 12);
  out.src2 = readU32(buf, offset + 16);
  out.src3 = readU32(buf, offset + 20);
  out.dst0 = readU32(buf, offset + 24);
  out.dst1 = readU32(buf, offset + 28);
  out.dst2 = readU32(buf, offset + 32);
  out.dst3 = readU32(buf, offset + 36);
  out.hopLimit = buf[offset + 7];
  // Payload length 0 means a jumbogram (or TSO): take what was captured.
  const declaredEnd = payloadLength === 0 ? end : offset + 40 + payloadLength;
  out.lengthBeyondCapture = declaredEnd > end;
  const limit = declaredEnd > end ? end : declaredEnd;
  out.isFragment = false;
  out.moreFragments = false;
  out.fragOffset = 0;
  out.fragId = 0;
  let next = buf[offset + 6];
  let pos = offset + 40;
  for (let i = 0; i < MAX_EXTENSION_HEADERS; i++) {
    if (next === IPPROTO_FRAGMENT) {
      if (pos + 8 > limit) return false;
      const offFlags = (buf[pos + 2] << 8) | buf[pos + 3];
      const fragOffset = offFlags & 0xfff8;
      const more = (offFlags & 1) !== 0;
      next = buf[pos];
      pos += 8;
      // An atomic fragment (offset 0, no more) is a whole datagram: keep parsing it.
      if (fragOffset !== 0 || more) {
        out.isFragment = true;
        out.moreFragments = more;
        out.fragOffset = fragOffset;
        out.fragId = readU32(buf, pos - 4);
        break;
      }
      continue;
    }
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS || next === IPPROTO_MOBILITY) {
      if (pos + 8 > limit) return false;
      const len = (buf[pos + 1] + 1) * 8;
      next = buf[pos];
      pos += len;
      continue;
    }
    if (next === IPPROTO_AH) {
      if (pos + 8 > limit) return false;
      const len = (buf[pos + 1] + 2) * 4;
      next = buf[pos];
      pos += len;
      continue;
    }
    break;
  }
  if (pos > limit) return false;
  out.protocol = next;
  out.payloadOffset = pos;
  out.payloadEnd = limit;
  out.payloadLength = declaredEnd - pos;
  return true;
}

/**
 * After IPv6 reassembly: the datagram's payload starts with whatever followed the fragment header of the
 * first fragment (possibly more extension headers). Skips those; returns the upper-layer protocol and where
 * its header starts, or null when the chain is malformed. Not on the hot path (one call per reassembly).
 */
export function skipIpv6ExtensionHeaders(buf: Uint8Array, start: number, end: number, next: number): { protocol: number; offset: number } | null {
  let pos = start;
  for (let i = 0; i < MAX_EXTENSION_HEADERS; i++) {
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS || next === IPPROTO_MOBILITY) {
      if (pos + 8 > end) return null;
      const len = (buf[pos + 1] + 1) * 8;
      next = buf[pos];
      pos += len;
      continue;
    }
    if (next === IPPROTO_AH) {
      if (pos + 8 > end) return null;
      const len = (buf[pos + 1] + 2) * 4;
      next = buf[pos];
      pos += len;
      continue;
    }
    break;
  }
  if (pos > end) return null;
  return { protocol: next, offset: pos };
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) | 0;
}

/** "192.0.2.1" from a big-endian 32-bit word. */
export function formatIpv4(w: number): string {
  return `${(w >>> 24) & 255}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

/** RFC 5952 text form of an IPv6 address given as four big-endian 32-bit words ("2001:db8::1"). */
export function formatIpv6(w0: number, w1: number, w2: number, w3: number): string {
  const groups = [
    (w0 >>> 16) & 0xffff, w0 & 0xffff,
    (w1 >>> 16) & 0xffff, w1 & 0xffff,
    (w2 >>> 16) & 0xffff, w2 & 0xffff,
    (w3 >>> 16) & 0xffff, w3 & 0xffff,
  ];
  // The longest run of two or more zero groups (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep their dotted tail, as tshark shows them.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) return `::ffff:${formatIpv4(w3)}`;
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Text form of the source or destination address of `ip`. */
export function formatIpAddress(version: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  return version === 4 ? formatIpv4(w0) : formatIpv6(w0, w1, w2, w3);
}
