/**
 * GIOP over TCP (IIOP): splits each direction into messages with PduStream, reassembles fragmented
 * Requests/Replies, and pairs each Reply with its Request. Either side may send Requests (callbacks,
 * bidirectional GIOP), so requests are remembered per sending direction and a Reply looks in the
 * other direction's table.
 */

import { formatResponseTime, MessageEmitter } from '../emit.js';
import { PduStreamPair, type PduMeta } from '../framing.js';
import type {
  ContentProbe,
  StartContradicts,
  DecodedMessage,
  Direction,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import {
  GIOP_HEADER_SIZE,
  MSG_CANCEL_REQUEST,
  MSG_FRAGMENT,
  MSG_LOCATE_REPLY,
  MSG_LOCATE_REQUEST,
  MSG_REPLY,
  MSG_REQUEST,
} from './constants.js';
import {
  decodeGiopMessage,
  giopMessageSize,
  GIOP_MAX_MESSAGE_SIZE,
  plausibleGiopHeader,
  type GiopMessage,
} from './decode.js';

/** 'GIOP'; the first byte may also be 'Z' (ZIOP). */
const MAGIC_BYTES = [0x47, 0x49, 0x4f, 0x50];

/** Requests awaiting a reply, per direction; the oldest are forgotten beyond this. */
const MAX_PENDING_REQUESTS = 4096;
/** Fragmented messages being reassembled at once, per direction. */
const MAX_PENDING_FRAGMENTED = 64;

export const GIOP_FRAMING = {
  pduLength(buf: Uint8Array, offset: number, available: number): number {
    if (available < 8) {
      // Reject early what cannot become a header, so resync starts sooner.
      for (let i = 0; i < available && i < 4; i++) {
        const c = buf[offset + i];
        if (i === 0 ? c !== 0x47 && c !== 0x5a : c !== MAGIC_BYTES[i]) return -1;
      }
      return 0;
    }
    if (!plausibleGiopHeader(buf, offset, available)) return -1;
    if (available < GIOP_HEADER_SIZE) return 0;
    const size = giopMessageSize(buf, offset);
    if (size > GIOP_MAX_MESSAGE_SIZE) return -1;
    return GIOP_HEADER_SIZE + size;
  },
  resync(buf: Uint8Array, from: number, available: number): number {
    const end = from + available;
    for (let i = from; i + 8 <= end; i++) {
      if (buf[i + 1] === 0x49 && plausibleGiopHeader(buf, i, end - i)) return i;
    }
    return -1;
  },
  maxBuffered: GIOP_MAX_MESSAGE_SIZE + GIOP_HEADER_SIZE,
};

interface PendingRequest {
  kind: number;
  frame: number;
  time: number;
  operation: string | undefined;
}

interface Reassembly {
  parts: Uint8Array[];
  size: number;
  frames: number[];
  offset: number;
  wireLength: number;
  fragments: number;
}

function otherDirection(d: Direction): Direction {
  return d === 'c2s' ? 's2c' : 'c2s';
}

function readU32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? ((b[o + 3] << 24) >>> 0) + ((b[o + 2] << 16) | (b[o + 1] << 8) | b[o])
    : ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

class GiopFlowDecoder implements StreamDecoder {
  private readonly streams: PduStreamPair;
  private readonly out: MessageEmitter;
  /**
   * Requests awaiting a reply, by sending direction. Created on first use, like `reassembly`: a SPAN capture
   * holds thousands of GIOP connections that carry one request each, and most never fragment.
   */
  private readonly requests: Record<Direction, Map<number, PendingRequest> | undefined> = { c2s: undefined, s2c: undefined };
  /** Keyed by request id (1.2) or -1 (1.1, whose fragments carry no id and continue the last message). */
  private readonly reassembly: Record<Direction, Map<number, Reassembly> | undefined> = { c2s: undefined, s2c: undefined };

  constructor(private readonly ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('giop', ctx);
    this.streams = new PduStreamPair(GIOP_FRAMING, (dir, pdu, meta) => this.pdu(dir, pdu, meta), this.out);
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    this.streams.data(dir, bytes, frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    this.streams.gap(dir, length, frame, time);
  }

  end(): void {
    this.streams.finish();
    for (const dir of ['c2s', 's2c'] as const) {
      // Fragmented messages whose last fragment never came are reported with what arrived.
      const pending = this.reassembly[dir];
      if (pending) {
        for (const [, r] of pending) this.flushReassembly(dir, r, false, r.frames[r.frames.length - 1]);
        this.reassembly[dir] = undefined;
      }
      this.requests[dir] = undefined;
    }
    this.out.finish();
  }

  private pdu(dir: Direction, pdu: Uint8Array, meta: PduMeta): void {
    const type = pdu[7];
    const minor = pdu[5];
    const le = (pdu[6] & 1) !== 0;
    const more = minor >= 1 && (pdu[6] & 2) !== 0;
    const isGiop = pdu[0] === 0x47;
    if (isGiop && type === MSG_FRAGMENT && minor >= 1) {
      const key = minor >= 2 ? (pdu.length >= 16 ? readU32(pdu, 12, le) : -2) : -1;
      const r = this.reassembly[dir]?.get(key);
      if (r) {
        const dataStart = minor >= 2 ? 16 : GIOP_HEADER_SIZE;
        const data = pdu.subarray(Math.min(dataStart, pdu.length));
        if (r.size + data.length > GIOP_MAX_MESSAGE_SIZE) {
          this.reassembly[dir]!.delete(key);
          this.out.streamAnomaly(dir, {
            code: 'reassembly-too-large',
            message: `fragmented message grew past ${GIOP_MAX_MESSAGE_SIZE} bytes; reassembly abandoned`,
            frame: meta.frames[meta.frames.length - 1],
            offset: meta.offset,
          });
          this.flushReassembly(dir, r, false, meta.frames[meta.frames.length - 1]);
          return;
        }
        r.parts.push(data.slice());
        r.size += data.length;
        for (const fr of meta.frames) if (r.frames[r.frames.length - 1] !== fr) r.frames.push(fr);
        r.wireLength += pdu.length;
        r.fragments++;
        if (!more) {
          this.reassembly[dir]!.delete(key);
          this.flushReassembly(dir, r, true, meta.frames[meta.frames.length - 1], meta.time);
        }
        return;
      }
      const m = decodeGiopMessage(pdu, this.ctx.options);
      m.anomalies.push({
        code: 'orphan-fragment',
        message: 'a Fragment whose first part was not seen (not captured, or never sent)',
      });
      this.emit(dir, m, pdu, meta.frames, meta.time, meta.offset, pdu.length);
      return;
    }
    if (isGiop && more && type <= MSG_LOCATE_REPLY && type !== MSG_CANCEL_REQUEST) {
      // 1.2 messages carry the request id first; 1.1 fragments continue the last fragmented message.
      const key = minor >= 2 ? (pdu.length >= 16 ? readU32(pdu, 12, le) : -2) : -1;
      const map = (this.reassembly[dir] ??= new Map());
      const previous = map.get(key);
      if (previous) {
        map.delete(key);
        this.flushReassembly(dir, previous, false, previous.frames[previous.frames.length - 1]);
      }
      if (map.size >= MAX_PENDING_FRAGMENTED) {
        const [oldestKey, oldest] = map.entries().next().value as [number, Reassembly];
        map.delete(oldestKey);
        this.flushReassembly(dir, oldest, false, oldest.frames[oldest.frames.length - 1]);
      }
      map.set(key, {
        parts: [pdu.slice()],
        size: pdu.length,
        frames: meta.frames.slice(),
        offset: meta.offset,
        wireLength: pdu.length,
        fragments: 0,
      });
      return;
    }
    const m = decodeGiopMessage(pdu, this.ctx.options);
    this.emit(dir, m, pdu, meta.frames, meta.time, meta.offset, pdu.length);
  }

  /** Emits a reassembled message (complete) or what arrived of it (incomplete). */
  private flushReassembly(dir: Direction, r: Reassembly, complete: boolean, frame: number, time?: number): void {
    const whole = new Uint8Array(r.size);
    let o = 0;
    for (const p of r.parts) {
      whole.set(p, o);
      o += p.length;
    }
    // The reassembled message reads as one: clear the more-fragments flag and fix the size.
    whole[6] &= ~2;
    const size = whole.length - GIOP_HEADER_SIZE;
    const le = (whole[6] & 1) !== 0;
    if (le) {
      whole[8] = size & 0xff;
      whole[9] = (size >>> 8) & 0xff;
      whole[10] = (size >>> 16) & 0xff;
      whole[11] = (size >>> 24) & 0xff;
    } else {
      whole[8] = (size >>> 24) & 0xff;
      whole[9] = (size >>> 16) & 0xff;
      whole[10] = (size >>> 8) & 0xff;
      whole[11] = size & 0xff;
    }
    const m = decodeGiopMessage(whole, this.ctx.options);
    m.fields.fragments = r.fragments + 1;
    if (!complete) {
      m.fields.incomplete = true;
      m.anomalies.push({
        code: 'fragments-missing',
        message: `fragmented message never completed: ${r.fragments} fragment(s) after the first arrived, the last did not`,
      });
      m.summary += ' (incomplete)';
    } else {
      m.summary += ` (${r.fragments + 1} fragments)`;
    }
    this.emit(dir, m, whole, r.frames, time ?? this.lastTime, r.offset, r.wireLength, frame);
  }

  private lastTime = 0;

  private emit(
    dir: Direction,
    m: GiopMessage,
    raw: Uint8Array,
    frames: number[],
    time: number,
    offset: number,
    length: number,
    lastFrame?: number,
  ): void {
    this.lastTime = time;
    const msg = this.out.message(dir, m.type, m.fields, m.summary, frames, time, offset, length, raw, lastFrame);
    this.pair(dir, m, msg);
    this.out.attachAnomalies(msg, m.anomalies);
    this.out.emit(msg);
  }

  private pair(dir: Direction, m: GiopMessage, msg: DecodedMessage): void {
    if (m.magic !== 'GIOP' || m.requestId === null) return;
    const id = m.requestId;
    const t = m.messageType;
    if (t === MSG_REQUEST || t === MSG_LOCATE_REQUEST) {
      if (t === MSG_REQUEST && m.fields.responseExpected === false) return;
      const table = (this.requests[dir] ??= new Map());
      if (table.size >= MAX_PENDING_REQUESTS) table.delete(table.keys().next().value as number);
      const op = m.fields.operation;
      table.set(id, { kind: t, frame: msg.frame, time: msg.time, operation: typeof op === 'string' ? op : undefined });
      return;
    }
    if (t === MSG_REPLY || t === MSG_LOCATE_REPLY) {
      const table = this.requests[otherDirection(dir)];
      const req = table?.get(id);
      if (!req || req.kind !== (t === MSG_REPLY ? MSG_REQUEST : MSG_LOCATE_REQUEST)) return;
      table!.delete(id);
      msg.pairedFrame = req.frame;
      const dt = Math.max(0, msg.time - req.time);
      msg.responseTime = dt;
      const what: string[] = [];
      if (req.operation !== undefined) {
        m.fields.operation = req.operation;
        what.push(req.operation);
      }
      what.push(formatResponseTime(dt));
      msg.summary += ` (${what.join(', ')})`;
      return;
    }
    if (t === MSG_CANCEL_REQUEST) {
      const req = this.requests[dir]?.get(id);
      if (req?.operation !== undefined) {
        m.fields.operation = req.operation;
        msg.summary += ` (${req.operation})`;
      }
    }
  }
}

/** GIOP/IIOP over TCP. */
export const createGiopStreamDecoder: StreamDecoderFactory = (ctx) => new GiopFlowDecoder(ctx);

/** A GIOP stream starts with the `GIOP` (or `ZIOP`) magic. */
export const giopStartContradicts: StartContradicts = (b) => {
  const n = Math.min(b.length, 4);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (i === 0 ? c !== 0x47 && c !== 0x5a : c !== MAGIC_BYTES[i]) return true;
  }
  return false;
};

/** `GIOP` magic, version 1.0–1.3 and a known message type (ZIOP, compressed GIOP, counts too). */
export const probeGiop: ContentProbe = (b, dir) => {
  if (giopStartContradicts(b, dir)) return 'no';
  if (b.length < 8) return 'maybe';
  return plausibleGiopHeader(b, 0, b.length) ? 'yes' : 'no';
};
