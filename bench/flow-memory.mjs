#!/usr/bin/env node
// Heap growth per open flow: the heap after a full collection with N flows open in the decode pipeline, and with
// 2N (no flow ends before the count is taken); the difference over N. Run with `node --expose-gc bench/flow-memory.mjs [--flows N] [--kind K]`,
// kinds: unclaimed (an empty UDP datagram to a port no decoder claims), udp-unclaimed / tcp-unclaimed (a segment of
// bytes no content probe claims, to such a port), tcp-syn (a scan's SYN), udp-classify (empty UDP through the
// classify-only pipeline of `ctiscope flows`), ged188 (one OPEN_REQ each to the CTI port, decoded: a claimed flow),
// ged188-analyze (the same through `analyze`'s pipeline: decoder and analyzer state, each client a workstation),
// reset-analyze (through `analyze`: a client sends bytes no decoder reads to a port no profile names, then resets;
// capture time moves past the close linger, so every such flow has ended: what is measured is what the analyzer
// keeps of a host it learnt nothing about, once its flows are gone).
// Prints one JSON line: { kind, flows, bytesPerFlow }. Needs a build (dist/).
import { createDecodePipeline } from '../dist/decode-pipeline.js';
import { createPipeline } from '../dist/pipeline.js';
import { opt } from './cli-args.mjs';

const flows = Number(opt('flows', 10000));
const kind = opt('kind', 'unclaimed');
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

/** A raw IPv4 packet (LINKTYPE_RAW) from 10.x.y.z:40000 to 10.0.0.1:port. */
function ipv4(proto, client, port, payload, flags = 0x18, seq = 1) {
  const l4 = proto === 17 ? 8 : 20;
  const b = new Uint8Array(20 + l4 + payload.length);
  const v = new DataView(b.buffer);
  b[0] = 0x45;
  v.setUint16(2, b.length);
  b[8] = 64;
  b[9] = proto;
  v.setUint32(12, 0x0a000000 + 2 + client);
  v.setUint32(16, 0x0a000001);
  v.setUint16(20, 40000);
  v.setUint16(22, port);
  if (proto === 17) v.setUint16(24, 8 + payload.length);
  else {
    v.setUint32(24, seq);
    b[32] = 0x50;
    b[33] = flags;
    v.setUint16(34, 65535);
  }
  b.set(payload, 20 + l4);
  return b;
}

/** A GED-188 OPEN_REQ (type 3), version 13, no floating part: enough for the decoder to claim the flow. */
function openReq(invokeId) {
  const body = new Uint8Array(48);
  const v = new DataView(body.buffer);
  v.setUint32(0, invokeId);
  v.setUint32(4, 13);
  const b = new Uint8Array(8 + body.length);
  const h = new DataView(b.buffer);
  h.setUint32(0, body.length);
  h.setUint32(4, 3);
  b.set(body, 8);
  return b;
}

/** Payload no content probe claims. */
const NOT_A_PROTOCOL = new TextEncoder().encode('\u0000\u0000\u0000\u0000hello, this is no protocol ctiscope knows\r\n');

function pipelineFor(kind) {
  let messages = 0;
  const analyze = kind === 'ged188-analyze' || kind === 'reset-analyze';
  const pipeline = (analyze ? createPipeline : createDecodePipeline)({
    analyze,
    classifyOnly: kind === 'udp-classify',
    onMessage: () => messages++,
    // Every flow stays open: what is measured is the cost of one more open flow, not the flow table's budget.
    maxFlows: 10_000_000,
  });
  const packet = { frame: 0, time: 1e9, linkType: 101, interfaceId: 0, caplen: 0, origLen: 0, data: new Uint8Array(0) };
  let next = 0;
  const feed = (data) => {
    packet.frame++;
    packet.time += 1e-6;
    packet.data = data;
    packet.caplen = packet.origLen = data.length;
    pipeline.sink.packet(packet);
  };
  /** Opens n more flows. */
  const open = (n) => {
    for (const end = next + n; next < end; next++) {
      const i = next;
      if (kind === 'ged188' || kind === 'ged188-analyze') feed(ipv4(6, i, 42027, openReq(i + 1)));
      else if (kind === 'tcp-syn') feed(ipv4(6, i, 33333, new Uint8Array(0), 0x02));
      else if (kind === 'tcp-unclaimed') feed(ipv4(6, i, 33333, NOT_A_PROTOCOL));
      else if (kind === 'reset-analyze') {
        feed(ipv4(6, i, 33333, NOT_A_PROTOCOL));
        feed(ipv4(6, i, 33333, new Uint8Array(0), 0x14, 1 + NOT_A_PROTOCOL.length));
      }
      else if (kind === 'udp-unclaimed') feed(ipv4(17, i, 33333, NOT_A_PROTOCOL));
      else feed(ipv4(17, i, 33333, new Uint8Array(0)));
    }
    if (kind === 'reset-analyze') {
      // Past the close linger: the next packet's sweep ends every reset flow (the flow it opens is one more).
      packet.time += 10;
      feed(ipv4(17, 1 << 20, 33333, new Uint8Array(0)));
    }
  };
  return { pipeline, open, messages: () => messages };
}

function heapAfterGc() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

// Warm up (code compiled, feedback gathered), then on a fresh pipeline: the heap with `flows` flows open and with
// twice as many. The difference over `flows` is what each further open flow costs; fixed costs cancel out.
pipelineFor(kind).open(2000);
const run = pipelineFor(kind);
run.open(flows);
const h1 = heapAfterGc();
run.open(flows);
const h2 = heapAfterGc();
if (kind.startsWith('ged188') && run.messages() !== 2 * flows) throw new Error(`expected ${2 * flows} decoded OPEN_REQs, got ${run.messages()}`);
console.log(JSON.stringify({ kind, flows, bytesPerFlow: Math.round((h2 - h1) / flows), messages: run.messages() / 2 }));
run.pipeline.finish({ files: [], packets: 0 });
