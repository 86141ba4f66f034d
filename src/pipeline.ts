/**
 * The whole analysis, wired once: packets → flows → decoders → timeline.
 *
 * Pure (no I/O), so the CLI, the live mode and the browser worker share it: whoever reads the bytes hands
 * the returned `sink` to a capture reader (or a live source) and calls `finish` at the end. Live mode calls
 * `snapshot` as often as it likes; the document it returns is built by the same engine as `finish`.
 */

import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from './capture/types.js';
import type { DecodeOptions, DecodedMessage, FlowRecord, ProtocolName } from './decoders/types.js';
import { createDispatcher } from './decoders/dispatch.js';
import { DEFAULT_PROFILES, PortMap, type FlowClassification, type PortProfile, type ServiceDef } from './decoders/profile.js';
import { DEFAULT_REGISTRY } from './decoders/registry.js';
import { createFlowTracker, type FlowStats } from './decoders/net/index.js';
import { createAnalyzer, type Analyzer } from './timeline/analyzer.js';
import type { AnalysisDocument, AnalyzerUpdate, SourceInfo, SourceWarning } from './timeline/model.js';

export interface PipelineOptions {
  /** Port profiles (default: CAD/UCCX, CTI OS/UCCE, Finesse, common). */
  profiles?: PortProfile[];
  /** User overrides (`--port`), which win over the profiles. */
  ports?: ServiceDef[];
  decode?: DecodeOptions;
  /** Build the timeline (analyze, ui); flows/decode leave it off. */
  analyze?: boolean;
  /** Only this workstation's timeline (analyze --workstation). */
  workstation?: string;
  /** Decode only these protocols. */
  only?: ReadonlySet<ProtocolName>;
  /** Decode no protocol, only classify flows (the `flows` command). Ignored when analyze is on. */
  classifyOnly?: boolean;
  onMessage?(m: DecodedMessage): void;
  onFlowEnd?(r: FlowRecord, cls: FlowClassification | undefined): void;
  onWarning?(w: CaptureWarning): void;
  /** Live printing: a step or finding was added. */
  onUpdate?(update: AnalyzerUpdate): void;
}

export interface PipelineResult {
  flowStats: FlowStats;
  doc?: AnalysisDocument;
  warnings: CaptureWarning[];
}

export interface Pipeline {
  sink: CaptureSink;
  portMap: PortMap;
  /** The timeline so far (live mode). */
  snapshot(source: SourceInfo): AnalysisDocument | undefined;
  /** Ends every open flow and builds the result. */
  finish(source: SourceInfo): PipelineResult;
}

export function createPipeline(opts: PipelineOptions = {}): Pipeline {
  const portMap = new PortMap(opts.profiles ?? DEFAULT_PROFILES, opts.ports ?? []);
  const warnings: CaptureWarning[] = [];
  const analyzer: Analyzer | undefined = opts.analyze
    ? createAnalyzer({ workstation: opts.workstation, onUpdate: opts.onUpdate })
    : undefined;

  const dispatcher = createDispatcher({
    registry: DEFAULT_REGISTRY,
    portMap,
    decode: opts.decode ?? {},
    only: opts.only,
    classifyOnly: opts.classifyOnly && !opts.analyze,
    emit(m) {
      analyzer?.message(m);
      opts.onMessage?.(m);
    },
    classified(info, cls) {
      analyzer?.flowStart(info, cls);
    },
    flowEnd(r, cls) {
      analyzer?.flowEnd(r, cls);
      opts.onFlowEnd?.(r, cls);
    },
    gap(info, dir, length, frame) {
      analyzer?.gap(info.id, dir, length, frame);
    },
  });

  const tracker = createFlowTracker({
    factory: dispatcher,
    // The profile's ports decide who is the server on flows whose handshake was not captured.
    isServerPort: (port: number) => portMap.has(port),
  });

  const sink: CaptureSink = {
    packet(p: CapturedPacket) {
      tracker.packet(p);
    },
    names(address, list) {
      analyzer?.names(address, list);
    },
    warning(w) {
      warnings.push(w);
      analyzer?.warning(w);
      opts.onWarning?.(w);
    },
  };

  return {
    sink,
    portMap,
    snapshot(source) {
      return analyzer?.snapshot(source);
    },
    finish(source) {
      const flowStats = tracker.finish();
      const doc = analyzer?.finish(source);
      return { flowStats, doc, warnings };
    },
  };
}

/** What was read: the analysis document's `source`, with every field filled in. */
export interface ReadSource extends SourceInfo {
  start: number | null;
  end: number | null;
  duration: number | null;
  truncated: boolean;
  warnings: SourceWarning[];
}

/** Describes what was read, for the analysis document's `source`. */
export function sourceInfo(files: string[], summaries: CaptureSummary[], extraWarnings: CaptureWarning[] = []): ReadSource {
  const times = summaries.flatMap((s) => [s.firstTime, s.lastTime]).filter((t): t is number => typeof t === 'number');
  const start = times.length ? Math.min(...times) : undefined;
  const end = times.length ? Math.max(...times) : undefined;
  const warnings = [...summaries.flatMap((s) => s.warnings), ...extraWarnings];
  return {
    files,
    packets: summaries.reduce((n, s) => n + s.packets, 0),
    start: start ?? null,
    end: end ?? null,
    duration: start !== undefined && end !== undefined ? end - start : null,
    truncated: summaries.some((s) => s.truncated),
    warnings: dedupeWarnings(warnings).map((w) => ({
      code: w.code,
      message: w.message,
      ...(w.frame !== undefined ? { frame: w.frame } : {}),
      ...(w.file !== undefined ? { file: w.file } : {}),
    })),
  };
}

function dedupeWarnings(ws: CaptureWarning[]): CaptureWarning[] {
  const seen = new Set<string>();
  return ws.filter((w) => {
    const k = `${w.code}\u0000${w.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
