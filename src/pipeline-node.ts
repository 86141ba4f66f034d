/**
 * Runs capture files (or standard input) through the pipeline in Node.
 *
 * Several files are analysed as one capture in time order, as `mergecap` would join them: files are ordered by
 * their first packet and read one after the other, and frame numbers continue from one file to the next (a
 * per-file offset is reported so a frame can be found in its own file). Captures of the same moment from two
 * taps should be merged with mergecap first; ctiscope says so when their time spans overlap.
 */

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from './capture/types.js';
import { CaptureError } from './capture/types.js';
import { readCaptureFile } from './capture/source-node.js';
import { createCaptureReader } from './capture/reader.js';
import { createPipeline, sourceInfo, type PipelineOptions, type PipelineResult, type ReadSource } from './pipeline.js';

export interface FileRunOptions extends PipelineOptions {
  onProgress?(bytesRead: number, totalBytes: number | undefined, file: string): void;
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
  return new Promise((resolve) => {
    let time: number | undefined;
    let gz: boolean | undefined;
    const reader = createCaptureReader({ packet: (p) => { if (time === undefined) time = p.time; } }, { file: path });
    const input = createReadStream(path, { highWaterMark: 64 * 1024 });
    const gunzip = createGunzip();
    const stop = (): void => {
      input.destroy();
      gunzip.destroy();
      resolve(time);
    };
    const feed = (chunk: Buffer): void => {
      try {
        reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch {
        return stop();
      }
      if (time !== undefined) stop();
    };
    gunzip.on('data', feed).on('error', stop).on('end', stop);
    input
      .on('data', (c) => {
        const chunk = c as Buffer;
        if (gz === undefined) gz = chunk[0] === 0x1f && chunk[1] === 0x8b;
        if (gz) gunzip.write(chunk);
        else feed(chunk);
      })
      .on('error', stop)
      .on('end', () => (gz ? gunzip.end() : stop()));
  });
}

export async function analyzeFiles(paths: string[], opts: FileRunOptions = {}): Promise<FileRunResult> {
  const pipeline = createPipeline(opts);
  const order = paths.length > 1 ? await orderByStart(paths) : paths;
  const summaries: CaptureSummary[] = [];
  const errors: CaptureError[] = [];
  const extraWarnings: CaptureWarning[] = [];
  const frameOffsets: number[] = [];
  let frameBase = 0;
  let lastEnd = -Infinity;

  for (const path of order) {
    frameOffsets.push(frameBase);
    const base = frameBase;
    // Renumber frames so they run on across files; the packet object is the reader's and reused per packet.
    const sink: CaptureSink = base === 0 ? pipeline.sink : {
      packet(p: CapturedPacket) {
        p.frame += base;
        pipeline.sink.packet(p);
        p.frame -= base;
      },
      names: pipeline.sink.names,
      warning: pipeline.sink.warning,
    };
    let summary: CaptureSummary | undefined;
    try {
      summary = await readCaptureFile(path, sink, { onProgress: (done, total) => opts.onProgress?.(done, total, path) });
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors.push(e);
      const w: CaptureWarning = { code: e.code, message: e.message, file: e.file, offset: e.offset, frame: e.frame };
      pipeline.sink.warning?.(w);
      extraWarnings.push(w);
      summary = (e as CaptureError & { summary?: CaptureSummary }).summary;
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
  const source = sourceInfo(order, summaries, extraWarnings);
  const result = pipeline.finish(source);
  return { ...result, source, summaries, errors, frameOffsets };
}

async function orderByStart(paths: string[]): Promise<string[]> {
  const starts = await Promise.all(paths.map(async (p) => ({ p, t: await firstPacketTime(p) })));
  return starts.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity)).map((s) => s.p);
}
