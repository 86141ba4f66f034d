/**
 * Decodes one GIOP message (1.0, 1.1, 1.2; either byte order) from its bytes: the 12-byte header and
 * the message header that follows (Request, Reply, Locate*, CancelRequest, Fragment). Operation
 * arguments and results are IDL-specific and stay undecoded, except the exception id and system
 * exception body of a Reply, which say why a call failed. Never throws: problems become anomalies.
 */

import type { Anomaly, DecodeOptions, FieldValue } from '../types.js';
import { CdrReader } from './cdr.js';
import {
  ADDRESSING_DISPOSITION_NAMES,
  COMPLETION_STATUS_NAMES,
  GIOP_HEADER_SIZE,
  GIOP_MESSAGE_TYPES,
  LOCATE_STATUS_NAMES,
  MSG_CANCEL_REQUEST,
  MSG_CLOSE_CONNECTION,
  MSG_FRAGMENT,
  MSG_LOCATE_REPLY,
  MSG_LOCATE_REQUEST,
  MSG_MESSAGE_ERROR,
  MSG_REPLY,
  MSG_REQUEST,
  OMG_VMCID,
  REPLY_STATUS_NAMES,
  SERVICE_CONTEXT_NAMES,
} from './constants.js';

/** Largest message size believed (64 MiB); anything larger is a desynchronised stream, not GIOP. */
export const GIOP_MAX_MESSAGE_SIZE = 64 << 20;
/** Service contexts listed at most; the count beyond is reported. */
const MAX_SERVICE_CONTEXTS = 64;
/** Object keys shown in full up to this many bytes. */
const MAX_KEY_BYTES = 256;

export interface GiopMessage {
  /** 'GIOP', or 'ZIOP' for a compressed message (header only is decoded). */
  magic: 'GIOP' | 'ZIOP' | null;
  major: number;
  minor: number;
  littleEndian: boolean;
  moreFragments: boolean;
  messageType: number;
  /** Message type name (`Request`, …) or `UNKNOWN_<n>`. */
  type: string;
  /** Body size from the header. */
  messageSize: number;
  /** Header + body bytes actually present (≤ 12 + messageSize). */
  length: number;
  /** Request id, when the message type has one and it could be read. */
  requestId: number | null;
  fields: Record<string, FieldValue>;
  summary: string;
  anomalies: Anomaly[];
  /**
   * Offset (in the given bytes) of the data after the message header: arguments of a Request, result
   * or exception of a Reply, continuation bytes of a Fragment. Null when the header did not parse.
   */
  bodyOffset: number | null;
}

const ascii = new TextDecoder('latin1');

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** Object keys are often readable names (`LRM/LicenseManager`); binary keys (TAO, JacORB) are shown in hex. */
export function formatObjectKey(key: Uint8Array): string {
  const shown = key.length > MAX_KEY_BYTES ? key.subarray(0, MAX_KEY_BYTES) : key;
  let printable = shown.length > 0;
  for (let i = 0; i < shown.length; i++) {
    const b = shown[i];
    if (b < 0x20 || b > 0x7e) {
      printable = false;
      break;
    }
  }
  const text = printable ? ascii.decode(shown) : hex(shown);
  return key.length > MAX_KEY_BYTES ? text + '…' : text;
}

export function isGiopMagic(b: Uint8Array, o: number): boolean {
  return b[o + 1] === 0x49 && b[o + 2] === 0x4f && b[o + 3] === 0x50 && (b[o] === 0x47 || b[o] === 0x5a);
}

/** Message size from a header at `o` (12 bytes must be available). */
export function giopMessageSize(b: Uint8Array, o: number): number {
  const le = (b[o + 6] & 1) !== 0;
  return le
    ? ((b[o + 11] << 24) >>> 0) + ((b[o + 10] << 16) | (b[o + 9] << 8) | b[o + 8])
    : ((b[o + 8] << 24) >>> 0) + ((b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]);
}

/** A plausible GIOP/ZIOP header at `o`: magic, version 1.0–1.3, known message type. */
export function plausibleGiopHeader(b: Uint8Array, o: number, available: number): boolean {
  if (available < 8) return false;
  return isGiopMagic(b, o) && b[o + 4] === 1 && b[o + 5] <= 3 && b[o + 7] <= MSG_FRAGMENT;
}

class Builder {
  readonly fields: Record<string, FieldValue> = {};
  readonly anomalies: Anomaly[] = [];
  requestId: number | null = null;

