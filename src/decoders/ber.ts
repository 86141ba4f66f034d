/**
 * A small BER (X.690) reader and writer: definite lengths (short and long form), multi-byte tags,
 * every read bounds-checked. Enough for LDAP (RFC 4511), which forbids indefinite lengths and needs
 * nothing of DER beyond minimal lengths. Pure: Uint8Array only.
 */

export const BER_CLASS_UNIVERSAL = 0;
export const BER_CLASS_APPLICATION = 1;
export const BER_CLASS_CONTEXT = 2;
export const BER_CLASS_PRIVATE = 3;

/** Why an element could not be read. */
export type BerErrorCode =
  | 'truncated-header'
  | 'indefinite-length'
  | 'reserved-length'
  | 'length-too-long'
  | 'tag-too-long'
  | 'past-end';

/** One TLV, located in its buffer. `error` set means the fields after it are not to be trusted. */
export interface BerElement {
  /** The first identifier byte, class and constructed bit included (e.g. 0x30 SEQUENCE, 0x60 [APPLICATION 0]). */
  identifier: number;
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Offset of the identifier byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Content length as declared. */
  length: number;
  /** contentStart + length; the next element starts here. */
  end: number;
  error?: BerErrorCode;
}

/** Longest long-form length accepted: 4 bytes (lengths up to 4 GiB), plenty for any real message. */
const MAX_LENGTH_BYTES = 4;

/**
 * Reads the header of the element at `offset`; its content must lie within `limit`.
 * Never throws: a problem comes back in `error` (with `end` clamped to `limit`).
 */
export function readBerElement(buf: Uint8Array, offset: number, limit: number): BerElement {
  const el: BerElement = {
    identifier: 0,
    tagClass: 0,
    constructed: false,
    tagNumber: 0,
    start: offset,
    contentStart: offset,
    length: 0,
    end: limit,
  };
  if (limit > buf.length) limit = buf.length;
  let p = offset;
  if (p >= limit) {
    el.error = 'truncated-header';
    el.end = limit;
    return el;
  }
  const id = buf[p++];
  el.identifier = id;
  el.tagClass = id >> 6;
  el.constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form: base-128 digits, high bit set on all but the last.
    tagNumber = 0;
    let digits = 0;
    for (;;) {
      if (p >= limit) {
        el.error = 'truncated-header';
        el.end = limit;
        return el;
      }
      const b = buf[p++];
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if (++digits > 4) {
        el.error = 'tag-too-long';
        el.end = limit;
        return el;
      }
      if ((b & 0x80) === 0) break;
    }
  }
  el.tagNumber = tagNumber;
  if (p >= limit) {
    el.error = 'truncated-header';
    el.end = limit;
    return el;
  }
  const first = buf[p++];
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    el.error = 'indefinite-length';
    el.contentStart = p;
    el.end = limit;
    return el;
  } else if (first === 0xff) {
    el.error = 'reserved-length';
    el.end = limit;
    return el;
  } else {
    const n = first & 0x7f;
    if (n > MAX_LENGTH_BYTES) {
      el.error = 'length-too-long';
      el.end = limit;
      return el;
    }
    if (p + n > limit) {
      el.error = 'truncated-header';
      el.end = limit;
      return el;
    }
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[p++];
  }
  el.contentStart = p;
  el.length = length;
  if (p + length > limit) {
    el.error = 'past-end';
    el.end = limit;
    return el;
  }
  el.end = p + length;
  return el;
}

/** Where an element's content lies, as readPlainBerElement finds it. */
export interface BerSpan {
  /** Offset of the first content byte. */
  start: number;
  /** contentStart + length: the next element starts here. */
  end: number;
}

/**
 * readBerElement for a caller that takes only well-formed elements, without an object per element: true, with
 * `span` set, when the element at buf[offset] has the one-byte `identifier` and a definite length that
 * readBerElement accepts, and ends within `limit`; false otherwise (readBerElement then says what is wrong).
 */
export function readPlainBerElement(buf: Uint8Array, offset: number, limit: number, identifier: number, span: BerSpan): boolean {
  if (limit > buf.length) limit = buf.length;
  if (offset + 1 >= limit || buf[offset] !== identifier) return false;
  let p = offset + 1;
  const first = buf[p++];
  let length = first;
  if (first >= 0x80) {
    const n = first & 0x7f;
    // 0x80 is the indefinite form and 0xff is reserved (n > MAX_LENGTH_BYTES), as in readBerElement.
    if (n === 0 || n > MAX_LENGTH_BYTES || p + n > limit) return false;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[p++];
  }
  if (p + length > limit) return false;
  span.start = p;
  span.end = p + length;
  return true;
}

/**
 * Total length (header + content) of the element starting at `offset`, looking only at the header:
 * 0 when more bytes are needed to know, -1 when the header is not BER a decoder can use.
 */
