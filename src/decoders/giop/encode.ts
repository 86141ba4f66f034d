/**
 * GIOP message encoders, byte-exact CDR, for the capture generator and the lab. They write what a
 * conforming ORB writes: 1.0 flags as a byte-order boolean, 1.1/1.2 flags as bits, 1.1's three
 * reserved octets after response_expected, 1.2 bodies aligned to 8 from the message start.
 */

import { CdrWriter } from './cdr.js';
import {
  COMPLETION_STATUS_NAMES,
  GIOP_HEADER_SIZE,
  LOCATE_STATUS_NAMES,
  MSG_CANCEL_REQUEST,
  MSG_CLOSE_CONNECTION,
  MSG_FRAGMENT,
  MSG_LOCATE_REPLY,
  MSG_LOCATE_REQUEST,
  MSG_MESSAGE_ERROR,
  MSG_REPLY,
  MSG_REQUEST,
  REPLY_STATUS_NAMES,
  type CompletionStatusName,
  type GiopVersion,
  type LocateStatusName,
  type ReplyStatusName,
} from './constants.js';

export interface GiopServiceContext {
  id: number;
  data: Uint8Array;
}

interface GiopCommon {
  version: GiopVersion;
  littleEndian: boolean;
}

export interface GiopRequestSpec extends GiopCommon {
  requestId: number;
  responseExpected: boolean;
  /** Text (UTF-8) or raw bytes. */
  objectKey: string | Uint8Array;
  operation: string;
  /** Marshalled arguments (already CDR, aligned as the receiver expects after the header). */
  body?: Uint8Array;
  serviceContexts?: GiopServiceContext[];
  /** 1.0/1.1 requesting_principal (default empty). */
  principal?: Uint8Array;
  /** 1.2 response_flags; default 0x03 (SYNC_WITH_TARGET) when a response is expected, else 0x00. */
  responseFlags?: number;
  /** 1.2: address the target by an IIOP profile (ProfileAddr) instead of by key (KeyAddr). */
  profile?: { host: string; port: number };
  /** Set the more-fragments flag (1.1/1.2): the rest follows in Fragment messages. */
  moreFragments?: boolean;
}

export interface GiopReplySpec extends GiopCommon {
  requestId: number;
  replyStatus: number | ReplyStatusName;
  /** USER_EXCEPTION / SYSTEM_EXCEPTION repository id, e.g. IDL:omg.org/CORBA/TRANSIENT:1.0. */
  exceptionId?: string;
  /** SYSTEM_EXCEPTION minor code (default 0). */
  minorCode?: number;
  /** SYSTEM_EXCEPTION completion status (default COMPLETED_NO). */
  completionStatus?: number | CompletionStatusName;
  /** Result (NO_EXCEPTION), exception members after the id (USER_EXCEPTION), or an IOR (LOCATION_FORWARD). */
  body?: Uint8Array;
  serviceContexts?: GiopServiceContext[];
  moreFragments?: boolean;
}

export interface GiopLocateRequestSpec extends GiopCommon {
  requestId: number;
  objectKey: string | Uint8Array;
}

export interface GiopLocateReplySpec extends GiopCommon {
  requestId: number;
  locateStatus: number | LocateStatusName;
  /** OBJECT_FORWARD: an IOR; LOC_SYSTEM_EXCEPTION: use exceptionId/minorCode/completionStatus instead. */
  body?: Uint8Array;
  exceptionId?: string;
  minorCode?: number;
  completionStatus?: number | CompletionStatusName;
}

export interface GiopFragmentSpec extends GiopCommon {
  /** 1.2 only: the request id the fragment continues. */
  requestId?: number;
  moreFragments: boolean;
  data: Uint8Array;
}

const textEncoder = new TextEncoder();

function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? textEncoder.encode(key) : key;
}

function minorOf(version: GiopVersion): number {
  return version === '1.0' ? 0 : version === '1.1' ? 1 : 2;
}

function codeOf(value: number | string, names: readonly string[], what: string): number {
  if (typeof value === 'number') return value;
  const i = names.indexOf(value);
  if (i < 0) throw new RangeError(`unknown ${what}: ${value}`);
  return i;
}

