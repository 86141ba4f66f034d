/**
 * Mutation operators for fuzzing the pipeline: each takes a capture (pcap or pcapng bytes) and a seeded random
 * source and returns a damaged copy. The operators are the ways real captures go wrong, and the ways a
 * hostile one is built: flipped bytes, damaged record headers, truncation, splices of two captures, huge
 * length fields, records out of order, BER nested deep, DNS compression pointers that loop.
 */

/** A small deterministic PRNG (mulberry32): the same seed gives the same mutations on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

/** Offsets of each record header (classic pcap) or block (pcapng); empty when the format is not recognised. */
export function recordOffsets(b: Uint8Array): number[] {
  if (b.length < 24) return [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = v.getUint32(0, false);
  const out: number[] = [];
  if (magic === 0x0a0d0d0a) {
    const le = v.getUint32(8, true) === 0x1a2b3c4d;
    for (let o = 0; o + 12 <= b.length && out.length < 1_000_000; ) {
      out.push(o);
      const len = v.getUint32(o + 4, le);
      if (len < 12 || len % 4 !== 0) break;
      o += len;
    }
    return out;
  }
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) return out;
  for (let o = 24; o + 16 <= b.length && out.length < 1_000_000; ) {
    out.push(o);
    o += 16 + v.getUint32(o + 8, le);
  }
  return out;
}

export type Mutator = (input: Uint8Array, r: Random, others: readonly Uint8Array[]) => Uint8Array;

const HUGE_32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x01000000, 0x00ffffff, 0x10000];

/** Flips 1 to 16 random bits. */
const flipBits: Mutator = (input, r) => {
  const out = input.slice();
  const n = 1 + r.int(16);
  for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
};

/** Overwrites a few random bytes with 0x00, 0xff or random values. */
const setBytes: Mutator = (input, r) => {
  const out = input.slice();
  const n = 1 + r.int(8);
  for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] = r.pick([0, 0xff, r.int(256)]);
  return out;
};

/** Damages one record or block header: its length fields become huge, zero, or off by a little. */
const damageRecordHeader: Mutator = (input, r) => {
  const offsets = recordOffsets(input);
  if (offsets.length === 0) return flipBits(input, r, []);
  const out = input.slice();
  const v = new DataView(out.buffer);
  const at = r.pick(offsets) + r.pick([0, 4, 8, 12]);
  if (at + 4 > out.length) return out;
  const old = v.getUint32(at, r.next() < 0.5);
  const value = r.pick([0, 1, old + 1, old - 1, old + 4, r.pick(HUGE_32), r.int(0x10000)]);
  v.setUint32(at, value >>> 0, r.next() < 0.5);
  return out;
};

/** Cuts the capture short, anywhere (inside a header, inside a record). */
const truncate: Mutator = (input, r) => input.slice(0, r.int(input.length));

/** Joins the head of this capture with the tail of another (or of itself), at random points. */
const splice: Mutator = (input, r, others) => {
  const other = others.length ? r.pick(others) : input;
  const a = r.int(input.length + 1);
  const b = r.int(other.length + 1);
  const out = new Uint8Array(a + other.length - b);
  out.set(input.subarray(0, a));
  out.set(other.subarray(b), a);
  return out;
};

/** Puts a huge value where a length field might be (4 or 2 bytes inside a record's data). */
const hugeLength: Mutator = (input, r) => {
  const out = input.slice();
  const v = new DataView(out.buffer);
  const offsets = recordOffsets(out);
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const base = offsets.length ? r.pick(offsets) + 16 : 0;
    const at = base + r.int(Math.max(1, Math.min(200, out.length - base - 4)));
    if (at + 4 > out.length) continue;
    if (r.next() < 0.5) v.setUint32(at, r.pick(HUGE_32), r.next() < 0.5);
    else v.setUint16(at, r.pick([0xffff, 0x8000, 0x7fff]), r.next() < 0.5);
  }
  return out;
};

/** Swaps two records (segments out of order) or repeats one (retransmission). */
const reorderRecords: Mutator = (input, r) => {
  const offsets = recordOffsets(input);
  if (offsets.length < 3) return flipBits(input, r, []);
  const ends = offsets.slice(1).concat([input.length]);
  const records = offsets.map((o, i) => input.subarray(o, Math.min(ends[i], input.length)));
  const head = input.subarray(0, offsets[0]);
  const i = 1 + r.int(records.length - 1);
  const j = 1 + r.int(records.length - 1);
  if (r.next() < 0.5) [records[i], records[j]] = [records[j], records[i]];
  else records.splice(i, 0, records[j]);
  let len = head.length;
  for (const x of records) len += x.length;
  const out = new Uint8Array(len);
  out.set(head);
  let o = head.length;
  for (const x of records) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};

/** Writes a run of BER constructed headers with indefinite length (0x30 0x80 …) into a record's data. */
const deepBer: Mutator = (input, r) => {
  const out = input.slice();
  const offsets = recordOffsets(out);
  const start = (offsets.length ? r.pick(offsets) + 16 : 0) + 40 + r.int(40);
  for (let o = start; o + 1 < out.length && o < start + 2 * (100 + r.int(4000)); o += 2) {
    out[o] = 0x30;
    out[o + 1] = 0x80;
  }
  return out;
};

/** Writes DNS compression pointers that point at themselves or each other. */
const dnsPointerLoop: Mutator = (input, r) => {
  const out = input.slice();
  const offsets = recordOffsets(out);
  const n = 1 + r.int(6);
  for (let i = 0; i < n; i++) {
    const base = offsets.length ? r.pick(offsets) + 16 : 0;
    const at = base + 28 + 12 + r.int(60);
    if (at + 2 > out.length) continue;
    out[at] = 0xc0;
    out[at + 1] = r.pick([0x0c, 0x0e, (at - base - 28 - 14) & 0xff, r.int(256)]);
  }
  return out;
};

export const MUTATORS: Record<string, Mutator> = {
  flipBits,
  setBytes,
  damageRecordHeader,
  truncate,
  splice,
  hugeLength,
  reorderRecords,
  deepBer,
  dnsPointerLoop,
};

/** One to three mutations of `input`, chosen by `r`; returns the result and the operators' names. */
export function mutate(input: Uint8Array, r: Random, others: readonly Uint8Array[]): { bytes: Uint8Array; ops: string[] } {
  const names = Object.keys(MUTATORS);
  const ops: string[] = [];
  let bytes = input;
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const name = r.pick(names);
    ops.push(name);
    bytes = MUTATORS[name](bytes, r, others);
  }
  return { bytes, ops };
}
