/**
 * What every protocol decoder does once it has read a message: build the DecodedMessage around it (flow,
 * direction, frames, stream offset, bytes) and hand it on, carrying the stream's own problems with it.
 *
 * Stream-level anomalies (a gap, a resync, a message the stream ended in) belong to no message of their
 * own, so they ride on the next message of the same direction. What is left when the flow ends goes on
 * that direction's last message, or, when the direction never produced one, on a `STREAM_ERROR` message
 * of its own: a problem is never dropped. Each direction's queue and each message list at most 16 anomalies of
 * a code; the rest are counted (anomaly-list.ts), so a million gaps cost a count, not a million objects.
 *
 * One emitter per flow, one class for every protocol (its property reads stay monomorphic on the hot path).
 */

import type { StreamAnomalySink } from './framing.js';
import { AnomalyQueue, addToMessage, codesSummary } from './anomaly-list.js';
import type { Anomaly, DecodedMessage, Direction, FieldValue, ProtocolName, StreamDecoderContext, Transport } from './types.js';

/** A response time as summaries show it: "0.4 ms", "12 ms". */
export function formatResponseTime(seconds: number): string {
  const ms = seconds * 1000;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A message's own list this short cannot exceed the bound per code, so it is taken as it is. */
const MAX_OWN_UNCHECKED = 16;

export class MessageEmitter implements StreamAnomalySink {
  /** DecodeOptions.keepRaw: callers that would allocate only to pass `raw` check it first. */
  readonly keepRaw: boolean;
  private readonly flowId: number;
  private readonly transport: Transport;
  private readonly client: string;
  private readonly server: string;
  /** Stream anomalies waiting for the next message of each direction. */
  private queuedC2s: AnomalyQueue | undefined = undefined;
  private queuedS2c: AnomalyQueue | undefined = undefined;
  /** The last message emitted in each direction, for anomalies left at the end of the flow. */
  private lastC2s: DecodedMessage | undefined = undefined;
  private lastS2c: DecodedMessage | undefined = undefined;
  /** DecodeOptions.forgetEmitted: no last message is held, only whether there was one. */
  private readonly forget: boolean;
  private emittedC2s = false;
  private emittedS2c = false;

  /**
   * `streamErrorFields` are added to the fields of a STREAM_ERROR message, for protocols whose every
   * message carries some key (GED-188's `messageType`).
   */
  constructor(
    private readonly protocol: ProtocolName,
    private readonly ctx: StreamDecoderContext,
    private readonly streamErrorFields?: Record<string, FieldValue>,
  ) {
    const flow = ctx.flow;
    this.flowId = flow.id;
    this.transport = flow.transport;
    this.client = flow.client;
    this.server = flow.server;
    this.keepRaw = ctx.options.keepRaw === true;
    this.forget = ctx.options.forgetEmitted === true;
  }

  /**
   * The message as the decoder read it. `frame` is where it completes (by default the last of `frames`);
   * `raw` is copied into the message only when the caller asked for bytes (the source may be reused).
   */
  message(
    dir: Direction,
    type: string,
    fields: Record<string, FieldValue>,
    summary: string,
    frames: number[],
    time: number,
    offset: number,
    length: number,
    raw: Uint8Array | null,
    frame: number = frames[frames.length - 1],
  ): DecodedMessage {
    const msg: DecodedMessage = {
      protocol: this.protocol,
      flowId: this.flowId,
      transport: this.transport,
      client: this.client,
      server: this.server,
      direction: dir,
      frame,
      frames,
      time,
      type,
      fields,
      summary,
      offset,
      length,
    };
    if (raw !== null && this.keepRaw) msg.raw = raw.slice();
    return msg;
  }

  /** Queues a stream-level anomaly for the next message of `dir`. */
  streamAnomaly(dir: Direction, a: Anomaly): void {
    if (dir === 'c2s') (this.queuedC2s ??= new AnomalyQueue()).add(a);
    else (this.queuedS2c ??= new AnomalyQueue()).add(a);
  }

  /**
   * Sets `msg.anomalies`: the stream anomalies queued for its direction, then the message's own (`own` may
   * be reused by the caller only if empty). Those without a frame get the message's.
   */
  attachAnomalies(msg: DecodedMessage, own?: Anomaly[]): void {
    const queued = msg.direction === 'c2s' ? this.queuedC2s : this.queuedS2c;
    if (queued === undefined) {
      if (own === undefined || own.length === 0) return;
      const frame = msg.frame;
      if (own.length <= MAX_OWN_UNCHECKED) {
        // Too few to pass the bound: the list is the message's as it is.
        for (const a of own) if (a.frame === undefined) a.frame = frame;
        msg.anomalies = own;
      } else addToMessage(msg, own, undefined, frame);
      return;
    }
    if (msg.direction === 'c2s') this.queuedC2s = undefined;
    else this.queuedS2c = undefined;
    addToMessage(msg, queued.list, queued.omitted, msg.frame);
    if (own !== undefined && own.length) addToMessage(msg, own, undefined, msg.frame);
  }

  /** Hands the message on; it becomes its direction's last. */
  emit(msg: DecodedMessage): void {
    if (msg.direction === 'c2s') {
      this.emittedC2s = true;
      if (!this.forget) this.lastC2s = msg;
    } else {
      this.emittedS2c = true;
      if (!this.forget) this.lastS2c = msg;
    }
    this.ctx.emit(msg);
  }

  /**
   * The flow is over (call after the decoder emitted all it will): anomalies still queued go on their
   * direction's last message, or on a STREAM_ERROR message when the direction emitted none.
   */
  finish(): void {
    // A caller that keeps no message has already seen the last one: its leftovers would reach no one.
    if (this.queuedC2s && !(this.forget && this.emittedC2s)) this.carryLeftovers('c2s', this.queuedC2s, this.lastC2s);
    if (this.queuedS2c && !(this.forget && this.emittedS2c)) this.carryLeftovers('s2c', this.queuedS2c, this.lastS2c);
    this.queuedC2s = this.queuedS2c = undefined;
    this.lastC2s = this.lastS2c = undefined;
  }

  /**
   * End of flow for one direction, for a decoder that keeps its own queue and last message (GED-188, whose
   * per-message path stays inline): `left` goes on `last`, or on a STREAM_ERROR message when there is none.
   */
  carryLeftovers(dir: Direction, left: AnomalyQueue, last: DecodedMessage | undefined): void {
    const list = left.list;
    if (list.length === 0) return;
    if (last !== undefined) {
      // Already emitted: whoever holds it sees the anomalies from now on.
      addToMessage(last, list, left.omitted, last.frame);
      return;
    }
    const flow = this.ctx.flow;
    const fields: Record<string, FieldValue> = { ...this.streamErrorFields, anomalies: left.total };
    let lastFrame = list[list.length - 1].frame;
    if (left.omitted) for (const c of left.omitted) if (c.lastFrame !== undefined && (lastFrame === undefined || c.lastFrame > lastFrame)) lastFrame = c.lastFrame;
    const msg = this.message(
      dir,
      'STREAM_ERROR',
      fields,
      `STREAM_ERROR ${codesSummary(list, left.omitted)}`,
      [],
      flow.start,
      list[0].offset ?? 0,
      0,
      null,
      lastFrame ?? flow.firstFrame,
    );
    addToMessage(msg, list, left.omitted, msg.frame);
    this.emit(msg);
  }
}
