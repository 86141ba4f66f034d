/**
 * One direction of a TCP connection, put back in sequence order.
 *
 * Segments are delivered once, in order, each with the frame that carried it. Bytes seen again
 * (retransmissions, overlaps) are trimmed. Segments that arrive ahead of a hole are copied and held (up to
 * a bound) until the hole fills; a hole that will never fill (the peer acknowledged data past it, the bound
 * is reached, or the stream ends) is reported as a gap and delivery carries on after it. Bytes the peer
 * acknowledged that the capture never showed at all (a reply dropped at the capture point, with nothing after
 * it yet) are a gap too, reported at the ACK that proved them once that is beyond doubt (see acked()).
 * Sequence numbers are compared modulo 2^32, so streams that wrap around are handled.
 */

import type { Direction } from '../types.js';

/**
 * Where ordered bytes go. `bytes` is valid only during the call: a sink that keeps them must copy. A sink whose
 * data() returns false wants no more bytes: the direction is then `dataless` (see TcpDirection).
 */
export interface StreamSink {
  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): boolean | void;
  /** FlowConsumer.dataAt: taken instead of data() when present (no view made per segment). */
  dataAt?(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): boolean | void;
  gap(dir: Direction, length: number, frame: number, time: number): void;
}

export interface ReassemblyLimits {
  /** Out-of-order segments held per direction (default 256). */
  maxSegments?: number;
  /** Out-of-order bytes held per direction (default 1 MiB). */
  maxBytes?: number;
}

interface HeldSegment {
  seq: number;
  /** Captured bytes (a copy), or null when nobody consumes the payload. */
  data: Uint8Array | null;
  captured: number;
  /** Bytes declared by the headers but not captured (snaplen), after the captured ones. */
  missing: number;
  frame: number;
  time: number;
}

/** The held list of every direction that holds nothing (never written to). */
const NO_HELD: HeldSegment[] = [];

/** A hole acknowledged by the peer is believed only within this distance (guards against bogus ACKs). */
const MAX_ACK_JUMP = 1 << 30;

/**
 * An ACK for bytes not seen is believed once a later packet of the peer, this many seconds on, still acknowledges
 * them (or this side's next segment starts past them, or the stream ends): a capture that shows an ACK just before
 * the data it acknowledges (two interfaces merged, a SPAN port's reordering) loses nothing.
 */
export const UNSEEN_ACK_SETTLE = 0.2;

/** advancedAt's modulus: 2^30 units of 0.1 ms (29.8 h), so that it stays a small integer. */
const TIME_MASK = 0x3fffffff;

/** TcpDirection's flags, in one small integer (a field each cost 4 bytes per direction, on 100,000s of flows). */
const STARTED = 1;
const SYN_SEEN = 2;
const FIN_SEEN = 4;
const DATALESS = 8;

/**
 * Where and when a segment is. Read from an object, not passed as three numbers: V8 passes a number that is not a
 * small integer (a sequence number past 2^30, any time) to a function it did not inline as a new heap number, and
 * segment() runs on every packet. The tracker reuses one for the packets it reads; a held-back segment is its own.
 */
export interface SegmentStamp {
  seq: number;
  frame: number;
  time: number;
}

export class TcpDirection {
  private flags = 0;
  /** Sequence number of the next byte to deliver. */
  nextSeq = 0;
  isn = 0;
  /** Sequence number just past the last data byte, where the FIN sits. */
  finSeq = 0;
  /**
   * When a segment last brought new bytes, in 0.1 ms modulo 2^30 (a small integer, not a boxed double: flows are
   * many): bytes already seen that come within the out-of-order window of it are out of order (tshark's rule).
   */
  advancedAt = 0;
  gapBytes = 0;
  /** Bytes delivered through data() (captured and in order; counted, not handed over, once dataless). */
  deliveredBytes = 0;
  /** NO_HELD (shared) until a segment has to be held: most directions never hold one. */
  private held: HeldSegment[] = NO_HELD;
  /** held.length, read on every segment and ACK without touching the (nearly always empty) array. */
  private heldCount = 0;
  private heldBytes = 0;
  /** The limits object the caller passed (shared by every direction of a tracker: one field, not two). */
  private readonly limits: ReassemblyLimits;
  /**
   * Bytes acknowledged by the peer but not captured, up to `ack`, since the ACK in `frame`; made when first needed
   * (one field per direction, not three). A later ACK that acknowledged more proved the rest: `grown` says where the
   * first ACK's part ends and which ACK proved what came after, so each part is a gap at its own proof (a reply in it
   * is then known to have been due by the later one's time).
   */
  private unseen: { ack: number; frame: number; time: number; grown?: { from: number; frame: number; time: number } } | null = null;

