/**
 * Splits one direction of a TCP byte stream into protocol messages (PDUs).
 *
 * Every protocol ctiscope reads over TCP is self-delimiting (GED-188, GIOP, LDAP/BER, TLS records, DNS's
 * 2-byte prefix, Skinny, SIP's Content-Length), so one splitter serves them all: the protocol supplies
 * `pduLength` and, optionally, `resync`. The splitter handles a message split over several segments,
 * several messages in one segment, and holes left by segments that were never captured: after a gap (or
 * bytes that do not parse) it asks the protocol where the next plausible message starts and carries on,
 * reporting what it skipped, instead of giving up on the rest of the stream.
 */

import type { Anomaly, Direction } from './types.js';

export interface PduFraming {
  /**
   * Looks at `buf[offset .. offset+available)`, which starts where a message should start.
   * Returns the whole message length (> 0), 0 when more bytes are needed to know, or -1 when these
   * bytes cannot start a message (the stream is out of step).
   */
  pduLength(buf: Uint8Array, offset: number, available: number): number;
  /**
   * Looks for the first offset in `buf[from .. from+available)` where a message plausibly starts; -1 if
   * none. Without it, the splitter drops the buffered bytes after a desync and waits for new data.
   */
  resync?(buf: Uint8Array, from: number, available: number): number;
  /** Bytes buffered while waiting for one message before giving up on it (default 1 MiB). */
  maxBuffered?: number;
  /**
   * The handler reads `meta` during the call and keeps nothing of it but `meta.frames` (a fresh array per
   * PDU either way): the stream may then pass one reused meta object instead of allocating one per PDU.
   */
  metaIsTransient?: boolean;
}

/** Where a PDU came from. */
export interface PduMeta {
  /** Offset of the PDU's first byte in this direction's stream (holes included). */
  offset: number;
  /** Every frame that carried a byte of the PDU, in stream order, without repeats. */
  frames: number[];
  /** Capture time of the segment that completed it. */
  time: number;
}

export type PduHandler = (pdu: Uint8Array, meta: PduMeta) => void;
export type AnomalyHandler = (a: Anomaly) => void;

interface SegmentMark {
  /** Stream offset of the segment's first byte. */
  offset: number;
  frame: number;
  time: number;
}

const NO_BYTES = new Uint8Array(0);
/** Largest buffer a stream keeps once it is empty again. */
const KEEP_BUFFER_BYTES = 64 * 1024;

export class PduStream {
  // Shared until a message has to be buffered: most streams never need a buffer of their own.
  private buf: Uint8Array = NO_BYTES;
  /** Valid bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  /** Stream offset of buf[start]. */
  private streamOffset = 0;
  /** Segments whose bytes are (partly) still buffered, oldest first. */
  private marks: SegmentMark[] = [];
  /** True after a gap or desync, until a message start is found again. */
  private lost = false;
  /**
   * Bytes dropped while out of step and not yet reported, and where that run began: the report (when a start
   * is found, or at the next gap or the end) counts every one of them, however many chunks they spanned.
   */
  private skipped = 0;
  private skippedFrom = 0;
  private skippedFrame: number | undefined = undefined;
  /**
   * While the fast path parses straight out of one caller's chunk, its frame stands in for `marks` (which
   * then is empty): every byte in reach came with that frame.
   */
  private inChunk = false;
  private chunkFrame = 0;
  /**
   * A message the caller counts past unread (skipMessage): its bytes still to come, the stream offset where it
   * began, its length, and the frame of its latest bytes, for the report a gap or the end inside it makes.
   */
  private skipLeft = 0;
  private skipAt = 0;
  private skipLength = 0;
  private skipFrame = 0;
  private readonly maxBuffered: number;
  /** The reused meta object when the framing allows it (metaIsTransient). */
  private readonly sharedMeta: PduMeta | undefined;

  constructor(
    private readonly framing: PduFraming,
    private readonly onPdu: PduHandler,
    private readonly onAnomaly: AnomalyHandler,
  ) {
    this.maxBuffered = framing.maxBuffered ?? 1 << 20;
    this.sharedMeta = framing.metaIsTransient ? { offset: 0, frames: [], time: 0 } : undefined;
  }

