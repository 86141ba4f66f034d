/**
 * CORBA CDR (Common Data Representation) primitives for GIOP: a bounds-checked reader and a small
 * writer. Primitive types sit on their natural boundary; as in GIOP, alignment is measured from the
 * first byte of the GIOP message (its 12-byte header), so `origin` is where that message starts.
 * Because the header is 12 bytes, 2- and 4-byte alignment are the same whether counted from the
 * header or from the body; only 8-byte alignment (GIOP 1.2 bodies, long long, double) tells them apart.
 */

/** Why a read failed; the reader stops at the first failure and keeps the reason. */
export type CdrErrorCode = 'short' | 'string-past-end' | 'sequence-past-end' | 'absurd-length' | 'string-not-terminated';

const latin1 = new TextDecoder('latin1');

export class CdrReader {
  pos: number;
  error: CdrErrorCode | null = null;
  /** What was being read when `error` was set (e.g. 'operation'). */
  errorAt = '';

  constructor(
    readonly buf: Uint8Array,
    start: number,
    /** One past the last readable byte. */
    readonly end: number,
    readonly littleEndian: boolean,
    /** Offset that alignment is measured from (the start of the GIOP message). */
    readonly origin: number,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(code: CdrErrorCode, what: string): void {
    if (!this.error) {
      this.error = code;
      this.errorAt = what;
    }
  }

  align(n: number): void {
    const rel = (this.pos - this.origin) % n;
    if (rel !== 0) this.pos += n - rel;
  }

  private need(n: number, what: string): boolean {
    if (this.error) return false;
    if (this.pos + n > this.end) {
      this.fail('short', what);
      this.pos = this.end;
      return false;
    }
    return true;
  }

  octet(what = 'octet'): number {
    if (!this.need(1, what)) return 0;
    return this.buf[this.pos++];
  }

  boolean(what = 'boolean'): boolean {
    return this.octet(what) !== 0;
  }

  ushort(what = 'ushort'): number {
    this.align(2);
    if (!this.need(2, what)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos += 2;
    return this.littleEndian ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  }

  ulong(what = 'ulong'): number {
    this.align(4);
    if (!this.need(4, what)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return this.littleEndian
      ? ((b[p + 3] << 24) >>> 0) + ((b[p + 2] << 16) | (b[p + 1] << 8) | b[p])
      : ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  /**
   * A length-prefixed octet sequence, returned as a view (no copy). A length larger than what is
   * left is an error ('sequence-past-end'), one larger than any plausible message 'absurd-length'.
   */
  octets(what = 'sequence<octet>'): Uint8Array | null {
    const n = this.ulong(what);
    if (this.error) return null;
    if (n > this.remaining) {
      this.fail(n > 0x4000000 ? 'absurd-length' : 'sequence-past-end', what);
      return null;
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A CDR string: ulong length including the NUL, the characters, NUL. Read as Latin-1 (ISO 8859-1, CDR's default char set). */
  string(what = 'string'): string | null {
    const n = this.ulong(what);
    if (this.error) return null;
    if (n > this.remaining) {
      this.fail(n > 0x4000000 ? 'absurd-length' : 'string-past-end', what);
      return null;
    }
    const s = this.pos;
    this.pos += n;
    if (n === 0) return ''; // not legal CDR, but some ORBs send it for an empty string
    // The terminating NUL is required; tolerate its absence but say so.
    const last = this.buf[s + n - 1];
    if (last !== 0) {
      this.fail('string-not-terminated', what);
      return latin1.decode(this.buf.subarray(s, s + n));
    }
    return latin1.decode(this.buf.subarray(s, s + n - 1));
  }
}

/** Builds a CDR byte stream; position 0 is the start of the GIOP message for alignment purposes. */
export class CdrWriter {
  private buf = new Uint8Array(256);
  pos = 0;

  constructor(readonly littleEndian: boolean) {}

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  align(n: number): void {
    const pad = (n - (this.pos % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  octet(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  ushort(v: number): void {
    this.align(2);
    this.ensure(2);
    const p = this.pos;
    if (this.littleEndian) {
      this.buf[p] = v & 0xff;
      this.buf[p + 1] = (v >>> 8) & 0xff;
    } else {
      this.buf[p] = (v >>> 8) & 0xff;
      this.buf[p + 1] = v & 0xff;
    }
    this.pos += 2;
  }

  ulong(v: number): void {
    this.align(4);
    this.ensure(4);
    this.putULongAt(this.pos, v);
    this.pos += 4;
  }

  /** Overwrites a ulong already written (e.g. the message size in the header). */
  putULongAt(p: number, v: number): void {
    const b = this.buf;
    if (this.littleEndian) {
      b[p] = v & 0xff;
      b[p + 1] = (v >>> 8) & 0xff;
      b[p + 2] = (v >>> 16) & 0xff;
      b[p + 3] = (v >>> 24) & 0xff;
    } else {
      b[p] = (v >>> 24) & 0xff;
      b[p + 1] = (v >>> 16) & 0xff;
      b[p + 2] = (v >>> 8) & 0xff;
      b[p + 3] = v & 0xff;
    }
  }

  octets(b: Uint8Array): void {
    this.ulong(b.length);
    this.bytes(b);
  }

  /** CDR string in Latin-1; characters above U+00FF become '?'. */
  string(s: string): void {
    this.ulong(s.length + 1);
    this.ensure(s.length + 1);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.buf[this.pos++] = c <= 0xff ? c : 0x3f;
    }
    this.buf[this.pos++] = 0;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
