/**
 * The analysis on several threads, with the same document as on one, byte for byte.
 *
 * The main thread reads the capture, keeps the whole capture's sweep clock (the flow tracker's: closed and
 * idle flows are ended when capture time has moved on by a second) and sends each packet to the shard worker
 * its addresses hash to (route.ts), with every sweep mark to every shard. Workers track, reassemble and decode
 * their flows (shard-worker.ts) and send back what their pipeline saw, in blocks keyed by their place in the
 * single-threaded order. Round by round the main thread merges the blocks of every shard with its own reader
 * events (names, warnings), gives flows their capture-wide numbers in order of creation, and replays it all
 * into the one analyzer, which therefore sees exactly the sequence a single-threaded run gives it. A shard's lone
 * heartbeats come as rows of numbers among its blocks (heartbeat-rows.ts), offered to the analyzer as events, as a
 * single-threaded decoder offers them, and made into their messages only when it refuses them.
 *
 * Known difference: the flow table's budget (maxFlows: DECODE_FLOW_BUDGET, decoded flows weighing more) is per
 * shard, so a capture that exceeds it evicts later than a single-threaded run would; and each shard looks for
 * copies of packets (duplicates.ts) in its own packets' windows, so copies that begin late may be found a little
 * sooner or later than one thread finds them.
 */

import { Worker } from 'node:worker_threads';
import type { CaptureSink, CapturedPacket, CaptureWarning } from '../capture/types.js';
import { offersHeartbeats, type PipelineOptions, type PipelineResult } from '../decode-pipeline.js';
import { analysisDecodeOptions } from '../pipeline.js';
import type { FlowStats } from '../decoders/net/index.js';
import type { Transport } from '../decoders/types.js';
import { createAnalyzer } from '../timeline/analyzer.js';
import { duplicatesWarning } from '../decoders/net/duplicates.js';
import type { SourceInfo } from '../timeline/model.js';
import { BatchWriter } from './batch.js';
import { HeartbeatRowReader } from './heartbeat-rows.js';
import { PART_PACKET, PART_READER, type Block, type FromShard, type ShardEvent, type ShardOptions, type ToShard } from './protocol.js';
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

const compareKeys = (frame: number, part: number, phase: number, key: number, frame2: number, part2: number, phase2: number, key2: number): number =>
  frame - frame2 || part - part2 || phase - phase2 || key - key2;

/** What a shard answered for one round. */
interface ShardRound {
  blocks: Block[];
  beats: Float64Array;
}

export function createParallelPipeline(opts: PipelineOptions, shards: number): ParallelPipeline {
  const analyzer = createAnalyzer({ workstation: opts.workstation, agent: opts.agent, onUpdate: opts.onUpdate });
  const warnings: CaptureWarning[] = [];
  // The shards decode as a single-threaded analysis does; their lone heartbeats come as rows only when that run's
  // decoders would offer them to the analyzer as events (else each comes as a message, as there).
  const decode = analysisDecodeOptions(opts) ?? {};
  const offerBeats = offersHeartbeats(decode, opts.onMessage);
  const workerOptions: ShardOptions = { profiles: opts.profiles, ports: opts.ports, decode, only: opts.only, heartbeatRows: offerBeats };
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
  const pendingRounds = new Map<number, Array<ShardRound | undefined>>();
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
  // Per shard, a GED-188 flow's endpoints (its id the shard's), from its first message: what its heartbeat rows lack.
  const endpoints = Array.from({ length: shards }, () => new Map<number, { client: string; server: string }>());
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
          if (m.protocol === 'ged188' && !endpoints[shard].has(m.flowId)) endpoints[shard].set(m.flowId, { client: m.client, server: m.server });
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
          if (r.transport === 'tcp') endpoints[shard].delete(local);
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

  /** A heartbeat row, as the single-threaded decoder would have offered it: an event, or a message when refused. */
  const replayBeat = (shard: number, rows: HeartbeatRowReader): void => {
    const local = rows.flowId;
    const id = ids[shard].tcp.get(local)!;
    if (offerBeats && analyzer.heartbeat(rows.toEvent(id))) return;
    const ends = endpoints[shard].get(local)!;
    const m = rows.toMessage(id, ends.client, ends.server);
    analyzer.message(m);
    onMessage?.(m);
  };

  /**
   * k-way merge of the shards' rounds (their sorted blocks, with their heartbeat rows among them) and the reader's
   * blocks, replayed in order. A row is at its packet's place: (frame, PART_PACKET, 0, 0), before any block of that
   * packet (beatsBefore counts the rows before each block). Each list's next key is kept, and read again only
   * when that list moves on.
   */
  const mergeAndReplay = (rounds: ShardRound[], readers: Block[] | undefined): void => {
    const n = rounds.length;
    const lists: Block[][] = [];
    for (const r of rounds) lists.push(r.blocks);
    if (readers) lists.push(readers);
    const k = lists.length;
    const at = new Array<number>(k).fill(0);
    const rows = rounds.map((r) => new HeartbeatRowReader(r.beats));
    const taken = new Array<number>(n).fill(0);
    // The next item of each list: a row (isRow) or its next block; frame Infinity when the list is done.
    const isRow = new Array<boolean>(k).fill(false);
    const frame = new Array<number>(k).fill(Infinity);
    const part = new Array<number>(k).fill(0);
    const phase = new Array<number>(k).fill(0);
    const key = new Array<number>(k).fill(0);
    const head = (s: number): void => {
      const list = lists[s];
      const i = at[s];
      if (s < n && !rows[s].done && (i >= list.length || taken[s] < list[i].beatsBefore)) {
        isRow[s] = true;
        frame[s] = rows[s].frame;
        part[s] = PART_PACKET;
        phase[s] = 0;
        key[s] = 0;
      } else if (i < list.length) {
        const b = list[i];
        isRow[s] = false;
        frame[s] = b.frame;
        part[s] = b.part;
        phase[s] = b.phase;
        key[s] = b.key;
      } else frame[s] = Infinity;
    };
    for (let s = 0; s < k; s++) head(s);
    for (;;) {
      let best = -1;
      for (let s = 0; s < k; s++) {
        if (frame[s] === Infinity) continue;
        if (best < 0 || compareKeys(frame[s], part[s], phase[s], key[s], frame[best], part[best], phase[best], key[best]) < 0) best = s;
      }
      if (best < 0) return;
      if (isRow[best]) {
        replayBeat(best, rows[best]);
        rows[best].next();
        taken[best]++;
      } else {
        const block = lists[best][at[best]++];
        if (best < n) replay(best, block.events);
        else for (const f of block.events as unknown as Array<() => void>) f();
      }
      head(best);
    }
  };

  const drainMerged = (): void => {
    for (;;) {
      const replies = pendingRounds.get(nextToMerge);
      if (!replies || replies.some((r) => r === undefined)) break;
      pendingRounds.delete(nextToMerge);
      try {
        mergeAndReplay(replies as ShardRound[], readerBlocks.get(nextToMerge));
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
        const replies = pendingRounds.get(msg.round) ?? new Array<ShardRound | undefined>(shards).fill(undefined);
        replies[s] = { blocks: msg.blocks, beats: msg.beats };
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
    else list.push({ frame: nextFrame, part: PART_READER, phase: 0, key: 0, beatsBefore: 0, events: [f] as unknown as ShardEvent[] });
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
      const byShard = doneReplies.map((d) => ({ blocks: d!.blocks, beats: d!.beats }));
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
