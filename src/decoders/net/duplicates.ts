/**
 * The same IP packet captured twice: a SPAN session that mirrors both ports a packet crosses, Windows pktmon
 * recording it at several layers of the stack, or a capture on two interfaces that both carry it. Each copy would
 * otherwise be read as a retransmission: "6 SYNs" for Windows' three, two DNS queries for one, retransmission
 * counts on every flow. editcap -D removes such copies from a file; this does the same as the packets go by.
 *
 * A copy is a packet whose IP header (ID, fragment, TTL, checksum, addresses), transport ports and sequence number
 * (UDP: length and checksum) and captured length equal those of a packet shortly before it, within MAX_GAP
 * seconds: one of the latest packets of its bucket in a small hash table (a lookup, not a scan, so a packet costs a
 * few words read). A bucket holds four, the oldest making room: with one, a packet of another flow hashed to the same
 * bucket between a packet and its copy hid the copy, and that copy, remembered in its turn, could hide another's (a
 * mirrored port whose copies came 8 packets late had 1.8% of them read as retransmissions). Its link layer may differ
 * (a VLAN tag on one mirrored port only, or another interface). An IPv4 ID names
 * one packet of its sender, so that is enough; a packet whose ID says nothing (IPv4 ID 0, as Linux sends DF
 * datagrams; IPv6, which has none) is a copy only if every captured byte from its IP header on is the same too,
 * checked against a copy kept of such packets only. A real retransmission is no copy: IPv4 gives it a new ID, and
 * it comes a retransmission timeout later (a DNS query asked again, 5 s on).
 */

import type { IpPacket } from './ip.js';

/**
 * Buckets of the table of recent packets, by a hash of their key: a copy finds its original in its bucket. 1,024
 * packets in all, as many as when each bucket held one (a slot of a packet without an ID keeps 2 KB of its bytes).
 */
const BUCKETS = 256;
/** Packets a bucket holds (the oldest gives way to a new one): its slots are bucket * WAYS + way. */
const WAYS = 4;
const SLOTS = BUCKETS * WAYS;
/** Seconds between a packet and its copy, at most. */
const MAX_GAP = 0.05;
/**
 * Ints a slot holds: the key (the IPv4 header's ID and fragment word and its TTL, protocol and checksum word, which
 * covers the addresses and lengths too, or IPv6's first two words and its addresses folded; the transport's ports
 * and its second word, TCP's sequence number or UDP's length and checksum; the captured length), then the frame.
 */
const SLOT = 8;
/** Bytes kept of a packet without an ID, for the comparison (longer ones: their first this many). */
const KEPT_BYTES = 2048;

export class DuplicateFilter {
  private readonly slots = new Int32Array(SLOTS * SLOT);
  private readonly times = new Float64Array(SLOTS).fill(-Infinity);
  /** Per slot, the bytes of a packet without an ID (made on first need), and how many; -1 for a packet with one. */
  private readonly kept: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly keptLength = new Int32Array(SLOTS).fill(-1);
  /** The frame the copy found last copies. */
  copied = 0;

