/**
 * One shard of a parallel analysis, in a worker thread: flow tracking, reassembly and decoding of the flows
 * whose addresses hash to it (route.ts). It runs the same decode pipeline as a single-threaded run and
 * records what that pipeline tells its observer as events, grouped in blocks keyed by their place in the
 * single-threaded order (protocol.ts, Block): the packet being processed, or a sweep's or finish()'s flow end. A
 * heartbeat alone in its packet's place goes as a row instead (heartbeat-rows.ts). The main thread merges every
 * shard's blocks and rows and replays them into the one timeline.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { createDecodePipeline, type PipelineObserver } from '../decode-pipeline.js';
import type { FlowTracker } from '../decoders/net/index.js';
import type { FlowInfo } from '../decoders/types.js';
import { readBatch } from './batch.js';
import { HeartbeatRowWriter, isPlainHeartbeat } from './heartbeat-rows.js';
import { PART_FINISH, PART_PACKET, PART_SWEEP, type Block, type ShardEvent, type ShardOptions, type ToShard, type FromShard } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('shard-worker.ts runs in a worker thread');
const options = workerData as ShardOptions;

let blocks: Block[] = [];
let current: ShardEvent[] | null = null;
/** The packet being processed: its block is opened by its first event (most packets have none). */
let packetFrame = -1;
const beats = new HeartbeatRowWriter();
/** TCP flows (the shard's ids) whose endpoints the main thread has from a GED-188 message: their heartbeats go as rows. */
const endpointsSent = new Set<number>();
const open = (frame: number, part: number, phase: number, key: number): void => {
  current = [];
  blocks.push({ frame, part, phase, key, beatsBefore: beats.count, events: current });
};
const record = (e: ShardEvent): void => {
  if (!current) {
    if (packetFrame < 0) throw new Error('shard event outside a block');
    open(packetFrame, PART_PACKET, 0, 0);
  }
  current!.push(e);
};

const observer: PipelineObserver = {
  message(m) {
    // A heartbeat alone in its packet's place; one among other events of its packet goes with them, as a message.
    if (options.heartbeatRows && current === null && packetFrame >= 0 && endpointsSent.has(m.flowId) && isPlainHeartbeat(m)) {
      beats.write(m);
      return;
    }
    if (m.protocol === 'ged188') endpointsSent.add(m.flowId);
    record(['m', m]);
  },
  flowStart: (info, cls) => record(['s', info, cls]),
  flowEnd(r, cls) {
    if (r.transport === 'tcp') endpointsSent.delete(r.id);
    record(['e', r, cls]);
  },
  gap: (flowId, dir, length, frame, time) => record(['g', flowId, dir, length, frame, time]),
  names() {},
  warning() {},
};

let tracker: FlowTracker | undefined;
let sweepFrame = 0;
const pipeline = createDecodePipeline({ ...options, analyze: false, classifyOnly: false }, observer, {
  tracker: {
    externalSweep: true,
    onFlowEnding(_info: FlowInfo, phase: 0 | 1 | 2, key: number) {
      if (phase === 2) open(Number.MAX_SAFE_INTEGER, PART_FINISH, 2, key);
      else open(sweepFrame, PART_SWEEP, phase, key);
    },
  },
  wrapFactory: (factory) => (info) => {
    record(['c', info.transport, info.id]);
    return factory(info);
  },
  onTracker: (t) => (tracker = t),
});
const sink = pipeline.sink;

const handler = {
  packet(p: Parameters<typeof sink.packet>[0]) {
    current = null;
    packetFrame = p.frame;
    sink.packet(p);
    packetFrame = -1;
    current = null;
  },
  sweep(frame: number, time: number) {
    current = null;
    sweepFrame = frame;
    tracker!.sweepAt(time);
    current = null;
  },
};

port.on('message', (msg: ToShard) => {
  if (msg.type === 'batch') {
    readBatch(msg.buffer, msg.length, handler);
    const rows = beats.take();
    const reply: FromShard = { type: 'blocks', round: msg.round, blocks, beats: rows, buffer: msg.buffer };
    blocks = [];
    port.postMessage(reply, [msg.buffer, rows.buffer]);
  } else {
    const result = pipeline.finish({ files: [], packets: 0 } as never);
    current = null;
    const reply: FromShard = { type: 'done', blocks, beats: beats.take(), flowStats: result.flowStats };
    blocks = [];
    port.postMessage(reply);
    // Nothing more to do: let the thread end on its own (its exit handlers run, unlike after terminate()).
    port.close();
  }
});
