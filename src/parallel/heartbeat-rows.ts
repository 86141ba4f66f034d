/**
 * GED-188 heartbeats on their way from a shard to the main thread as rows of numbers, not messages.
 *
 * On a CTI server's capture most messages are HEARTBEAT_REQ / HEARTBEAT_CONF. Cloned as objects (the message,
 * its fields, its frames, its strings) they cost both threads more than decoding them did. A heartbeat with
 * nothing else to carry (no anomaly, no bytes kept) is all numbers but its flow's two endpoint texts, which the
 * main thread has from that flow's first message; so it goes as a row, and the main thread offers it to the
 * analyzer as a HeartbeatEvent, as a single-threaded run's decoder does, and makes the message only when the
 * analyzer refuses it: the same message the shard's decoder made, field for field and in the same order.
 *
 * A row: frame, flow (the shard's id), flags, InvokeID, time, stream offset, paired frame, response time, then
 * the frame count and frames (count 0: the message lies in `frame` alone).
 */

import type { DecodedMessage, Direction, HeartbeatEvent } from '../decoders/types.js';
import { MESSAGE_TYPE, messageTypeName } from '../decoders/ged188/constants.js';
import { invokeOnlyFields, invokeOnlyPrefix } from '../decoders/ged188/decode.js';

const REQ = MESSAGE_TYPE.HEARTBEAT_REQ;
const CONF = MESSAGE_TYPE.HEARTBEAT_CONF;
const REQ_NAME = messageTypeName(REQ);
const CONF_NAME = messageTypeName(CONF);
const REQ_PREFIX = invokeOnlyPrefix(REQ)!;
const CONF_PREFIX = invokeOnlyPrefix(CONF)!;
/** A heartbeat's whole PDU: header and InvokeID. */
const HEARTBEAT_LENGTH = 12;
/** What the stream decoder says of the tag width of an InvokeID-only message (stream.ts). */
const EVIDENCE = ['no-floating', 'given', 'open-req-version', 'detected'] as const;

/** A row's flags: the direction, HEARTBEAT_CONF, paired with its request, tag width 2, then the evidence's index. */
const F_S2C = 1;
const F_REPLY = 2;
const F_PAIRED = 4;
const F_WIDTH2 = 8;
const EVIDENCE_SHIFT = 4;

/** Numbers in a row before its frames. */
const FIXED = 9;

/**
 * Whether `m` is a heartbeat a row carries whole (else it goes as a message). Read from what the stream decoder
 * sets on an InvokeID-only message (stream.ts, decodePdu and pair); test/parallel/heartbeat-rows.test.ts holds
 * that a row gives back every such message of the samples, key for key, so a property added there fails it.
 */
export function isPlainHeartbeat(m: DecodedMessage): boolean {
  if (m.length !== HEARTBEAT_LENGTH || m.protocol !== 'ged188' || m.anomalies !== undefined || m.raw !== undefined || m.omittedAnomalies !== undefined) return false;
  const reply = m.type === CONF_NAME;
  if (!reply && m.type !== REQ_NAME) return false;
  const f = m.fields;
  if (f.messageType !== (reply ? CONF : REQ) || (f.tagWidth !== 1 && f.tagWidth !== 2)) return false;
  const e = f.tagWidthEvidence;
  if (e !== EVIDENCE[0] && e !== EVIDENCE[1] && e !== EVIDENCE[2] && e !== EVIDENCE[3]) return false;
  if (m.pairedFrame !== undefined && (!reply || f.requestType !== REQ_NAME)) return false;
  return m.frames.length < 1000;
}

/** A round's rows, written by a shard. */
export class HeartbeatRowWriter {
  private rows: Float64Array<ArrayBuffer> = new Float64Array(4096);
  private pos = 0;
  count = 0;