  /**
   * True when the IP packet `ip` of the captured packet `p` (its header at buf[ip.headerOffset], `end` the end of the
   * captured bytes) copies a recent packet; else it is remembered and false is returned.
   */
  isCopy(buf: Uint8Array, end: number, ip: IpPacket, p: { frame: number; time: number }): boolean {
    // Frame and time read from the packet: passed as numbers, the time would be a new heap number on every call.
    const frame = p.frame;
    const time = p.time;
    const h = ip.headerOffset;
    const t = ip.payloadOffset;
    // A runt without the key's words is never taken for a copy, nor remembered.
    if (h + 12 > end || t + 8 > end) return false;
    const v4 = ip.version === 4;
    const o = v4 ? h + 4 : h;
    const k0 = (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];
    const k1 = (buf[o + 4] << 24) | (buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7];
    const k2 = v4 ? ip.src0 ^ ip.dst0 : ip.src0 ^ ip.src1 ^ ip.src2 ^ ip.src3 ^ ip.dst0 ^ ip.dst1 ^ ip.dst2 ^ ip.dst3;
    const k3 = (buf[t] << 24) | (buf[t + 1] << 16) | (buf[t + 2] << 8) | buf[t + 3];
    const k4 = (buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7];
    const k5 = end - h;
    // The bucket: the key's words mixed, then murmur3's finaliser, so that neighbouring IDs and sequence numbers spread.
    let x = Math.imul(k0 ^ k4, 0x9e3779b1) ^ Math.imul(k1 ^ k5, 0x85ebca77) ^ Math.imul(k2 ^ k3, 0xc2b2ae3d);
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    const first = (x & (BUCKETS - 1)) * WAYS;
    const s = this.slots;
    // No ID to tell packets apart: IPv6, or IPv4 ID 0.
    const weak = !v4 || k0 >>> 16 === 0;
    for (let slot = first; slot < first + WAYS; slot++) {
      const at = slot * SLOT;
      const dt = time - this.times[slot];
      if (s[at + 4] === k4 && s[at] === k0 && s[at + 1] === k1 && s[at + 3] === k3 && s[at + 5] === k5 && s[at + 2] === k2 && dt <= MAX_GAP && dt >= -MAX_GAP && (!weak || this.sameBytes(slot, buf, h, end))) {
        this.copied = s[at + 6];
        return true;
      }
    }
    // Remembered in place of the oldest of its bucket.
    let slot = first;
    for (let w = first + 1; w < first + WAYS; w++) if (this.times[w] < this.times[slot]) slot = w;
    const at = slot * SLOT;
    s[at] = k0;
    s[at + 1] = k1;
    s[at + 2] = k2;
    s[at + 3] = k3;
    s[at + 4] = k4;
    s[at + 5] = k5;
    s[at + 6] = frame;
    this.times[slot] = time;
    if (weak) this.keep(slot, buf, h, end);
    else this.keptLength[slot] = -1;
    return false;
  }

  /** Keeps the bytes of a packet without an ID in its slot. */
  private keep(slot: number, buf: Uint8Array, from: number, end: number): void {
    const n = Math.min(end - from, KEPT_BYTES);
    const b = (this.kept[slot] ??= new Uint8Array(KEPT_BYTES));
    b.set(buf.subarray(from, from + n));
    this.keptLength[slot] = n;
  }

  /** The bytes kept in `slot` equal buf[from, end) (as far as they were kept). */
  private sameBytes(slot: number, buf: Uint8Array, from: number, end: number): boolean {
    const n = this.keptLength[slot];
    const b = this.kept[slot];
    if (n < 0 || b === undefined || n !== Math.min(end - from, KEPT_BYTES)) return false;
    for (let i = 0; i < n; i++) if (b[i] !== buf[from + i]) return false;
    return true;
  }
}

/** The warning for a capture's copies (FlowStats), said once at its end; undefined when there were none. */
export function duplicatesWarning(stats: { duplicates: number; firstDuplicate: number; firstDuplicateOf: number }): { code: string; message: string; frame: number } | undefined {
  if (stats.duplicates === 0) return undefined;
  const n = stats.duplicates;
  return {
    code: 'duplicate-frames',
    message:
      `${n === 1 ? '1 frame is a copy' : `${n.toLocaleString('en-US')} frames are copies`} of a packet captured just before ${n === 1 ? 'it' : 'them'} (the first, frame ${stats.firstDuplicate}, of frame ${stats.firstDuplicateOf}): ` +
      'the same packet captured twice (a SPAN session mirroring both ports, Windows pktmon at several layers, two interfaces); each packet was analysed once (editcap -D removes the copies from the file)',
    frame: stats.firstDuplicate,
  };
}
