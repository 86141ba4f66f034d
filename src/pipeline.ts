/**
 * The whole analysis, wired once: packets → flows → decoders (decode-pipeline.ts) → timeline.
 *
 * Pure (no I/O), so the CLI, the live mode and the browser worker share it: whoever reads the bytes hands
 * the returned `sink` to a capture reader (or a live source) and calls `finish` at the end. Live mode calls
 * `snapshot` as often as it likes; the document it returns is built by the same engine as `finish`.
 */

import { createAnalyzer } from './timeline/analyzer.js';
import { createDecodePipeline, type Pipeline, type PipelineOptions } from './decode-pipeline.js';

export {
  createDecodePipeline,
  sourceInfo,
  type Pipeline,
  type PipelineObserver,
  type PipelineOptions,
  type PipelineResult,
  type ReadSource,
} from './decode-pipeline.js';

/**
 * The decode options of an analysis: nobody keeps the messages when only the analyzer sees them, so the decoders
 * need not hold any for completing them later (a request for its reply's frame, a last message for leftover
 * anomalies), a few KB per open flow. The parallel analysis gives its shards the same.
 */
export function analysisDecodeOptions(opts: PipelineOptions): PipelineOptions['decode'] {
  return opts.onMessage || opts.decode?.forgetEmitted !== undefined ? opts.decode : { ...opts.decode, forgetEmitted: true };
}

/** The pipeline, with the timeline when `analyze` is on (else the same as createDecodePipeline). */
export function createPipeline(opts: PipelineOptions = {}): Pipeline {
  if (!opts.analyze) return createDecodePipeline(opts);
  const analyzer = createAnalyzer({ workstation: opts.workstation, agent: opts.agent, onUpdate: opts.onUpdate });
  // The analyzer is the observer: it sees every message, flow, gap, name and warning.
  const decode = analysisDecodeOptions(opts);
  const pipeline = createDecodePipeline({ ...opts, decode }, analyzer);
  return {
    sink: pipeline.sink,
    portMap: pipeline.portMap,
    snapshot(source) {
      return analyzer.snapshot(source);
    },
    finish(source) {
      analyzer.captureEndsAt(source.end);
      const result = pipeline.finish(source);
      opts.beforeDocument?.();
      return { ...result, doc: analyzer.finish(source) };
    },
  };
}
