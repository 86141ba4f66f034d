/**
 * Cisco Skinny Client Control Protocol (SCCP) on TCP 2000: the agent phone's registration with Unified
 * CM (RegisterReq → RegisterAck or RegisterReject), its keepalives and unregistration, and the call
 * signalling around them. An agent login that fails because the phone is not registered shows here.
 *
 * Wire format (little-endian): data length (4 bytes, counting from the message id), header version
 * (4 bytes: 0 basic, 0x12 v18, 0x14 v20, …), message id (4 bytes), then the message data. A message is
 * `length + 8` bytes. Several messages often share one segment.
 */

import { MessageEmitter } from '../emit.js';
import { PduStreamPair, readU32LE } from '../framing.js';
import type {
  Anomaly,
  ContentProbe,
  Direction,
  FieldValue,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import { SKINNY_MESSAGE_NAMES } from './names.js';

export { SKINNY_MESSAGE_NAMES } from './names.js';

/** Largest data length accepted: real messages are under 2 KiB; anything huge is a stream out of step. */
const MAX_DATA_LENGTH = 65536;

/** After a desync, a candidate message longer than this is not believed (the longest real ones are ~1.5 KiB). */
const RESYNC_MAX_DATA_LENGTH = 4096;

export const SKINNY_HEADER_VERSION_NAMES: Record<number, string> = {
  0x00: 'Basic',
  0x0a: 'V10',
  0x0b: 'V11',
  0x0f: 'V15',
  0x10: 'V16',
  0x11: 'V17',
  0x12: 'V18',
  0x13: 'V19',
  0x14: 'V20',
  0x15: 'V21',
  0x16: 'V22',
};

export function skinnyMessageName(id: number): string {
  return SKINNY_MESSAGE_NAMES[id] ?? `Unknown_0x${id.toString(16).padStart(4, '0')}`;
}

/**
 * Requests and the message(s) that answer them, for response times. The answer comes from the other
 * side: a phone's RegisterReq is answered by the call manager, the call manager's CapabilitiesReq by the phone.
 */
const ANSWERS: Record<number, number> = {
  0x0081: 0x0001, // RegisterAck ← RegisterReq
  0x009d: 0x0001, // RegisterReject ← RegisterReq
  0x0100: 0x0000, // KeepAliveAck ← KeepAliveReq
  0x0118: 0x0027, // UnregisterAck ← UnregisterReq
  0x0010: 0x009b, // CapabilitiesRes ← CapabilitiesReq
  0x0098: 0x000f, // VersionRes ← VersionReq
  0x0097: 0x000e, // ButtonTemplateRes ← ButtonTemplateReq
  0x0093: 0x000c, // ConfigStatRes ← ConfigStatReq
  0x0094: 0x000d, // TimeDateRes ← TimeDateReq
  0x0092: 0x000b, // LineStatRes ← LineStatReq
  0x0108: 0x0028, // SoftKeyTemplateRes ← SoftKeyTemplateReq
  0x0109: 0x0025, // SoftKeySetRes ← SoftKeySetReq
  0x0022: 0x0105, // OpenReceiveChannelAck ← OpenReceiveChannel
  0x0154: 0x008a, // StartMediaTransmissionAck ← StartMediaTransmission
  0x011a: 0x0029, // RegisterTokenAck ← RegisterTokenReq
  0x011b: 0x0029, // RegisterTokenReject ← RegisterTokenReq
};

/** Request ids that something answers. */
const REQUESTS = new Set(Object.values(ANSWERS));

function plausibleHeader(b: Uint8Array, o: number): boolean {
  const len = readU32LE(b, o);
  if (len < 4 || len > MAX_DATA_LENGTH) return false;
  const version = readU32LE(b, o + 4);
  if (SKINNY_HEADER_VERSION_NAMES[version] === undefined) return false;
  return true;
}

export const SKINNY_FRAMING = {
  pduLength(buf: Uint8Array, offset: number, available: number): number {
    if (available < 8) return 0;
    if (!plausibleHeader(buf, offset)) return -1;
    return readU32LE(buf, offset) + 8;
  },
  resync(buf: Uint8Array, from: number, available: number): number {
    // A header with a known message id. A complete candidate must be followed by another plausible
    // header (or end the bytes in view); one that runs past them must be of a size real messages have,
    // since four bytes of a phone's data can pass for a length, a version and an id by chance.
    const limit = from + available;
    for (let o = from; o + 12 <= limit; o++) {
      if (!plausibleHeader(buf, o)) continue;
      if (SKINNY_MESSAGE_NAMES[readU32LE(buf, o + 8)] === undefined) continue;
      const len = readU32LE(buf, o);
      const next = o + 8 + len;
      if (next > limit) {
        if (len <= RESYNC_MAX_DATA_LENGTH) return o;
        continue;
      }
      if (next + 8 <= limit && !plausibleHeader(buf, next)) continue;
      return o;
    }
    return -1;
  },
  maxBuffered: MAX_DATA_LENGTH + 16,
};

/** A NUL-terminated ASCII string of at most `max` bytes at `o` (within `end`). */
function cString(b: Uint8Array, o: number, max: number, end: number): string {
  let s = '';
  for (let i = o; i < Math.min(o + max, end) && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** The data fields worth showing for the registration family; `d` is where the message data starts. */
function dataFields(id: number, b: Uint8Array, d: number, end: number, fields: Record<string, FieldValue>): string {
  const avail = end - d;
  switch (id) {
    case 0x0001: {
      // RegisterReq: sid { deviceName[16], reserved, instance }, stationIpAddr, deviceType, maxStreams …
      if (avail < 16) return '';
      fields.deviceName = cString(b, d, 16, end);
      if (avail >= 24) fields.instance = readU32LE(b, d + 20);
      if (avail >= 28) fields.stationIpAddr = `${b[d + 24]}.${b[d + 25]}.${b[d + 26]}.${b[d + 27]}`;
      if (avail >= 32) fields.deviceType = readU32LE(b, d + 28);
      if (avail >= 45) fields.protocolVersion = b[d + 44];
      return ` device ${fields.deviceName}` + (fields.stationIpAddr ? ` ip ${fields.stationIpAddr}` : '');
    }
    case 0x0081: {
      // RegisterAck: keepAliveInterval, dateTemplate[6], padding, secondaryKeepAliveInterval, maxProtocolVer.
      if (avail < 4) return '';
      fields.keepAliveInterval = readU32LE(b, d);
      if (avail >= 16) fields.secondaryKeepAliveInterval = readU32LE(b, d + 12);
      if (avail >= 17) fields.maxProtocolVersion = b[d + 16];
      return ` keepalive ${fields.keepAliveInterval}s`;
    }
    case 0x009d: {
      // RegisterReject: text[33].
      fields.text = cString(b, d, 33, end);
      return fields.text ? ` "${fields.text}"` : '';
    }
    case 0x0118: {
      // UnregisterAck: status (0 ok, 1 error, 2 NAK).
      if (avail < 4) return '';
      fields.status = readU32LE(b, d);
      fields.statusName = ['Ok', 'Error', 'NAK'][fields.status as number] ?? `status${fields.status}`;
      return ` ${fields.statusName}`;
    }
    case 0x0002: {
      if (avail < 4) return '';
      fields.rtpMediaPort = readU32LE(b, d);
      return ` port ${fields.rtpMediaPort}`;
    }
    case 0x0098: {
      fields.version = cString(b, d, 16, end);
      return fields.version ? ` ${fields.version}` : '';
    }
  }
  return '';
}

interface PendingRequest {
  frame: number;
  time: number;
  dir: Direction;
}

class SkinnyFlowDecoder implements StreamDecoder {
  private readonly streams: PduStreamPair;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly out: MessageEmitter;

  constructor(ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('skinny', ctx);
    this.streams = new PduStreamPair(SKINNY_FRAMING, (dir, pdu, meta) => this.message(dir, pdu, meta.frames, meta.time, meta.offset), this.out);
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    this.streams.data(dir, bytes, frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    this.streams.gap(dir, length, frame, time);
  }

  end(): void {
    this.streams.finish();
    this.out.finish();
    this.pending.clear();
  }

  private message(dir: Direction, pdu: Uint8Array, frames: number[], time: number, offset: number): void {
    const frame = frames[frames.length - 1];
    const headerVersion = readU32LE(pdu, 4);
    let short: Anomaly[] | undefined;
    let id = -1;
    let name = 'short';
    const fields: Record<string, FieldValue> = {};
    let detail = '';
    if (pdu.length < 12) {
      short = [{ code: 'short-message', message: `a ${pdu.length}-byte message has no message id`, frame, offset }];
    } else {
      id = readU32LE(pdu, 8);
      name = skinnyMessageName(id);
      fields.messageId = id;
      fields.messageIdName = name;
      detail = dataFields(id, pdu, 12, pdu.length, fields);
    }
    fields.headerVersion = headerVersion;
    fields.headerVersionName = SKINNY_HEADER_VERSION_NAMES[headerVersion] ?? `0x${headerVersion.toString(16)}`;
    fields.dataLength = readU32LE(pdu, 0);
    const msg = this.out.message(dir, name, fields, `${name}${detail}`, frames, time, offset, pdu.length, pdu);
    this.out.attachAnomalies(msg, short);
    if (REQUESTS.has(id)) this.pending.set(id, { frame, time, dir });
    const answers = ANSWERS[id];
    if (answers !== undefined) {
      const req = this.pending.get(answers);
      if (req && req.dir !== dir && time >= req.time) {
        msg.pairedFrame = req.frame;
        msg.responseTime = time - req.time;
        this.pending.delete(answers);
      }
    }
    this.out.emit(msg);
  }
}

export const createSkinnyStreamDecoder: StreamDecoderFactory = (ctx) => new SkinnyFlowDecoder(ctx);

/** Content probe: a plausible header whose message id a station or call manager would send first. */
export const probeSkinny: ContentProbe = (b) => {
  if (b.length < 12) {
    if (b.length >= 8 && !plausibleHeader(b, 0)) return 'no';
    return 'maybe';
  }
  if (!plausibleHeader(b, 0)) return 'no';
  const id = readU32LE(b, 8);
  if (SKINNY_MESSAGE_NAMES[id] === undefined) return 'no';
  // The message must end where the buffer ends or where another plausible header starts.
  const next = readU32LE(b, 0) + 8;
  if (next === b.length) return 'yes';
  if (next > b.length) return 'maybe';
  if (next + 8 > b.length) return 'maybe';
  return plausibleHeader(b, next) ? 'yes' : 'no';
};