  anomaly(code: string, message: string, offset?: number): void {
    this.anomalies.push(offset === undefined ? { code, message } : { code, message, offset });
  }
}

/**
 * Decodes the GIOP message at the start of `bytes` (its length comes from the header; extra bytes are
 * ignored). The stream decoder hands it exactly one message.
 */
export function decodeGiopMessage(bytes: Uint8Array, _opts: DecodeOptions = {}): GiopMessage {
  const out = new Builder();
  const msg: GiopMessage = {
    magic: null,
    major: 0,
    minor: 0,
    littleEndian: false,
    moreFragments: false,
    messageType: -1,
    type: 'UNKNOWN',
    messageSize: 0,
    length: bytes.length,
    requestId: null,
    fields: out.fields,
    summary: '',
    anomalies: out.anomalies,
    bodyOffset: null,
  };
  if (bytes.length < GIOP_HEADER_SIZE) {
    out.anomaly('short-header', `${bytes.length} bytes, less than the 12-byte GIOP header`);
    msg.summary = 'GIOP (truncated header)';
    return msg;
  }
  if (!isGiopMagic(bytes, 0)) {
    out.anomaly('bad-magic', `magic is ${JSON.stringify(ascii.decode(bytes.subarray(0, 4)))}, not "GIOP"`);
    msg.summary = 'not GIOP (bad magic)';
    return msg;
  }
  const ziop = bytes[0] === 0x5a;
  msg.magic = ziop ? 'ZIOP' : 'GIOP';
  msg.major = bytes[4];
  msg.minor = bytes[5];
  const flags = bytes[6];
  // 1.0 has a byte-order boolean where later versions have flag bits; bit 0 means little-endian in both.
  msg.littleEndian = (flags & 1) !== 0;
  msg.moreFragments = msg.minor >= 1 && (flags & 2) !== 0;
  msg.messageType = bytes[7];
  msg.type = GIOP_MESSAGE_TYPES[msg.messageType] ?? `UNKNOWN_${msg.messageType}`;
  msg.messageSize = giopMessageSize(bytes, 0);
  const version = `${msg.major}.${msg.minor}`;
  const f = out.fields;
  f.version = version;
  f.littleEndian = msg.littleEndian;
  f.messageType = msg.messageType;
  f.messageSize = msg.messageSize;
  if (msg.moreFragments) f.moreFragments = true;
  if (ziop) f.compressed = true;
  if (msg.major !== 1 || msg.minor > 3) {
    out.anomaly('unsupported-version', `GIOP version ${version} is not 1.0–1.3`);
  }
  if (msg.minor === 0 && flags > 1) {
    out.anomaly('bad-flags', `GIOP 1.0 byte-order flag is ${flags}, not 0 or 1`);
  }
  if (msg.messageType > MSG_FRAGMENT) {
    out.anomaly('unknown-message-type', `message type ${msg.messageType} is not a GIOP message type`);
  }
  if (msg.messageType === MSG_FRAGMENT && msg.minor === 0) {
    out.anomaly('fragment-in-1.0', 'GIOP 1.0 has no Fragment message');
  }
  if (msg.messageSize > GIOP_MAX_MESSAGE_SIZE) {
    out.anomaly('absurd-length', `message size ${msg.messageSize} is beyond any plausible GIOP message`);
  }
  let end = GIOP_HEADER_SIZE + msg.messageSize;
  if (end > bytes.length) {
    out.anomaly(
      'short-body',
      `header announces ${msg.messageSize} body bytes but only ${bytes.length - GIOP_HEADER_SIZE} are present`,
    );
    end = bytes.length;
  }
  msg.length = end;
  if (msg.major !== 1 || msg.minor > 3 || msg.messageType > MSG_FRAGMENT) {
    msg.summary = `${msg.magic} ${version} ${msg.type}`;
    return msg;
  }
  const r = new CdrReader(bytes, GIOP_HEADER_SIZE, end, msg.littleEndian, 0);
  if (ziop) {
    decodeZiop(r, out);
  } else {
    switch (msg.messageType) {
      case MSG_REQUEST:
        decodeRequest(r, msg.minor, out);
        break;
      case MSG_REPLY:
        decodeReply(r, msg.minor, out);
        break;
      case MSG_CANCEL_REQUEST:
        out.requestId = r.ulong('request_id');
        break;
      case MSG_LOCATE_REQUEST:
        out.requestId = r.ulong('request_id');
        if (msg.minor >= 2) decodeTargetAddress(r, out);
        else {
          const key = r.octets('object_key');
          if (key) f.objectKey = formatObjectKey(key);
        }
        break;
      case MSG_LOCATE_REPLY:
        decodeLocateReply(r, msg.minor, out);
        break;
      case MSG_CLOSE_CONNECTION:
      case MSG_MESSAGE_ERROR:
        break;
      case MSG_FRAGMENT:
        if (msg.minor >= 2) out.requestId = r.ulong('request_id');
        f.fragmentLength = Math.max(0, end - r.pos);
        break;
    }
  }
  if (out.requestId !== null) {
    msg.requestId = out.requestId;
    f.requestId = out.requestId;
  }
  if (r.error) {
    // A message whose more-fragments flag is set may legitimately stop mid-header: the rest is in the
    // Fragments that follow, and the stream decoder reassembles them.
    if (msg.moreFragments) f.incomplete = true;
    else {
      const code = r.error === 'short' ? 'truncated' : r.error;
      out.anomaly(code, describeCdrError(r.error, r.errorAt), r.pos);
    }
  } else {
    msg.bodyOffset = r.pos;
    if (msg.messageType === MSG_REQUEST || msg.messageType === MSG_REPLY) {
      const bodyLength = end - r.pos;
      if (bodyLength > 0) f.bodyLength = bodyLength;
    }
  }
  msg.summary = summarize(msg);
  return msg;
}