/** Writes the 12-byte header with a zero size; `finishMessage` patches the size. */
function startMessage(spec: GiopCommon, messageType: number, moreFragments = false): CdrWriter {
  const w = new CdrWriter(spec.littleEndian);
  w.bytes(Uint8Array.of(0x47, 0x49, 0x4f, 0x50, 1, minorOf(spec.version)));
  let flags = spec.littleEndian ? 1 : 0;
  if (moreFragments) {
    if (spec.version === '1.0') throw new RangeError('GIOP 1.0 has no fragments');
    flags |= 2;
  }
  w.octet(flags);
  w.octet(messageType);
  w.ulong(0);
  return w;
}

function finishMessage(w: CdrWriter): Uint8Array {
  const out = w.finish();
  const size = out.length - GIOP_HEADER_SIZE;
  const patch = new CdrWriter(w.littleEndian);
  patch.ulong(size);
  out.set(patch.finish(), 8);
  return out;
}

function writeServiceContexts(w: CdrWriter, list: GiopServiceContext[] | undefined): void {
  const contexts = list ?? [];
  w.ulong(contexts.length);
  for (const c of contexts) {
    w.ulong(c.id);
    w.octets(c.data);
  }
}

/** GIOP 1.2 bodies start on an 8-byte boundary from the message start; nothing is padded when there is no body. */
function writeBody(w: CdrWriter, version: GiopVersion, body: Uint8Array | undefined): void {
  if (!body || body.length === 0) return;
  if (version === '1.2') w.align(8);
  w.bytes(body);
}

/** An IIOP 1.2 profile body (an encapsulation): byte order, version, host, port, object key, no components. */
function iiopProfileData(littleEndian: boolean, host: string, port: number, key: Uint8Array): Uint8Array {
  const e = new CdrWriter(littleEndian);
  e.octet(littleEndian ? 1 : 0);
  e.octet(1);
  e.octet(2);
  e.string(host);
  e.ushort(port);
  e.octets(key);
  e.ulong(0);
  return e.finish();
}

function writeTargetAddress(w: CdrWriter, key: Uint8Array, profile: { host: string; port: number } | undefined): void {
  if (!profile) {
    w.ushort(0); // KeyAddr
    w.octets(key);
    return;
  }
  w.ushort(1); // ProfileAddr
  w.ulong(0); // TAG_INTERNET_IOP
  w.octets(iiopProfileData(w.littleEndian, profile.host, profile.port, key));
}

export function encodeGiopRequest(spec: GiopRequestSpec): Uint8Array {
  const w = startMessage(spec, MSG_REQUEST, spec.moreFragments);
  const key = keyBytes(spec.objectKey);
  if (spec.version === '1.2') {
    w.ulong(spec.requestId);
    w.octet(spec.responseFlags ?? (spec.responseExpected ? 0x03 : 0x00));
    w.octet(0);
    w.octet(0);
    w.octet(0);
    writeTargetAddress(w, key, spec.profile);
    w.string(spec.operation);
    writeServiceContexts(w, spec.serviceContexts);
  } else {
    writeServiceContexts(w, spec.serviceContexts);
    w.ulong(spec.requestId);
    w.octet(spec.responseExpected ? 1 : 0);
    if (spec.version === '1.1') {
      w.octet(0);
      w.octet(0);
      w.octet(0);
    }
    w.octets(key);
    w.string(spec.operation);
    w.octets(spec.principal ?? new Uint8Array(0));
  }
  writeBody(w, spec.version, spec.body);
  return finishMessage(w);
}

function writeSystemException(
  w: CdrWriter,
  exceptionId: string | undefined,
  minorCode: number | undefined,
  completion: number | CompletionStatusName | undefined,
): void {
  w.string(exceptionId ?? 'IDL:omg.org/CORBA/UNKNOWN:1.0');
  w.ulong((minorCode ?? 0) >>> 0);
  w.ulong(codeOf(completion ?? 'COMPLETED_NO', COMPLETION_STATUS_NAMES, 'completion status'));
}

export function encodeGiopReply(spec: GiopReplySpec): Uint8Array {
  const status = codeOf(spec.replyStatus, REPLY_STATUS_NAMES, 'reply status');
  const w = startMessage(spec, MSG_REPLY, spec.moreFragments);
  if (spec.version === '1.2') {
    w.ulong(spec.requestId);
    w.ulong(status);
    writeServiceContexts(w, spec.serviceContexts);
  } else {
    writeServiceContexts(w, spec.serviceContexts);
    w.ulong(spec.requestId);
    w.ulong(status);
  }
  if (status === 1 || status === 2) {
    if (spec.version === '1.2') w.align(8);
    if (status === 2) writeSystemException(w, spec.exceptionId, spec.minorCode, spec.completionStatus);
    else w.string(spec.exceptionId ?? 'IDL:omg.org/CORBA/UserException:1.0');
    if (spec.body && spec.body.length) w.bytes(spec.body);
  } else {
    writeBody(w, spec.version, spec.body);
  }
  return finishMessage(w);
}

