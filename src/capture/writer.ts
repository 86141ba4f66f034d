/**
 * Capture writers: pcapng (PcapngWriter) and classic pcap (PcapWriter).
 *
 * Pure (Uint8Array/DataView only) so the same code runs in Node, in a Web Worker, and in tests.
 * Both writers fill a fixed-size buffer and either keep the filled chunks (then `toBytes()` joins them)
 * or hand each chunk to `onChunk` as soon as it is full, so a generator can write a benchmark file of
 * hundreds of megabytes in constant memory. A chunk handed to `onChunk` is never touched again by
 * the writer, so the callback may keep it (e.g. queue it for an async file write).
 *
 * Files are written little-endian, the byte order of every machine this runs on in practice.
 */

/** Timestamp resolution of the written file: microseconds or nanoseconds. */
export type TsResolution = 'us' | 'ns';

export interface WriterOptions {
  /** Timestamp resolution (default 'us'). */
  tsResolution?: TsResolution;
  /**
   * Streaming mode: receives each filled chunk (and the rest on `end()`). Without it the writer keeps
   * the chunks and `toBytes()` returns the whole file.
   */
  onChunk?: (chunk: Uint8Array) => void;
  /** Size of the chunks handed out (default 1 MiB). */
  chunkSize?: number;
}

export interface PcapngWriterOptions extends WriterOptions {
  /** Section comment (SHB opt_comment), e.g. the name of the generator. */
  comment?: string;
  /** Writing application (SHB shb_userappl). */
  application?: string;
}

export interface InterfaceOptions {
  /** Snapshot length (default 262144). */
  snaplen?: number;
  /** if_name. */
  name?: string;
  /** if_description. */
  description?: string;
}

export interface PacketWriteOptions {
  /** Length on the wire (default data.length); larger than data.length for a snaplen-cut frame. */
  origLen?: number;
  /** Packet comment (EPB opt_comment); pcapng only. */
  comment?: string;
  /** Several packet comments (one opt_comment each, after `comment`); pcapng only. */
  comments?: string[];
}

/** One NRB entry: an IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1") address and its names. */
export interface NameEntry {
  address: string;
  names: string[];
}

const DEFAULT_CHUNK = 1 << 20;
const TWO_32 = 0x1_0000_0000;

const textEncoder = new TextEncoder();

/** Growable output with chunked hand-off; shared by both writers. */
class ChunkedOutput {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly kept: Uint8Array[] = [];
  private readonly chunkSize: number;
  private readonly onChunk?: (chunk: Uint8Array) => void;
  /** Total bytes written so far. */
  written = 0;

  constructor(opts: WriterOptions) {
    this.chunkSize = Math.max(4096, opts.chunkSize ?? DEFAULT_CHUNK);
    this.onChunk = opts.onChunk;
    this.buf = new Uint8Array(this.chunkSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for n contiguous bytes and returns the position to write them at. */
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) {
        this.buf = new Uint8Array(Math.max(n, this.chunkSize));
        this.view = new DataView(this.buf.buffer);
      }
    }
    const at = this.pos;
    this.pos += n;
    this.written += n;
    return at;
  }

  get bytes(): Uint8Array {
    return this.buf;
  }

  get dv(): DataView {
    return this.view;
  }

  /** Hands the filled part of the buffer out (callback or kept list) and starts a fresh buffer. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.onChunk) this.onChunk(chunk);
    else this.kept.push(chunk);
    this.buf = new Uint8Array(this.chunkSize);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  toBytes(): Uint8Array {
    if (this.onChunk) throw new Error('toBytes() is not available when chunks go to onChunk; call end()');
    this.flush();
    if (this.kept.length === 1) return this.kept[0];
    const out = new Uint8Array(this.written);
    let at = 0;
    for (const c of this.kept) {
      out.set(c, at);
      at += c.length;
    }
    this.kept.length = 1;
    this.kept[0] = out;
    return out;
  }
}

/**
 * Splits a time in seconds into the (high, low) 32-bit words of a 64-bit count of units
 * (1e6 or 1e9 per second) without going through a double above 2^53, which would lose nanoseconds.
 */
function splitTimestamp(time: number, unitsPerSecond: number): [number, number] {
  let sec = Math.floor(time);
  let frac = Math.round((time - sec) * unitsPerSecond);
  if (frac >= unitsPerSecond) {
    sec += 1;
    frac -= unitsPerSecond;
  }
  if (sec < 0) {
    sec = 0;
    frac = 0;
  }
  // sec * U + frac, with sec = a * 2^16 + b so every partial product stays below 2^53.
  const a = Math.floor(sec / 65536);
  const b = sec - a * 65536;
  const aU = a * unitsPerSecond;
  const aHigh = Math.floor(aU / 65536);
  const low = (aU - aHigh * 65536) * 65536 + b * unitsPerSecond + frac;
  const carry = Math.floor(low / TWO_32);
  return [aHigh + carry, low - carry * TWO_32];
}

