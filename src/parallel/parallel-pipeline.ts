/**
 * The analysis on several threads, with the same document as on one, byte for byte.
 *
 * The main thread reads the capture, keeps the whole capture's sweep clock (the flow tracker's: closed and
 * idle flows are ended when capture time has moved on by a second) and sends each packet to the shard worker
 * its addresses hash to (route.ts), with every sweep mark to every shard. Workers track, reassemble and decode
 * their flows (shard-worker.ts) and send back what their pipeline saw, in blocks keyed by their place in the
 * single-threaded order. Round by round the main thread merges the blocks of every shard with its own reader
 * events (names, warnings), gives flows their capture-wide numbers in order of creation, and replays it all
 * into the one analyzer, which therefore sees exactly the sequence a single-threaded run gives it.
 *
 * Known difference: the flow table's budget (maxFlows: DECODE_FLOW_BUDGET, decoded flows weighing more) is per
 * shard, so a capture that exceeds it evicts later than a single-threaded run would; and each shard looks for
 * copies of packets (duplicates.ts) in its own packets' windows, so copies that begin late may be found a little
 * sooner or later than one thread finds them.
 */

import { Worker } from 'node:worker_threads';
import type { CaptureSink, CapturedPacket, CaptureWarning } from '../capture/types.js';
import type { PipelineOptions, PipelineResult } from '../decode-pipeline.js';
import type { FlowStats } from '../decoders/net/index.js';
import type { Transport } from '../decoders/types.js';
import { createAnalyzer } from '../timeline/analyzer.js';
import { duplicatesWarning } from '../decoders/net/duplicates.js';
import type { SourceInfo } from '../timeline/model.js';
import { BatchWriter } from './batch.js';
import { PART_READER, type Block, type FromShard, type ShardEvent, type ToShard } from './protocol.js';
import { ShardRouter } from './route.js';

export interface ParallelPipeline {
  sink: CaptureSink;
  /** Resolves when the workers have caught up enough for reading to go on (memory stays bounded). */
  backpressure(): Promise<void> | undefined;
  finish(source: SourceInfo): Promise<PipelineResult>;
  /** Stops the workers (after finish, or on an error). */
  close(): Promise<void>;
}

/** Bytes of packets per round (all shards together). */
const ROUND_BYTES = 4 << 20;
/** Rounds sent but not yet merged before reading waits. */
const MAX_IN_FLIGHT = 3;
/** A batch buffer holds a whole round (one shard may get most of one) plus the largest frame. */
const SLOT_BYTES = ROUND_BYTES + (256 << 10);

const compare = (a: Block, b: Block): number => a.frame - b.frame || a.part - b.part || a.phase - b.phase || a.key - b.key;