function describeCdrError(code: string, what: string): string {
  switch (code) {
    case 'short':
      return `the message ends inside ${what}`;
    case 'string-past-end':
      return `${what} is longer than the rest of the message`;
    case 'sequence-past-end':
      return `${what} is longer than the rest of the message`;
    case 'absurd-length':
      return `${what} has an absurd length`;
    case 'string-not-terminated':
      return `${what} is not NUL-terminated`;
    default:
      return `${code} at ${what}`;
  }
}

function readServiceContexts(r: CdrReader, out: Builder): void {
  const count = r.ulong('service context count');
  if (r.error) return;
  // Each context takes at least 8 bytes; a count that cannot fit is a misparse.
  if (count * 8 > r.remaining) {
    r.fail(count > 0x100000 ? 'absurd-length' : 'sequence-past-end', 'service context list');
    return;
  }
  const list: FieldValue[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.ulong('service context id');
    const data = r.octets('service context data');
    if (r.error || !data) return;
    if (list.length < MAX_SERVICE_CONTEXTS) {
      const entry: Record<string, FieldValue> = { id, length: data.length };
      const name = SERVICE_CONTEXT_NAMES[id];
      if (name) entry.name = name;
      list.push(entry);
    }
  }
  if (list.length) out.fields.serviceContexts = list;
  if (count > MAX_SERVICE_CONTEXTS) out.fields.serviceContextCount = count;
}

function decodeRequest(r: CdrReader, minor: number, out: Builder): void {
  const f = out.fields;
  if (minor >= 2) {
    out.requestId = r.ulong('request_id');
    const responseFlags = r.octet('response_flags');
    r.octet('reserved');
    r.octet('reserved');
    r.octet('reserved');
    if (r.error) return;
    f.responseFlags = responseFlags;
    // 0x00: oneway (SYNC_NONE, SYNC_WITH_TRANSPORT); 0x01: SYNC_WITH_SERVER (an empty Reply comes back);
    // 0x03: two-way or SYNC_WITH_TARGET. Bit 0 therefore says whether a Reply follows.
    f.responseExpected = (responseFlags & 0x01) !== 0;
    decodeTargetAddress(r, out);
    const op = r.string('operation');
    if (op !== null) f.operation = op;
    readServiceContexts(r, out);
    // Arguments start on an 8-byte boundary, when there are any.
    if (!r.error && r.remaining > 0) r.align(8);
    if (r.pos > r.end) r.pos = r.end;
  } else {
    readServiceContexts(r, out);
    out.requestId = r.ulong('request_id');
    const expected = r.octet('response_expected');
    if (r.error) return;
    f.responseExpected = expected !== 0;
    if (minor === 1) {
      r.octet('reserved');
      r.octet('reserved');
      r.octet('reserved');
    }
    const key = r.octets('object_key');
    if (key) f.objectKey = formatObjectKey(key);
    const op = r.string('operation');
    if (op !== null) f.operation = op;
    const principal = r.octets('requesting_principal');
    if (principal && principal.length) f.principal = formatObjectKey(principal);
  }
}