export function encodeGiopLocateRequest(spec: GiopLocateRequestSpec): Uint8Array {
  const w = startMessage(spec, MSG_LOCATE_REQUEST);
  w.ulong(spec.requestId);
  const key = keyBytes(spec.objectKey);
  if (spec.version === '1.2') writeTargetAddress(w, key, undefined);
  else w.octets(key);
  return finishMessage(w);
}

export function encodeGiopLocateReply(spec: GiopLocateReplySpec): Uint8Array {
  const status = codeOf(spec.locateStatus, LOCATE_STATUS_NAMES, 'locate status');
  const w = startMessage(spec, MSG_LOCATE_REPLY);
  w.ulong(spec.requestId);
  w.ulong(status);
  if (status === 4) {
    if (spec.version === '1.2') w.align(8);
    writeSystemException(w, spec.exceptionId, spec.minorCode, spec.completionStatus);
  } else {
    writeBody(w, spec.version, spec.body);
  }
  return finishMessage(w);
}

export function encodeGiopCancelRequest(spec: GiopCommon & { requestId: number }): Uint8Array {
  const w = startMessage(spec, MSG_CANCEL_REQUEST);
  w.ulong(spec.requestId);
  return finishMessage(w);
}

export function encodeGiopCloseConnection(spec: GiopCommon): Uint8Array {
  return finishMessage(startMessage(spec, MSG_CLOSE_CONNECTION));
}

export function encodeGiopMessageError(spec: GiopCommon): Uint8Array {
  return finishMessage(startMessage(spec, MSG_MESSAGE_ERROR));
}

export function encodeGiopFragment(spec: GiopFragmentSpec): Uint8Array {
  if (spec.version === '1.0') throw new RangeError('GIOP 1.0 has no fragments');
  const w = startMessage(spec, MSG_FRAGMENT, spec.moreFragments);
  if (spec.version === '1.2') w.ulong(spec.requestId ?? 0);
  w.bytes(spec.data);
  return finishMessage(w);
}

/**
 * Splits a complete GIOP 1.1/1.2 Request or Reply into a first message carrying `firstBodyBytes` of
 * its body (more-fragments set) and Fragment messages of at most `fragmentBytes` each. For 1.2 the
 * sizes are rounded down to multiples of 8, as the spec asks of every fragment but the last, so
 * that concatenating the pieces keeps CDR alignment.
 */
export function splitGiopMessage(message: Uint8Array, firstBodyBytes: number, fragmentBytes: number): Uint8Array[] {
  const minor = message[5];
  if (minor < 1) throw new RangeError('GIOP 1.0 has no fragments');
  const littleEndian = (message[6] & 1) !== 0;
  const version: GiopVersion = minor === 1 ? '1.1' : '1.2';
  const body = message.subarray(GIOP_HEADER_SIZE);
  let first = Math.min(firstBodyBytes, body.length);
  if (version === '1.2' && first < body.length) first = Math.max(4, first - ((GIOP_HEADER_SIZE + first) % 8));
  if (first >= body.length) return [message.slice()];
  let requestId = 0;
  if (version === '1.2') {
    const b = body;
    requestId = littleEndian
      ? ((b[3] << 24) >>> 0) + ((b[2] << 16) | (b[1] << 8) | b[0])
      : ((b[0] << 24) >>> 0) + ((b[1] << 16) | (b[2] << 8) | b[3]);
  }
  const head = new Uint8Array(GIOP_HEADER_SIZE + first);
  head.set(message.subarray(0, GIOP_HEADER_SIZE + first));
  head[6] |= 2;
  const size = new CdrWriter(littleEndian);
  size.ulong(first);
  head.set(size.finish(), 8);
  const out: Uint8Array[] = [head];
  let step = Math.max(1, fragmentBytes);
  if (version === '1.2') step = Math.max(8, step - (step % 8));
  for (let o = first; o < body.length; o += step) {
    const chunk = body.subarray(o, Math.min(body.length, o + step));
    out.push(
      encodeGiopFragment({ version, littleEndian, requestId, moreFragments: o + step < body.length, data: chunk }),
    );
  }
  return out;
}
