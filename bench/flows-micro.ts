/**
 * Micro-benchmark of the network layer's hot path: a synthetic classic pcap held in memory, read by the
 * capture reader and followed by the flow tracker (with a consumer that touches every byte, as a decoder
 * would). Prints packets per second and heap use.
 *
 * Run (there is no TypeScript runner in the tree, so compile first):
 *   npx tsc -p tsconfig.json --outDir /tmp/ctiscope-bench --noEmit false --rootDir . && \
 *   node --expose-gc /tmp/ctiscope-bench/bench/flows-micro.js [packets] [flows]
 */

import { readCaptureBytes } from '../src/capture/reader.js';
import { createFlowTracker } from '../src/decoders/net/index.js';
import type { FlowConsumer } from '../src/decoders/types.js';

const packets = Number(process.argv[2] ?? 2_000_000);
const concurrent = Number(process.argv[3] ?? 5_000);
const payloadSize = 200;

/** Ethernet + IPv4 + TCP frame, written straight into `out` at `at`; returns the frame length. */
function writeFrame(out: Uint8Array, at: number, src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, payload: number): number {
  const ipLen = 20 + 20 + payload;
  const v = new DataView(out.buffer, out.byteOffset + at);
  v.setUint16(12, 0x0800);
  v.setUint8(14, 0x45);
  v.setUint16(16, ipLen);
  v.setUint8(22, 64);
  v.setUint8(23, 6);
  v.setUint32(26, src);
  v.setUint32(30, dst);
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  v.setUint32(38, seq >>> 0);
  v.setUint32(42, ack >>> 0);
  v.setUint8(46, 5 << 4);
  v.setUint8(47, flags);
  for (let i = 0; i < payload; i++) out[at + 54 + i] = i & 255;
  return 14 + ipLen;
}

function buildCapture(): Uint8Array {
  const maxFrame = 14 + 40 + payloadSize;
  const out = new Uint8Array(24 + packets * (16 + maxFrame));
  const h = new DataView(out.buffer);
  h.setUint32(0, 0xa1b2c3d4, true);
  h.setUint16(4, 2, true);
  h.setUint16(6, 4, true);
  h.setUint32(16, 65535, true);
  h.setUint32(20, 1, true);
  let at = 24;
  // Each connection: SYN, SYN-ACK, ACK, then request/response data, then FIN both ways; connections are
  // started round-robin so `concurrent` are open at once.
  const perConn = 40;
  const state = new Int32Array(concurrent); // step within the connection
  const conn = new Int32Array(concurrent); // connection serial number in this slot
  for (let i = 0; i < concurrent; i++) conn[i] = i;
  let serial = concurrent;
  for (let n = 0; n < packets; n++) {
    const slot = n % concurrent;
    const step = state[slot]++;
    const c = conn[slot];
    const client = 0x0a000000 + (c & 0xffff);
    const server = 0x0a010001 + ((c >> 16) & 0xff);
    const cport = 1024 + (c % 60000);
    const cseq = 1000;
    const sseq = 5000;
    const half = Math.floor((step - 3) / 2);
    let len: number;
    if (step === 0) len = writeFrame(out, at + 16, client, server, cport, 80, cseq, 0, 0x02, 0);
    else if (step === 1) len = writeFrame(out, at + 16, server, client, 80, cport, sseq, cseq + 1, 0x12, 0);
    else if (step === 2) len = writeFrame(out, at + 16, client, server, cport, 80, cseq + 1, sseq + 1, 0x10, 0);
    else if (step === perConn - 2) len = writeFrame(out, at + 16, client, server, cport, 80, cseq + 1 + payloadSize * (half + 1), 0, 0x11, 0);
    else if (step === perConn - 1) len = writeFrame(out, at + 16, server, client, 80, cport, sseq + 1 + payloadSize * half, 0, 0x11, 0);
    else if ((step - 3) % 2 === 0) len = writeFrame(out, at + 16, client, server, cport, 80, cseq + 1 + payloadSize * half, sseq + 1 + payloadSize * half, 0x18, payloadSize);
    else len = writeFrame(out, at + 16, server, client, 80, cport, sseq + 1 + payloadSize * half, cseq + 1 + payloadSize * (half + 1), 0x18, payloadSize);
    if (state[slot] === perConn) {
      state[slot] = 0;
      conn[slot] = serial++;
    }
    const t = n / 100_000; // 100k packets per second of capture time
    h.setUint32(at, Math.floor(t), true);
    h.setUint32(at + 4, Math.round((t % 1) * 1e6), true);
    h.setUint32(at + 8, len, true);
    h.setUint32(at + 12, len, true);
    at += 16 + len;
  }
  return out.subarray(0, at);
}

const capture = buildCapture();
let touched = 0;
const consumer: FlowConsumer = {
  data(_d, b) {
    touched += b[0] + b.length;
  },
  gap() {},
  end() {},
};

function once(): { pps: number; flows: number } {
  let flows = 0;
  const tracker = createFlowTracker({ factory: () => consumer, onFlowEnd: () => flows++ });
  const t0 = performance.now();
  readCaptureBytes(capture, { packet: (p) => tracker.packet(p) });
  tracker.finish();
  const secs = (performance.now() - t0) / 1000;
  return { pps: packets / secs, flows };
}

once(); // warm-up
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage().heapUsed;
const runs = [once(), once(), once()];
const after = process.memoryUsage().heapUsed;
const best = Math.max(...runs.map((r) => r.pps));
console.log(`${packets} packets, ${concurrent} concurrent flows, ${runs[0].flows} flows per run`);
console.log(`best ${(best / 1e6).toFixed(2)} M packets/s; heap ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB (${touched})`);