function decodeTargetAddress(r: CdrReader, out: Builder): void {
  const f = out.fields;
  const disposition = r.ushort('TargetAddress');
  if (r.error) return;
  f.targetAddress = ADDRESSING_DISPOSITION_NAMES[disposition] ?? `UNKNOWN_${disposition}`;
  if (disposition === 0) {
    const key = r.octets('object_key');
    if (key) f.objectKey = formatObjectKey(key);
  } else if (disposition === 1) {
    readTaggedProfile(r, out);
  } else if (disposition === 2) {
    f.selectedProfileIndex = r.ulong('selected_profile_index');
    readIor(r, out, 'target');
  } else {
    out.anomaly('bad-target-address', `TargetAddress disposition ${disposition} is not KeyAddr, ProfileAddr or ReferenceAddr`);
    r.fail('short', 'TargetAddress');
  }
}

/** IOP::TaggedProfile; for an IIOP profile, the host, port and object key are pulled out of its encapsulation. */
function readTaggedProfile(r: CdrReader, out: Builder, into: Record<string, FieldValue> = out.fields): void {
  const tag = r.ulong('profile tag');
  const data = r.octets('profile_data');
  if (r.error || !data) return;
  into.profileTag = tag;
  if (tag !== 0 || data.length < 1) return;
  // An encapsulation: its first octet gives its own byte order, and alignment restarts at its start.
  const e = new CdrReader(data, 1, data.length, (data[0] & 1) !== 0, 0);
  e.octet('iiop major');
  e.octet('iiop minor');
  const host = e.string('host');
  const port = e.ushort('port');
  const key = e.octets('object_key');
  if (e.error) {
    out.anomaly('bad-profile', 'the IIOP profile does not parse');
    return;
  }
  into.host = host ?? '';
  into.port = port;
  if (key) into.objectKey = formatObjectKey(key);
}

/** IOP::IOR: type id and profiles; the first IIOP profile's address is reported. */
function readIor(r: CdrReader, out: Builder, prefix: string): void {
  const typeId = r.string('IOR type_id');
  const count = r.ulong('IOR profile count');
  if (r.error) return;
  if (count * 8 > r.remaining) {
    r.fail('sequence-past-end', 'IOR profiles');
    return;
  }
  const ior: Record<string, FieldValue> = { typeId: typeId ?? '' };
  for (let i = 0; i < count && !r.error; i++) {
    const profile: Record<string, FieldValue> = {};
    readTaggedProfile(r, out, profile);
    if (i === 0 || (ior.host === undefined && profile.host !== undefined)) {
      if (profile.host !== undefined) {
        ior.host = profile.host;
        ior.port = profile.port;
      }
      if (profile.objectKey !== undefined) ior.objectKey = profile.objectKey;
    }
  }
  out.fields[prefix === 'target' ? 'targetIor' : 'forwardIor'] = ior;
  if (prefix === 'target' && typeof ior.objectKey === 'string') out.fields.objectKey = ior.objectKey;
}

function readSystemException(r: CdrReader, out: Builder): void {
  const f = out.fields;
  const id = r.string('exception id');
  if (id !== null) f.exceptionId = id;
  const minor = r.ulong('minor code');
  const completion = r.ulong('completion status');
  if (r.error) return;
  f.minorCode = minor;
  // The high 20 bits are the vendor minor code id; the OMG's are standard codes 0x4f4d0xxx.
  const vmcid = (minor & 0xfffff000) >>> 0;
  f.minorCodeVendor = vmcid === OMG_VMCID ? 'OMG' : `0x${vmcid.toString(16).padStart(8, '0')}`;
  f.minorCodeValue = minor & 0xfff;
  f.completionStatus = completion;
  f.completionStatusName = COMPLETION_STATUS_NAMES[completion] ?? `UNKNOWN_${completion}`;
  if (completion > 2) out.anomaly('bad-completion-status', `completion status ${completion} is not 0–2`);
}

