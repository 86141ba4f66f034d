/**
 * Packets on their way to a shard worker: a buffer per shard and round, holding packet records and sweep
 * marks (the whole capture's clock, which every shard must follow). A packet's data is only valid during the
 * reader's call, so it is copied here, once; the buffer is then moved (transferred, not copied) to the worker,
 * which reads it in place and moves it back with its answer, so a few buffers serve the whole capture.
 * Not a SharedArrayBuffer: V8 copies into and out of shared memory with relaxed atomics, several times slower
 * than a plain copy, and every copy the reassembly makes from a packet would pay that.
 */

import type { CapturedPacket } from '../capture/types.js';

const KIND_PACKET = 1;
const KIND_SWEEP = 2;
/** kind u8, frame u32, time f64 */
const HEAD = 13;
/** linkType u32, interfaceId u32, caplen u32, origLen u32, data length u32 */
const PACKET_HEAD = 20;

export class BatchWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(buffer: ArrayBuffer) {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  get size(): number {
    return this.pos;
  }

  get buffer(): ArrayBuffer {
    return this.bytes.buffer as ArrayBuffer;
  }

  /** Whether a packet of `length` bytes still fits. */
  fits(length: number): boolean {
    return this.pos + HEAD + PACKET_HEAD + length <= this.bytes.length;
  }

  /** Writes into `buffer` from its start (the previous one is handed over). */
  reset(buffer: ArrayBuffer): void {
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.pos = 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    // Only a frame larger than a whole round gets here: move to a bigger buffer of our own.
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  packet(p: CapturedPacket): void {
    const n = p.data.length;
    this.room(HEAD + PACKET_HEAD + n);
    const v = this.view;
    let o = this.pos;
    v.setUint8(o, KIND_PACKET);
    v.setUint32(o + 1, p.frame, true);
    v.setFloat64(o + 5, p.time, true);
    o += HEAD;
    v.setUint32(o, p.linkType, true);
    v.setUint32(o + 4, p.interfaceId, true);
    v.setUint32(o + 8, p.caplen, true);
    v.setUint32(o + 12, p.origLen, true);
    v.setUint32(o + 16, n, true);
    o += PACKET_HEAD;
    this.bytes.set(p.data, o);
    this.pos = o + n;
  }

  /** A sweep at capture time `time`, just before the packet with frame number `frame`. */
  sweep(frame: number, time: number): void {
    this.room(HEAD);
    const v = this.view;
    v.setUint8(this.pos, KIND_SWEEP);
    v.setUint32(this.pos + 1, frame, true);
    v.setFloat64(this.pos + 5, time, true);
    this.pos += HEAD;
  }

}

export interface BatchHandler {
  packet(p: CapturedPacket): void;
  sweep(frame: number, time: number): void;
}

/** Reads a batch back; the packet object is reused from record to record. */
export function readBatch(buffer: ArrayBuffer, length: number, handler: BatchHandler): void {
  const bytes = new Uint8Array(buffer, 0, length);
  const v = new DataView(buffer, 0, length);
  const p: CapturedPacket = { frame: 0, time: 0, linkType: 0, interfaceId: 0, caplen: 0, origLen: 0, data: bytes.subarray(0, 0) };
  let o = 0;
  while (o < bytes.length) {
    const kind = v.getUint8(o);
    const frame = v.getUint32(o + 1, true);
    const time = v.getFloat64(o + 5, true);
    o += HEAD;
    if (kind === KIND_SWEEP) {
      handler.sweep(frame, time);
      continue;
    }
    p.frame = frame;
    p.time = time;
    p.linkType = v.getUint32(o, true);
    p.interfaceId = v.getUint32(o + 4, true);
    p.caplen = v.getUint32(o + 8, true);
    p.origLen = v.getUint32(o + 12, true);
    const n = v.getUint32(o + 16, true);
    o += PACKET_HEAD;
    p.data = bytes.subarray(o, o + n);
    o += n;
    handler.packet(p);
  }
}
