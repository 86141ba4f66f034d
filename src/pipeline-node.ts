/**
 * Runs capture files (or standard input) through the pipeline in Node.
 *
 * Several files are analysed as one capture in time order, as `mergecap` would join them: files are ordered by
 * their first packet and read one after the other, and frame numbers continue from one file to the next (a
 * per-file offset is reported so a frame can be found in its own file). Captures of the same moment from two
 * taps should be merged with mergecap first; ctiscope says so when their time spans overlap.
 */

import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from './capture/types.js';
import { CaptureError } from './capture/types.js';
import { readCaptureFile, readCaptureStream, type CaptureErrorWithSummary } from './capture/source-node.js';
import { mergedCapturesNote } from './capture/merged-spans.js';
import { unreadableRest } from './capture/unreadable.js';
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
  /**
   * Threads for an analysis (analyze: true): 1 runs everything on this thread; N > 1 runs flow tracking,
   * reassembly and decoding in N − 1 worker threads (src/parallel), same document. Default: all cores on
   * files of PARALLEL_MIN_BYTES and more (never, today), one thread below.
   */
  threads?: number;
  /** Size from which the default goes parallel (tests lower it). */
  parallelMinBytes?: number;
}

/**
 * From this size on, an analysis would use every core by default. It is infinite: on the 2-core development
 * machine the parallel run never beat one thread at any size on either bench workload (the main thread's
 * reading, routing and merging leave the second core too little; on CTI-heavy captures every decoded message
 * is copied between threads), and `npm run bench:cores` shows that even an ideal two-shard decode, each worker
 * reading the file itself and nothing handed back, is slower there than one thread (one thread already keeps
 * V8's helper threads on the second core; a shard costs far more than half). Figures in the README's
 * Performance; `--threads N` asks for it.
 */
export const PARALLEL_MIN_BYTES = Infinity;

export interface FileRunResult extends PipelineResult {
  source: ReadSource;
  summaries: CaptureSummary[];
  /** Fatal errors met while reading (packets before them were analysed). */
  errors: CaptureError[];
  /** Frame numbers of file i start after frameOffsets[i]. */
  frameOffsets: number[];
  /** Threads the run used (1: this one only). */
  threads: number;
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

/** How many threads an analysis of these files uses. */
function threadsFor(paths: string[], opts: FileRunOptions): number {
  if (!opts.analyze || paths.includes('-')) return 1;
  if (opts.threads !== undefined) return Math.max(1, Math.floor(opts.threads));
  // Messages handed to onMessage (the UI's message store) are copies made in a worker: a decoder that marks a
  // request as answered after emitting it (GED-188 pairing) would not reach them. Only the document is the
  // same; so callers that keep messages stay on one thread unless they ask.
  if (opts.onMessage) return 1;
  let bytes = 0;
  // An unreadable file counts nothing here: the read reports it.
  for (const p of paths) bytes += fileSize(p) ?? 0;
  return bytes >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES) ? availableParallelism() : 1;
}

/** The pipeline a run reads into: one thread's, or the parallel one (whose finish is asynchronous). */
interface RunPipeline {
  sink: CaptureSink;
  backpressure?(): Promise<void> | undefined;
  finish(source: ReadSource): PipelineResult | Promise<PipelineResult>;
  close?(): Promise<void>;
}

export async function analyzeFiles(paths: string[], opts: FileRunOptions = {}): Promise<FileRunResult> {
  const threads = threadsFor(paths, opts);
  let pipeline: RunPipeline;
  if (threads > 1) pipeline = (await import('./parallel/parallel-pipeline.js')).createParallelPipeline(opts, threads - 1);
  // The timeline (analyzer and rules) is loaded only by the commands that build one.
  else pipeline = opts.analyze ? (await import('./pipeline.js')).createPipeline(opts) : createDecodePipeline(opts);
  try {
    return { ...(await runFiles(paths, opts, pipeline)), threads };
  } finally {
    await pipeline.close?.();
  }
}

async function runFiles(paths: string[], opts: FileRunOptions, pipeline: RunPipeline): Promise<Omit<FileRunResult, 'threads'>> {
  const order = paths.length > 1 ? await orderByStart(paths) : paths;
  const summaries: CaptureSummary[] = [];
  const errors: CaptureError[] = [];
  const extraWarnings: CaptureWarning[] = [];
  const frameOffsets: number[] = [];
  let frameBase = 0;
  let lastEnd = -Infinity;
  let lastEndFile = '';

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
        backpressure: pipeline.backpressure,
      });
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors.push(e);
      const w: CaptureWarning = { code: e.code, message: e.message, file: e.file, offset: e.offset, frame: e.frame };
      pipeline.sink.warning?.(w);
      extraWarnings.push(w);
      summary = (e as CaptureErrorWithSummary).summary;
      if (summary && summary.packets > 0) {
        const rest = unreadableRest(path, e, summary, fileSize(path));
        summary = rest.summary;
        pipeline.sink.warning?.(rest.warning);
        extraWarnings.push(rest.warning);
      }
    }
    if (summary) {
      summaries.push(summary);
      frameBase += summary.packets;
      if (summary.firstTime !== undefined && summary.firstTime < lastEnd) {
        const w: CaptureWarning = {
          code: 'overlapping-files',
          message: `${path} starts before ${lastEndFile} ends (the files are read in order of their first packet); merge overlapping captures with mergecap first for an exact time order`,
          file: path,
        };
        pipeline.sink.warning?.(w);
        extraWarnings.push(w);
      }
      if (summary.lastTime !== undefined && summary.lastTime > lastEnd) {
        lastEnd = summary.lastTime;
        lastEndFile = path;
      }
    }
  }
  const merged = mergedCapturesNote(order, summaries);
  if (merged) extraWarnings.unshift(merged);
  const source = sourceInfo(order, summaries, extraWarnings);
  let result: PipelineResult;
  opts.beforeFinish?.();
  try {
    result = await pipeline.finish(source);
  } catch (e) {
    throw asInternalError(opts.analyze ? 'analysing' : 'decoding', e);
  }
  // Warnings the decoding itself raised (a link type it cannot read), beside the readers': every command says them.
  const said = new Set(source.warnings.map((w) => `${w.code}|${w.message}`));
  for (const w of result.warnings) {
    // Only the decoding's own (the readers' are in their summaries already, bounded there).
    if (!DECODING_WARNINGS.has(w.code) || said.has(`${w.code}|${w.message}`)) continue;
    said.add(`${w.code}|${w.message}`);
    // Named by the file its frame is in (frame numbers run on across files).
    let i = frameOffsets.length - 1;
    while (i > 0 && w.frame !== undefined && frameOffsets[i] >= w.frame) i--;
    const file = order[i];
    const message = file !== undefined && file !== '-' ? `${file}: ${w.message}` : w.message;
    source.warnings.push(w.frame !== undefined ? { code: w.code, message, frame: w.frame } : { code: w.code, message });
  }
  return { ...result, source, summaries, errors, frameOffsets };
}

/** The file's size, or undefined for standard input or a file that cannot be looked at. */
function fileSize(path: string): number | undefined {
  if (path === '-') return undefined;
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Warning codes the decoding raises itself, not the capture readers. */
const DECODING_WARNINGS: ReadonlySet<string> = new Set(['unsupported-link-type', 'duplicate-frames']);

async function orderByStart(paths: string[]): Promise<string[]> {
  const starts = await Promise.all(paths.map(async (p) => ({ p, t: await firstPacketTime(p) })));
  return starts.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity)).map((s) => s.p);
}
