/**
 * What the pcap and pcapng parsers share: the record-parser contract the chunking reader drives, and
 * the per-input state (reused packet object, frame counter, summary, warnings).
 */
import {
  CaptureError,
  type CaptureInterface,
  type CaptureSink,
  type CaptureSummary,
  type CaptureWarning,
  type CapturedPacket,
} from './types.js';

/**
 * A format parser over whole records. The reader hands it either a chunk as it came (fast path:
 * packets are views into it) or its own buffer holding exactly one record that spanned chunks.
 */
export interface RecordParser {
  /**
   * Parses every complete record in bytes[start, end) and returns the position just past the last one.
   * `base` is the file offset of bytes[0], for error messages. Throws CaptureError on structure it cannot follow.
   */
  parse(bytes: Uint8Array, view: DataView, start: number, end: number, base: number): number;
  /**
   * The total size of the record starting at `start` when `avail` bytes of it are present; when too few
   * are present to read its length, the size of its fixed header. Throws CaptureError on an impossible length.
   */
  recordLength(view: DataView, start: number, avail: number, base: number): number;
  /**
   * At the end of the input, `endOffset` bytes consumed and no record left cut: checks a format's trailing
   * structures (NetMon's frame table). True when they show the input was cut short.
   */
  finish?(endOffset: number): boolean;
  /** True when the bytes from file offset `offset` on hold no frame records (NetMon's tables): a cut there loses no packet. */
  pastRecords?(offset: number): boolean;
}

/**
 * DLT_RAW is 12 on most systems and 14 on OpenBSD; some writers put the DLT instead of LINKTYPE_RAW (101)
 * in the file. Wireshark reads both as raw IP; so do we, so decoders see one value.
 */
export function normalizeLinkType(linkType: number): number {
  return linkType === 12 || linkType === 14 ? 101 : linkType;
}

const EMPTY = new Uint8Array(0);
/**
 * A packet this much earlier than the latest before it means the file is not in time order (appended captures,
 * `mergecap -a`); less is the ordinary jitter between interfaces of one pcapng.
 */
const OUT_OF_ORDER_SECONDS = 1;

/** Keep at most this many warnings in the summary (the sink still gets all): hostile input stays bounded. */
const MAX_KEPT_WARNINGS = 200;

/**
 * The packet a reader hands out, one object for every record of an input: it points into the chunk the record
 * lies in (buffer, start, end) and makes `data`, a view of those bytes, only when it is read. The flow tracker
 * reads a ReaderPacket in place: a view per packet was the largest allocation of a run (120 MB on the
 * 1,000,000-packet mixed bench capture). Those three and the view are not enumerable: a copy made by spreading
 * the packet (`{ ...p, data: p.data.slice() }`, as a consumer that keeps packets does) is a plain packet of its
 * own bytes, with no pointer into a chunk the reader will reuse.
 */
export class ReaderPacket implements CapturedPacket {
  frame = 0;
  time = 0;
  linkType = 0;
  interfaceId = 0;
  caplen = 0;
  origLen = 0;
  comment: string | undefined = undefined;
  declare buffer: Uint8Array;
  declare start: number;
  declare end: number;
  declare private view: Uint8Array | null;

  constructor() {
    const hidden = (value: unknown): PropertyDescriptor => ({ value, writable: true, enumerable: false, configurable: false });
    Object.defineProperties(this, { buffer: hidden(EMPTY), start: hidden(0), end: hidden(0), view: hidden(EMPTY) });
  }

  get data(): Uint8Array {
    return (this.view ??= this.buffer.subarray(this.start, this.end));
  }

  set data(bytes: Uint8Array) {
    this.buffer = bytes;
    this.start = 0;
    this.end = bytes.length;
    this.view = bytes;
  }

  /** Points the packet at bytes `start` to `end` of `buffer`. */
  at(buffer: Uint8Array, start: number, end: number): void {
    this.buffer = buffer;
    this.start = start;
    this.end = end;
    this.view = null;
  }
}

/** State of one input being read: the sink, the reused packet, counters and the summary under construction. */
export class ReadState {
  readonly packet = new ReaderPacket();
  frames = 0;
  bytes = 0;
  firstTime = Infinity;
  lastTime = -Infinity;
  sections = 0;
  format: CaptureSummary['format'] = 'unknown';
  readonly interfaces: CaptureInterface[] = [];
  readonly warnings: CaptureWarning[] = [];
  readonly comments: string[] = [];
  private droppedWarnings = 0;
  /** Packets more than OUT_OF_ORDER_SECONDS earlier than one before them; the first is warned about. */
  private outOfOrder = 0;
  /** Packets the snapshot length cut (caplen < origLen): how many, the first, and the most bytes kept of one. */
  private cut = 0;
  private firstCut = 0;
  private cutKept = 0;
  private readonly sinkPacket: (p: CapturedPacket) => void;

