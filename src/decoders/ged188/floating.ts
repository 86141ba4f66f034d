/**
 * The floating part of a GED-188 body: tag / length / data items (§1.3). Tag and length are 1 byte each
 * before protocol 20 and 2 bytes each from 20 on. Strings carry their NUL inside the length.
 */

import type { Anomaly, FieldValue } from '../types.js';
import { floatingTagInfo, floatingTagName, type FloatingValueType } from './constants.js';

export type TagWidth = 1 | 2;

// A type, not an interface: a list of them is a FieldValue as it stands (DecodedMessage.fields.floating).
export type Ged188FloatingField = {
  tag: number;
  name: string;
  value: FieldValue;
  /** The item runs past the end of the message; `value` holds the bytes present. */
  truncated?: boolean;
};

/** Outcome of a quick structural check of a floating part under one tag width. */
export interface FloatingScan {
  /** Items read completely. */
  items: number;
  /** Items or bytes that do not fit the rules (unknown tag, wrong size, string without NUL, overrun). */
  problems: number;
  /** True when the items end exactly at the end of the body. */
  exact: boolean;
}

function checkItem(type: FloatingValueType | undefined, body: Uint8Array, at: number, len: number): boolean {
  if (type === undefined) return false;
  switch (type) {
    case 'string':
      return len > 0 && body[at + len - 1] === 0;
    case 'secret':
      // ClientPassword is UNSPEC and "may be empty" (length 0 or a lone NUL); both secrets are at most 64.
      return len <= 64;
    case 'unspec':
      return true;
    case 'uint':
    case 'int':
    case 'time':
      return len === 4;
    case 'ushort':
      return len === 2;
    case 'taskid':
      return len === 12;
    case 'namedvar': {
      if (len < 2 || body[at + len - 1] !== 0) return false;
      for (let i = at; i < at + len - 1; i++) if (body[i] === 0) return true;
      return false;
    }
    case 'namedarray':
      return len >= 3 && body[at + len - 1] === 0;
    case 'auto':
      return len > 0;
  }
}

/** Structural check without building values (used to choose tag width and fixed-part length). */
export function scanFloating(body: Uint8Array, start: number, end: number, width: TagWidth): FloatingScan {
  let pos = start;
  let items = 0;
  let problems = 0;
  const hdr = width * 2;
  while (pos < end) {
    if (pos + hdr > end) {
      problems++;
      return { items, problems, exact: false };
    }
    const tag = width === 1 ? body[pos] : (body[pos] << 8) | body[pos + 1];
    const len = width === 1 ? body[pos + 1] : (body[pos + 2] << 8) | body[pos + 3];
    pos += hdr;
    if (pos + len > end) {
      problems++;
      return { items, problems, exact: false };
    }
    if (!checkItem(floatingTagInfo(tag)?.type, body, pos, len)) problems++;
    items++;
    pos += len;
  }
  return { items, problems, exact: true };
}

const utf8 = new TextDecoder('utf-8');

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

function cString(b: Uint8Array): string {
  return cStringAt(b, 0, b.length);
}