  /**
   * True when nothing is buffered and the stream is in step: a protocol holding whole messages at the start
   * of a chunk may then take them itself (and report them with `consumed`) instead of calling data(), which
   * reaches the protocol only through callbacks shared by every protocol.
   */
  get idle(): boolean {
    return this.end === this.start && !this.lost;
  }

  /** Stream offset of the next byte to come. */
  get nextOffset(): number {
    return this.streamOffset + (this.end - this.start);
  }

  /** While idle: the caller took `n` bytes of whole messages itself (see idle). */
  consumed(n: number): void {
    this.streamOffset += n;
  }

  /** Bytes of a message being counted past (skipMessage) still to come; 0 when none. */
  get skipping(): number {
    return this.skipLeft;
  }

  /**
   * While idle: the caller counts past a message it does not read, `total` bytes long, of which `n` came in this
   * chunk; the rest is passed with skipMore (or data) as it comes, never buffered. A gap or the end of the stream
   * inside it is reported as for a message buffered whole.
   */
  skipMessage(n: number, total: number, frame: number): void {
    if (n < total) {
      this.skipLeft = total - n;
      this.skipAt = this.streamOffset;
      this.skipLength = total;
      this.skipFrame = frame;
    }
    this.streamOffset += n;
  }

  /** `n` more bytes (at most `skipping`) of the message being counted past, carried by `frame`. */
  skipMore(n: number, frame: number): void {
    this.skipLeft -= n;
    this.skipFrame = frame;
    this.streamOffset += n;
  }

  /** Appends in-order bytes carried by `frame`. */
  data(bytes: Uint8Array, frame: number, time: number): void {
    if (bytes.length === 0) return;
    if (this.skipLeft > 0) {
      const n = this.skipLeft < bytes.length ? this.skipLeft : bytes.length;
      this.skipMore(n, frame);
      if (n === bytes.length) return;
      bytes = bytes.subarray(n);
    }
    const offsetOfChunk = this.streamOffset + (this.end - this.start);
    if (this.end === this.start && !this.lost) {
      // Fast path: nothing buffered, so parse straight out of the caller's bytes.
      if (this.marks.length) this.marks.length = 0;
      this.inChunk = true;
      this.chunkFrame = frame;
      let used: number;
      try {
        used = this.drain(bytes, 0, bytes.length, time);
      } finally {
        this.inChunk = false;
      }
      if (used < bytes.length) {
        this.marks.push({ offset: offsetOfChunk, frame, time });
        this.append(bytes.subarray(used));
      }
      return;
    }
    this.marks.push({ offset: offsetOfChunk, frame, time });
    this.append(bytes);
    this.process(time);
  }

  /** `length` bytes were never captured: drop the partial message and look for the next start. */
  gap(length: number, frame: number, _time: number): void {
    this.reportUnfound();
    const buffered = this.end - this.start;
    // The message cut short: the one buffered, or the one being counted past.
    const skipping = this.skipLeft > 0;
    const cut = skipping ? this.skipLength - this.skipLeft : buffered;
    if (cut > 0) {
      this.onAnomaly({
        code: 'message-cut-by-gap',
        message: `${cut} bytes of a message were followed by ${length} bytes that were not captured; that message is lost`,
        frame,
        offset: skipping ? this.skipAt : this.streamOffset,
      });
    }
    this.skipLeft = 0;
    this.streamOffset += buffered + length;
    this.start = this.end = 0;
    if (this.buf.length > KEEP_BUFFER_BYTES) this.buf = NO_BYTES;
    this.marks.length = 0;
    this.lost = true;
  }

  /** The stream ended; a partial message left in the buffer is reported. */
  finish(): void {
    this.reportUnfound();
    const buffered = this.end - this.start;
    const skipping = this.skipLeft > 0;
    const cut = skipping ? this.skipLength - this.skipLeft : buffered;
    if (cut > 0) {
      const frame = skipping ? this.skipFrame : this.marks.length ? this.marks[this.marks.length - 1].frame : undefined;
      this.onAnomaly({
        code: 'incomplete-message',
        message: `the stream ended ${cut} bytes into a message that was never completed`,
        frame,
        offset: skipping ? this.skipAt : this.streamOffset,
      });
    }
    this.skipLeft = 0;
    this.start = this.end = 0;
    this.marks.length = 0;
  }