  constructor(
    /** Mutable only for a flow whose roles are settled by its first payload (flows.ts, swapRoles). */
    public dir: Direction,
    limits: ReassemblyLimits = {},
  ) {
    this.limits = limits;
  }

  /** True once a base sequence number is known (SYN, or the first segment with data). */
  get started(): boolean {
    return (this.flags & STARTED) !== 0;
  }
  set started(v: boolean) {
    this.setFlag(STARTED, v);
  }

  get synSeen(): boolean {
    return (this.flags & SYN_SEEN) !== 0;
  }
  set synSeen(v: boolean) {
    this.setFlag(SYN_SEEN, v);
  }

  get finSeen(): boolean {
    return (this.flags & FIN_SEEN) !== 0;
  }
  set finSeen(v: boolean) {
    this.setFlag(FIN_SEEN, v);
  }

  /**
   * Nobody reads this direction's bytes any more (its sink's data() said so): segments are then only counted and
   * put in sequence, with no view made and nothing copied; gaps are still reported.
   */
  get dataless(): boolean {
    return (this.flags & DATALESS) !== 0;
  }
  set dataless(v: boolean) {
    this.setFlag(DATALESS, v);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** Out-of-order segments currently held. */
  get heldSegments(): number {
    return this.held.length;
  }

  /**
   * One segment from this direction, at `at` (its sequence number, frame and time). The payload is
   * buf[offset, offset+captured); `missing` more bytes were declared by the IP header but cut by the snaplen. Returns true when it counts as a retransmission
   * (data already seen, or a repeated SYN or FIN). Bytes already seen that come within `window` (0.1 ms units; the
   * handshake's round trip, or 3 ms) of the last segment that brought new ones, and do not end where the highest
   * seen do, are out of order, as tshark tells them apart, and not counted.
   */
  segment(
    at: SegmentStamp,
    syn: boolean,
    fin: boolean,
    buf: Uint8Array,
    offset: number,
    captured: number,
    missing: number,
    sink: StreamSink | null,
    window = 0,
  ): boolean {
    let retransmission = false;
    let seq = at.seq | 0;
    const frame = at.frame;
    const time = at.time;
    if (syn) {
      if (this.synSeen && seq === this.isn) retransmission = true;
      else if (!this.synSeen) {
        this.synSeen = true;
        this.isn = seq;
        if (!this.started || this.deliveredBytes === 0) {
          this.started = true;
          this.nextSeq = (seq + 1) | 0;
        }
      }
      seq = (seq + 1) | 0;
    }
    const declared = captured + missing;
    if (fin) {
      const at = (seq + declared) | 0;
      if (this.finSeen && at === this.finSeq && declared === 0) retransmission = true;
      this.finSeen = true;
      this.finSeq = at;
    }
    if (declared === 0) {
      // A FIN past bytes the peer acknowledged: they will not come.
      if (fin && this.unseen !== null && ((seq - this.nextSeq) | 0) > 0) this.settleUnseen(seq, sink);
      this.dropSeenUnseen();
      return retransmission;
    }
    if (!this.started) {
      // Mid-stream start: the first byte seen is the base.
      this.started = true;
      this.nextSeq = seq;
    }
    // Data that starts past bytes the peer acknowledged: those are lost, not late.
    if (this.unseen !== null && ((seq - this.nextSeq) | 0) > 0) this.settleUnseen(seq, sink);
    const now = Math.round(time * 1e4) & TIME_MASK;
    let repeated = false;
    for (;;) {
      const ahead = (seq - this.nextSeq) | 0;
      if (ahead <= 0) {
        repeated = ahead < 0;
        this.deliver(seq, buf, offset, captured, missing, frame, time, sink);
        this.drain(sink);
        break;
      }
      if (this.isHeld(seq, declared)) {
        repeated = true;
        break;
      }
      if (this.held.length < (this.limits.maxSegments ?? 256) && this.heldBytes + captured <= (this.limits.maxBytes ?? 1 << 20)) {
        this.hold(seq, buf, offset, captured, missing, frame, time, sink);
        break;
      }
      // The bound is reached: give up on the oldest hole, then look at this segment again.
      if (this.held.length > 0) this.skipFirstHole(sink);
      else this.skipTo(seq, frame, time, sink);
    }
    this.dropSeenUnseen();
    if (repeated) {
      const outOfOrder = window > 0 && ((now - this.advancedAt) & TIME_MASK) < window && this.endsBeforeHighest(seq, declared);
      if (!outOfOrder) retransmission = true;
    } else this.advancedAt = now;
    return retransmission;
  }

  /**
   * Whether an ACK of `ack` acknowledges bytes past those delivered, the only case in which acked() has work. Most
   * ACKs do not, and the tracker asks this (small enough to be inlined) first: a call to acked() boxes a sequence
   * number past 2^30 and the time as heap numbers, one garbage object each, on every packet.
   */
  acksAhead(ack: number): boolean {
    if (!this.started) return false;
    const jump = (this.dataLimit(ack) - this.nextSeq) | 0;
    return jump > 0 && jump <= MAX_ACK_JUMP;
  }

  /**
   * The peer acknowledged everything before `ack`, in the packet `frame` at `time`. A hole before held segments
   * that the peer has already received will never be filled by this capture: report it and deliver what follows.
   * Acknowledged bytes past everything seen are noted, and reported as a gap once settled (UNSEEN_ACK_SETTLE).
   */
  acked(ack: number, frame: number, time: number, sink: StreamSink | null): void {
    if (!this.acksAhead(ack)) return;
    const limit = this.dataLimit(ack);
    let jump = (limit - this.nextSeq) | 0;
    if (this.heldCount > 0) {
      while (this.held.length > 0 && ((limit - this.held[0].seq) | 0) >= 0 && ((this.held[0].seq - this.nextSeq) | 0) > 0) {
        this.skipFirstHole(sink);
      }
      if (this.held.length > 0) return;
      jump = (limit - this.nextSeq) | 0;
    }
    if (!this.isUnseen(jump)) return;
    const u = this.unseen;
    if (u === null) {
      this.unseen = { ack: limit, frame, time };
      return;
    }
    if (((limit - u.ack) | 0) > 0) {
      if (frame !== u.frame) u.grown = { from: u.grown?.from ?? u.ack, frame, time };
      u.ack = limit;
    }
    if (frame !== u.frame && time - u.time >= UNSEEN_ACK_SETTLE) this.settleUnseen(u.ack, sink);
  }

  /** The peer's SYN-ACK acknowledged `ack`: this direction's first byte, when nothing of it was seen yet. */
  startAt(ack: number): void {
    if (this.started) return;
    this.started = true;
    this.nextSeq = ack | 0;
  }

  /**
   * Whether `ack` acknowledges bytes of this direction not delivered yet: the peer had them when it sent its
   * segment, so the capture shows them later (taken out of order, or two taps' clocks apart) or lost them.
   */
  waitsFor(ack: number): boolean {
    return this.started && this.isUnseen((this.dataLimit(ack) - this.nextSeq) | 0);
  }

  /** The data an ACK of `ack` covers ends there, or at the FIN's sequence number when it acknowledges the FIN. */
  private dataLimit(ack: number): number {
    const limit = ack | 0;
    return this.finSeen && ((limit - this.finSeq) | 0) === 1 ? this.finSeq : limit;
  }

  /** Whether acknowledging `jump` bytes past the last delivered means bytes not seen (yet). */
  private isUnseen(jump: number): boolean {
    // One byte past the last seen is a FIN the capture missed, not data.
    return jump > 0 && jump <= MAX_ACK_JUMP && !(jump === 1 && !this.finSeen);
  }

  /**
   * Forgets acknowledged bytes once everything up to them has been seen: the data, and the FIN, which takes a
   * sequence number of its own (a peer's FIN-ACK captured before this side's FIN acknowledges one past the data).
   */
  dropSeenUnseen(): void {
    const u = this.unseen;
    if (u === null) return;
    const seen = this.finSeen && this.nextSeq === this.finSeq ? (this.finSeq + 1) | 0 : this.nextSeq;
    if (((seen - u.ack) | 0) >= 0) this.unseen = null;
  }

  /** The acknowledged bytes not seen are lost now, not late: the gap is reported at once. */
  settleUnseenNow(sink: StreamSink | null): void {
    if (this.unseen !== null) this.settleUnseen(this.unseen.ack, sink);
  }

  /** The stream is over: whatever is held is delivered, with gaps for the holes before it and after it. */
  flush(sink: StreamSink | null): void {
    while (this.held.length > 0) this.skipFirstHole(sink);
    if (this.unseen !== null) this.settleUnseen(this.unseen.ack, sink);
  }

  /** The acknowledged bytes not seen, up to `upTo` at most, are lost: a gap at the ACK that first proved them (each part). */
  private settleUnseen(upTo: number, sink: StreamSink | null): void {
    const u = this.unseen!;
    const end = ((upTo - u.ack) | 0) < 0 ? upTo : u.ack;
    const g = u.grown;
    if (g !== undefined) {
      this.skipTo(((end - g.from) | 0) < 0 ? end : g.from, u.frame, u.time, sink);
      this.skipTo(end, g.frame, g.time, sink);
    } else this.skipTo(end, u.frame, u.time, sink);
    if (((this.nextSeq - u.ack) | 0) >= 0) this.unseen = null;
  }

  private deliver(
    seq: number,
    buf: Uint8Array,
    offset: number,
    captured: number,
    missing: number,
    frame: number,
    time: number,
    sink: StreamSink | null,
  ): void {
    const declared = captured + missing;
    const skip = (this.nextSeq - seq) | 0;
    if (skip >= declared) return;
    if (skip < captured) {
      const n = captured - skip;
      if (sink && !this.dataless) {
        const wanted =
          sink.dataAt !== undefined
            ? sink.dataAt(this.dir, buf, offset + skip, n, frame, time)
            : sink.data(this.dir, buf.subarray(offset + skip, offset + captured), frame, time);
        if (wanted === false) this.dataless = true;
      }
      this.deliveredBytes += n;
    }
    const lost = skip < captured ? missing : declared - skip;
    if (lost > 0) {
      this.gapBytes += lost;
      if (sink) sink.gap(this.dir, lost, frame, time);
    }
    this.nextSeq = (seq + declared) | 0;
  }

  private drain(sink: StreamSink | null): void {
    while (this.heldCount > 0) {
      const h = this.held[0];
      if (((h.seq - this.nextSeq) | 0) > 0) return;
      this.held.shift();
      this.heldCount = this.held.length;
      this.heldBytes -= h.captured;
      this.deliverHeld(h, sink);
    }
  }

  private deliverHeld(h: HeldSegment, sink: StreamSink | null): void {
    // Without a sink nothing was copied (data is null) and deliver() only does the sequence bookkeeping.
    this.deliver(h.seq, h.data ?? EMPTY, 0, h.captured, h.missing, h.frame, h.time, h.data ? sink : null);
  }

  private skipFirstHole(sink: StreamSink | null): void {
    const h = this.held[0];
    this.skipTo(h.seq, h.frame, h.time, sink);
    this.drain(sink);
  }

  /** Declares the bytes from nextSeq up to `seq` lost. */
  private skipTo(seq: number, frame: number, time: number, sink: StreamSink | null): void {
    const length = (seq - this.nextSeq) | 0;
    if (length <= 0) return;
    this.gapBytes += length;
    if (sink) sink.gap(this.dir, length, frame, time);
    this.nextSeq = seq;
  }

  /**
   * Whether bytes seq…seq+declared end short of (or past) the highest sequence number seen, not exactly at it
   * (tshark's test; a FIN counts as the byte after the data, as its sequence number says).
   */
  private endsBeforeHighest(seq: number, declared: number): boolean {
    let highest = this.finSeen && ((this.finSeq + 1 - this.nextSeq) | 0) > 0 ? (this.finSeq + 1) | 0 : this.nextSeq;
    for (const h of this.held) {
      const end = (h.seq + h.captured + h.missing) | 0;
      if (((end - highest) | 0) > 0) highest = end;
    }
    return ((seq + declared - highest) | 0) !== 0;
  }

  private isHeld(seq: number, declared: number): boolean {
    for (const h of this.held) {
      if (h.seq === seq && h.captured + h.missing >= declared) return true;
    }
    return false;
  }

  private hold(
    seq: number,
    buf: Uint8Array,
    offset: number,
    captured: number,
    missing: number,
    frame: number,
    time: number,
    sink: StreamSink | null,
  ): void {
    // Copy: the reader reuses the frame buffer for the next packet.
    const seg: HeldSegment = {
      seq,
      data: sink && !this.dataless ? buf.slice(offset, offset + captured) : null,
      captured,
      missing,
      frame,
      time,
    };
    const rel = (seq - this.nextSeq) | 0;
    if (this.held === NO_HELD) this.held = [];
    let i = this.held.length;
    while (i > 0 && ((this.held[i - 1].seq - this.nextSeq) | 0) > rel) i--;
    this.held.splice(i, 0, seg);
    this.heldCount = this.held.length;
    this.heldBytes += captured;
  }
}

const EMPTY = new Uint8Array(0);
