/**
 * Runs one capture, held in memory, through everything a user's `analyze`, `decode --json` and `flows --json`
 * would run (reader, flows, every decoder, the timeline, the JSON writer), in process. Bad input may be
 * refused (a CaptureError, as the CLI's exit 3) or read in part; anything else thrown is a failure of
 * ctiscope, returned as such for the fuzzer to save.
 */

import { createCaptureReader } from '../capture/reader.js';
import { CaptureError, type CaptureSummary } from '../capture/types.js';
import { createPipeline, sourceInfo } from '../pipeline.js';
import { createDecodePipeline } from '../decode-pipeline.js';
import { JsonWriter } from '../cli/json-writer.js';

export interface RunOutcome {
  /** 'failed': ctiscope threw something other than a CaptureError, or wrote JSON that does not parse. */
  result: 'read' | 'refused' | 'failed';
  packets: number;
  messages: number;
  flows: number;
  /** The error, for 'failed' (and the CaptureError for 'refused'). */
  error?: unknown;
}

/** A stream that only counts what it is given and checks that it parses at the end. */
class TextSink {
  parts: string[] = [];
  length = 0;
  write(chunk: string): boolean {
    this.parts.push(chunk);
    this.length += chunk.length;
    return true;
  }
  once(): this {
    return this;
  }
}

export function runOne(bytes: Uint8Array, name = 'fuzz-input'): RunOutcome {
  let messages = 0;
  let flows = 0;
  try {
    // Decode with raw bytes kept (decode --hex) and the analysis on top, as `ctiscope analyze` and `ui` run it.
    const messagesOut = new JsonWriter(new TextSink(), 0);
    const pipeline = createPipeline({
      analyze: true,
      decode: { keepRaw: true },
      onMessage: (m) => {
        messages++;
        messagesOut.value({ ...m, raw: undefined });
      },
      onFlowEnd: () => flows++,
    });
    const summary = read(bytes, name, pipeline.sink);
    if (summary instanceof CaptureError) return { result: 'refused', packets: 0, messages, flows, error: summary };
    const result = pipeline.finish(sourceInfo([name], [summary]));
    const docText = new TextSink();
    const w = new JsonWriter(docText, 1);
    w.value(result.doc);
    w.flush();
    JSON.parse(docText.parts.join(''));
    // And the connection table's pipeline (classification only).
    const flowsOnly = createDecodePipeline({ classifyOnly: true });
    const again = read(bytes, name, flowsOnly.sink);
    if (!(again instanceof CaptureError)) flowsOnly.finish(sourceInfo([name], [again]));
    return { result: 'read', packets: summary.packets, messages, flows };
  } catch (e) {
    return { result: 'failed', packets: 0, messages, flows, error: e };
  }
}

/** The summary, or the CaptureError that stopped the reader before any packet (packets before one are kept). */
function read(bytes: Uint8Array, name: string, sink: Parameters<typeof createCaptureReader>[0]): CaptureSummary | CaptureError {
  const reader = createCaptureReader(sink, { file: name });
  try {
    // In two pieces, as a file arrives in chunks.
    const cut = bytes.length >> 1;
    reader.push(bytes.subarray(0, cut));
    reader.push(bytes.subarray(cut));
    return reader.end();
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    // Packets before the error were analysed, and the CLI goes on to report them; with none, it is refused.
    try {
      const summary = reader.end();
      return summary.packets > 0 ? summary : e;
    } catch {
      return e;
    }
  }
}
