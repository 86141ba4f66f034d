/**
 * The capture reader: a push parser for classic pcap, pcapng and NetMon (.cap), format detected by magic number
 * (never by file extension: real files named .pcap are often pcapng and the other way round).
 *
 * Why our own and not the `pcap-parser` package: that package reads neither pcapng nor nanosecond
 * pcap, and is about 6× slower than a plain DataView walk. We also need streaming in constant memory
 * (files of gigabytes, `tcpdump -w -` pipes), the same code in the browser, and per-interface
 * timestamp resolution (pcapng if_tsresol).
 *
 * How chunks are handled: records that lie whole inside a pushed chunk are delivered as views into
 * that chunk (no copy), through one reused CapturedPacket. Only the bytes of a record cut by a chunk
 * boundary are copied, into one buffer of the size of that record, so memory stays at one chunk plus
 * one record whatever the file size.
 */
import { isPcapMagic, PcapParser } from './pcap.js';
import { PCAPNG_SHB, PcapngParser } from './pcapng.js';
import { NETMON_1_MAGIC, NETMON_2_MAGIC, NetmonParser } from './netmon.js';
import { ReadState, type RecordParser } from './record-parser.js';
import {
  CaptureError,
  type CaptureReader,
  type CaptureSink,
  type CaptureSummary,
  type ReaderOptions,
} from './types.js';

const MAGIC_BYTES = 4;
const SHRINK_ABOVE = 1 << 20;