/** Splits a time in seconds into whole seconds and the fraction in units (classic pcap records). */
function splitSeconds(time: number, unitsPerSecond: number): [number, number] {
  let sec = Math.floor(time);
  let frac = Math.round((time - sec) * unitsPerSecond);
  if (frac >= unitsPerSecond) {
    sec += 1;
    frac -= unitsPerSecond;
  }
  if (sec < 0) return [0, 0];
  return [sec >>> 0, frac];
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Parses a dotted IPv4 address; undefined when it is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** Parses an IPv6 address in text form (with "::" and an optional dotted IPv4 tail); undefined when it is not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i] >> 8;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return out;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_NRB = 0x00000004;
const BT_EPB = 0x00000006;

interface EncodedOption {
  code: number;
  value: Uint8Array;
}

function optionsLength(opts: EncodedOption[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(out: ChunkedOutput, at: number, opts: EncodedOption[]): number {
  if (opts.length === 0) return at;
  const dv = out.dv;
  const bytes = out.bytes;
  for (const o of opts) {
    dv.setUint16(at, o.code, true);
    dv.setUint16(at + 2, o.value.length, true);
    bytes.set(o.value, at + 4);
    bytes.fill(0, at + 4 + o.value.length, at + 4 + pad4(o.value.length));
    at += 4 + pad4(o.value.length);
  }
  dv.setUint32(at, 0, true);
  return at + 4;
}

/** pcapng writer: one section, interfaces added on demand, EPB packets, NRB names. */
export class PcapngWriter {
  private readonly out: ChunkedOutput;
  private readonly unitsPerSecond: number;
  private readonly interfaces: { linkType: number; snaplen: number }[] = [];
  private ended = false;

  constructor(opts: PcapngWriterOptions = {}) {
    this.out = new ChunkedOutput(opts);
    this.unitsPerSecond = opts.tsResolution === 'ns' ? 1e9 : 1e6;
    const shbOpts: EncodedOption[] = [];
    if (opts.comment) shbOpts.push({ code: 1, value: textEncoder.encode(opts.comment) });
    if (opts.application) shbOpts.push({ code: 4, value: textEncoder.encode(opts.application) });
    const len = 28 + optionsLength(shbOpts);
    const at = this.out.reserve(len);
    const dv = this.out.dv;
    dv.setUint32(at, BT_SHB, true);
    dv.setUint32(at + 4, len, true);
    dv.setUint32(at + 8, 0x1a2b3c4d, true);
    dv.setUint16(at + 12, 1, true);
    dv.setUint16(at + 14, 0, true);
    dv.setInt32(at + 16, -1, true); // section length unknown
    dv.setInt32(at + 20, -1, true);
    const end = writeOptions(this.out, at + 24, shbOpts);
    dv.setUint32(end, len, true);
  }

  /** Adds an IDB and returns its interface id (0, 1, …). */
  addInterface(linkType: number, opts: InterfaceOptions = {}): number {
    const snaplen = opts.snaplen ?? 262144;
    const idbOpts: EncodedOption[] = [];
    if (opts.name) idbOpts.push({ code: 2, value: textEncoder.encode(opts.name) });
    if (opts.description) idbOpts.push({ code: 3, value: textEncoder.encode(opts.description) });
    // if_tsresol: absent means µs; write it anyway so the file states its resolution.
    idbOpts.push({ code: 9, value: Uint8Array.of(this.unitsPerSecond === 1e9 ? 9 : 6) });
    const len = 20 + optionsLength(idbOpts);
    const at = this.out.reserve(len);
    const dv = this.out.dv;
    dv.setUint32(at, BT_IDB, true);
    dv.setUint32(at + 4, len, true);
    dv.setUint16(at + 8, linkType, true);
    dv.setUint16(at + 10, 0, true);
    dv.setUint32(at + 12, snaplen, true);
    const end = writeOptions(this.out, at + 16, idbOpts);
    dv.setUint32(end, len, true);
    this.interfaces.push({ linkType, snaplen });
    return this.interfaces.length - 1;
  }

  /** Writes one EPB. `time` is seconds since the epoch. */
  writePacket(iface: number, time: number, data: Uint8Array, opts?: PacketWriteOptions): void {
    if (iface < 0 || iface >= this.interfaces.length) throw new RangeError(`no interface ${iface}`);
    const caplen = data.length;
    const origLen = opts?.origLen ?? caplen;
    const texts = opts?.comments ? (opts.comment ? [opts.comment, ...opts.comments] : opts.comments) : opts?.comment ? [opts.comment] : [];
    const commentOpts: EncodedOption[] = texts.filter((t) => t.length > 0).map((t) => ({ code: 1, value: textEncoder.encode(t) }));
    const optLen = optionsLength(commentOpts);
    const len = 32 + pad4(caplen) + optLen;
    const [hi, lo] = splitTimestamp(time, this.unitsPerSecond);
    const at = this.out.reserve(len);
    const dv = this.out.dv;
    const bytes = this.out.bytes;
    dv.setUint32(at, BT_EPB, true);
    dv.setUint32(at + 4, len, true);
    dv.setUint32(at + 8, iface, true);
    dv.setUint32(at + 12, hi, true);
    dv.setUint32(at + 16, lo, true);
    dv.setUint32(at + 20, caplen, true);
    dv.setUint32(at + 24, origLen, true);
    bytes.set(data, at + 28);
    let p = at + 28 + caplen;
    const padded = at + 28 + pad4(caplen);
    while (p < padded) bytes[p++] = 0;
    p = writeOptions(this.out, p, commentOpts);
    dv.setUint32(p, len, true);
  }

  /** Writes one NRB with an IPv4 or IPv6 record per entry. Throws RangeError on an address that is neither. */
  writeNames(entries: NameEntry[]): void {
    const records: { type: number; addr: Uint8Array; names: Uint8Array[]; len: number }[] = [];
    for (const e of entries) {
      const v4 = parseIPv4(e.address);
      const addr = v4 ?? parseIPv6(e.address);
      if (!addr) throw new RangeError(`not an IP address: ${e.address}`);
      const names = e.names.map((n) => textEncoder.encode(n));
      let len = addr.length;
      for (const n of names) len += n.length + 1;
      records.push({ type: v4 ? 1 : 2, addr, names, len });
    }
    let len = 12 + 4; // header, trailer, nrb_record_end
    for (const r of records) len += 4 + pad4(r.len);
    const at = this.out.reserve(len);
    const dv = this.out.dv;
    const bytes = this.out.bytes;
    dv.setUint32(at, BT_NRB, true);
    dv.setUint32(at + 4, len, true);
    let p = at + 8;
    for (const r of records) {
      dv.setUint16(p, r.type, true);
      dv.setUint16(p + 2, r.len, true);
      let q = p + 4;
      bytes.set(r.addr, q);
      q += r.addr.length;
      for (const n of r.names) {
        bytes.set(n, q);
        q += n.length;
        bytes[q++] = 0;
      }
      const end = p + 4 + pad4(r.len);
      while (q < end) bytes[q++] = 0;
      p = end;
    }
    dv.setUint32(p, 0, true); // nrb_record_end
    dv.setUint32(p + 4, len, true);
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.out.written;
  }

  /** Streaming mode: hands the last partial chunk to onChunk. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.out.flush();
  }

  /** The whole file (not in streaming mode). */
  toBytes(): Uint8Array {
    return this.out.toBytes();
  }
}

/** Classic pcap writer: one link type per file, µs or ns magic. */
export class PcapWriter {
  private readonly out: ChunkedOutput;
  private readonly unitsPerSecond: number;

  constructor(linkType: number, opts: WriterOptions & { snaplen?: number } = {}) {
    this.out = new ChunkedOutput(opts);
    const ns = opts.tsResolution === 'ns';
    this.unitsPerSecond = ns ? 1e9 : 1e6;
    const at = this.out.reserve(24);
    const dv = this.out.dv;
    dv.setUint32(at, ns ? 0xa1b23c4d : 0xa1b2c3d4, true);
    dv.setUint16(at + 4, 2, true);
    dv.setUint16(at + 6, 4, true);
    dv.setInt32(at + 8, 0, true);
    dv.setUint32(at + 12, 0, true);
    dv.setUint32(at + 16, opts.snaplen ?? 262144, true);
    dv.setUint32(at + 20, linkType, true);
  }

  writePacket(time: number, data: Uint8Array, opts?: PacketWriteOptions): void {
    const [sec, frac] = splitSeconds(time, this.unitsPerSecond);
    const at = this.out.reserve(16 + data.length);
    const dv = this.out.dv;
    dv.setUint32(at, sec, true);
    dv.setUint32(at + 4, frac, true);
    dv.setUint32(at + 8, data.length, true);
    dv.setUint32(at + 12, opts?.origLen ?? data.length, true);
    this.out.bytes.set(data, at + 16);
  }

  get bytesWritten(): number {
    return this.out.written;
  }

  end(): void {
    this.out.flush();
  }

  toBytes(): Uint8Array {
    return this.out.toBytes();
  }
}