export function createParallelPipeline(opts: PipelineOptions, shards: number): ParallelPipeline {
  const analyzer = createAnalyzer({ workstation: opts.workstation, agent: opts.agent, onUpdate: opts.onUpdate });
  const warnings: CaptureWarning[] = [];
  const workerOptions: PipelineOptions = { profiles: opts.profiles, ports: opts.ports, decode: opts.decode, only: opts.only };
  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  const writers: BatchWriter[] = [];
  /** Batch buffers the workers gave back, per shard. */
  const free: ArrayBuffer[][] = [];
  const router = new ShardRouter(shards);
  let failure: Error | undefined;
  const onFailure: Array<(e: Error) => void> = [];
  const fail = (e: Error): void => {
    if (!failure) failure = e;
    for (const f of onFailure.splice(0)) f(e);
  };

  // Replies per round, per shard; merged and replayed once every shard has answered.
  const pendingRounds = new Map<number, Array<Block[] | undefined>>();
  const readerBlocks = new Map<number, Block[]>();
  let nextToMerge = 0;
  let round = 0;
  let roundBytes = 0;
  const doneReplies: Array<(FromShard & { type: 'done' }) | undefined> = new Array(shards).fill(undefined);
  let doneCount = 0;
  const waiters: Array<() => void> = [];
  let finishWaiter: (() => void) | undefined;

  // Capture-wide flow numbers, per transport, in order of creation; per shard, its own number → that.
  const nextId: Record<Transport, number> = { tcp: 0, udp: 0 };
  const ids = Array.from({ length: shards }, () => ({ tcp: new Map<number, number>(), udp: new Map<number, number>() }));
  const onMessage = opts.onMessage;
  const onFlowEnd = opts.onFlowEnd;

  const replay = (shard: number, events: ShardEvent[]): void => {
    const map = ids[shard];
    for (const e of events) {
      switch (e[0]) {
        case 'c': {
          map[e[1]].set(e[2], nextId[e[1]]++);
          break;
        }
        case 's': {
          const info = e[1];
          info.id = map[info.transport].get(info.id)!;
          e[2].flowId = info.id;
          analyzer.flowStart(info, e[2]);
          break;
        }
        case 'm': {
          const m = e[1];
          m.flowId = map[m.transport].get(m.flowId)!;
          analyzer.message(m);
          onMessage?.(m);
          break;
        }
        case 'e': {
          const r = e[1];
          const m = map[r.transport];
          const local = r.id;
          r.id = m.get(local)!;
          if (e[2]) e[2].flowId = r.id;
          m.delete(local);
          analyzer.flowEnd(r, e[2]);
          onFlowEnd?.(r, e[2]);
          break;
        }
        case 'g':
          analyzer.gap(map.tcp.get(e[1])!, e[2], e[3], e[4], e[5]);
          break;
      }
    }
  };

  /** k-way merge of the shards' sorted block lists (and the reader's), replayed in order. */
  const mergeAndReplay = (lists: Block[][], readers: Block[] | undefined): void => {
    const all = readers ? [...lists, readers] : lists;
    const at = all.map(() => 0);
    for (;;) {
      let best = -1;
      for (let s = 0; s < all.length; s++) {
        if (at[s] >= all[s].length) continue;
        if (best < 0 || compare(all[s][at[s]], all[best][at[best]]) < 0) best = s;
      }
      if (best < 0) return;
      const block = all[best][at[best]++];
      if (best < lists.length) replay(best, block.events);
      else for (const f of block.events as unknown as Array<() => void>) f();
    }
  };

  const drainMerged = (): void => {
    for (;;) {
      const replies = pendingRounds.get(nextToMerge);
      if (!replies || replies.some((r) => r === undefined)) break;
      pendingRounds.delete(nextToMerge);
      try {
        mergeAndReplay(replies as Block[][], readerBlocks.get(nextToMerge));
      } catch (e) {
        fail(e as Error);
        return;
      }
      readerBlocks.delete(nextToMerge);
      nextToMerge++;
      for (const w of waiters.splice(0)) w();
    }
    if (finishWaiter && doneCount === shards && nextToMerge === round) finishWaiter();
  };

  for (let s = 0; s < shards; s++) {
    const w = new Worker(new URL('./shard-worker.js', import.meta.url), { workerData: workerOptions });
    w.on('message', (msg: FromShard) => {
      if (msg.type === 'blocks') {
        const replies = pendingRounds.get(msg.round) ?? new Array<Block[] | undefined>(shards).fill(undefined);
        replies[s] = msg.blocks;
        pendingRounds.set(msg.round, replies);
        if (msg.buffer.byteLength === SLOT_BYTES) free[s].push(msg.buffer);
      } else {
        doneReplies[s] = msg;
        doneCount++;
      }
      drainMerged();
    });
    w.on('error', (e) => fail(e));
    exits.push(
      new Promise<void>((resolve) =>
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`analysis worker ${s} stopped (exit code ${code})`));
          else if (doneReplies[s] === undefined) fail(new Error(`analysis worker ${s} ended before its answer`));
          resolve();
        }),
      ),
    );
    workers.push(w);
    free.push([]);
    writers.push(new BatchWriter(new ArrayBuffer(SLOT_BYTES)));
  }

  const flushRound = (): void => {
    for (let s = 0; s < shards; s++) {
      const w = writers[s];
      const msg: ToShard = { type: 'batch', round, buffer: w.buffer, length: w.size };
      workers[s].postMessage(msg, [msg.buffer]);
      w.reset(free[s].pop() ?? new ArrayBuffer(SLOT_BYTES));
    }
    round++;
    roundBytes = 0;
  };

  // The tracker's sweep clock, kept here for the whole capture (flows.ts: at most once per second of capture time).
  let now = -Infinity;
  let lastSweep = -Infinity;
  let nextFrame = 1;
  const readerEvent = (f: () => void): void => {
    let list = readerBlocks.get(round);
    if (!list) readerBlocks.set(round, (list = []));
    const last = list[list.length - 1];
    if (last && last.frame === nextFrame) (last.events as unknown as Array<() => void>).push(f);
    else list.push({ frame: nextFrame, part: PART_READER, phase: 0, key: 0, events: [f] as unknown as ShardEvent[] });
  };

  const sink: CaptureSink = {
    packet(p: CapturedPacket) {
      const time = p.time;
      if (time > now) {
        now = time;
        if (time - lastSweep >= 1) {
          lastSweep = time;
          for (const w of writers) w.sweep(p.frame, time);
        }
      }
      const w = writers[router.shardOf(p)];
      if (!w.fits(p.data.length) && w.size > 0) flushRound();
      w.packet(p);
      nextFrame = p.frame + 1;
      roundBytes += p.data.length + 33;
      if (roundBytes >= ROUND_BYTES) flushRound();
    },
    names(address, list) {
      readerEvent(() => analyzer.names(address, list));
    },
    warning(w) {
      warnings.push(w);
      readerEvent(() => {
        analyzer.warning(w);
        opts.onWarning?.(w);
      });
    },
  };

  const waitFor = (ready: () => boolean, register: (f: () => void) => void): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      if (ready()) return resolve();
      onFailure.push(reject);
      register(resolve);
    });

  return {
    sink,
    backpressure() {
      if (failure) return Promise.reject(failure);
      if (round - nextToMerge < MAX_IN_FLIGHT) return undefined;
      return waitFor(() => round - nextToMerge < MAX_IN_FLIGHT, (f) => waiters.push(f));
    },
    async finish(source) {
      analyzer.captureEndsAt(source.end);
      flushRound();
      for (const w of workers) w.postMessage({ type: 'finish' } satisfies ToShard);
      await waitFor(
        () => doneCount === shards && nextToMerge === round,
        (f) => (finishWaiter = f),
      );
      const byShard = doneReplies.map((d) => d!.blocks);
      const stats: FlowStats[] = doneReplies.map((d) => d!.flowStats);
      mergeAndReplay(byShard, readerBlocks.get(round));
      if (failure) throw failure;
      const flowStats = sumStats(stats);
      // Said at the end, as a single-threaded run says it (decode-pipeline.ts).
      const copies = duplicatesWarning(flowStats);
      if (copies) {
        warnings.push(copies);
        analyzer.warning(copies);
        opts.onWarning?.(copies);
      }
      opts.beforeDocument?.();
      return { flowStats, warnings, doc: analyzer.finish(source) };
    },
    async close() {
      // After finish the workers end by themselves; on an error they are stopped.
      if (failure || doneCount < shards) await Promise.all(workers.map((w) => w.terminate()));
      await Promise.all(exits);
    },
  };
}

/** Adds the shards' counters up (every field is a count, or a record of counts; the first copy is the earliest shard's). */
function sumStats(list: FlowStats[]): FlowStats {
  const add = (a: Record<string, unknown>, b: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(b)) {
      if (typeof v === 'number') a[k] = ((a[k] as number | undefined) ?? 0) + v;
      else if (v && typeof v === 'object') add((a[k] ??= {}) as Record<string, unknown>, v as Record<string, unknown>);
    }
  };
  const out = structuredClone(list[0]);
  for (const s of list.slice(1)) add(out as unknown as Record<string, unknown>, s as unknown as Record<string, unknown>);
  let first: FlowStats | undefined;
  for (const s of list) if (s.firstDuplicate > 0 && (!first || s.firstDuplicate < first.firstDuplicate)) first = s;
  out.firstDuplicate = first?.firstDuplicate ?? 0;
  out.firstDuplicateOf = first?.firstDuplicateOf ?? 0;
  return out;
}