  constructor(
    readonly sink: CaptureSink,
    readonly file: string | undefined,
  ) {
    this.sinkPacket = sink.packet.bind(sink);
  }

  /** Name used in messages: the file, else "input". */
  get where(): string {
    return this.file ?? 'input';
  }

  /** Numbers the packet (1-based, every delivered packet) and hands it to the sink. */
  deliver(p: CapturedPacket, timed: boolean): void {
    p.frame = ++this.frames;
    this.bytes += p.caplen;
    if (p.caplen < p.origLen) this.noteCut(p);
    if (timed) {
      const t = p.time;
      if (t < this.firstTime) this.firstTime = t;
      if (t > this.lastTime) this.lastTime = t;
      else if (t < this.lastTime - OUT_OF_ORDER_SECONDS && this.outOfOrder++ === 0) this.warnOutOfOrder(p);
    }
    this.sinkPacket(p);
  }

  private noteCut(p: CapturedPacket): void {
    if (this.cut++ === 0) this.firstCut = p.frame;
    if (p.caplen > this.cutKept) this.cutKept = p.caplen;
  }

  private warnOutOfOrder(p: CapturedPacket): void {
    const behind = this.lastTime - p.time;
    this.warn(
      'out-of-order',
      `${this.where}: frame ${p.frame} is ${behind.toFixed(1)} s earlier than a packet before it: the capture is not in time order, ` +
        'so step times and durations may be wrong; sort it with reordercap (or merge files with mergecap, not mergecap -a) first',
      undefined,
      p.frame,
    );
  }

  warn(code: string, message: string, offset?: number, frame?: number): void {
    const w: CaptureWarning = { code, message, file: this.file, offset, frame };
    if (this.warnings.length < MAX_KEPT_WARNINGS) this.warnings.push(w);
    else this.droppedWarnings++;
    this.sink.warning?.(w);
  }

  /** A fatal error naming the file and the byte offset: `f.pcapng: bad block length 7 at byte 1234`. */
  error(code: string, what: string, offset: number): CaptureError {
    return new CaptureError(`${this.where}: ${what} at byte ${offset}`, code, this.file, offset, this.frames || undefined);
  }

  summary(truncated: boolean): CaptureSummary {
    const warnings = this.warnings.slice();
    if (this.outOfOrder > 1) {
      warnings.push({
        code: 'out-of-order',
        message: `${this.where}: ${this.outOfOrder} packets in all are more than ${OUT_OF_ORDER_SECONDS} s earlier than one before them`,
        file: this.file,
      });
    }
    if (this.cut > 0) {
      // Said once, at the end: a capture taken with a short snapshot length (tcpdump -s 96) cuts every packet.
      warnings.push({
        code: 'packets-cut',
        message:
          `${this.where}: ${this.cut === this.frames ? `all ${this.cut} packets were` : `${this.cut} of ${this.frames} packets were`} cut short by the capture's snapshot length ` +
          `(at most ${this.cutKept} bytes kept of each; the first, frame ${this.firstCut}): what lay past the cut is not in the file, so the messages in it are lost ` +
          `(the capture-gap findings say where); capture again with the full length (tcpdump -s 0, Wireshark's default)`,
        file: this.file,
        frame: this.firstCut,
      });
    }
    if (this.droppedWarnings > 0) {
      warnings.push({
        code: 'warnings-dropped',
        message: `${this.where}: ${this.droppedWarnings} more warnings not kept`,
        file: this.file,
      });
    }
    return {
      file: this.file,
      format: this.format,
      packets: this.frames,
      bytes: this.bytes,
      interfaces: this.interfaces.slice(),
      sections: this.sections,
      firstTime: this.firstTime === Infinity ? undefined : this.firstTime,
      lastTime: this.lastTime === -Infinity ? undefined : this.lastTime,
      truncated,
      warnings,
      comments: this.comments.slice(),
    };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes a UTF-8 option value, dropping trailing NULs that some writers include. */
export function decodeText(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(0, end));
}

/** Dotted-quad text of 4 bytes. */
export function formatIPv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952 text of 16 bytes: lower-case hex, the longest run of two or more zero groups as "::". */
export function formatIPv6(b: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}