  /** Writes a message isPlainHeartbeat accepted. */
  write(m: DecodedMessage): void {
    const frames = m.frames;
    const oneFrame = frames.length === 1 && frames[0] === m.frame;
    const need = FIXED + (oneFrame ? 0 : frames.length);
    if (this.pos + need > this.rows.length) {
      const next = new Float64Array(Math.max(this.rows.length * 2, this.pos + need));
      next.set(this.rows.subarray(0, this.pos));
      this.rows = next;
    }
    const f = m.fields;
    const r = this.rows;
    let p = this.pos;
    const paired = m.pairedFrame !== undefined;
    r[p++] = m.frame;
    r[p++] = m.flowId;
    r[p++] =
      (m.direction === 's2c' ? F_S2C : 0) |
      (m.type === CONF_NAME ? F_REPLY : 0) |
      (paired ? F_PAIRED : 0) |
      (f.tagWidth === 2 ? F_WIDTH2 : 0) |
      (EVIDENCE.indexOf(f.tagWidthEvidence as (typeof EVIDENCE)[number]) << EVIDENCE_SHIFT);
    r[p++] = f.invokeId as number;
    r[p++] = m.time;
    r[p++] = m.offset;
    r[p++] = paired ? m.pairedFrame! : 0;
    r[p++] = paired ? m.responseTime! : 0;
    if (oneFrame) r[p++] = 0;
    else {
      r[p++] = frames.length;
      for (let i = 0; i < frames.length; i++) r[p++] = frames[i];
    }
    this.pos = p;
    this.count++;
  }

  /** The rows written since the last take, as a buffer to transfer; the writer starts afresh. */
  take(): Float64Array<ArrayBuffer> {
    const out = this.rows.subarray(0, this.pos);
    this.rows = new Float64Array(this.rows.length);
    this.pos = 0;
    this.count = 0;
    return out;
  }
}

/** Reads a round's rows in order: the current row's frame, flow, event or message, then next(). */
export class HeartbeatRowReader {
  private at = 0;
  /** Reused for every row (the receiver keeps none of it). */
  private readonly event: HeartbeatEvent = { flowId: 0, direction: 'c2s', reply: false, invokeId: 0, frame: 0, frames: [], time: 0 };
  private readonly oneFrame = [0];

  constructor(private readonly rows: Float64Array) {}

  get done(): boolean {
    return this.at >= this.rows.length;
  }

  /** The current row's frame (its place in the merge). */
  get frame(): number {
    return this.rows[this.at];
  }

  /** The current row's flow, by the shard's numbering. */
  get flowId(): number {
    return this.rows[this.at + 1];
  }

  /** The current row as an event for `flowId` (the capture-wide number). */
  toEvent(flowId: number): HeartbeatEvent {
    const r = this.rows;
    const p = this.at;
    const h = this.event;
    const flags = r[p + 2];
    h.flowId = flowId;
    h.direction = flags & F_S2C ? 's2c' : 'c2s';
    h.reply = (flags & F_REPLY) !== 0;
    h.invokeId = r[p + 3];
    h.frame = r[p];
    h.time = r[p + 4];
    const n = r[p + 8];
    if (n === 0) {
      this.oneFrame[0] = r[p];
      h.frames = this.oneFrame;
    } else h.frames = Array.from(r.subarray(p + FIXED, p + FIXED + n));
    return h;
  }

  /** The current row as the message the shard's decoder made, for `flowId` and the flow's endpoints. */
  toMessage(flowId: number, client: string, server: string): DecodedMessage {
    const r = this.rows;
    const p = this.at;
    const flags = r[p + 2];
    const reply = (flags & F_REPLY) !== 0;
    const type = reply ? CONF : REQ;
    const invokeId = r[p + 3];
    const n = r[p + 8];
    const fields = invokeOnlyFields(type, invokeId, flags & F_WIDTH2 ? 2 : 1);
    fields.tagWidthEvidence = EVIDENCE[(flags >> EVIDENCE_SHIFT) & 3];
    const direction: Direction = flags & F_S2C ? 's2c' : 'c2s';
    const m: DecodedMessage = {
      protocol: 'ged188',
      flowId,
      transport: 'tcp',
      client,
      server,
      direction,
      frame: r[p],
      frames: n === 0 ? [r[p]] : Array.from(r.subarray(p + FIXED, p + FIXED + n)),
      time: r[p + 4],
      type: reply ? CONF_NAME : REQ_NAME,
      fields,
      summary: (reply ? CONF_PREFIX : REQ_PREFIX) + invokeId,
      offset: r[p + 5],
      length: HEARTBEAT_LENGTH,
    };
    if (flags & F_PAIRED) {
      m.pairedFrame = r[p + 6];
      m.responseTime = r[p + 7];
      fields.requestType = REQ_NAME;
    }
    return m;
  }

  next(): void {
    this.at += FIXED + this.rows[this.at + 8];
  }
}