export function berElementLength(buf: Uint8Array, offset: number, available: number): number {
  if (available < 2) return 0;
  let p = offset + 1;
  const limit = offset + available;
  if ((buf[offset] & 0x1f) === 0x1f) {
    let digits = 0;
    for (;;) {
      if (p >= limit) return 0;
      const b = buf[p++];
      if (++digits > 4) return -1;
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) return 0;
  const first = buf[p++];
  if (first < 0x80) return p - offset + first;
  if (first === 0x80 || first === 0xff) return -1;
  const n = first & 0x7f;
  if (n > MAX_LENGTH_BYTES) return -1;
  if (p + n > limit) return 0;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[p++];
  return p - offset + length;
}

/** Reads a BER INTEGER's content as a signed number (up to 6 content bytes stay exact); null if empty or too long. */
export function readBerInteger(buf: Uint8Array, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 6 || end > buf.length) return null;
  let v = buf[start] & 0x80 ? -1 : 0;
  for (let i = start; i < end; i++) v = v * 256 + buf[i];
  // The loop above treats the sign by starting at -1, giving two's complement for negatives.
  return v;
}

/** Reads a BOOLEAN's content (any non-zero byte is TRUE); null if the content is not one byte. */
export function readBerBoolean(buf: Uint8Array, start: number, end: number): boolean | null {
  if (end - start !== 1 || end > buf.length) return null;
  return buf[start] !== 0;
}

/** Decodes an OBJECT IDENTIFIER's content as dotted text; null when malformed. */
export function readBerOid(buf: Uint8Array, start: number, end: number): string | null {
  if (end <= start || end > buf.length) return null;
  const parts: number[] = [];
  let v = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    v = v * 128 + (b & 0x7f);
    if (++digits > 8) return null;
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
      digits = 0;
    }
  }
  if (digits !== 0) return null;
  return parts.join('.');
}

// ---------------------------------------------------------------------------------------------------
// Writer: builds elements bottom-up. Used by encoders (capture generator, lab), not on hot paths.

const textEncoder = new TextEncoder();

export function utf8Bytes(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** The identifier octets for a tag (low tag numbers in one byte, high ones in base-128). */
export function berIdentifier(tagClass: number, constructed: boolean, tagNumber: number): Uint8Array {
  const lead = (tagClass << 6) | (constructed ? 0x20 : 0);
  if (tagNumber < 31) return Uint8Array.of(lead | tagNumber);
  const digits: number[] = [];
  let n = tagNumber;
  do {
    digits.unshift(n & 0x7f);
    n = Math.floor(n / 128);
  } while (n > 0);
  for (let i = 0; i < digits.length - 1; i++) digits[i] |= 0x80;
  digits.unshift(lead | 0x1f);
  return Uint8Array.from(digits);
}

/** Minimal definite length octets. */
export function berLengthBytes(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const digits: number[] = [];
  let n = length;
  while (n > 0) {
    digits.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  digits.unshift(0x80 | digits.length);
  return Uint8Array.from(digits);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A whole TLV from a single identifier byte (class + constructed + tag number < 31) or full identifier octets. */
export function berTlv(identifier: number | Uint8Array, content: Uint8Array): Uint8Array {
  const id = typeof identifier === 'number' ? Uint8Array.of(identifier) : identifier;
  return concatBytes([id, berLengthBytes(content.length), content]);
}

/** A constructed element (SEQUENCE 0x30 by default) whose content is the given elements in order. */
export function berConstructed(identifier: number | Uint8Array, elements: readonly Uint8Array[]): Uint8Array {
  return berTlv(identifier, concatBytes(elements));
}

/** Minimal two's-complement content of an integer. */
export function berIntegerContent(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  const bytes: number[] = [];
  let v = BigInt(value);
  for (;;) {
    const low = Number(v & 0xffn);
    bytes.unshift(low);
    v >>= 8n; // arithmetic shift: negatives stay negative
    if ((v === 0n && (low & 0x80) === 0) || (v === -1n && (low & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

/** INTEGER (0x02) or, with another identifier, ENUMERATED (0x0a) or an implicitly tagged integer. */
export function berInteger(value: number, identifier = 0x02): Uint8Array {
  return berTlv(identifier, berIntegerContent(value));
}

export function berBoolean(value: boolean, identifier = 0x01): Uint8Array {
  return berTlv(identifier, Uint8Array.of(value ? 0xff : 0x00));
}

/** OCTET STRING (0x04) from text (UTF-8) or bytes. */
export function berOctetString(value: string | Uint8Array, identifier = 0x04): Uint8Array {
  return berTlv(identifier, typeof value === 'string' ? utf8Bytes(value) : value);
}
