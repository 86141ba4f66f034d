/**
 * IPv4 and IPv6 fragment reassembly, bounded in datagrams, bytes and capture time.
 *
 * Fragments are rare next to whole packets, so this path may allocate (a string key and a copy per
 * fragment). A datagram is released only once every byte from 0 to the end marked by the last fragment
 * (more-fragments clear) has been captured; a datagram that never completes produces nothing. Where
 * fragments overlap, the bytes that arrived first win (the overlap is counted), so a later fragment cannot
 * rewrite what an earlier one said.
 */

import type { IpPacket } from './ip.js';

export interface FragmentLimits {
  /** Datagrams being reassembled at once (default 1024); the oldest is dropped beyond it. */
  maxDatagrams?: number;
  /** Bytes held across all datagrams (default 8 MiB). */
  maxBytes?: number;
  /** Seconds of capture time after a datagram's first fragment before it is abandoned (default 30). */
  timeout?: number;
}

export interface FragmentStats {
  /** Fragments received. */
  fragments: number;
  /** Datagrams completed. */
  reassembled: number;
  /** Datagrams abandoned after the timeout, on a limit, or left incomplete at the end. */
  timedOut: number;
  evicted: number;
  incompleteAtEnd: number;
  /** Fragments that overlapped bytes already held. */
  overlaps: number;
  /** Fragments that were inconsistent (past 64 KiB, beyond the end set by the last fragment, not 8-byte aligned). */
  invalid: number;
}

interface Piece {
  offset: number;
  data: Uint8Array;
}

interface PendingDatagram {
  pieces: Piece[];
  /** Datagram payload length, known once the last fragment arrived; -1 until then. */
  totalLength: number;
  bytes: number;
  firstTime: number;
  /** Upper-layer protocol (IPv6: the fragment header's next header of the first fragment). */
  protocol: number;
}

/** A completed datagram: its upper-layer payload and protocol. */
export interface ReassembledDatagram {
  payload: Uint8Array;
  protocol: number;
}

const MAX_DATAGRAM = 65535;

export class FragmentReassembler {
  private readonly pending = new Map<string, PendingDatagram>();
  private heldBytes = 0;
  private lastSweep = -Infinity;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeout: number;
  readonly stats: FragmentStats = { fragments: 0, reassembled: 0, timedOut: 0, evicted: 0, incompleteAtEnd: 0, overlaps: 0, invalid: 0 };

  constructor(limits: FragmentLimits = {}) {
    this.maxDatagrams = limits.maxDatagrams ?? 1024;
    this.maxBytes = limits.maxBytes ?? 8 << 20;
    this.timeout = limits.timeout ?? 30;
  }

  /** Datagrams currently held. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds the fragment `ip` describes (its payload is ip.buf[payloadOffset, payloadEnd)). Returns the whole
   * datagram when this fragment completed it, else null.
   */
  add(ip: IpPacket, time: number): ReassembledDatagram | null {
    this.stats.fragments++;
    if (time - this.lastSweep >= 1) this.sweep(time);
    const captured = ip.payloadEnd - ip.payloadOffset;
    const declaredEnd = ip.fragOffset + ip.payloadLength;
    if (declaredEnd > MAX_DATAGRAM || (ip.moreFragments && ip.payloadLength % 8 !== 0)) {
      this.stats.invalid++;
      return null;
    }
    const key =
      ip.version === 4
        ? `4|${ip.src0}|${ip.dst0}|${ip.protocol}|${ip.fragId}`
        : `6|${ip.src0}|${ip.src1}|${ip.src2}|${ip.src3}|${ip.dst0}|${ip.dst1}|${ip.dst2}|${ip.dst3}|${ip.fragId}`;
    let d = this.pending.get(key);
    if (!d) {
      if (this.pending.size >= this.maxDatagrams) this.evictOldest();
      d = { pieces: [], totalLength: -1, bytes: 0, firstTime: time, protocol: -1 };
      this.pending.set(key, d);
    }
    if (!ip.moreFragments) {
      if (d.totalLength >= 0 && d.totalLength !== declaredEnd) {
        this.stats.invalid++;
        return null;
      }
      d.totalLength = declaredEnd;
    } else if (d.totalLength >= 0 && declaredEnd > d.totalLength) {
      this.stats.invalid++;
      return null;
    }
    if (ip.fragOffset === 0) d.protocol = ip.protocol;
    else if (ip.version === 4 && d.protocol < 0) d.protocol = ip.protocol;
    if (captured > 0) {
      for (const p of d.pieces) {
        if (p.offset < ip.fragOffset + captured && ip.fragOffset < p.offset + p.data.length) {
          this.stats.overlaps++;
          break;
        }
      }
      // Copy: the frame buffer is reused by the reader.
      d.pieces.push({ offset: ip.fragOffset, data: ip.buf.slice(ip.payloadOffset, ip.payloadEnd) });
      d.bytes += captured;
      this.heldBytes += captured;
    }
    const done = this.complete(d);
    if (done) {
      this.remove(key, d);
      this.stats.reassembled++;
      return { payload: done, protocol: d.protocol };
    }
    while (this.heldBytes > this.maxBytes && this.pending.size > 0) this.evictOldest();
    return null;
  }

  /** The capture ended: counts and drops what never completed. */
  finish(): void {
    this.stats.incompleteAtEnd += this.pending.size;
    this.pending.clear();
    this.heldBytes = 0;
  }

  private complete(d: PendingDatagram): Uint8Array | null {
    if (d.totalLength < 0 || d.protocol < 0) return null;
    const sorted = d.pieces.slice().sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of sorted) {
      if (p.offset > covered) return null;
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < d.totalLength) return null;
    const out = new Uint8Array(d.totalLength);
    // Last arrival first, so the first arrival's bytes are the ones left in place.
    for (let i = d.pieces.length - 1; i >= 0; i--) {
      const p = d.pieces[i];
      const n = Math.min(p.data.length, d.totalLength - p.offset);
      if (n > 0) out.set(n === p.data.length ? p.data : p.data.subarray(0, n), p.offset);
    }
    return out;
  }

  private sweep(time: number): void {
    this.lastSweep = time;
    for (const [key, d] of this.pending) {
      if (time - d.firstTime > this.timeout) {
        this.remove(key, d);
        this.stats.timedOut++;
      }
    }
  }

  private evictOldest(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    this.remove(first.value[0], first.value[1]);
    this.stats.evicted++;
  }

  private remove(key: string, d: PendingDatagram): void {
    this.pending.delete(key);
    this.heldBytes -= d.bytes;
  }
}