/** Names the format of the first 4 bytes, for a clear "not a capture" message. */
function describeMagic(b: Uint8Array, file: string | undefined): string {
  // An ETL trace has no magic of its own; its name says what it is, and what to do with it.
  if (file && /\.etl$/i.test(file)) {
    return 'a Windows event trace (netsh trace, pktmon), not a packet capture: convert it first (pktmon etl2pcap FILE.etl, or etl2pcapng)';
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip-compressed data (decompress it first)';
  if (b[0] === 0x50 && b[1] === 0x4b) return 'a zip archive';
  const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  if (be === 0xa1b2cd34 || be === 0x34cdb2a1) return 'a modified (Kuznetzov) pcap, which is not supported';
  const hex = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `not a pcap, pcapng or NetMon file: byte 0 starts with ${hex}, not a capture magic number`;
}

class ChunkedCaptureReader implements CaptureReader {
  private readonly state: ReadState;
  private parser: RecordParser | undefined;
  /** Bytes of the one record cut by a chunk boundary. */
  private pending = new Uint8Array(256);
  private pendingView = new DataView(this.pending.buffer);
  private pendingLen = 0;
  /** File offset of the first byte not yet consumed (start of pending, if any). */
  private consumed = 0;
  private failure: CaptureError | undefined;
  private broken: unknown;
  private ended: CaptureSummary | undefined;

  constructor(sink: CaptureSink, opts: ReaderOptions = {}) {
    this.state = new ReadState(sink, opts.file);
  }

  get offset(): number {
    return this.consumed + this.pendingLen;
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.broken !== undefined) throw this.broken;
    if (this.ended) throw new Error('push() after end()');
    try {
      this.pushChunk(chunk);
    } catch (e) {
      // Bad input stops the reader for good; so does an exception from the sink (its position in the
      // input is lost), which is passed on unchanged.
      if (e instanceof CaptureError) this.failure = e;
      else this.broken = e;
      throw e;
    }
  }

  private pushChunk(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.length;
    if (this.parser === undefined) {
      const take = Math.min(MAGIC_BYTES - this.pendingLen, len);
      this.appendPending(chunk, 0, take);
      pos = take;
      if (this.pendingLen < MAGIC_BYTES) return;
      this.parser = this.detect();
    }
    // Finish the record cut by the previous chunk boundary.
    while (this.pendingLen > 0) {
      const parser = this.parser;
      const need = parser.recordLength(this.pendingView, 0, this.pendingLen, this.consumed);
      if (this.pendingLen < need) {
        if (pos >= len) return;
        const take = Math.min(need - this.pendingLen, len - pos);
        this.appendPending(chunk, pos, take);
        pos += take;
        if (this.pendingLen < need) return;
        // Enough for the header: ask again, now that the full length may be readable.
        if (parser.recordLength(this.pendingView, 0, this.pendingLen, this.consumed) > this.pendingLen) continue;
      }
      const used = parser.parse(this.pending, this.pendingView, 0, this.pendingLen, this.consumed);
      if (used === 0) {
        // The parser asked for exactly these bytes and could not use them: never spin on them.
        throw this.state.error('malformed', 'record could not be read', this.consumed);
      }
      this.consumed += used;
      if (used < this.pendingLen) {
        // Cannot happen with exact-length records; keep the rest for safety.
        this.pending.copyWithin(0, used, this.pendingLen);
      }
      this.pendingLen -= used;
      if (this.pendingLen === 0 && this.pending.length > SHRINK_ABOVE) {
        // One huge record (up to 16 MiB) must not pin its buffer for the rest of the file.
        this.pending = new Uint8Array(256);
        this.pendingView = new DataView(this.pending.buffer);
      }
    }
    if (pos >= len) return;
    // Fast path: whole records straight out of the chunk.
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.consumed - pos;
    const stop = this.parser.parse(chunk, view, pos, len, base);
    this.consumed += stop - pos;
    if (stop < len) this.appendPending(chunk, stop, len - stop);
  }

  private detect(): RecordParser {
    const b = this.pending;
    const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    if (be === PCAPNG_SHB) return new PcapngParser(this.state);
    if (isPcapMagic(be)) return new PcapParser(this.state);
    if (be === NETMON_2_MAGIC || be === NETMON_1_MAGIC) return new NetmonParser(this.state);
    throw new CaptureError(
      `${this.state.where}: ${describeMagic(b, this.state.file)}`,
      'not-a-capture',
      this.state.file,
      0,
    );
  }

  private appendPending(src: Uint8Array, from: number, count: number): void {
    const need = this.pendingLen + count;
    if (need > this.pending.length) {
      let size = this.pending.length;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
      this.pendingView = new DataView(grown.buffer);
    }
    this.pending.set(src.subarray(from, from + count), this.pendingLen);
    this.pendingLen = need;
  }

  end(): CaptureSummary {
    if (this.ended) return this.ended;
    const state = this.state;
    if (this.failure) {
      this.ended = state.summary(false);
      return this.ended;
    }
    if (this.parser === undefined) {
      const what = this.pendingLen === 0 ? 'empty input, not a capture' : `${this.pendingLen} bytes, too short for a capture`;
      this.failure = new CaptureError(`${state.where}: ${what}`, 'not-a-capture', state.file, 0);
      throw this.failure;
    }
    let truncated = false;
    if (this.pendingLen > 0 && this.parser.pastRecords?.(this.consumed)) {
      truncated = this.parser.finish?.(this.consumed + this.pendingLen) ?? false;
    } else if (this.pendingLen > 0) {
      truncated = true;
      let need: number | undefined;
      try {
        need = this.parser.recordLength(this.pendingView, 0, this.pendingLen, this.consumed);
      } catch {
        need = undefined;
      }
      const size = need !== undefined && need > this.pendingLen ? ` of ${need} bytes` : '';
      if (this.consumed === 0) {
        // Cut inside the file header: no packet can follow, so this is bad input, not a short capture.
        this.failure = new CaptureError(
          `${state.where}: input ends inside the file header${size} (${this.pendingLen} bytes present), no packets`,
          'truncated-header',
          state.file,
          0,
        );
        throw this.failure;
      }
      state.warn(
        'truncated-record',
        `${state.where}: input ends inside a record${size} that starts at byte ${this.consumed} ` +
          `(${this.pendingLen} bytes present, after ${state.frames} packets)`,
        this.consumed,
        // The last complete packet, the one the truncated-capture finding points at: the cut record is no frame.
        state.frames || undefined,
      );
    } else if (this.parser.finish?.(this.consumed)) truncated = true;
    this.ended = state.summary(truncated);
    return this.ended;
  }
}

/** A push reader for one capture; the format (pcap, pcapng or NetMon) is taken from the first 4 bytes. */
export function createCaptureReader(sink: CaptureSink, opts?: ReaderOptions): CaptureReader {
  return new ChunkedCaptureReader(sink, opts);
}

/** Reads a whole capture held in memory (tests, small inputs, a dropped file already loaded). */
export function readCaptureBytes(bytes: Uint8Array, sink: CaptureSink, opts?: ReaderOptions): CaptureSummary {
  const reader = new ChunkedCaptureReader(sink, opts);
  reader.push(bytes);
  return reader.end();
}
