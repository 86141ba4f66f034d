/**
 * Packets → flows → decoders, wired once: the part of the pipeline that `flows` and `decode` need.
 *
 * Pure (no I/O), like pipeline.ts, which adds the timeline on top. Kept apart so that commands which build
 * no timeline do not load the analyzer and its rules.
 */

import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from './capture/types.js';
import type { ContentProbe, DecodeOptions, DecodedMessage, Direction, FlowConsumerFactory, FlowInfo, FlowRecord, HeartbeatEvent, ProtocolName } from './decoders/types.js';
import { createDispatcher, serviceRunsOver } from './decoders/dispatch.js';
import { DEFAULT_PROFILES, PortMap, portCanNameServer, type FlowClassification, type PortProfile, type ServiceDef } from './decoders/profile.js';
import { DEFAULT_REGISTRY } from './decoders/registry.js';
import { createFlowTracker, type FlowStats, type FlowTracker, type FlowTrackerOptions } from './decoders/net/index.js';
import { duplicatesWarning } from './decoders/net/duplicates.js';
import type { AnalysisDocument, AnalyzerUpdate, SourceInfo, SourceWarning } from './timeline/model.js';
import { asInternalError } from './internal-error.js';

export interface PipelineOptions {
  /** Port profiles (default: CAD/UCCX, CTI OS/UCCE, Finesse, common). */
  profiles?: PortProfile[];
  /** User overrides (`--port`), which win over the profiles. */
  ports?: ServiceDef[];
  decode?: DecodeOptions;
  /** Build the timeline (analyze, ui); flows/decode leave it off. Needs createPipeline (pipeline.ts). */
  analyze?: boolean;
  /** Only this workstation's timeline (analyze --workstation). */
  workstation?: string;
  /** Only this agent (analyze --agent). */
  agent?: string;
  /** Decode only these protocols. */
  only?: ReadonlySet<ProtocolName>;
  /** Decode no protocol, only classify flows (the `flows` command). Ignored when analyze is on. */
  classifyOnly?: boolean;
  /** Decode only the flows it accepts (the browser's pass for one host's messages); the rest are counted only. */
  decodeFlow?(info: FlowInfo): boolean;
  onMessage?(m: DecodedMessage): void;
  onFlowEnd?(r: FlowRecord, cls: FlowClassification | undefined): void;
  onWarning?(w: CaptureWarning): void;
  /** Live printing: a step or finding was added. */
  onUpdate?(update: AnalyzerUpdate): void;
  /**
   * The flow table's budget in flows of bare accounting (FlowTrackerOptions.maxFlows): default DECODE_FLOW_BUDGET
   * when flows are decoded, the tracker's 100,000 for classification alone. bench/flow-memory.mjs raises it to
   * measure what each open flow costs.
   */
  maxFlows?: number;
  /** At finish, once the flows still open have ended and before the document is built (analyze: true). */
  beforeDocument?(): void;
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

/** For a shard of a parallel run (src/parallel): its own sweep clock, and a look at every flow as it starts. */
export interface PipelineHooks {
  tracker?: Pick<FlowTrackerOptions, 'externalSweep' | 'onFlowEnding'>;
  wrapFactory?(factory: FlowConsumerFactory): FlowConsumerFactory;
  /** Receives the flow tracker (to call sweepAt). */
  onTracker?(tracker: FlowTracker): void;
}

/** What the timeline takes from the decoding pipeline (the Analyzer's input side). */
export interface PipelineObserver {
  message(m: DecodedMessage): void;
  /** A heartbeat without its message (StreamDecoderContext.heartbeat): true when taken, else it comes to message(). */
  heartbeat?(h: HeartbeatEvent): boolean;
  flowStart(info: FlowInfo, cls: FlowClassification): void;
  flowEnd(r: FlowRecord, cls: FlowClassification | undefined): void;
  gap(flowId: number, dir: Direction, length: number, frame: number, time: number): void;
  names(address: string, list: string[]): void;
  warning(w: CaptureWarning): void;
}

/**
 * The flow table's budget when flows are decoded (FlowTrackerOptions.maxFlows, in flows of bare accounting): 50,000
 * bare flows or 10,000 decoded ones (DECODED_FLOW_WEIGHT), some 50 MB. Past it the least recently active flows are
 * finalised early. `flows`, which decodes nothing, keeps the tracker's own 100,000.
 */
export const DECODE_FLOW_BUDGET = 50_000;

/** Whether the decoders offer heartbeats as events (StreamDecoderContext.heartbeat) to an observer that takes them. */
export function offersHeartbeats(decode: DecodeOptions, onMessage: PipelineOptions['onMessage']): boolean {
  return !onMessage && decode.forgetEmitted === true && decode.keepRaw !== true;
}

/**
 * The pipeline without a timeline. `observer` (the analyzer, when pipeline.ts adds one) sees every message,
 * flow, gap, name and warning before the caller's callbacks do.
 */
export function createDecodePipeline(opts: PipelineOptions = {}, observer?: PipelineObserver, hooks?: PipelineHooks): Pipeline {
  const portMap = new PortMap(opts.profiles ?? DEFAULT_PROFILES, opts.ports ?? []);
  const warnings: CaptureWarning[] = [];
  // Classification alone (`flows`): no decoder runs, so nothing an observer would need.
  const classifyOnly = opts.classifyOnly === true && !observer;
  const onMessage = opts.onMessage;

  const decode = opts.decode ?? {};
  const dispatcher = createDispatcher({
    registry: DEFAULT_REGISTRY,
    portMap,
    decode,
    // Heartbeats skip their message only when the observer is the one who sees messages and keeps none.
    heartbeat: observer?.heartbeat && offersHeartbeats(decode, onMessage) ? (h) => observer.heartbeat!(h) : undefined,
    only: opts.only,
    classifyOnly,
    decodeFlow: opts.decodeFlow,
    emit:
      observer && onMessage
        ? (m) => {
            observer.message(m);
            onMessage(m);
          }
        : observer
          ? (m) => observer.message(m)
          : (onMessage ?? (() => {})),
    classified(info, cls) {
      observer?.flowStart(info, cls);
    },
    flowEnd(r, cls) {
      observer?.flowEnd(r, cls);
      opts.onFlowEnd?.(r, cls);
    },
    gap(info, dir, length, frame, time) {
      observer?.gap(info.id, dir, length, frame, time);
    },
  });

  const tracker = createFlowTracker({
    maxFlows: opts.maxFlows ?? (classifyOnly ? undefined : DECODE_FLOW_BUDGET),
    ...hooks?.tracker,
    factory: hooks?.wrapFactory ? hooks.wrapFactory(dispatcher) : dispatcher,
    // The profile's ports decide who is the server on flows whose handshake was not captured, on the transports their
    // protocols run over (a UDP datagram from a PC's ephemeral port 59010 is no desktop service's: those are TCP),
    // and a dynamic-range port only facing another (portCanNameServer).
    isServerPort: (port, transport, peerPort) => {
      const def = portMap.lookup(port);
      return def !== undefined && portCanNameServer(port, peerPort) && serviceRunsOver(def, DEFAULT_REGISTRY, transport);
    },
    // Both ports a profile's (a client's own port may be one: 3000 towards 42027): the payload's content, probed as
    // what a client of the one port sends and as what the server on the other sends, says who is who when only
    // one reading fits.
    senderIsClientByContent: (payload, sport, dport, transport) => {
      const asClient = probeOf(portMap.lookup(dport), transport)?.(payload, 'c2s') === 'yes';
      const asServer = probeOf(portMap.lookup(sport), transport)?.(payload, 's2c') === 'yes';
      return asClient === asServer ? undefined : asClient;
    },
    // Said at the first such packet, so that a capture of a link type ctiscope cannot read is never taken for one
    // with no desktop traffic in it.
    onUnsupportedLink: (linkType, frame) =>
      sink.warning?.({
        code: 'unsupported-link-type',
        message: `frame ${frame}: link type ${linkType}${LINK_TYPE_NAMES[linkType] ? ` (${LINK_TYPE_NAMES[linkType]})` : ''} is not one ctiscope reads, so its packets are counted but not decoded (it reads Ethernet, raw IP, Linux cooked SLL and SLL2, and BSD and OpenBSD loopback)`,
        frame,
      }),
    // Classification alone, with no one to tell when a flow starts, needs a flow's dispatch only once it carries
    // payload (content detection) or ends: a flow without payload then holds no FlowInfo or dispatch while open.
    lazyConsumers: classifyOnly && !hooks,
  });

  hooks?.onTracker?.(tracker);

  // A throw from here on is ctiscope's own failure, not the input's: it is reported as such, with the frame.
  const phase = observer ? 'analysing' : 'decoding';
  const sink: CaptureSink = {
    packet(p: CapturedPacket) {
      try {
        tracker.packet(p);
      } catch (e) {
        throw asInternalError(phase, e, p.frame);
      }
    },
    names(address, list) {
      observer?.names(address, list);
    },
    warning(w) {
      warnings.push(w);
      observer?.warning(w);
      opts.onWarning?.(w);
    },
  };

  return {
    sink,
    portMap,
    snapshot() {
      return undefined;
    },
    finish() {
      let flowStats: FlowStats;
      try {
        flowStats = tracker.finish();
      } catch (e) {
        throw asInternalError(phase, e);
      }
      const copies = duplicatesWarning(flowStats);
      if (copies) sink.warning!(copies);
      return { flowStats, warnings };
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
  let start: number | undefined;
  let end: number | undefined;
  const warnings: CaptureWarning[] = [];
  for (const s of summaries) {
    for (const t of [s.firstTime, s.lastTime]) {
      if (typeof t !== 'number') continue;
      if (start === undefined || t < start) start = t;
      if (end === undefined || t > end) end = t;
    }
    for (const w of s.warnings) warnings.push(w);
  }
  for (const w of extraWarnings) warnings.push(w);
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

/** Names of link types met in captures that ctiscope does not read, for the warning (tcpdump's LINKTYPE_ names). */
const LINK_TYPE_NAMES: Record<number, string> = {
  6: 'IEEE 802.5 Token Ring',
  9: 'PPP',
  10: 'FDDI',
  50: 'PPP over HDLC',
  104: 'Cisco HDLC',
  105: 'IEEE 802.11',
  119: 'Prism 802.11',
  127: 'radiotap 802.11',
  147: 'user-defined (DLT_USER0)',
  192: 'PPI',
  195: 'IEEE 802.15.4',
  201: 'Bluetooth HCI',
  204: 'PPP with direction',
  220: 'USB Linux mmapped',
  249: 'netlink',
};

/** The content probe of the protocol a profile port names, on this transport. */
function probeOf(def: ServiceDef | undefined, transport: FlowInfo['transport']): ContentProbe | undefined {
  if (def === undefined || def.protocol === 'opaque') return undefined;
  const entry = DEFAULT_REGISTRY[def.protocol];
  return transport === 'tcp' ? entry?.probeTcp : entry?.probeUdp;
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