function looksLikeCString(b: Uint8Array): boolean {
  if (b.length === 0 || b[b.length - 1] !== 0) return false;
  for (let i = 0; i < b.length - 1; i++) if (b[i] < 0x20 && b[i] !== 0x09) return false;
  return true;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

/** The text of body[at, at+len) up to its first NUL (all of it without one). */
function cStringAt(body: Uint8Array, at: number, len: number): string {
  const stop = at + len;
  let nul = body.indexOf(0, at);
  if (nul < 0 || nul > stop) nul = stop;
  return utf8.decode(body.subarray(at, nul));
}

function wrongSize(tag: number, data: Uint8Array, want: string, anomalies: Anomaly[], offset: number): string {
  anomalies.push({
    code: 'bad-field-length',
    message: `${floatingTagName(tag)} (tag ${tag}) has ${data.length} bytes where ${want} is expected`,
    offset,
  });
  return hex(data);
}

/**
 * The value of the item at body[at, at+len). Strings and numbers, nearly every item of a login, are read in
 * place; the rarer types get a view of their bytes.
 */
function decodeValueAt(
  tag: number,
  type: FloatingValueType | undefined,
  body: Uint8Array,
  at: number,
  len: number,
  showSecrets: boolean,
  anomalies: Anomaly[],
  offset: number,
): FieldValue {
  switch (type) {
    case 'string':
      if (len === 0 || body[at + len - 1] !== 0) {
        anomalies.push({
          code: 'string-not-terminated',
          message: `${floatingTagName(tag)} (tag ${tag}) does not end with NUL`,
          offset,
        });
      }
      return cStringAt(body, at, len);
    case 'uint':
    case 'time':
      if (len === 4) return readU32(body, at);
      break;
    case 'ushort':
      if (len === 2) return (body[at] << 8) | body[at + 1];
      break;
  }
  return decodeValue(tag, type, body.subarray(at, at + len), showSecrets, anomalies, offset);
}

/** decodeValueAt for the types it does not read in place (strings never get here). */
function decodeValue(
  tag: number,
  type: Exclude<FloatingValueType, 'string'> | undefined,
  data: Uint8Array,
  showSecrets: boolean,
  anomalies: Anomaly[],
  offset: number,
): FieldValue {
  const name = floatingTagName(tag);
  switch (type) {
    case undefined:
      return looksLikeCString(data) ? cString(data) : hex(data);
    case 'secret':
      if (!showSecrets) return '<redacted>';
      return data.length === 0 || looksLikeCString(data) || data.indexOf(0) < 0 ? cString(data) : hex(data);
    case 'unspec':
      return hex(data);
    case 'uint':
    case 'time':
      return data.length === 4 ? readU32(data, 0) : wrongSize(tag, data, '4', anomalies, offset);
    case 'int':
      return data.length === 4 ? readU32(data, 0) | 0 : wrongSize(tag, data, '4', anomalies, offset);
    case 'ushort':
      return data.length === 2 ? (data[0] << 8) | data[1] : wrongSize(tag, data, '2', anomalies, offset);
    case 'taskid':
      return data.length === 12
        ? { taskGroupHigh: readU32(data, 0) | 0, taskGroupLow: readU32(data, 4) | 0, sequenceNumber: readU32(data, 8) | 0 }
        : wrongSize(tag, data, '12', anomalies, offset);
    case 'namedvar': {
      const nul = data.indexOf(0);
      if (nul < 0 || data[data.length - 1] !== 0) {
        anomalies.push({ code: 'bad-named-variable', message: `${name} is not name\\0value\\0`, offset });
        return hex(data);
      }
      return { name: utf8.decode(data.subarray(0, nul)), value: cString(data.subarray(nul + 1)) };
    }
    case 'namedarray': {
      const nul = data.indexOf(0, 1);
      if (data.length < 3 || nul < 0 || data[data.length - 1] !== 0) {
        anomalies.push({ code: 'bad-named-array', message: `${name} is not index name\\0value\\0`, offset });
        return hex(data);
      }
      return { index: data[0], name: utf8.decode(data.subarray(1, nul)), value: cString(data.subarray(nul + 1)) };
    }
    case 'auto':
      if (looksLikeCString(data)) return cString(data);
      if (data.length === 4) return readU32(data, 0);
      if (data.length === 2) return (data[0] << 8) | data[1];
      return hex(data);
  }
}

/** Reads every item, with typed values and anomalies; `baseOffset` is added to reported offsets. */
export function decodeFloating(
  body: Uint8Array,
  start: number,
  end: number,
  width: TagWidth,
  showSecrets: boolean,
  anomalies: Anomaly[],
  baseOffset = 0,
): Ged188FloatingField[] {
  const out: Ged188FloatingField[] = [];
  const hdr = width * 2;
  let pos = start;
  while (pos < end) {
    if (pos + hdr > end) {
      anomalies.push({
        code: 'floating-overrun',
        message: `${end - pos} stray bytes after the last floating item (too few for a tag and length)`,
        offset: baseOffset + pos,
      });
      break;
    }
    const tag = width === 1 ? body[pos] : (body[pos] << 8) | body[pos + 1];
    const len = width === 1 ? body[pos + 1] : (body[pos + 2] << 8) | body[pos + 3];
    const itemOffset = baseOffset + pos;
    pos += hdr;
    const info = floatingTagInfo(tag);
    if (pos + len > end) {
      anomalies.push({
        code: 'floating-overrun',
        message: `floating item ${floatingTagName(tag)} (tag ${tag}) claims ${len} bytes but only ${end - pos} remain in the body; the bytes present are shown`,
        offset: itemOffset,
      });
      // What is there is still shown: text up to its NUL for strings, else hex.
      const have = end - pos;
      const value = info?.type === 'string' ? cStringAt(body, pos, have) : hex(body.subarray(pos, end));
      out.push({ tag, name: info?.name ?? floatingTagName(tag), value, truncated: true });
      break;
    }
    if (tag === 0) {
      anomalies.push({ code: 'tag-zero', message: `floating tag 0 (${len} bytes): no field has tag 0, so the fixed part is probably misread`, offset: itemOffset });
    } else if (!info) {
      anomalies.push({ code: 'unknown-tag', message: `unknown floating tag ${tag} (${len} bytes)`, offset: itemOffset });
    }
    out.push({
      tag,
      name: info?.name ?? floatingTagName(tag),
      value: decodeValueAt(tag, info?.type, body, pos, len, showSecrets, anomalies, itemOffset),
    });
    pos += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding.

export type FloatingInputValue =
  | string
  | number
  | Uint8Array
  | { name: string; value: string; index?: number }
  | { taskGroupHigh: number; taskGroupLow: number; sequenceNumber: number };

const utf8Encoder = new TextEncoder();

function cStringBytes(s: string): Uint8Array {
  const b = utf8Encoder.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function u32Bytes(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0);
  return out;
}

/** Data bytes of one floating item, by the tag's type. Throws on a value the type cannot hold. */
export function floatingItemData(tag: number, value: FloatingInputValue): Uint8Array {
  const type = floatingTagInfo(tag)?.type ?? 'auto';
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    if (type === 'unspec') return utf8Encoder.encode(value);
    return cStringBytes(value);
  }
  if (typeof value === 'number') {
    if (type === 'ushort') {
      if (value < 0 || value > 0xffff) throw new RangeError(`tag ${tag}: ${value} does not fit a USHORT`);
      return new Uint8Array([(value >> 8) & 0xff, value & 0xff]);
    }
    if (type === 'uint' || type === 'int' || type === 'time' || type === 'auto') return u32Bytes(value);
    throw new TypeError(`tag ${tag} (${type}) cannot hold a number`);
  }
  if ('taskGroupHigh' in value) {
    const out = new Uint8Array(12);
    const dv = new DataView(out.buffer);
    dv.setInt32(0, value.taskGroupHigh);
    dv.setInt32(4, value.taskGroupLow);
    dv.setInt32(8, value.sequenceNumber);
    return out;
  }
  const name = utf8Encoder.encode(value.name);
  const val = utf8Encoder.encode(value.value);
  const withIndex = type === 'namedarray' ? 1 : 0;
  const out = new Uint8Array(withIndex + name.length + 1 + val.length + 1);
  if (withIndex) out[0] = value.index ?? 0;
  out.set(name, withIndex);
  out.set(val, withIndex + name.length + 1);
  return out;
}

/** Writes tag, length and data at `out[pos]`; returns the new position. */
export function writeFloatingItem(out: Uint8Array, pos: number, tag: number, data: Uint8Array, width: TagWidth): number {
  if (width === 1) {
    out[pos] = tag;
    out[pos + 1] = data.length;
  } else {
    out[pos] = tag >> 8;
    out[pos + 1] = tag & 0xff;
    out[pos + 2] = data.length >> 8;
    out[pos + 3] = data.length & 0xff;
  }
  out.set(data, pos + width * 2);
  return pos + width * 2 + data.length;
}