  private append(bytes: Uint8Array): void {
    const len = this.end - this.start;
    if (this.end + bytes.length > this.buf.length) {
      if (len + bytes.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const needed = len + bytes.length;
        // A message whose length is known gets a buffer of that size at once: doubling towards a 30 MB
        // message would allocate (and copy) about twice that, and hold up to twice its size at the end.
        const whole = len > 0 ? this.framing.pduLength(this.buf, this.start, len) : this.framing.pduLength(bytes, 0, bytes.length);
        const size = whole > needed && whole <= this.maxBuffered ? whole : Math.max(4096, needed * 2);
        const grown = new Uint8Array(size);
        grown.set(this.buf.subarray(this.start, this.end));
        this.buf = grown;
      }
      this.start = 0;
      this.end = len;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  private process(time: number): void {
    const used = this.drain(this.buf, this.start, this.end - this.start, time);
    this.start += used;
    if (this.start === this.end) {
      this.start = this.end = 0;
      this.marks.length = 0;
      // A buffer grown for one big message is not kept for the rest of the flow (many flows, each
      // holding its largest message, would add up).
      if (this.buf.length > KEEP_BUFFER_BYTES) this.buf = NO_BYTES;
    }
    if (this.end - this.start > this.maxBuffered) {
      this.onAnomaly({
        code: 'message-too-large',
        message: `waited for ${this.end - this.start} bytes without completing a message; skipping them`,
        frame: this.marks.length ? this.marks[this.marks.length - 1].frame : undefined,
        offset: this.streamOffset,
      });
      this.skip(this.end - this.start);
      this.lost = true;
    }
  }

  /**
   * Emits every complete PDU in buf[from, from+avail). Returns the bytes consumed (emitted or skipped).
   * Updates streamOffset and marks as it goes.
   */
  private drain(buf: Uint8Array, from: number, avail: number, time: number): number {
    let pos = from;
    const limit = from + avail;
    while (pos < limit) {
      if (this.lost) {
        const found = this.framing.resync ? this.framing.resync(buf, pos, limit - pos) : -1;
        if (found < 0) {
          // Keep the tail: a message start may straddle this chunk and the next. 64 bytes are enough
          // for any header ctiscope probes.
          const keep = Math.min(limit - pos, 64);
          const dropped = limit - pos - keep;
          if (dropped > 0) this.dropUnfound(dropped);
          return limit - from - keep;
        }
        if (found > pos || this.skipped > 0) {
          if (found > pos) this.noteSkipped(found - pos);
          this.onAnomaly({
            code: 'resynchronised',
            message: `skipped ${this.skipped} bytes that did not start a message`,
            frame: this.skippedFrame,
            offset: this.skippedFrom,
          });
          this.skipped = 0;
          this.skipMarked(found - pos);
          pos = found;
        }
        this.lost = false;
      }
      const n = this.framing.pduLength(buf, pos, limit - pos);
      if (n === 0) break;
      if (n < 0) {
        this.onAnomaly({
          code: 'not-a-message',
          message: 'bytes where a message should start do not parse; looking for the next message',
          frame: this.frameAt(this.streamOffset),
          offset: this.streamOffset,
        });
        this.lost = true;
        if (!this.framing.resync) {
          this.dropUnfound(limit - pos);
          return limit - from;
        }
        // Step past the first byte so resync cannot find the same spot again.
        this.dropUnfound(1);
        pos += 1;
        continue;
      }
      if (pos + n > limit) break;
      const frames = this.inChunk ? [this.chunkFrame] : this.framesFor(this.streamOffset, n);
      let meta = this.sharedMeta;
      if (meta) {
        meta.offset = this.streamOffset;
        meta.frames = frames;
        meta.time = time;
      } else meta = { offset: this.streamOffset, frames, time };
      // A PDU that is the whole chunk is handed over as is: a view of the same bytes either way.
      this.onPdu(pos === 0 && n === buf.length ? buf : buf.subarray(pos, pos + n), meta);
      this.skipMarked(n);
      pos += n;
    }
    return pos - from;
  }

  /** Counts n bytes about to be skipped while out of step (call before the stream offset moves past them). */
  private noteSkipped(n: number): void {
    if (this.skipped === 0) {
      this.skippedFrom = this.streamOffset;
      this.skippedFrame = this.frameAt(this.streamOffset);
    }
    this.skipped += n;
  }

  private dropUnfound(n: number): void {
    this.noteSkipped(n);
    this.skipMarked(n);
  }

  /** Bytes dropped while looking for a message start that never came (before a gap, or at the end). */
  private reportUnfound(): void {
    if (this.skipped === 0) return;
    this.onAnomaly({
      code: 'no-message-start',
      message: `skipped ${this.skipped} bytes without finding where a message starts`,
      frame: this.skippedFrame,
      offset: this.skippedFrom,
    });
    this.skipped = 0;
  }

  private skip(n: number): void {
    this.start += n;
    this.skipMarked(n);
    if (this.start >= this.end) this.start = this.end = 0;
  }

  /** Advances the stream offset by n and forgets segment marks that lie wholly before it. */
  private skipMarked(n: number): void {
    this.streamOffset += n;
    if (this.marks.length < 2) return;
    let drop = 0;
    while (drop + 1 < this.marks.length && this.marks[drop + 1].offset <= this.streamOffset) drop++;
    if (drop > 0) this.marks.splice(0, drop);
  }

  private frameAt(offset: number): number | undefined {
    if (this.inChunk) return this.chunkFrame;
    let f: number | undefined;
    for (const m of this.marks) {
      if (m.offset <= offset) f = m.frame;
      else break;
    }
    return f;
  }

  private framesFor(offset: number, length: number): number[] {
    const out: number[] = [];
    const endOffset = offset + length;
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i];
      const next = i + 1 < this.marks.length ? this.marks[i + 1].offset : Infinity;
      if (next <= offset) continue;
      if (m.offset >= endOffset) break;
      if (out[out.length - 1] !== m.frame) out.push(m.frame);
    }
    return out;
  }
}

