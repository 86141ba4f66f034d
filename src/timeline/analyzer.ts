/**
 * The incremental analysis engine: fed flows, messages, names and warnings in capture order, it hands each
 * message to its protocol's step builder (steps/), which attaches steps to the subjects they concern (hosts
 * that may be workstations, CTI clients, agents), and on demand writes the analysis document.
 *
 * Memory stays bounded: per subject only steps are kept (not messages); repeated exchanges (heartbeats,
 * polls, DNS retries, refused retries) fold into one step; frame lists are capped; per-flow state is
 * dropped when the flow ends. The live mode and file analysis feed the same calls, so they yield the same
 * document.
 */

import type { DecodedMessage, Direction, FlowInfo, FlowRecord, HeartbeatEvent, ProtocolName } from '../decoders/types.js';
import type { FlowClassification } from '../decoders/profile.js';
import type { AnalysisDocument, AnalyzerUpdate, Finding, SourceInfo, SourceWarning } from './model.js';
import { STARTUP_PHASES } from './model.js';
import { DEFAULT_REPLY_TIMEOUT, finalizeStep } from './describe.js';
import { formatDuration, hostOf } from './format.js';
import type { HostState, PendingRequest, SessionGap, StepState, WorkstationView } from './state.js';
import { buildDocument, buildView, buildWorkstation, publicStep, type AnalysisState } from './document.js';
import { flowKey, markUnanswered, StepContext, type FlowState } from './steps/context.js';
import { stepBuilderFor } from './steps/index.js';
import { connectionStep, noDesktopInConnections } from './steps/connection.js';
import { endGedSession, heartbeatEvent } from './steps/ged188.js';
import { addAgentStep } from './subjects/agents.js';
import { addClientStep } from './subjects/cti-clients.js';
import { buildAgent, linkOneDesktop } from './subjects/agent-document.js';
import { buildCtiClient } from './subjects/cti-client-document.js';

export interface AnalyzerOptions {
  /** Only report this workstation (IP address or a name it is known by). */
  workstation?: string;
  /** Only report this agent (AgentID). */
  agent?: string;
  /** Wall-clock "now" (seconds since the epoch) for live snapshots: requests waiting past their timeout count as unanswered. */
  now?: () => number;
  /** ctiscope version written into the document's generator. */
  version?: string;
  /** Live printing: called when a step settles or changes, and for each new finding. */
  onUpdate?: (ev: AnalyzerUpdate) => void;
}

export interface Analyzer {
  flowStart(info: FlowInfo, cls: FlowClassification | undefined): void;
  message(m: DecodedMessage): void;
  /** A heartbeat without its message (PipelineObserver.heartbeat): true when taken, as message() would have. */
  heartbeat(h: HeartbeatEvent): boolean;
  flowEnd(r: FlowRecord, cls?: FlowClassification): void;
  names(address: string, names: string[]): void;
  warning(w: { code: string; message: string; frame?: number; file?: string }): void;
  gap(flowId: number, dir: Direction, bytes: number, frame: number, time: number): void;
  /**
   * The capture's last packet time, told before the flows still open are ended: a SYN that close to the end
   * may yet have been answered (connectionStep). Without it, such a SYN is judged like any other.
   */
  captureEndsAt(end: number | null | undefined): void;
  finish(source: SourceInfo): AnalysisDocument;
  snapshot(source: SourceInfo): AnalysisDocument;
  /** The rules' view of every workstation at this point (for tools and tests that run one rule alone). */
  workstationViews(): WorkstationView[];
  onUpdate?: (ev: AnalyzerUpdate) => void;
}

const MAX_WARNINGS = 1000;
/** A flow's steps until its first: never added to (newStep replaces it), shared by the many flows that get none. */
const NO_STEPS: StepState[] = Object.freeze([]) as unknown as StepState[];
const MAX_OPEN_PENDING = 10_000;
/** Holes kept per CTI session, and sessions with any (noteSessionGap). */
const MAX_SESSION_GAPS = 8;
const MAX_GAP_SESSIONS = 10_000;

/** "CTI server 42027", without repeating a port the label already names. */
function serviceText(label: string, port: number): string {
  return new RegExp(`\\b${port}\\b`).test(label) ? label : `${label} ${port}`;
}

