/**
 * GED-188 over TCP: splits each direction into messages with PduStream, decodes them, keeps the session's
 * tag width, pairs requests with their confirmations by InvokeID, and emits DecodedMessages.
 */

import { MessageEmitter } from '../emit.js';
import { AnomalyQueue, addToMessage } from '../anomaly-list.js';
import { PduStream, readU32BE, viewOf, type PduFraming, type PduMeta } from '../framing.js';
import type {
  Anomaly,
  ContentProbe,
  StartContradicts,
  DecodedMessage,
  FieldValue,
  Direction,
  HeartbeatEvent,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import { MAX_BODY_LENGTH, MAX_MESSAGE_TYPE, MESSAGE_TYPE, isKnownMessageType, messageTypeName } from './constants.js';
import {
  decodeGed188Message,
  decodeGed188Scratch,
  invokeOnlyFields,
  invokeOnlyPrefix,
  type Ged188DecodeOptions,
} from './decode.js';
import type { TagWidth } from './floating.js';

const HEADER = 8;
/** Requests awaiting a reply, per flow; the oldest are forgotten beyond this. */
const MAX_PENDING = 1024;

/** Bytes that can start a message as far as framing goes; see PduFraming.pduLength. */
export function ged188PduLength(buf: Uint8Array, offset: number, available: number): number {
  if (available < 4) return 0;
  const len = readU32BE(buf, offset);
  if (len > MAX_BODY_LENGTH) return -1;
  if (available < HEADER) return 0;
  const type = readU32BE(buf, offset + 4);
  if (type === 0 || type > MAX_MESSAGE_TYPE) return -1;
  return HEADER + len;
}

/**
 * A header we would bet on: a known type, a body of 4..12500 bytes, and, when the whole message is in the
 * buffer, a body that decodes without anomalies under the session's tag width.
 */
function plausibleAt(buf: Uint8Array, i: number, limit: number, opts: Ged188DecodeOptions): boolean {
  const len = readU32BE(buf, i);
  if (len < 4 || len > MAX_BODY_LENGTH) return false;
  const type = readU32BE(buf, i + 4);
  if (!isKnownMessageType(type)) return false;
  if (i + HEADER + len > limit) return true;
  return decodeGed188Message(buf.subarray(i, i + HEADER + len), opts).anomalies.length === 0;
}

/**
 * The meta object of the stream decoders' fast path (data()): onPdu reads it during the call only, and one
 * shared object stays in cache where one per flow would not.
 */
const CHUNK_META: PduMeta = { offset: 0, frames: [], time: 0 };

/** Anomalies of the message being decoded (emptied after each). */
const SCRATCH_ANOMALIES: Anomaly[] = [];

/** What offerHeartbeat hands over, reused (the receiver keeps none of it), and its list for a heartbeat in one frame. */
const HEARTBEAT: HeartbeatEvent = { flowId: 0, direction: 'c2s', reply: false, invokeId: 0, frame: 0, frames: [], time: 0 };
const ONE_FRAME: number[] = [0];

const REPLY_TO_ANY_REQUEST = new Set([MESSAGE_TYPE.FAILURE_CONF, MESSAGE_TYPE.CONTROL_FAILURE_CONF]);

function isRequestName(name: string): boolean {
  return name.endsWith('_REQ');
}

function isReplyName(name: string): boolean {
  return name.endsWith('_CONF') || name.endsWith('_RESP');
}

/** Whether `reply` answers `request`: its own _CONF/_RESP, or FAILURE_CONF / CONTROL_FAILURE_CONF. */
export function isReplyTo(requestName: string, replyType: number, replyName: string): boolean {
  if (REPLY_TO_ANY_REQUEST.has(replyType)) return true;
  const stem = requestName.slice(0, -'_REQ'.length);
  return replyName === `${stem}_CONF` || replyName === `${stem}_RESP`;
}

/** Per message type (0..MAX_MESSAGE_TYPE), what pairing needs, worked out once instead of per message. */
const ROLE_OTHER = 0;
const ROLE_REQUEST = 1;
const ROLE_REPLY = 2;
const ROLE_BY_TYPE = new Uint8Array(MAX_MESSAGE_TYPE + 1);
/** For a reply type: the name of the request it answers (`X_REQ` for `X_CONF` / `X_RESP`). */
const REQUEST_NAME_BY_REPLY_TYPE: Array<string | undefined> = new Array<string | undefined>(MAX_MESSAGE_TYPE + 1);
for (let t = 0; t <= MAX_MESSAGE_TYPE; t++) {
  const name = messageTypeName(t);
  if (isRequestName(name)) ROLE_BY_TYPE[t] = ROLE_REQUEST;
  else if (isReplyName(name)) {
    ROLE_BY_TYPE[t] = ROLE_REPLY;
    REQUEST_NAME_BY_REPLY_TYPE[t] = `${name.slice(0, name.endsWith('_CONF') ? -'_CONF'.length : -'_RESP'.length)}_REQ`;
  }
}

function roleOf(type: number, name: string): number {
  if (type >= 0 && type <= MAX_MESSAGE_TYPE) return ROLE_BY_TYPE[type];
  return isRequestName(name) ? ROLE_REQUEST : isReplyName(name) ? ROLE_REPLY : ROLE_OTHER;
}

/** isReplyTo for a reply already known to be a _CONF / _RESP. */
function answers(requestName: string, replyType: number, replyName: string): boolean {
  if (replyType === MESSAGE_TYPE.FAILURE_CONF || replyType === MESSAGE_TYPE.CONTROL_FAILURE_CONF) return true;
  if (replyType >= 0 && replyType <= MAX_MESSAGE_TYPE) return REQUEST_NAME_BY_REPLY_TYPE[replyType] === requestName;
  return isReplyTo(requestName, replyType, replyName);
}

/** Added to a STREAM_ERROR message's fields: every GED-188 message has a messageType. */
const STREAM_ERROR_FIELDS = { messageType: -1 };

/** A request awaiting its reply: what pairing reads, and the request itself when the caller keeps messages. */
interface PendingGed {
  frame: number;
  time: number;
  type: string;
  direction: Direction;
  message: DecodedMessage | undefined;
}

/** Decode options by tag width, version and secrets: shared by the sessions that agree on them (most of a capture's). */
const DECODE_OPTIONS = new Map<string, Ged188DecodeOptions>();

function decodeOptionsFor(tagWidth: TagWidth | 'auto', version: number | undefined, showSecrets: boolean | undefined): Ged188DecodeOptions {
  const key = `${tagWidth}|${version}|${showSecrets === true}`;
  let o = DECODE_OPTIONS.get(key);
  if (o === undefined) {
    o = { tagWidth, version, showSecrets };
    // Bounded: versions are at most a few dozen, but a mutated capture may claim any.
    if (DECODE_OPTIONS.size < 1024) DECODE_OPTIONS.set(key, o);
  }
  return o;
}

/**
 * One session's decoder. It is its streams' framing too (pduLength, resync): one object per flow rather than a
 * framing object and a closure for its resync as well; a server's SPAN port holds tens of thousands of sessions.
 */
class Ged188StreamDecoder implements StreamDecoder, PduFraming {
  private version: number | undefined;
  private tagWidth: TagWidth | undefined;
  private tagWidthSource: 'open-req-version' | 'detected' | undefined;
  /**
   * Requests awaiting a reply, by InvokeID, oldest first; made when a second request waits. The newest one
   * is held apart (the newest* fields), never also in the map: most replies answer the request just before
   * them, and then the map is not touched.
   */
  private pending: Map<number, PendingGed> | undefined = undefined;
  private hasNewest = false;
  private newestInvokeId = 0;
  private newestFrame = 0;
  private newestTime = 0;
  private newestType = '';
  private newestDirection: Direction = 'c2s';
  /** The newest request itself, only when the caller keeps messages (DecodeOptions.forgetEmitted unset). */
  private newestRequest: DecodedMessage | undefined = undefined;
  // Each direction's stream, queued stream anomalies and last message are fields of this object rather
  // than of a MessageEmitter or an object per direction, and messages are built inline: every message reads
  // them, and with hundreds of sessions interleaved each further object is a cold cache line. The end of the
  // flow goes through MessageEmitter.carryLeftovers like every protocol's.
  /** Made when the direction first sends (a flow with one unanswered request never makes the other). */
  private c2sStream: PduStream | undefined;
  private s2cStream: PduStream | undefined;
  /** Stream anomalies (gaps, resyncs) waiting for the next message of the direction; undefined while none. */
  private c2sPending: AnomalyQueue | undefined;
  private s2cPending: AnomalyQueue | undefined;
  /** The direction's last message, for anomalies left at the end of the flow (only when the caller keeps messages). */
  private c2sLast: DecodedMessage | undefined;
  private s2cLast: DecodedMessage | undefined;
  /** The direction emitted a message (what c2sLast would say when the caller keeps none). */
  private c2sEmitted = false;
  private s2cEmitted = false;
  private readonly forget: boolean;
  private readonly flowId: number;
  private readonly client: string;
  private readonly server: string;
  /** ctx.options.keepRaw and ctx.emit, read per message: kept on this object, whose fields are at hand anyway. */
  private readonly keepRaw: boolean;
  private readonly emit: (m: DecodedMessage) => void;
  /** StreamDecoderContext.heartbeat, only for a caller that keeps no message and no bytes. */
  private readonly heartbeat: ((h: HeartbeatEvent) => boolean) | undefined;
  /** Only for the end of the flow (leftover stream anomalies, STREAM_ERROR): made then, if there are any. */
  private leftovers: MessageEmitter | undefined;
  /** pending.size, kept here so that the common request/reply alternation never touches the map. */
  private pendingSize = 0;

  constructor(private readonly ctx: StreamDecoderContext) {
    this.flowId = ctx.flow.id;
    this.client = ctx.flow.client;
    this.server = ctx.flow.server;
    this.keepRaw = ctx.options.keepRaw === true;
    this.forget = ctx.options.forgetEmitted === true;
    this.emit = ctx.emit;
    this.heartbeat = this.forget && !this.keepRaw ? ctx.heartbeat : undefined;
  }

  private stream(dir: Direction): PduStream {
    if (dir === 'c2s') {
      return (this.c2sStream ??= new PduStream(
        this,
        (pdu, meta) => this.onPdu('c2s', pdu, meta),
        (a) => (this.c2sPending ??= new AnomalyQueue()).add(a),
      ));
    }
    return (this.s2cStream ??= new PduStream(
      this,
      (pdu, meta) => this.onPdu('s2c', pdu, meta),
      (a) => (this.s2cPending ??= new AnomalyQueue()).add(a),
    ));
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    this.dataAt(dir, bytes, 0, bytes.length, frame, time);
  }

  dataAt(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): void {
    // A comparison, not this.dirs[dir]: a lookup by a string that varies is slower than a branch.
    const stream = (dir === 'c2s' ? this.c2sStream : this.s2cStream) ?? this.stream(dir);
    const end = offset + length;
    let pos = offset;
    if (stream.idle) {
      // Most segments hold whole messages (a heartbeat each): split them here, where the length function and
      // onPdu are known, and leave the rest (a partial or bad message) to the PduStream. A heartbeat the
      // receiver takes as an event needs no view of its bytes.
      const meta = CHUNK_META;
      while (end - pos >= HEADER) {
        const n = ged188PduLength(buf, pos, end - pos);
        if (n <= 0 || n > end - pos) break;
        if (n === HEADER + 4 && this.heartbeat !== undefined && this.offerHeartbeat(dir, buf, pos, undefined, frame, time)) {
          stream.consumed(n);
          pos += n;
          continue;
        }
        meta.offset = stream.nextOffset;
        meta.frames = [frame];
        meta.time = time;
        stream.consumed(n);
        // decodePdu, not onPdu: a heartbeat here was offered above already.
        this.decodePdu(dir, viewOf(buf, pos, pos + n), meta);
        pos += n;
      }
      if (pos === end) return;
    }
    stream.data(viewOf(buf, pos, end), frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    this.stream(dir).gap(length, frame, time);
  }

  end(): void {
    this.c2sStream?.finish();
    if (this.c2sPending !== undefined) {
      if (!(this.forget && this.c2sEmitted)) this.carryLeftovers('c2s', this.c2sPending, this.c2sLast);
      this.c2sPending = undefined;
    }
    this.s2cStream?.finish();
    if (this.s2cPending !== undefined) {
      if (!(this.forget && this.s2cEmitted)) this.carryLeftovers('s2c', this.s2cPending, this.s2cLast);
      this.s2cPending = undefined;
    }
    this.pending = undefined;
    this.pendingSize = 0;
    this.hasNewest = false;
    this.newestRequest = undefined;
    this.c2sLast = this.s2cLast = undefined;
  }

  private carryLeftovers(dir: Direction, left: AnomalyQueue, last: DecodedMessage | undefined): void {
    this.leftovers ??= new MessageEmitter('ged188', this.ctx, STREAM_ERROR_FIELDS);
    this.leftovers.carryLeftovers(dir, left, last);
  }

  /** The decode options for the session so far; rebuilt only when the version or tag width changes. */
  private options: Ged188DecodeOptions | undefined;

  private decodeOptions(): Ged188DecodeOptions {
    const o = this.options;
    if (o && o.tagWidth === (this.tagWidth ?? 'auto') && o.version === this.version) return o;
    return (this.options = decodeOptionsFor(this.tagWidth ?? 'auto', this.version, this.ctx.options.showSecrets));
  }

  // ---- PduFraming (for this session's two PduStreams) ----

  pduLength(buf: Uint8Array, offset: number, available: number): number {
    return ged188PduLength(buf, offset, available);
  }

  get maxBuffered(): number {
    return 4 * (HEADER + MAX_BODY_LENGTH);
  }

  get metaIsTransient(): boolean {
    return true;
  }

  resync(buf: Uint8Array, from: number, available: number): number {
    const limit = from + available;
    const opts = this.decodeOptions();
    for (let i = from; i + HEADER <= limit; i++) {
      if (plausibleAt(buf, i, limit, opts)) return i;
    }
    return -1;
  }

  /**
   * A heartbeat handed over as an event, with no message made (StreamDecoderContext.heartbeat); true when the
   * receiver took it. Only one with nothing else to carry: no stream anomaly waiting for the direction's next message.
   * `frames` undefined: the PDU lies in one frame.
   */
  private offerHeartbeat(dir: Direction, pdu: Uint8Array, at: number, frames: readonly number[] | undefined, frame: number, time: number): boolean {
    const type = readU32BE(pdu, at + 4);
    if ((type !== MESSAGE_TYPE.HEARTBEAT_REQ && type !== MESSAGE_TYPE.HEARTBEAT_CONF) || readU32BE(pdu, at) !== 4) return false;
    if ((dir === 'c2s' ? this.c2sPending : this.s2cPending) !== undefined) return false;
    const invokeId = readU32BE(pdu, at + HEADER);
    const h = HEARTBEAT;
    h.flowId = this.flowId;
    h.direction = dir;
    h.reply = type === MESSAGE_TYPE.HEARTBEAT_CONF;
    h.invokeId = invokeId;
    h.frame = frame;
    if (frames === undefined) {
      ONE_FRAME[0] = frame;
      h.frames = ONE_FRAME;
    } else h.frames = frames;
    h.time = time;
    if (!this.heartbeat!(h)) return false;
    // What emitting its message would have done here: pairing (for the replies still to come) and the mark.
    this.pair(dir, type, messageTypeName(type), invokeId, frame, time, undefined);
    if (dir === 'c2s') this.c2sEmitted = true;
    else this.s2cEmitted = true;
    return true;
  }

  /** A message the PduStream put together: a heartbeat is offered as an event first. */
  private onPdu(dir: Direction, pdu: Uint8Array, meta: PduMeta): void {
    if (pdu.length === HEADER + 4 && this.heartbeat !== undefined) {
      const frames = meta.frames;
      if (this.offerHeartbeat(dir, pdu, 0, frames, frames.length ? frames[frames.length - 1] : 0, meta.time)) return;
    }
    this.decodePdu(dir, pdu, meta);
  }

  private decodePdu(dir: Direction, pdu: Uint8Array, meta: PduMeta): void {
    // OPEN_REQ fixes the protocol version, and with it the tag width, for the whole session.
    if (readU32BE(pdu, 4) === MESSAGE_TYPE.OPEN_REQ && pdu.length >= HEADER + 8) {
      const v = readU32BE(pdu, HEADER + 4);
      if (v > 0 && v < 1000) {
        this.version = v;
        this.tagWidth = v >= 20 ? 2 : 1;
        this.tagWidthSource = 'open-req-version';
      }
    }
    const c2s = dir === 'c2s';
    const queued = c2s ? this.c2sPending : this.s2cPending;
    const frame = meta.frames.length ? meta.frames[meta.frames.length - 1] : 0;
    const type = readU32BE(pdu, 4);
    let name: string;
    let fields: Record<string, FieldValue>;
    let summary: string;
    let invokeId: number | undefined;
    let anomalies: Anomaly[] | undefined;
    const prefix = pdu.length === HEADER + 4 && readU32BE(pdu, 0) === 4 ? invokeOnlyPrefix(type) : undefined;
    if (prefix !== undefined) {
      // A heartbeat or a plain confirmation: its InvokeID is all there is (decodeGed188Message gives the
      // same; a test holds the two together). The session's tag width is reported, or none when unknown.
      invokeId = readU32BE(pdu, HEADER);
      name = messageTypeName(type);
      fields = invokeOnlyFields(type, invokeId, this.tagWidth ?? 1);
      fields.tagWidthEvidence = this.tagWidth === undefined ? 'no-floating' : (this.tagWidthSource ?? 'given');
      summary = prefix + invokeId;
      if (queued !== undefined) {
        if (c2s) this.c2sPending = undefined;
        else this.s2cPending = undefined;
      }
    } else {
      // The decoder's anomalies go to a scratch list (copied below with frame and stream offset), and its
      // result is shared: everything needed is read from it before the message is emitted.
      const msgAnomalies = SCRATCH_ANOMALIES;
      if (msgAnomalies.length) msgAnomalies.length = 0;
      const msg = decodeGed188Scratch(pdu, this.decodeOptions(), msgAnomalies);
      if (this.tagWidth === undefined && msg.tagWidthDecisive) {
        this.tagWidth = msg.tagWidth;
        this.tagWidthSource = 'detected';
      }
      if (queued !== undefined) {
        if (c2s) this.c2sPending = undefined;
        else this.s2cPending = undefined;
      }
      if (msgAnomalies.length) {
        anomalies = [];
        for (const a of msgAnomalies) {
          anomalies.push({ ...a, frame, offset: meta.offset + (a.offset ?? 0) });
        }
        msgAnomalies.length = 0;
      }
      name = msg.name;
      fields = msg.fields;
      fields.tagWidthEvidence =
        msg.tagWidthEvidence === 'given' || msg.tagWidthEvidence === 'version'
          ? (this.tagWidthSource ?? msg.tagWidthEvidence)
          : msg.tagWidthEvidence;
      summary = msg.summary;
      invokeId = msg.invokeId;
      // `msg` is not read after this point: emit() may decode other messages.
    }

    const out: DecodedMessage = {
      protocol: 'ged188',
      flowId: this.flowId,
      transport: 'tcp',
      client: this.client,
      server: this.server,
      direction: dir,
      frame,
      frames: meta.frames,
      time: meta.time,
      type: name,
      fields,
      summary,
      offset: meta.offset,
      length: pdu.length,
    };
    if (this.keepRaw) out.raw = pdu.slice();
    // The stream's queued anomalies first, then the message's own, within the bound per code.
    if (queued !== undefined) addToMessage(out, queued.list, queued.omitted, frame);
    if (anomalies) addToMessage(out, anomalies, undefined, frame);
    this.pair(dir, type, name, invokeId, frame, meta.time, out);
    if (c2s) {
      this.c2sEmitted = true;
      if (!this.forget) this.c2sLast = out;
    } else {
      this.s2cEmitted = true;
      if (!this.forget) this.s2cLast = out;
    }
    this.emit(out);
  }

  /** Links a reply to its request (both get pairedFrame; the reply gets responseTime). No `out`: a heartbeat event. */
  private pair(dir: Direction, type: number, name: string, invokeId: number | undefined, frame: number, time: number, out: DecodedMessage | undefined): void {
    if (invokeId === undefined) return;
    const role = roleOf(type, name);
    if (role === ROLE_REQUEST) {
      // The previous newest request joins the map (at its end: it is newer than all there), unless the
      // new one replaces it.
      if (this.hasNewest && this.newestInvokeId !== invokeId) {
        const pending = (this.pending ??= new Map());
        pending.set(this.newestInvokeId, {
          frame: this.newestFrame,
          time: this.newestTime,
          type: this.newestType,
          direction: this.newestDirection,
          message: this.newestRequest,
        });
        this.pendingSize = pending.size;
      }
      if (this.pendingSize) {
        const pending = this.pending!;
        pending.delete(invokeId);
        if (pending.size + 1 > MAX_PENDING) pending.delete(pending.keys().next().value as number);
        this.pendingSize = pending.size;
      }
      this.hasNewest = true;
      this.newestInvokeId = invokeId;
      this.newestFrame = frame;
      this.newestTime = time;
      this.newestType = name;
      this.newestDirection = dir;
      if (!this.forget) this.newestRequest = out;
      return;
    }
    if (role !== ROLE_REPLY) return;
    let reqFrame: number;
    let reqTime: number;
    let reqType: string;
    let reqMessage: DecodedMessage | undefined;
    if (this.hasNewest && this.newestInvokeId === invokeId) {
      if (this.newestDirection === dir || !answers(this.newestType, type, name)) return;
      reqFrame = this.newestFrame;
      reqTime = this.newestTime;
      reqType = this.newestType;
      reqMessage = this.newestRequest;
      this.hasNewest = false;
      this.newestRequest = undefined;
    } else {
      const req = this.pendingSize ? this.pending!.get(invokeId) : undefined;
      if (!req || req.direction === dir || !answers(req.type, type, name)) return;
      this.pending!.delete(invokeId);
      this.pendingSize = this.pending!.size;
      reqFrame = req.frame;
      reqTime = req.time;
      reqType = req.type;
      reqMessage = req.message;
    }
    if (reqMessage !== undefined) reqMessage.pairedFrame = frame;
    if (out === undefined) return;
    out.pairedFrame = reqFrame;
    out.responseTime = Math.max(0, time - reqTime);
    out.fields.requestType = reqType;
  }
}

/** One decoder per TCP flow carrying GED-188 / Unified CCX CTI. */
export const createGed188StreamDecoder: StreamDecoderFactory = (ctx) => new Ged188StreamDecoder(ctx);

/** A GED-188 stream starts with a message header: a body length in range and a known message type. */
export const ged188StartContradicts: StartContradicts = (b) => {
  if (b.length < HEADER) return false;
  const len = readU32BE(b, 0);
  return len > MAX_BODY_LENGTH || !isKnownMessageType(readU32BE(b, 4));
};

/**
 * Content detection (reference §5): a plausible header followed by OPEN_REQ from the client or OPEN_CONF /
 * FAILURE_CONF from the server, or any known type with a sane length whose body decodes cleanly.
 */
export const probeGed188: ContentProbe = (b, dir) => {
  if (b.length < 4) return 'maybe';
  const len = readU32BE(b, 0);
  if (len < 4 || len > MAX_BODY_LENGTH) return 'no';
  if (b.length < HEADER) return 'maybe';
  const type = readU32BE(b, 4);
  if (!isKnownMessageType(type)) return 'no';
  const complete = b.length >= HEADER + len;
  if (type === MESSAGE_TYPE.OPEN_REQ) {
    if (dir !== 'c2s' || len < 44) return 'no';
    if (b.length < HEADER + 8) return 'maybe';
    const version = readU32BE(b, HEADER + 4);
    if (version === 0 || version > 64) return 'no';
    // Reserved1..3 must be zero.
    if (b.length >= HEADER + 44) {
      for (let i = HEADER + 32; i < HEADER + 44; i++) if (b[i] !== 0) return 'no';
    }
    return 'yes';
  }
  if (dir === 's2c' && ((type === MESSAGE_TYPE.OPEN_CONF && len >= 26) || (type === MESSAGE_TYPE.FAILURE_CONF && len >= 8))) {
    if (!complete) return 'yes';
    return decodeGed188Message(b.subarray(0, HEADER + len)).anomalies.length === 0 ? 'yes' : 'no';
  }
  if (!complete) return 'maybe';
  return decodeGed188Message(b.subarray(0, HEADER + len)).anomalies.length === 0 ? 'yes' : 'no';
};