/** Takes a stream's anomalies by direction (MessageEmitter: they go on that direction's next message). */
export interface StreamAnomalySink {
  streamAnomaly(dir: Direction, a: Anomaly): void;
}

/** Both directions of a TCP flow, each split into PDUs by its own PduStream with the same framing. */
export class PduStreamPair {
  readonly c2s: PduStream;
  readonly s2c: PduStream;

  constructor(
    framing: PduFraming,
    onPdu: (dir: Direction, pdu: Uint8Array, meta: PduMeta) => void,
    anomalies: StreamAnomalySink,
  ) {
    this.c2s = new PduStream(
      framing,
      (pdu, meta) => onPdu('c2s', pdu, meta),
      (a) => anomalies.streamAnomaly('c2s', a),
    );
    this.s2c = new PduStream(
      framing,
      (pdu, meta) => onPdu('s2c', pdu, meta),
      (a) => anomalies.streamAnomaly('s2c', a),
    );
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    (dir === 'c2s' ? this.c2s : this.s2c).data(bytes, frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    (dir === 'c2s' ? this.c2s : this.s2c).gap(length, frame, time);
  }

  /** Both streams ended: a partial message left in either is reported. */
  finish(): void {
    this.c2s.finish();
    this.s2c.finish();
  }
}

/** buf[from, end) as a view; `buf` itself when that is all of it (a decoder's dataAt, handing bytes on). */
export function viewOf(buf: Uint8Array, from: number, end: number): Uint8Array {
  return from === 0 && end === buf.length ? buf : buf.subarray(from, end);
}

/** Reads a big-endian unsigned 32-bit integer without a DataView (hot path). */
export function readU32BE(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

export function readU16BE(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function readU32LE(b: Uint8Array, o: number): number {
  return ((b[o + 3] << 24) >>> 0) + ((b[o + 2] << 16) | (b[o + 1] << 8) | b[o]);
}
