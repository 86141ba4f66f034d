/** Messages between the main thread and the shard workers of a parallel analysis. */

import type { PipelineOptions } from '../decode-pipeline.js';
import type { FlowStats } from '../decoders/net/index.js';
import type { FlowClassification } from '../decoders/profile.js';
import type { DecodedMessage, Direction, FlowInfo, FlowRecord, Transport } from '../decoders/types.js';

/** Where a block falls among the events of its frame: reader events, then a sweep's flow ends, then the packet's own. */
export const PART_READER = -1;
export const PART_SWEEP = 0;
export const PART_PACKET = 1;
/** Flow ends of finish(), after every packet. */
export const PART_FINISH = 2;

/**
 * What a shard's pipeline told its observer, with flow ids of the shard's own numbering ('c' says a flow was
 * created, so the main thread can give it its capture-wide number in creation order).
 */
export type ShardEvent =
  | ['c', Transport, number]
  | ['s', FlowInfo, FlowClassification]
  | ['m', DecodedMessage]
  | ['e', FlowRecord, FlowClassification | undefined]
  | ['g', number, Direction, number, number, number];

/**
 * Events that happened together, at one place in the single-threaded order: (frame, part, phase, key)
 * compared in that order. A sweep's flow ends are ordered as the single-threaded sweep ends them: closed
 * flows (phase 0) by the frame that closed them, then idle flows (phase 1) by their last frame; finish()'s
 * by first frame.
 */
export interface Block {
  frame: number;
  part: number;
  phase: number;
  key: number;
  /** How many of the round's heartbeat rows (heartbeat-rows.ts) come before this block, in the shard's order. */
  beatsBefore: number;
  events: ShardEvent[];
}

/** A shard's pipeline options, and whether its lone heartbeats go as rows (only when its messages are forgotten). */
export interface ShardOptions extends PipelineOptions {
  heartbeatRows: boolean;
}

export type ToShard = { type: 'batch'; round: number; buffer: ArrayBuffer; length: number } | { type: 'finish' };

/**
 * `buffer` is the batch's, handed back for the next rounds. `beats`: the heartbeats that had a packet's place
 * to themselves, as rows (heartbeat-rows.ts), each at its frame's place among the blocks.
 */
export type FromShard =
  | { type: 'blocks'; round: number; blocks: Block[]; beats: Float64Array; buffer: ArrayBuffer }
  | { type: 'done'; blocks: Block[]; beats: Float64Array; flowStats: FlowStats };