export function createAnalyzer(opts: AnalyzerOptions = {}): Analyzer {
  const ctx = new StepContext();
  const { hosts, serverIps, flows } = ctx;
  const warnings: SourceWarning[] = [];
  let truncation: SourceWarning | undefined;
  let captureDrops: SourceWarning | undefined;
  const servicesSeen = new Set<string>();
  let firstTime = Infinity;
  let lastTime = -Infinity;
  let captureEnd: number | undefined;

  const analyzer: Analyzer = {
    flowStart,
    message,
    heartbeat,
    flowEnd,
    names: (address, list) => ctx.addNames(address, list),
    warning,
    gap,
    captureEndsAt: (end) => {
      if (typeof end === 'number') captureEnd = end;
    },
    finish: (source) => document(source, false),
    snapshot: (source) => document(source, true),
    workstationViews: () => {
      const st = state(Number.isFinite(lastTime) ? lastTime : 0);
      return [...hosts.values()].filter((h) => isWorkstation(h) && h.steps.length > 0).map((h) => buildView(h, st));
    },
    onUpdate: opts.onUpdate,
  };

  function touchTime(t: number): void {
    if (t < firstTime) firstTime = t;
    if (t > lastTime) lastTime = t;
  }

  function classify(flow: FlowState, cls: FlowClassification | undefined, protocol?: ProtocolName): void {
    if (cls) flow.cls = cls;
    const phase = ctx.flowPhase(flow, protocol);
    if (phase === undefined) return;
    const d = flow.cls?.desktop;
    const desktopPort = (d !== undefined && d !== 'unknown') || (flow.cls?.service === 'cti' && flow.info.serverPort === 12028);
    // Another program's flow (FlowState.hostDeferred), unless its profile names a desktop (a site's own profile).
    if (phase === 'other' && !flow.host && !desktopPort) {
      flow.hostDeferred = true;
      return;
    }
    const host = flow.host ?? ctx.bindHost(flow);
    // A client of a CTI server's own port is a desktop only when its session shows an agent of its own
    // (steps/ged188.ts): CTI OS servers, Finesse and bridges open CTI sessions too.
    // The same for LDAP on the ordinary ports (domain controllers) and GIOP found by content: their content
    // decides (steps/ldap.ts, steps/giop.ts).
    const proto = flow.cls?.protocol ?? protocol;
    const byContent = proto === 'ged188' || proto === 'ldap' || (proto === 'giop' && flow.cls?.detectedBy === 'content');
    flow.byContent = byContent && !desktopPort && proto !== 'ged188';
    if ((STARTUP_PHASES as readonly string[]).includes(phase)) {
      if (!byContent || desktopPort) {
        if (flow.info.roleBy !== 'syn' && flow.info.transport === 'tcp') {
          // Picked up mid-stream: a PC's own end may be the desktop port (its ephemeral 59004 to a server's 5223).
          flow.desktopUnconfirmed = true;
          flow.byContent = true;
        } else {
          host.desktopClient = true;
          if (!serverIps.has(flow.info.serverIp)) flow.serverUnconfirmed = true;
        }
      }
      if (servicesSeen.size < 16) servicesSeen.add(serviceText(flow.cls?.label ?? protocol ?? 'service', flow.info.serverPort));
    }
    if (d && d !== 'unknown') (host.desktopHints ??= new Set()).add(d);
    else if (flow.cls?.service === 'cti' && flow.info.serverPort === 12028) (host.desktopHints ??= new Set()).add('cad');
  }

  function newFlow(info: FlowInfo): FlowState {
    const f: FlowState = { key: flowKey(info.transport, info.id), info, steps: NO_STEPS };
    flows.set(f.key, f);
    return f;
  }

  function flowStart(info: FlowInfo, cls: FlowClassification | undefined): void {
    touchTime(info.start);
    classify(newFlow(info), cls);
  }

  function splitEndpoint(ep: string): { ip: string; port: number } {
    const colon = ep.lastIndexOf(':');
    const ip = ep.startsWith('[') ? ep.slice(1, ep.indexOf(']')) : ep.slice(0, colon);
    return { ip, port: Number(ep.slice(colon + 1)) };
  }

  function flowFromMessage(m: DecodedMessage): FlowState {
    const f = flows.get(flowKey(m.transport, m.flowId));
    if (f) return f;
    const c = splitEndpoint(m.client);
    const s = splitEndpoint(m.server);
    return newFlow({
      id: m.flowId,
      transport: m.transport,
      clientIp: c.ip,
      clientPort: c.port,
      serverIp: s.ip,
      serverPort: s.port,
      client: m.client,
      server: m.server,
      roleBy: 'port',
      firstFrame: m.frames[0] ?? m.frame,
      start: m.time,
    });
  }

  function message(m: DecodedMessage): void {
    touchTime(m.time);
    const flow = flowFromMessage(m);
    if (!flow.host || !flow.cls) classify(flow, undefined, m.protocol);
    const host = flow.host;
    // Another program's flow (FlowState.hostDeferred) has no host until one of its messages makes a step.
    if (!host && !flow.hostDeferred) return;
    if (host) {
      if (m.time > host.lastTime) host.lastTime = m.time;
      if (flow.serverUnconfirmed) {
        flow.serverUnconfirmed = false;
        serverIps.add(flow.info.serverIp);
      }
      if (flow.desktopUnconfirmed && (m.anomalies === undefined || m.anomalies.length === 0)) {
        flow.desktopUnconfirmed = false;
        flow.contentConfirmed = true;
        host.desktopClient = true;
        serverIps.add(flow.info.serverIp);
      }
    }
    if (m.direction === 's2c') flow.serverMessages = (flow.serverMessages ?? 0) + 1;
    const touched = stepBuilderFor(m.protocol).message(ctx, flow, m);
    // The host a deferred flow's first step bound has this message as its latest sign of life, as a bound one's.
    const bound = flow.host;
    if (!host && bound !== undefined && m.time > bound.lastTime) bound.lastTime = m.time;
    if (touched && analyzer.onUpdate) report(flow, touched, false);
  }

  /**
   * A heartbeat of a CTI session followed since its first (its flow known and confirmed, its heartbeat step
   * made): what message() does with it, minus the message. Anything else, and live printing, goes by message().
   */
  function heartbeat(h: HeartbeatEvent): boolean {
    if (analyzer.onUpdate) return false;
    const flow = flows.get(flowKey('tcp', h.flowId));
    if (flow === undefined || flow.host === undefined || flow.cls === undefined || flow.serverUnconfirmed || flow.desktopUnconfirmed) return false;
    if (!heartbeatEvent(ctx, flow.ged, h)) return false;
    touchTime(h.time);
    if (h.time > flow.host.lastTime) flow.host.lastTime = h.time;
    if (h.direction === 's2c') flow.serverMessages = (flow.serverMessages ?? 0) + 1;
    return true;
  }

  /** How far the capture went on past a flow still open when it was reported; undefined for one that ended. */
  function seenUntil(r: FlowRecord): number | undefined {
    if (r.evictedAt !== undefined) return r.evictedAt;
    return r.openAtEnd && captureEnd !== undefined ? Math.max(captureEnd, lastTime) : undefined;
  }

  function flowEnd(r: FlowRecord, cls?: FlowClassification): void {
    touchTime(r.end);
    if (r.evictedAt !== undefined) flowEvicted();
    const key = flowKey(r.transport, r.id);
    const flow = flows.get(key) ?? newFlow(r);
    flows.delete(key);
    if (cls && !flow.cls) classify(flow, cls);
    // A flow of no known service from a desktop to one of its servers is still the desktop's (see below).
    if (!flow.host && r.transport === 'tcp') {
      const h = hosts.get(r.clientIp);
      if (h && isDesktopServer(h, r.serverIp)) flow.host = h;
    }
    const host = flow.host;
    if (!host) {
      // Another program's flow that made no step: its end is still its host's latest sign of life, as a bound
      // flow's is (below), when the host is one.
      if (flow.hostDeferred) {
        const h = hosts.get(r.clientIp);
        if (h !== undefined && r.end > h.lastTime) h.lastTime = r.end;
      }
      return;
    }
    if (r.end > host.lastTime) host.lastTime = r.end;
    if (flow.serverUnconfirmed && r.payloadBytes.c2s + r.payloadBytes.s2c > 0) serverIps.add(flow.info.serverIp);
    // A flow whose content was to decide its phase (ordinary LDAP, GIOP found by content) and never did is not
    // a start-up step: a domain controller's refused port is no config failure. One on a desktop port picked up
    // mid-stream is, when its client is a desktop by other evidence: its port did not make it one.
    const undecided = flow.byContent && !flow.contentConfirmed && !(flow.desktopUnconfirmed && host.desktopClient);
    const phase = undecided ? 'other' : (ctx.flowPhase(flow) ?? 'other');
    // Finalised early by the flow table (its budget) or by the end of the capture: its replies may yet have come.
    const evictedAt = r.evictedAt;
    const open = r.openAtEnd || evictedAt !== undefined;

    if (r.serverLostAfter !== undefined) markRepliesLostWithAck(flow, r.serverLostAfter);
    // Requests left without a reply.
    if (flow.pending) {
      for (const p of flow.pending.values()) {
        if (open) {
          // One on a flow let go early is judged as of then: its reply could only have come on the flow after.
          if (evictedAt !== undefined) p.seenUntil = evictedAt;
          if (ctx.openPending.length < MAX_OPEN_PENDING) ctx.openPending.push(p);
        } else markUnanswered(p, r.end, r.finFrames[0] ?? r.rstFrame ?? r.lastFrame);
      }
      flow.pending = undefined;
    }
    const g = flow.ged;
    if (g) endGedSession(g, r.end, open, r.state, r.rstFrame ?? r.finFrames[0] ?? r.lastFrame, flow.steps[0]);
    // The path's round trip, for what waits on it (rules/latency.ts).
    if (r.handshakeRtt !== undefined) for (const s of flow.steps) s.facts.handshakeRtt = r.handshakeRtt;

    // Steps to report, for a live view only.
    const touched: StepState[] | undefined = analyzer.onUpdate ? [...flow.steps] : undefined;
    if (r.transport === 'tcp' && phase !== 'other') {
      const conn = connectionStep(ctx, flow, r, phase, false, seenUntil(r));
      if (conn) {
        if (touched && !touched.includes(conn)) touched.push(conn);
        // A CTI connection that never carried a message (side A unreachable, refused) belongs to the CTI client
        // this host holds or opens later: kept aside until the document is written.
        if (!g && conn.facts.conn?.failure && (flow.cls?.protocol === 'ged188' || flow.cls?.service === 'cti')) {
          host.ctiConnections ??= [];
          if (host.ctiConnections.length < 32 && !host.ctiConnections.includes(conn)) host.ctiConnections.push(conn);
        }
        // A CTI session's connection is its client's too, and, on a desktop's own session, its agent's.
        if (g?.client) addClientStep(g.client, conn);
        if (g && !g.multiAgent && g.lastAgent) addAgentStep(g.lastAgent.agent, conn);
      }
    } else if (r.transport === 'tcp' && isUnknownService(flow) && isDesktopServer(host, flow.info.serverIp)) {
      // A port no profile names on one of the desktop's own servers: shown with its state, never dropped.
      const conn = connectionStep(ctx, flow, r, 'other', true, seenUntil(r));
      if (conn && conn.facts.conn?.attempts === 1) {
        conn.service = 'other-service';
        conn.label = `other service on port ${flow.info.serverPort}`;
      }
      if (conn && touched && !touched.includes(conn)) touched.push(conn);
    } else if (r.transport === 'udp' && r.icmpErrors.length > 0) {
      for (const s of flow.steps) {
        if (s.facts.dns && s.facts.dns.ok !== true) {
          const e = r.icmpErrors[0];
          s.facts.dns.ok = false;
          s.facts.dns.lastFailure = { reason: `ICMP ${e.codeName} from ${e.from}`, frame: e.frame, time: e.time };
          s.frames.add(e.frame);
        }
      }
    }

    // Per direction, the larger of what reassembly skipped and what the decoders were told of.
    const c2sGap = Math.max(r.gapBytes.c2s, flow.gapBytes?.c2s ?? 0);
    const s2cGap = Math.max(r.gapBytes.s2c, flow.gapBytes?.s2c ?? 0);
    const gapBytes = c2sGap + s2cGap;
    if (gapBytes > 0 && phase !== 'other') {
      const target = flow.steps[0] ?? connectionStep(ctx, flow, r, phase, true);
      if (target) {
        const dir: Direction = flow.gapDir ?? (r.gapBytes.s2c > r.gapBytes.c2s ? 's2c' : 'c2s');
        target.facts.gap = { bytes: gapBytes, frame: flow.gapFrame ?? r.firstFrame, dir, c2s: c2sGap, s2c: s2cGap };
        if (touched && !touched.includes(target)) touched.push(target);
      }
    }
    if (touched) for (const s of touched) report(flow, s, true);
    if (flow.hostCounted && --host.openFlows === 0 && isBare(host)) hosts.delete(host.ip);
  }

  /**
   * A host that nothing has been learnt about: no step (nor a step id given out), no sign of a desktop or an
   * agent. Its last flow gone, it is let go: on a SPAN port every client of every web and file server has a
   * host, most of them with nothing but flows no timeline shows, and they would all be held to the end.
   */
  function isBare(h: HostState): boolean {
    return (
      h.steps.length === 0 &&
      h.nextStepId === 1 &&
      !h.desktopClient &&
      h.desktopHints === undefined &&
      h.agentId === undefined &&
      h.extension === undefined &&
      h.configuredNames === undefined &&
      h.directoryAgentId === undefined &&
      h.eventAgentId === undefined &&
      h.eventExtension === undefined &&
      h.dnsSteps === undefined &&
      h.ctiConnections === undefined &&
      h.serverSideCti !== true &&
      h.reportedFindings === undefined
    );
  }

  function isUnknownService(flow: FlowState): boolean {
    const p = flow.cls?.protocol;
    return p === undefined || p === 'unknown' || p === 'opaque';
  }

  /** A host the desktop used for a start-up service (LDAP, licensing, CTI, services). */
  function isDesktopServer(host: HostState, ip: string): boolean {
    if (!host.desktopClient) return false;
    for (const s of host.steps) if (s.kind !== 'dns' && s.service !== 'other-service' && (STARTUP_PHASES as readonly string[]).includes(s.phase) && hostOf(s.server) === ip) return true;
    return false;
  }

  function gap(flowId: number, dir: Direction, bytes: number, frame: number, time: number): void {
    const flow = flows.get(flowKey('tcp', flowId));
    if (!flow) return;
    (flow.gapBytes ??= { c2s: 0, s2c: 0 })[dir] += bytes;
    if (flow.gapFrame === undefined) {
      flow.gapFrame = frame;
      flow.gapDir = dir;
    }
    if (dir === 's2c') {
      if (flow.serverGapFrame === undefined || frame > flow.serverGapFrame) flow.serverGapFrame = frame;
      markRepliesInGap(flow, frame, time);
    }
    if (flow.ged) noteSessionGap(flowId, dir, frame, time);
  }

  /**
   * Holes in CTI sessions, kept past their flows' end: a login the capture lost, with its answer, is no login the
   * client never sent (rules/agent-logged-out.ts). A few per session, for a bounded number of sessions.
   */
  const sessionGaps = new Map<number, SessionGap[]>();
  function noteSessionGap(flowId: number, dir: Direction, frame: number, time: number): void {
    let list = sessionGaps.get(flowId);
    if (!list) {
      if (sessionGaps.size >= MAX_GAP_SESSIONS) return;
      sessionGaps.set(flowId, (list = []));
    }
    if (list.length < MAX_SESSION_GAPS && !list.some((g) => g.dir === dir && g.frame === frame)) list.push({ dir, frame, time });
  }

  /**
   * The capture lost bytes from the server, proven at `frame` (the peer's ACK, or the first segment after the hole):
   * a request sent before then whose reply was still due may have been answered in them. It waits on as before, and
   * a reply that comes later still answers it; if none does, it is not counted as unanswered (markUnanswered). Still
   * due: proven within its reply timeout, or the hole is the first of the server's bytes after the request (no
   * message from the server since), however late the proof came: a desktop that sends nothing on the connection for
   * a while (its reply and its ACK both lost) proves the hole only with its next packet, 30 s on at a heartbeat.
   */
  function markRepliesInGap(flow: FlowState, frame: number, time: number): void {
    if (flow.pending) {
      const heard = flow.serverMessages ?? 0;
      for (const p of flow.pending.values()) {
        if (p.gapFrame !== undefined || p.frame >= frame) continue;
        if (time - p.time < (p.step.replyTimeout ?? DEFAULT_REPLY_TIMEOUT) || (p.serverMessages ?? 0) === heard) p.gapFrame = frame;
      }
    }
    const g = flow.ged;
    if (g?.heartbeatPending?.size) {
      const limit = g.heartbeat?.replyTimeout ?? 10;
      for (const p of g.heartbeatPending.values()) if (p.gapFrame === undefined && p.frame < frame && time - p.time < limit) p.gapFrame = frame;
    }
  }

  /**
   * The capture lost the server's packets after the client's data at `frame`, its ACK of them among them
   * (FlowRecord.serverLostAfter): a request there or before, with nothing from the server since, may have been
   * answered in them. As markRepliesInGap, it is then neither answered nor unanswered.
   */
  function markRepliesLostWithAck(flow: FlowState, frame: number): void {
    if (flow.pending) {
      const heard = flow.serverMessages ?? 0;
      for (const p of flow.pending.values()) {
        if (p.gapFrame !== undefined || p.frame > frame || (p.serverMessages ?? 0) !== heard) continue;
        p.gapFrame = frame;
        p.lostWithAck = true;
      }
    }
    const g = flow.ged;
    if (g?.heartbeatPending?.size) for (const p of g.heartbeatPending.values()) if (p.gapFrame === undefined && p.frame <= frame) p.gapFrame = frame;
  }

  /**
   * One warning for every flow the flow table finalised early: taken at the first, in its place among the
   * warnings; its text, with the count, written when a document is built (evictionsText), not per flow.
   */
  let evictions: SourceWarning | undefined;
  let evictedFlows = 0;
  function flowEvicted(): void {
    evictedFlows++;
    evictions ??= warning({ code: 'flows-evicted', message: '' });
  }

  function evictionsText(n: number): string {
    return `${n.toLocaleString('en-US')} flow${n === 1 ? ' was' : 's were'} finalised before the end, still open, to keep memory bounded (more flows were open at once than the flow table holds); what they still waited for is judged as of then, and a later packet of one starts a new flow`;
  }

  /** One warning for all replies captured before their requests, written when a document is built. */
  let repliesFirst: SourceWarning | undefined;

  function repliesFirstText(r: NonNullable<StepContext['repliesFirst']>): string {
    const lead = formatDuration(r.lead);
    const n = r.count === 1 ? 'A reply was' : `${r.count.toLocaleString('en-US')} replies were`;
    return (
      `${n} captured before the request${r.count === 1 ? ' it answers' : 's they answer'} (by up to ${lead}; the first, frame ${r.reply}, answers frame ${r.request}): ` +
      `the packets are not in the order they were sent, as when a capture is merged from two points whose clocks differ, so such a reply is paired by its ID ` +
      `and counted as taking no time, and response times shorter than ${lead} are not to be trusted`
    );
  }

  function warning(w: { code: string; message: string; frame?: number; file?: string }): SourceWarning {
    const entry: SourceWarning = { code: w.code, message: w.message };
    if (w.frame !== undefined) entry.frame = w.frame;
    if (w.file !== undefined) entry.file = w.file;
    if (warnings.length < MAX_WARNINGS) warnings.push(entry);
    if (!truncation && /trunc/i.test(w.code)) truncation = entry;
    // Live capture reports its drop counters once, at the end; the latest word is the total.
    if (w.code === 'capture-dropped') captureDrops = entry;
    return entry;
  }

  // ---------------------------------------------------------------- live updates

  function pendingOf(flow: FlowState, step: StepState): PendingRequest[] {
    const out: PendingRequest[] = [];
    if (flow.pending) for (const p of flow.pending.values()) if (p.step === step) out.push(p);
    return out;
  }

  function isWorkstation(h: HostState): boolean {
    return h.desktopClient && !serverIps.has(h.ip) && !h.serverSideCti && !noDesktopInConnections(h.steps);
  }

  function report(flow: FlowState, step: StepState, flowEnded: boolean): void {
    const host = flow.host!;
    if (!analyzer.onUpdate) return;
    const agent = ctx.agentOfStep.get(step);
    const onWorkstation = isWorkstation(host);
    // Server-side sessions: a CTI client's steps and its agents' are news too.
    if (!onWorkstation && !agent && !flow.ged?.client) return;
    const pending = flowEnded ? [] : pendingOf(flow, step);
    const now = Math.max(lastTime, opts.now?.() ?? -Infinity);
    const out = finalizeStep(step, pending, now);
    const settled = pending.length === 0 || !out.ok;
    if (!settled) return;
    const key = `${out.ok}|${out.summary}`;
    const last = step.reportedKey;
    if (last === key) return;
    // Report a step once it is settled, then again when its result or summary changes; steps that aggregate
    // repeats (heartbeats, polls, events) only when their result changes or their flow ends.
    const aggregated = step.kind === 'cti-heartbeat' || step.kind === 'cti-events' || step.kind === 'cti-query' || step.kind === 'generic' || step.kind === 'ctios' || step.count > 1;
    if (last !== undefined && aggregated && last.startsWith(`${out.ok}|`) && !flowEnded) return;
    step.reportedKey = key;
    const shown = publicStep(out);
    if (onWorkstation) {
      analyzer.onUpdate({ kind: 'step', workstation: host.ip, step: shown });
      announce(host.reportedFindings ??= new Set(), host.ip, undefined, buildWorkstation(host, state(now, host)).findings);
      return;
    }
    const st = state(now, host);
    if (agent) {
      const desks = [...hosts.values()].filter((h) => isWorkstation(h) && h.steps.length > 0);
      const a = buildAgent(agent, st, linkOneDesktop(agent, st, desks), st.truncation !== undefined);
      const who = a.desktop ?? `agent ${a.id ?? a.instrument ?? '?'}`;
      analyzer.onUpdate({ kind: 'step', workstation: who, subject: 'agent', step: shown });
      announce((agent.reportedFindings ??= new Set()), who, 'agent', a.findings);
      return;
    }
    const client = flow.ged!.client!;
    analyzer.onUpdate({ kind: 'step', workstation: client.host, subject: 'cti-client', step: shown });
    announce((client.reportedFindings ??= new Set()), client.host, 'cti-client', buildCtiClient(client, st, st.truncation !== undefined).findings);
  }

  function announce(seen: Set<string>, who: string, subject: AnalyzerUpdate['subject'], findings: readonly Finding[]): void {
    for (const f of findings) {
      const fk = `${f.kind}|${f.step}|${f.server}`;
      if (seen.has(fk)) continue;
      seen.add(fk);
      analyzer.onUpdate!({ kind: 'finding', workstation: who, ...(subject ? { subject } : {}), finding: f });
    }
  }

  // ---------------------------------------------------------------- documents

  /** The state documents are built from; `only` limits the pending-request scan to one host (live updates). */
  function state(now: number, only?: HostState): AnalysisState {
    if (evictions) evictions.message = evictionsText(evictedFlows);
    const early = ctx.repliesFirst;
    if (early) {
      repliesFirst ??= warning({ code: 'replies-before-requests', message: '', frame: early.reply });
      repliesFirst.message = repliesFirstText(early);
    }
    const open = new Map<StepState, PendingRequest[]>();
    const add = (p: PendingRequest): void => {
      const list = open.get(p.step);
      if (list) list.push(p);
      else open.set(p.step, [p]);
    };
    for (const f of flows.values()) if (f.pending && (!only || f.host === only)) for (const p of f.pending.values()) add(p);
    for (const p of ctx.openPending) add(p);
    // Heartbeats waiting on open sessions are judged like any other request (against the reply timeout).
    for (const f of flows.values()) {
      if (only && f.host !== only) continue;
      const hb = f.ged?.heartbeat;
      if (hb && f.ged!.heartbeatPending) for (const p of f.ged!.heartbeatPending.values()) add({ step: hb, name: 'HEARTBEAT_REQ', frame: p.frame, time: p.time, gapFrame: p.gapFrame });
    }
    return {
      hosts,
      ctiClients: ctx.ctiClients,
      agents: ctx.agents,
      isWorkstation,
      pending: open,
      now,
      namesOf: (a) => [...(ctx.namesByAddress.get(a) ?? [])],
      addressesOf: (n) => [...(ctx.addressesByName.get(n.toLowerCase()) ?? [])],
      sessionGapsOf: (id) => sessionGaps.get(id) ?? [],
      truncation,
      captureDrops,
      warnings,
      firstTime: Number.isFinite(firstTime) ? firstTime : null,
      lastTime: Number.isFinite(lastTime) ? lastTime : null,
      filter: opts.workstation,
      agentFilter: opts.agent,
      servicesSeen,
      version: opts.version,
    };
  }

  function document(source: SourceInfo, live: boolean): AnalysisDocument {
    const end = source.end ?? (Number.isFinite(lastTime) ? lastTime : 0);
    const now = live ? Math.max(end, opts.now?.() ?? -Infinity) : end;
    return buildDocument(state(now), source);
  }

  return analyzer;
}