function decodeReply(r: CdrReader, minor: number, out: Builder): void {
  const f = out.fields;
  let status: number;
  if (minor >= 2) {
    out.requestId = r.ulong('request_id');
    status = r.ulong('reply_status');
    if (r.error) return;
    f.replyStatus = status;
    f.replyStatusName = REPLY_STATUS_NAMES[status] ?? `UNKNOWN_${status}`;
    readServiceContexts(r, out);
    if (!r.error && r.remaining > 0) r.align(8);
    if (r.pos > r.end) r.pos = r.end;
  } else {
    readServiceContexts(r, out);
    out.requestId = r.ulong('request_id');
    status = r.ulong('reply_status');
    if (r.error) return;
    f.replyStatus = status;
    f.replyStatusName = REPLY_STATUS_NAMES[status] ?? `UNKNOWN_${status}`;
  }
  const maxStatus = minor >= 2 ? 5 : 3;
  if (status > maxStatus) out.anomaly('bad-reply-status', `reply status ${status} is not defined for GIOP 1.${minor}`);
  if (r.error) return;
  const bodyStart = r.pos;
  if (status === 1) {
    const id = r.string('exception id');
    if (id !== null) f.exceptionId = id;
  } else if (status === 2) {
    readSystemException(r, out);
  } else if (status === 3 || status === 4) {
    readIor(r, out, 'forward');
  } else if (status === 5) {
    f.addressingDisposition = r.ushort('addressing disposition');
  }
  // The header parse stops at the body; callers see bodyOffset at its start.
  if (!r.error) r.pos = bodyStart;
}

function decodeLocateReply(r: CdrReader, minor: number, out: Builder): void {
  const f = out.fields;
  out.requestId = r.ulong('request_id');
  const status = r.ulong('locate_status');
  if (r.error) return;
  f.locateStatus = status;
  f.locateStatusName = LOCATE_STATUS_NAMES[status] ?? `UNKNOWN_${status}`;
  const maxStatus = minor >= 2 ? 5 : 2;
  if (status > maxStatus) out.anomaly('bad-locate-status', `locate status ${status} is not defined for GIOP 1.${minor}`);
  if (r.remaining > 0 && minor >= 2) r.align(8);
  if (r.pos > r.end) r.pos = r.end;
  const bodyStart = r.pos;
  if (status === 2 || status === 3) readIor(r, out, 'forward');
  else if (status === 4) readSystemException(r, out);
  else if (status === 5) f.addressingDisposition = r.ushort('addressing disposition');
  if (!r.error) r.pos = bodyStart;
}

/** ZIOP: the body is compressed; only the compressor id and sizes are reported. */
function decodeZiop(r: CdrReader, out: Builder): void {
  const compressor = r.ushort('compressor id');
  const length = r.ulong('compressed length');
  if (r.error) return;
  out.fields.compressorId = compressor;
  out.fields.compressedLength = length;
}

function summarize(m: GiopMessage): string {
  const f = m.fields;
  const parts: string[] = [m.magic === 'ZIOP' ? `ZIOP ${m.type}` : m.type];
  if (m.magic === 'ZIOP') {
    parts.push('(compressed)');
    return parts.join(' ');
  }
  if (m.requestId !== null) parts.push(`id=${m.requestId}`);
  switch (m.messageType) {
    case MSG_REQUEST:
      if (f.operation !== undefined) parts.push(`op=${f.operation}`);
      if (f.objectKey !== undefined) parts.push(`key=${shorten(String(f.objectKey), 64)}`);
      else if (f.host !== undefined) parts.push(`target=${f.host}:${f.port}`);
      if (f.responseExpected === false) parts.push('oneway');
      break;
    case MSG_REPLY:
      if (f.replyStatusName !== undefined) parts.push(String(f.replyStatusName));
      if (f.exceptionId !== undefined) parts.push(String(f.exceptionId));
      if (f.minorCode !== undefined) {
        parts.push(`minor=0x${(f.minorCode as number).toString(16)}`, String(f.completionStatusName));
      }
      if (f.forwardIor && typeof f.forwardIor === 'object' && !Array.isArray(f.forwardIor)) {
        const ior = f.forwardIor as Record<string, FieldValue>;
        if (ior.host !== undefined) parts.push(`→ ${ior.host}:${ior.port}`);
      }
      break;
    case MSG_LOCATE_REQUEST:
      if (f.objectKey !== undefined) parts.push(`key=${shorten(String(f.objectKey), 64)}`);
      break;
    case MSG_LOCATE_REPLY:
      if (f.locateStatusName !== undefined) parts.push(String(f.locateStatusName));
      if (f.exceptionId !== undefined) parts.push(String(f.exceptionId));
      break;
    case MSG_FRAGMENT:
      parts.push(`${f.fragmentLength ?? 0} bytes`);
      if (m.moreFragments) parts.push('more');
      break;
  }
  if (m.moreFragments && m.messageType !== MSG_FRAGMENT) parts.push('(fragmented)');
  return parts.join(' ');
}

function shorten(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
