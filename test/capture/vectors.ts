/**
 * Hand-made capture byte vectors for the reader tests, built field by field in either byte order
 * (independently of src/capture/writer.ts, so the reader is not only checked against our own writer).
 */
import type { CaptureSummary, CaptureWarning, CapturedPacket } from '../../src/capture/types.js';
import { createCaptureReader, readCaptureBytes } from '../../src/capture/reader.js';

export class Bytes {
  private readonly out: number[] = [];
  constructor(readonly le: boolean) {}
  u8(...v: number[]): this {
    for (const x of v) this.out.push(x & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v, v >> 8) : this.u8(v >> 8, v);
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    return this.u8(...(this.le ? b.reverse() : b));
  }
  /** 64-bit as two 32-bit halves in file order (high first in BE, low first in LE). */
  u64(hi: number, lo: number): this {
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]);
    return this;
  }
  pad4(): this {
    while (this.out.length % 4) this.out.push(0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export const ascii = (s: string): number[] => Array.from(new TextEncoder().encode(s));

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A payload whose bytes say which packet they belong to. */
export function payload(n: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n * 31 + i) & 0xff;
  return b;
}

// ---- classic pcap ----

export function pcapHeader(opts: { le: boolean; ns?: boolean; snaplen?: number; linkType?: number; major?: number; minor?: number }): Uint8Array {
  const b = new Bytes(opts.le);
  b.u32(opts.ns ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(opts.major ?? 2)
    .u16(opts.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 65535)
    .u32(opts.linkType ?? 1);
  return b.bytes();
}

export function pcapRecord(le: boolean, sec: number, frac: number, data: Uint8Array, origLen = data.length): Uint8Array {
  return new Bytes(le).u32(sec).u32(frac).u32(data.length).u32(origLen).raw(data).bytes();
}

// ---- pcapng ----

export interface Option {
  code: number;
  value: number[];
}

function options(b: Bytes, opts: Option[]): void {
  if (opts.length === 0) return;
  for (const o of opts) b.u16(o.code).u16(o.value.length).raw(o.value).pad4();
  b.u16(0).u16(0);
}

/** Wraps a body into a block: type, total length, body, total length. */
export function block(le: boolean, type: number, body: (b: Bytes) => void, lengthOverride?: { head?: number; tail?: number }): Uint8Array {
  const inner = new Bytes(le);
  body(inner);
  inner.pad4();
  const len = 12 + inner.length;
  return new Bytes(le)
    .u32(type)
    .u32(lengthOverride?.head ?? len)
    .raw(inner.bytes())
    .u32(lengthOverride?.tail ?? len)
    .bytes();
}

export function shb(le: boolean, opts: Option[] = [], version: [number, number] = [1, 0]): Uint8Array {
  return block(le, 0x0a0d0d0a, (b) => {
    b.u32(0x1a2b3c4d).u16(version[0]).u16(version[1]).u32(0xffffffff).u32(0xffffffff);
    options(b, opts);
  });
}

export function idb(le: boolean, linkType: number, snaplen: number, opts: Option[] = []): Uint8Array {
  return block(le, 1, (b) => {
    b.u16(linkType).u16(0).u32(snaplen);
    options(b, opts);
  });
}

export function epb(le: boolean, iface: number, hi: number, lo: number, data: Uint8Array, origLen = data.length, opts: Option[] = []): Uint8Array {
  return block(le, 6, (b) => {
    b.u32(iface).u32(hi).u32(lo).u32(data.length).u32(origLen).raw(data).pad4();
    options(b, opts);
  });
}

export function spb(le: boolean, origLen: number, data: Uint8Array): Uint8Array {
  return block(le, 3, (b) => {
    b.u32(origLen).raw(data).pad4();
  });
}

export function opb(le: boolean, iface: number, hi: number, lo: number, data: Uint8Array, origLen = data.length, opts: Option[] = []): Uint8Array {
  return block(le, 2, (b) => {
    b.u16(iface).u16(0).u32(hi).u32(lo).u32(data.length).u32(origLen).raw(data).pad4();
    options(b, opts);
  });
}

export interface NameRecord {
  type: number;
  value: number[];
}

export function nrb(le: boolean, records: NameRecord[]): Uint8Array {
  return block(le, 4, (b) => {
    for (const r of records) b.u16(r.type).u16(r.value.length).raw(r.value).pad4();
    b.u16(0).u16(0);
  });
}

export const comment = (s: string): Option => ({ code: 1, value: ascii(s) });

/** Splits a 64-bit timestamp count into (hi, lo) words. */
export function split64(count: bigint): [number, number] {
  return [Number(count >> 32n), Number(count & 0xffffffffn)];
}

// ---- reading helpers ----

/** A packet copied out of the reader's reused object. */
export interface Copied extends Omit<CapturedPacket, 'data'> {
  data: number[];
}

export interface Collected {
  packets: Copied[];
  names: [string, string[]][];
  warnings: CaptureWarning[];
}

export function collector(): Collected & { sink: Parameters<typeof readCaptureBytes>[1] } {
  const c: Collected = { packets: [], names: [], warnings: [] };
  return {
    ...c,
    sink: {
      packet: (p) => c.packets.push({ ...p, data: Array.from(p.data) }),
      names: (a, n) => c.names.push([a, n]),
      warning: (w) => c.warnings.push(w),
    },
  };
}

export function readAll(bytes: Uint8Array, file = 'test.cap'): Collected & { summary: CaptureSummary } {
  const c = collector();
  const summary = readCaptureBytes(bytes, c.sink, { file });
  return { packets: c.packets, names: c.names, warnings: c.warnings, summary };
}

/** Reads by pushing the given chunk sizes in turn (cycling), copying each chunk so no view outlives it. */
export function readChunked(bytes: Uint8Array, sizes: number[], file = 'test.cap'): Collected & { summary: CaptureSummary } {
  const c = collector();
  const reader = createCaptureReader(c.sink, { file });
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]);
    reader.push(bytes.slice(at, at + n));
    at += n;
  }
  const summary = reader.end();
  return { packets: c.packets, names: c.names, warnings: c.warnings, summary };
}
