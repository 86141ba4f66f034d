/**
 * Runs capture files (or standard input) through the pipeline in Node.
 *
 * Several files are analysed as one capture in time order, as `mergecap` would join them: files are ordered by
 * their first packet and read one after the other, and frame numbers continue from one file to the next (a
 * per-file offset is reported so a frame can be found in its own file). Captures of the same moment from two
 * taps should be merged with mergecap first; ctiscope says so when their time spans overlap.
 */

import { createReadStream } from 'node:fs';
import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from './capture/types.js';
import { CaptureError } from './capture/types.js';
import { readCaptureFile, readCaptureStream, type CaptureErrorWithSummary } from './capture/source-node.js';
import { mergedCapturesNote } from './capture/merged-spans.js';
import { createDecodePipeline, sourceInfo, type PipelineOptions, type PipelineResult, type ReadSource } from './decode-pipeline.js';
import { asInternalError } from './internal-error.js';

export interface FileRunOptions extends PipelineOptions {
  onProgress?(bytesRead: number, totalBytes: number | undefined, file: string): void;
  /** After each chunk of input; reading waits for the promise it returns (output backpressure). */
  afterChunk?(): Promise<void> | undefined;
  /** The time of the first packet read, once (a trace printed as it goes counts time from there). */
  onFirstPacket?(time: number): void;
  /** Everything is read; the flows still open are about to be ended (their records follow at once). */
  beforeFinish?(): void;
}

export interface FileRunResult extends PipelineResult {
  source: ReadSource;
  summaries: CaptureSummary[];
  /** Fatal errors met while reading (packets before them were analysed). */
  errors: CaptureError[];
  /** Frame numbers of file i start after frameOffsets[i]. */
  frameOffsets: number[];
}

/** Reads the first packet's time of a capture file without reading the rest (to order several files). */
async function firstPacketTime(path: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  let time: number | undefined;
  const seen = new Error('first packet seen');
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    const sink: CaptureSink = {
      packet(p) {
        time = p.time;
        throw seen;
      },
    };
    await readCaptureStream(stream, sink, { file: path });
  } catch {
    // Stopped at the first packet, or the file is unreadable: the full read that follows reports that.
  } finally {
    stream.destroy();
  }
  return time;
}

export async function analyzeFiles(paths: string[], opts: FileRunOptions = {}): Promise<FileRunResult> {
  // The timeline (analyzer and rules) is loaded only by the commands that build one.
  const pipeline = opts.analyze ? (await import('./pipeline.js')).createPipeline(opts) : createDecodePipeline(opts);
  const order = paths.length > 1 ? await orderByStart(paths) : paths;
  const summaries: CaptureSummary[] = [];
  const errors: CaptureError[] = [];
  const extraWarnings: CaptureWarning[] = [];
  const frameOffsets: number[] = [];
  let frameBase = 0;
  let lastEnd = -Infinity;

  let pipelineSink = pipeline.sink;
  const onFirstPacket = opts.onFirstPacket;
  if (onFirstPacket) {
    // Only until the first packet: then the pipeline's own sink is used again.
    let seen = false;
    const inner = pipelineSink;
    pipelineSink = {
      packet(p: CapturedPacket) {
        if (!seen) {
          seen = true;
          onFirstPacket(p.time);
        }
        inner.packet(p);
      },
      names: inner.names,
      warning: inner.warning,
    };
  }

  for (const path of order) {
    frameOffsets.push(frameBase);
    const base = frameBase;
    const psink = pipelineSink;
    // Renumber frames so they run on across files; the packet object is the reader's and reused per packet.
    const sink: CaptureSink = base === 0 ? psink : {
      packet(p: CapturedPacket) {
        p.frame += base;
        psink.packet(p);
        p.frame -= base;
      },
      names: psink.names,
      warning: psink.warning,
    };
    let summary: CaptureSummary | undefined;
    try {
      summary = await readCaptureFile(path, sink, {
        onProgress: (done, total) => opts.onProgress?.(done, total, path),
        afterChunk: opts.afterChunk,
      });
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors.push(e);
      const w: CaptureWarning = { code: e.code, message: e.message, file: e.file, offset: e.offset, frame: e.frame };
      pipeline.sink.warning?.(w);
      extraWarnings.push(w);
      summary = (e as CaptureErrorWithSummary).summary;
    }
    if (summary) {
      summaries.push(summary);
      frameBase += summary.packets;
      if (summary.firstTime !== undefined && summary.firstTime < lastEnd) {
        const w: CaptureWarning = {
          code: 'overlapping-files',
          message: `${path} starts before the previous file ends; merge overlapping captures with mergecap first for an exact time order`,
          file: path,
        };
        pipeline.sink.warning?.(w);
        extraWarnings.push(w);
      }
      if (summary.lastTime !== undefined) lastEnd = Math.max(lastEnd, summary.lastTime);
    }
  }
  const merged = mergedCapturesNote(order, summaries);
  if (merged) extraWarnings.unshift(merged);
  const source = sourceInfo(order, summaries, extraWarnings);
  let result: PipelineResult;
  opts.beforeFinish?.();
  try {
    result = pipeline.finish(source);
  } catch (e) {
    throw asInternalError(opts.analyze ? 'analysing' : 'decoding', e);
  }
  return { ...result, source, summaries, errors, frameOffsets };
}

async function orderByStart(paths: string[]): Promise<string[]> {
  const starts = await Promise.all(paths.map(async (p) => ({ p, t: await firstPacketTime(p) })));
  return starts.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity)).map((s) => s.p);
}
