/**
 * The incremental analysis engine: fed flows, messages, names and warnings in capture order, it keeps a
 * bounded list of steps per client host and, on demand, writes the analysis document.
 *
 * Memory stays bounded: per host only steps are kept (not messages); repeated exchanges (heartbeats,
 * polls, DNS retries, refused retries) fold into one step; frame lists are capped; per-flow state is
 * dropped when the flow ends. The live mode and file analysis feed the same calls, so they yield the same
 * document.
 */

import type { DecodedMessage, Direction, FieldValue, FlowInfo, FlowRecord, ProtocolName } from '../decoders/types.js';
import type { FlowClassification, Phase } from '../decoders/profile.js';
import type { AnalysisDocument, AnalyzerUpdate, SourceInfo, SourceWarning } from './model.js';
import { STARTUP_PHASES } from './model.js';
import { FrameList } from './frames.js';
import { PendingHeartbeats } from './pending-heartbeats.js';
import { finalizeStep } from './describe.js';
import type { HostState, PendingRequest, StepKind, StepState, WorkstationView } from './state.js';
import { buildDocument, buildView, buildWorkstation, type AnalysisState } from './document.js';

export interface AnalyzerOptions {
  /** Only report this workstation (IP address or a name it is known by). */
  workstation?: string;
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
  flowEnd(r: FlowRecord, cls?: FlowClassification): void;
  names(address: string, names: string[]): void;
  warning(w: { code: string; message: string; frame?: number; file?: string }): void;
  gap(flowId: number, dir: Direction, bytes: number, frame: number): void;
  finish(source: SourceInfo): AnalysisDocument;
  snapshot(source: SourceInfo): AnalysisDocument;
  /** The rules' view of every workstation at this point (for tools and tests that run one rule alone). */
  workstationViews(): WorkstationView[];
  onUpdate?: (ev: AnalyzerUpdate) => void;
}

/** Bounds that keep a long SPAN capture in constant memory per host. */
const MAX_DNS_NAMES_PER_HOST = 64;
const MAX_STEPS_PER_HOST = 2000;
const MAX_PENDING_PER_FLOW = 256;
const MAX_GIOP_OPERATIONS_PER_FLOW = 32;
const MAX_TYPE_COUNTS = 24;
const MAX_NAMES_PER_ADDRESS = 8;
const MAX_WARNINGS = 1000;
const MAX_OPEN_PENDING = 10_000;
/** Refused or unanswered attempts to one server within this many seconds fold into one step. */
const RETRY_WINDOW = 60;

const FALLBACK_PHASE: Record<string, Phase> = {
  ldap: 'config',
  giop: 'services',
  ged188: 'cti-session',
  ctios: 'cti-session',
  dns: 'dns',
  tls: 'other',
  sip: 'phone',
  skinny: 'phone',
};

/** LDAP result codes that are not errors. */
const LDAP_OK_RESULTS = new Set([0, 5, 6, 10, 14]);

interface GedFlowState {
  open?: StepState;
  login?: StepState;
  query?: StepState;
  heartbeat?: StepState;
  events?: StepState;
  heartbeatPending: PendingHeartbeats;
  idleTimeout?: number;
  lastMessage: number;
}

interface FlowState {
  key: number;
  info: FlowInfo;
  cls?: FlowClassification;
  host?: HostState;
  steps: StepState[];
  pending: Map<number, PendingRequest>;
  ldap?: StepState;
  giop?: Map<string, StepState>;
  ged?: GedFlowState;
  ctios?: StepState;
  tls?: StepState;
  generic?: StepState;
  gapBytes: { c2s: number; s2c: number };
  gapFrame?: number;
  gapDir?: Direction;
  /** A GED-188 request was seen from its client: that host is a desktop, that server a server (noted once). */
  desktopNoted?: boolean;
}

function flowKey(transport: 'tcp' | 'udp', id: number): number {
  return transport === 'udp' ? -(id + 1) : id;
}

function str(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function num(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function splitEndpoint(ep: string): { ip: string; port: number } {
  const colon = ep.lastIndexOf(':');
  const ip = ep.startsWith('[') ? ep.slice(1, ep.indexOf(']')) : ep.slice(0, colon);
  return { ip, port: Number(ep.slice(colon + 1)) };
}

function bump(counts: Map<string, number>, type: string): void {
  if (!counts.has(type) && counts.size >= MAX_TYPE_COUNTS) type = 'other';
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

function isLoginRequest(m: DecodedMessage): boolean {
  const name = str(m.fields.agentStateName);
  if (name !== undefined) return /(^|_)LOGIN$/.test(name);
  return num(m.fields.agentState) === 0;
}

function stateName(m: DecodedMessage): string | undefined {
  const name = str(m.fields.agentStateName);
  if (name !== undefined) return name.replace(/^AGENT_STATE_/, '');
  const n = num(m.fields.agentState);
  return n === undefined ? undefined : `state ${n}`;
}

export function createAnalyzer(opts: AnalyzerOptions = {}): Analyzer {
  const hosts = new Map<string, HostState>();
  const serverIps = new Set<string>();
  const flows = new Map<number, FlowState>();
  const namesByAddress = new Map<string, Set<string>>();
  const addressesByName = new Map<string, Set<string>>();
  const warnings: SourceWarning[] = [];
  /** Requests still waiting when their flow was reported open at the end of the capture. */
  const openPending: PendingRequest[] = [];
  let truncation: SourceWarning | undefined;
  let captureDrops: SourceWarning | undefined;
  let firstTime = Infinity;
  let lastTime = -Infinity;

  const analyzer: Analyzer = {
    flowStart,
    message,
    flowEnd,
    names: addNames,
    warning,
    gap,
    finish: (source) => document(source, false),
    snapshot: (source) => document(source, true),
    workstationViews: () => {
      const st = state(Number.isFinite(lastTime) ? lastTime : 0);
      return [...hosts.values()].filter((h) => isWorkstation(h) && h.steps.length > 0).map((h) => buildView(h, st));
    },
    onUpdate: opts.onUpdate,
  };

  function hostFor(ip: string, time: number): HostState {
    let h = hosts.get(ip);
    if (!h) {
      h = {
        ip,
        steps: [],
        nextStepId: 1,
        desktopClient: false,
        desktopHints: new Set(),
        dnsSteps: new Map(),
        firstTime: time,
        lastTime: time,
      };
      hosts.set(ip, h);
    }
    return h;
  }

  function touchTime(t: number): void {
    if (t < firstTime) firstTime = t;
    if (t > lastTime) lastTime = t;
  }

  function classify(flow: FlowState, cls: FlowClassification | undefined, protocol?: ProtocolName): void {
    if (cls) flow.cls = cls;
    const phase = flowPhase(flow, protocol);
    if (phase === undefined) return;
    flow.host ??= hostFor(flow.info.clientIp, flow.info.start);
    if ((STARTUP_PHASES as readonly string[]).includes(phase)) {
      flow.host.desktopClient = true;
      serverIps.add(flow.info.serverIp);
    }
    const d = flow.cls?.desktop;
    if (d && d !== 'unknown') flow.host.desktopHints.add(d);
    else if (flow.cls?.service === 'cti' && flow.info.serverPort === 12028) flow.host.desktopHints.add('cad');
  }

  function flowPhase(flow: FlowState, protocol?: ProtocolName): Phase | undefined {
    if (flow.cls) return flow.cls.phase;
    if (protocol) return FALLBACK_PHASE[protocol];
    return undefined;
  }

  function newFlow(info: FlowInfo): FlowState {
    const f: FlowState = { key: flowKey(info.transport, info.id), info, steps: [], pending: new Map(), gapBytes: { c2s: 0, s2c: 0 } };
    flows.set(f.key, f);
    return f;
  }

  function flowStart(info: FlowInfo, cls: FlowClassification | undefined): void {
    touchTime(info.start);
    const f = newFlow(info);
    classify(f, cls);
  }

  function flowFromMessage(m: DecodedMessage): FlowState {
    const key = flowKey(m.transport, m.flowId);
    let f = flows.get(key);
    if (f) return f;
    const c = splitEndpoint(m.client);
    const s = splitEndpoint(m.server);
    f = newFlow({
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
    return f;
  }

  function newStep(flow: FlowState, kind: StepKind, time: number, phase?: Phase): StepState | undefined {
    const host = flow.host!;
    if (host.steps.length >= MAX_STEPS_PER_HOST) return undefined;
    const cls = flow.cls;
    const s: StepState = {
      id: `s${host.nextStepId++}`,
      kind,
      phase: phase ?? flowPhase(flow) ?? 'other',
      service: cls?.service ?? flow.info.server,
      label: cls?.label ?? `service on port ${flow.info.serverPort}`,
      server: flow.info.server,
      protocol: cls?.protocol && cls.protocol !== 'unknown' ? cls.protocol : 'tcp',
      start: time,
      end: time,
      flowStart: flow.info.start,
      flowId: flow.info.id,
      frames: new FrameList(),
      messages: 0,
      replyTimeout: cls?.replyTimeout,
      count: 0,
      answered: 0,
      lastOk: null,
      facts: {},
    };
    host.steps.push(s);
    flow.steps.push(s);
    return s;
  }

  function addPending(flow: FlowState, id: number | undefined, step: StepState, name: string, m: DecodedMessage): void {
    if (id === undefined) return;
    if (flow.pending.has(id)) return; // a retransmitted request keeps its first time
    if (flow.pending.size >= MAX_PENDING_PER_FLOW) {
      const [oldId, old] = flow.pending.entries().next().value as [number, PendingRequest];
      flow.pending.delete(oldId);
      markUnanswered(old, undefined, undefined);
    }
    flow.pending.set(id, { step, name, frame: m.frame, time: m.time });
  }

  function markUnanswered(p: PendingRequest, closedAt: number | undefined, closeFrame: number | undefined): void {
    const s = p.step;
    const f = s.facts;
    // A request older than one that was answered was skipped by the server; only the latest decides the step.
    const superseded = s.lastAnsweredRequest !== undefined && p.time < s.lastAnsweredRequest;
    f.unansweredTotal = (f.unansweredTotal ?? 0) + 1;
    f.unanswered ??= [];
    if (f.unanswered.length < 10) f.unanswered.push(superseded ? { name: p.name, frame: p.frame, time: p.time } : { name: p.name, frame: p.frame, time: p.time, closedAt, closeFrame });
    if (!superseded) {
      s.lastOk = false;
      // The step lasted until the desktop gave up waiting.
      if (closedAt !== undefined && closedAt > s.end) s.end = closedAt;
    }
  }

  /** Pairs a reply with its request; returns the request, or undefined when it was not seen. */
  function resolve(flow: FlowState, id: number | undefined, m: DecodedMessage): PendingRequest | undefined {
    if (id === undefined) return undefined;
    const p = flow.pending.get(id);
    if (!p) return undefined;
    flow.pending.delete(id);
    const s = p.step;
    const rt = m.time - p.time;
    s.answered++;
    if (s.lastAnsweredRequest === undefined || p.time > s.lastAnsweredRequest) s.lastAnsweredRequest = p.time;
    if (s.firstResponseTime === undefined) s.firstResponseTime = rt;
    if (!s.facts.slowest || rt > s.facts.slowest.responseTime) s.facts.slowest = { name: p.name, frame: m.frame, responseTime: rt };
    const limit = s.replyTimeout;
    if (limit !== undefined && rt > limit) {
      s.facts.late ??= [];
      if (s.facts.late.length < 10) s.facts.late.push({ name: p.name, frame: m.frame, responseTime: rt });
    }
    return p;
  }

  function absorb(step: StepState, m: DecodedMessage): void {
    step.messages++;
    step.frames.addAll(m.frames.length > 0 ? m.frames : [m.frame]);
    if (m.time > step.end) step.end = m.time;
  }

  // ---------------------------------------------------------------- messages

  function message(m: DecodedMessage): void {
    touchTime(m.time);
    const flow = flowFromMessage(m);
    if (!flow.host || !flow.cls) classify(flow, undefined, m.protocol);
    if (m.protocol === 'ged188' && m.direction === 'c2s' && flow.host && !flow.desktopNoted) {
      flow.desktopNoted = true;
      flow.host.desktopClient = true;
      serverIps.add(flow.info.serverIp);
    }
    const host = flow.host;
    if (!host) return;
    if (m.time > host.lastTime) host.lastTime = m.time;
    let touched: StepState | undefined;
    switch (m.protocol) {
      case 'ldap':
        touched = onLdap(flow, m);
        break;
      case 'giop':
        touched = onGiop(flow, m);
        break;
      case 'ged188':
        touched = onGed(flow, m);
        break;
      case 'ctios':
        touched = onCtios(flow, m);
        break;
      case 'dns':
        touched = onDns(flow, m);
        break;
      case 'tls':
        touched = onTls(flow, m);
        break;
      default:
        touched = onGeneric(flow, m);
    }
    if (touched && analyzer.onUpdate) report(flow, touched, false);
  }

  function onLdap(flow: FlowState, m: DecodedMessage): StepState | undefined {
    if (!flow.ldap) {
      flow.ldap = newStep(flow, 'ldap', m.time);
      if (!flow.ldap) return undefined;
      flow.ldap.protocol = 'ldap';
      flow.ldap.facts.ldap = { binds: 0, searches: 0, entries: 0, operations: 0 };
    }
    const s = flow.ldap;
    const l = s.facts.ldap!;
    absorb(s, m);
    const id = num(m.fields.messageId);
    const t = m.type;
    if (m.direction === 'c2s') {
      if (t === 'unbindRequest' || t === 'abandonRequest') return s;
      s.count++;
      l.operations++;
      if (t === 'bindRequest') {
        l.binds++;
        if (l.bindDn === undefined) l.bindDn = str(m.fields.name) ?? '';
        addPending(flow, id, s, 'bind', m);
      } else if (t === 'searchRequest') {
        l.searches++;
        const base = str(m.fields.baseObject);
        addPending(flow, id, s, base ? `search ${base}` : 'search', m);
      } else addPending(flow, id, s, t, m);
      return s;
    }
    if (t === 'searchResEntry') {
      l.entries++;
      return s;
    }
    if (t === 'searchResRef') return s;
    const p = resolve(flow, id, m);
    const code = num(m.fields.resultCode);
    if (code === undefined) return s;
    if (LDAP_OK_RESULTS.has(code)) {
      s.lastOk = true;
      return s;
    }
    s.lastOk = false;
    if (!l.error) {
      l.error = {
        op: p?.name ?? t,
        code,
        name: str(m.fields.resultCodeName),
        diagnostic: str(m.fields.diagnosticMessage) || undefined,
        frame: m.frame,
        time: m.time,
      };
    }
    return s;
  }

  function giopStep(flow: FlowState, op: string, m: DecodedMessage): StepState | undefined {
    flow.giop ??= new Map();
    let key = op;
    if (!flow.giop.has(key) && flow.giop.size >= MAX_GIOP_OPERATIONS_PER_FLOW) key = '(other operations)';
    let s = flow.giop.get(key);
    if (!s) {
      s = newStep(flow, 'giop', m.time);
      if (!s) return undefined;
      s.protocol = 'giop';
      s.facts.giop = { operation: key, exceptions: 0 };
      flow.giop.set(key, s);
    }
    return s;
  }

  function onGiop(flow: FlowState, m: DecodedMessage): StepState | undefined {
    const id = num(m.fields.requestId);
    if (m.type === 'Request' || m.type === 'LocateRequest') {
      const op = m.type === 'Request' ? str(m.fields.operation) || '(no operation)' : 'LocateRequest';
      const s = giopStep(flow, op, m);
      if (!s) return undefined;
      absorb(s, m);
      s.count++;
      const key = str(m.fields.objectKey);
      if (key && !s.facts.giop!.objectKey) s.facts.giop!.objectKey = key;
      if (m.fields.responseExpected !== false) addPending(flow, id, s, op, m);
      return s;
    }
    if (m.type === 'Reply' || m.type === 'LocateReply') {
      const p = resolve(flow, id, m);
      const s = p?.step ?? giopStep(flow, str(m.fields.operation) || '(unknown request)', m);
      if (!s) return undefined;
      absorb(s, m);
      const g = s.facts.giop!;
      const status = str(m.fields.replyStatusName) ?? str(m.fields.locateStatusName) ?? `status ${str(m.fields.replyStatus) ?? '?'}`;
      g.lastStatus = status;
      const failed = /^(USER|SYSTEM|LOC_SYSTEM)_EXCEPTION$/.test(status) || status === 'UNKNOWN_OBJECT';
      if (failed) {
        g.exceptions++;
        s.lastOk = false;
        if (!g.exception) g.exception = { status, id: str(m.fields.exceptionId), minorCode: num(m.fields.minorCode), frame: m.frame, time: m.time };
      } else s.lastOk = true;
      return s;
    }
    // CloseConnection, MessageError, Fragment, CancelRequest: count them with the connection's latest step.
    const last = flow.steps[flow.steps.length - 1];
    if (last) {
      absorb(last, m);
      if (m.type === 'MessageError') last.lastOk = false;
    }
    return last;
  }

  function gedStep(flow: FlowState, m: DecodedMessage, kind: StepKind, phase: Phase): StepState | undefined {
    const s = newStep(flow, kind, m.time, phase);
    if (s) s.protocol = 'ged188';
    return s;
  }

  /** The session's catch-all step for events and requests outside the login steps. */
  function gedEvents(flow: FlowState, g: GedFlowState, m: DecodedMessage): StepState | undefined {
    if (!g.events) {
      g.events = gedStep(flow, m, 'cti-events', 'cti-session');
      if (g.events) g.events.facts.events = { counts: new Map() };
    }
    return g.events;
  }

  function onGed(flow: FlowState, m: DecodedMessage): StepState | undefined {
    const host = flow.host!;
    const g: GedFlowState = (flow.ged ??= { heartbeatPending: new PendingHeartbeats(), lastMessage: m.time });
    g.lastMessage = m.time;
    noteAgent(host, m);
    const invoke = num(m.fields.invokeId);
    // gedStep and gedEvents are plain functions rather than closures made per message: heartbeats are most messages.
    switch (m.type) {
      case 'OPEN_REQ': {
        const s = gedStep(flow, m, 'cti-open', 'cti-session');
        if (!s) return undefined;
        g.open = s;
        absorb(s, m);
        s.count++;
        const idle = num(m.fields.idleTimeout);
        if (idle !== undefined && idle > 0 && idle < 86400) g.idleTimeout = idle;
        s.facts.open = { confirmed: false, idleTimeout: g.idleTimeout };
        addPending(flow, invoke, s, 'OPEN_REQ', m);
        return s;
      }
      case 'OPEN_CONF': {
        const p = resolve(flow, invoke, m);
        const s = p?.step ?? g.open;
        if (!s || !s.facts.open) return gedEvents(flow, g, m);
        absorb(s, m);
        s.lastOk = true;
        s.facts.open.confirmed = true;
        if (typeof m.fields.peripheralOnline === 'boolean') s.facts.open.peripheralOnline = m.fields.peripheralOnline;
        const st = stateName(m);
        if (st) s.facts.open.agentStateName = st;
        return s;
      }
      case 'FAILURE_CONF':
      case 'CONTROL_FAILURE_CONF': {
        const p = resolve(flow, invoke, m);
        const s = p?.step ?? (g.open && !g.open.facts.open?.confirmed ? g.open : gedEvents(flow, g, m));
        if (!s) return undefined;
        absorb(s, m);
        if (s.kind === 'cti-heartbeat') {
          s.facts.heartbeat!.answered++;
          return s;
        }
        s.lastOk = false;
        if (!s.facts.ged) {
          s.facts.ged = {
            request: p?.name ?? (s.kind === 'cti-open' ? 'OPEN_REQ' : 'request'),
            reply: m.type,
            status: num(m.fields.status),
            statusName: str(m.fields.statusName),
            failureCode: num(m.fields.failureCode),
            failureCodeName: str(m.fields.failureCodeName),
            peripheralErrorCode: num(m.fields.peripheralErrorCode),
            peripheralErrorCodeName: str(m.fields.peripheralErrorCodeName),
            frame: m.frame,
            time: m.time,
          };
        }
        if (s.facts.events) bump(s.facts.events.counts, m.type);
        return s;
      }
      case 'SET_AGENT_STATE_REQ': {
        if (isLoginRequest(m)) {
          const s = gedStep(flow, m, 'cti-login', 'login');
          if (!s) return undefined;
          g.login = s;
          absorb(s, m);
          s.count++;
          s.facts.login = { requested: stateName(m) ?? 'LOGIN', confirmed: false };
          addPending(flow, invoke, s, 'SET_AGENT_STATE_REQ', m);
          return s;
        }
        const e = gedEvents(flow, g, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, `SET_AGENT_STATE_REQ ${stateName(m) ?? ''}`.trim());
        addPending(flow, invoke, e, 'SET_AGENT_STATE_REQ', m);
        return e;
      }
      case 'SET_AGENT_STATE_CONF': {
        const p = resolve(flow, invoke, m);
        const s = p?.step ?? gedEvents(flow, g, m);
        if (!s) return undefined;
        absorb(s, m);
        if (s.facts.login) {
          s.facts.login.confirmed = true;
          s.facts.login.confirmTime = m.time;
          s.lastOk = true;
        } else if (s.facts.events) bump(s.facts.events.counts, m.type);
        return s;
      }
      case 'AGENT_STATE_EVENT': {
        const l = g.login;
        const st = stateName(m);
        if (l && l.facts.login && !l.facts.login.event && !l.facts.ged && st !== 'LOGOUT') {
          absorb(l, m);
          l.facts.login.event = { time: m.time, frame: m.frame, stateName: st };
          return l;
        }
        const e = gedEvents(flow, g, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, m.type);
        return e;
      }
      case 'QUERY_AGENT_STATE_REQ': {
        if (!g.query) {
          g.query = gedStep(flow, m, 'cti-query', 'login');
          if (!g.query) return undefined;
          g.query.facts.query = {};
        }
        absorb(g.query, m);
        g.query.count++;
        addPending(flow, invoke, g.query, 'QUERY_AGENT_STATE_REQ', m);
        return g.query;
      }
      case 'QUERY_AGENT_STATE_CONF': {
        const p = resolve(flow, invoke, m);
        const s = p?.step ?? g.query;
        if (!s) return undefined;
        absorb(s, m);
        s.lastOk = true;
        if (s.facts.query) s.facts.query.stateName = stateName(m);
        return s;
      }
      case 'HEARTBEAT_REQ': {
        if (!g.heartbeat) {
          g.heartbeat = gedStep(flow, m, 'cti-heartbeat', 'cti-session');
          if (!g.heartbeat) return undefined;
          g.heartbeat.facts.heartbeat = { sent: 0, answered: 0, missed: 0, consecutive: 0, maxConsecutive: 0, missedFrames: [], firstSent: m.time, lastSent: m.time };
        }
        const s = g.heartbeat;
        const h = s.facts.heartbeat!;
        const limit = s.replyTimeout ?? 10;
        // Heartbeats still unanswered past the reply timeout when the next one goes out are missed.
        if (g.heartbeatPending.size) g.heartbeatPending.expire(m.time, limit, (p) => missHeartbeat(h, p.frame));
        absorb(s, m);
        s.count++;
        h.sent++;
        h.lastSent = m.time;
        if (invoke !== undefined && g.heartbeatPending.size < MAX_PENDING_PER_FLOW) g.heartbeatPending.set(invoke, { frame: m.frame, time: m.time });
        return s;
      }
      case 'HEARTBEAT_CONF': {
        const s = g.heartbeat;
        if (!s) return gedEvents(flow, g, m);
        absorb(s, m);
        const h = s.facts.heartbeat!;
        const p = invoke !== undefined ? g.heartbeatPending.get(invoke) : undefined;
        if (p && invoke !== undefined) {
          g.heartbeatPending.delete(invoke);
          const rt = m.time - p.time;
          if (s.firstResponseTime === undefined) s.firstResponseTime = rt;
        }
        h.answered++;
        s.answered++;
        h.consecutive = 0;
        s.lastOk = true;
        return s;
      }
      case 'CLOSE_REQ': {
        const e = gedEvents(flow, g, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, m.type);
        e.facts.events!.closeBy = m.direction;
        e.facts.events!.closeStatusName = str(m.fields.statusName);
        addPending(flow, invoke, e, 'CLOSE_REQ', m);
        return e;
      }
      default: {
        if (m.type === 'CLOSE_CONF') resolve(flow, invoke, m);
        const e = gedEvents(flow, g, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, m.type);
        if (m.type === 'FAILURE_EVENT' && !e.facts.events!.failureEvent) {
          e.facts.events!.failureEvent = { status: num(m.fields.status), statusName: str(m.fields.statusName), frame: m.frame };
        }
        return e;
      }
    }
  }

  function missHeartbeat(h: NonNullable<StepState['facts']['heartbeat']>, frame: number): void {
    h.missed++;
    h.consecutive++;
    if (h.consecutive > h.maxConsecutive) h.maxConsecutive = h.consecutive;
    if (h.missedFrames.length < 10) h.missedFrames.push(frame);
  }

  function noteAgent(host: HostState, m: DecodedMessage): void {
    const id = str(m.fields.agentId);
    const ext = str(m.fields.agentExtension) ?? str(m.fields.agentInstrument);
    if (m.direction === 'c2s') {
      if (id) host.agentId = id;
      if (ext) host.extension = ext;
    } else {
      if (id) host.eventAgentId = id;
      if (ext) host.eventExtension = ext;
    }
  }

  function onCtios(flow: FlowState, m: DecodedMessage): StepState | undefined {
    if (!flow.ctios) {
      flow.ctios = newStep(flow, 'ctios', flow.info.start, 'cti-session');
      if (!flow.ctios) return undefined;
      flow.ctios.protocol = 'ctios';
      flow.ctios.facts.opaque = { messages: 0, bytes: { c2s: 0, s2c: 0 } };
      flow.host!.desktopHints.add('ctios');
    }
    const s = flow.ctios;
    absorb(s, m);
    s.lastOk = true;
    const o = s.facts.opaque!;
    o.messages++;
    o.bytes[m.direction] += m.length;
    return s;
  }

  function onDns(flow: FlowState, m: DecodedMessage): StepState | undefined {
    const host = flow.host!;
    const id = num(m.fields.id);
    const qname = (str(m.fields.qname) ?? '').toLowerCase();
    const qtype = str(m.fields.qtypeName) ?? str(m.fields.qtype) ?? '?';
    const key = `${qname}|${qtype}`;
    if (m.type === 'query') {
      let s = host.dnsSteps.get(key);
      if (!s) {
        if (host.dnsSteps.size >= MAX_DNS_NAMES_PER_HOST) return undefined;
        s = newStep(flow, 'dns', m.time, 'dns');
        if (!s) return undefined;
        s.protocol = 'dns';
        s.service = flow.cls?.service ?? 'dns';
        s.label = flow.cls?.label ?? 'DNS';
        s.replyTimeout ??= 5;
        s.facts.dns = { qname, qtype, queries: 0, responses: 0, addresses: [], failures: 0, ok: null };
        host.dnsSteps.set(key, s);
      }
      absorb(s, m);
      s.count++;
      s.facts.dns!.queries++;
      addPending(flow, id, s, `query ${qname}`, m);
      return s;
    }
    const p = resolve(flow, id, m);
    const s = p?.step ?? host.dnsSteps.get(key);
    if (!s || !s.facts.dns) return undefined;
    absorb(s, m);
    const d = s.facts.dns;
    d.responses++;
    const rcode = num(m.fields.rcode) ?? 0;
    d.rcodeName = str(m.fields.rcodeName) ?? (rcode === 0 ? 'NOERROR' : `rcode ${rcode}`);
    const addresses = Array.isArray(m.fields.addresses) ? (m.fields.addresses.filter((a) => typeof a === 'string') as string[]) : [];
    for (const a of addresses) {
      if (!d.addresses.includes(a) && d.addresses.length < 16) d.addresses.push(a);
      if (qname) addNames(a, [qname]);
    }
    let failure: string | undefined;
    if (rcode !== 0) failure = d.rcodeName;
    else if (addresses.length === 0 && (qtype === 'A' || qtype === '1')) failure = 'no address (NOERROR with an empty answer)';
    if (failure) {
      d.failures++;
      d.ok = false;
      d.lastFailure = { reason: failure, frame: m.frame, time: m.time };
      s.lastOk = false;
    } else {
      d.ok = true;
      s.lastOk = true;
    }
    return s;
  }

  function onTls(flow: FlowState, m: DecodedMessage): StepState | undefined {
    const phase = flowPhase(flow) ?? 'other';
    const isAlert = m.type === 'alert';
    // close_notify is the normal end of a TLS session, not a failure.
    const description = str(m.fields.alertDescriptionName) === 'close_notify' ? undefined : str(m.fields.alertDescriptionName);
    // On flows that are not a desktop service (browsers on 443…), only a readable alert is worth a step.
    if (!flow.tls && (phase === 'other' || phase === 'phone') && !(isAlert && description)) return undefined;
    if (!flow.tls) {
      flow.tls = newStep(flow, 'tls', flow.info.start);
      if (!flow.tls) return undefined;
      flow.tls.protocol = 'tls';
      flow.tls.facts.tls = { handshakes: [] };
    }
    const s = flow.tls;
    const t = s.facts.tls!;
    absorb(s, m);
    if (isAlert) {
      if (description && !t.alert) {
        t.alert = { level: str(m.fields.alertLevelName), description, code: num(m.fields.alertDescription), frame: m.frame, from: m.direction };
        if (t.alert.level !== 'warning') s.lastOk = false;
      }
    } else {
      if (!t.handshakes.includes(m.type) && t.handshakes.length < 8) t.handshakes.push(m.type);
      const sni = str(m.fields.serverName);
      if (sni && !t.serverName) t.serverName = sni;
      if (s.lastOk === null) s.lastOk = true;
    }
    return s;
  }

  function onGeneric(flow: FlowState, m: DecodedMessage): StepState | undefined {
    if (!flow.generic) {
      flow.generic = newStep(flow, 'generic', m.time);
      if (!flow.generic) return undefined;
      flow.generic.protocol = m.protocol;
      flow.generic.facts.generic = { counts: new Map() };
    }
    const s = flow.generic;
    absorb(s, m);
    s.lastOk = true;
    bump(s.facts.generic!.counts, m.type);
    return s;
  }

  // ---------------------------------------------------------------- flows ending

  function flowEnd(r: FlowRecord, cls?: FlowClassification): void {
    touchTime(r.end);
    const key = flowKey(r.transport, r.id);
    const flow = flows.get(key) ?? newFlow(r);
    flows.delete(key);
    if (cls && !flow.cls) classify(flow, cls);
    const host = flow.host;
    if (!host) return;
    if (r.end > host.lastTime) host.lastTime = r.end;
    const phase = flowPhase(flow) ?? 'other';

    // Requests left without a reply.
    for (const p of flow.pending.values()) {
      if (r.openAtEnd) {
        if (openPending.length < MAX_OPEN_PENDING) openPending.push(p);
      } else markUnanswered(p, r.end, r.finFrames[0] ?? r.rstFrame ?? r.lastFrame);
    }
    flow.pending.clear();
    const g = flow.ged;
    if (g) {
      const h = g.heartbeat?.facts.heartbeat;
      if (h) for (const p of g.heartbeatPending.values()) if (!r.openAtEnd || r.end - p.time >= (g.heartbeat!.replyTimeout ?? 10)) missHeartbeat(h, p.frame);
      // A CTI session that fell silent for its IdleTimeout and was then torn down.
      if (g.idleTimeout !== undefined && !r.openAtEnd) {
        const silence = r.end - g.lastMessage;
        const target = g.heartbeat ?? g.open ?? g.events ?? flow.steps[0];
        if (silence >= g.idleTimeout && target) target.facts.idle = { idleTimeout: g.idleTimeout, silence, endState: r.state, frame: r.rstFrame ?? r.finFrames[0] ?? r.lastFrame };
      }
    }

    const touched: StepState[] = [...flow.steps];
    if (r.transport === 'tcp' && phase !== 'other') {
      const conn = connectionStep(flow, r, phase);
      if (conn && !touched.includes(conn)) touched.push(conn);
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

    const gapBytes = Math.max(r.gapBytes.c2s + r.gapBytes.s2c, flow.gapBytes.c2s + flow.gapBytes.s2c);
    if (gapBytes > 0 && phase !== 'other') {
      const target = flow.steps[0] ?? connectionStep(flow, r, phase, true);
      if (target) {
        const dir: Direction = flow.gapDir ?? (r.gapBytes.s2c > r.gapBytes.c2s ? 's2c' : 'c2s');
        target.facts.gap = { bytes: gapBytes, frame: flow.gapFrame ?? r.firstFrame, dir };
        if (!touched.includes(target)) touched.push(target);
      }
    }
    if (analyzer.onUpdate) for (const s of touched) report(flow, s, true);
  }

  /** Connection-level step for a flow's TCP facts: failed attempts, server resets, or a session with no decoded messages. */
  function connectionStep(flow: FlowState, r: FlowRecord, phase: Phase, force = false): StepState | undefined {
    const host = flow.host!;
    const answered = r.synAckFrame !== undefined || r.packets.s2c > 0;
    const icmp = r.icmpErrors.find((e) => e.kind === 'destination-unreachable') ?? r.icmpErrors[0];
    let failure: 'unreachable' | 'refused' | 'reset' | undefined;
    if (r.state === 'REJ') failure = 'refused';
    else if (!answered && (r.state === 'S0' || r.state === 'RSTOS0' || r.state === 'SH' || icmp)) failure = 'unreachable';
    else if (icmp && r.packets.s2c === 0) failure = 'unreachable';
    else if (r.rstBy === 's2c' && answered) {
      const clientFin = r.finFrames.length > 0 && r.rstFrame !== undefined && r.finFrames[0] < r.rstFrame && /F/.test(r.history);
      if (!clientFin) failure = 'reset';
    }
    if (!failure && (flow.steps.length > 0 && !force)) return undefined;
    if (!failure && !answered) return undefined;

    const bytes = { c2s: r.payloadBytes.c2s, s2c: r.payloadBytes.s2c };
    if (failure === 'unreachable' || failure === 'refused') {
      // Retries to the same server fold into the previous attempt's step.
      for (let i = host.steps.length - 1; i >= 0 && i >= host.steps.length - 20; i--) {
        const s = host.steps[i];
        const c = s.facts.conn;
        if (!c || c.failure !== failure || s.server !== flow.info.server) continue;
        if (r.start - s.end > RETRY_WINDOW || s.start - r.end > RETRY_WINDOW) continue;
        c.attempts++;
        c.syns += r.syns;
        c.synSpan += r.synSpan;
        for (const f of r.synFrames) if (c.synFrames.length < 25) c.synFrames.push(f);
        s.start = Math.min(s.start, r.start);
        s.flowStart = Math.min(s.flowStart, r.start);
        s.end = Math.max(s.end, r.end);
        c.span = s.end - s.start;
        s.count++;
        s.frames.addAll(r.synFrames);
        if (r.rstFrame !== undefined) s.frames.add(r.rstFrame);
        if (icmp) s.frames.add(icmp.frame);
        return s;
      }
    }
    const start = failure === 'reset' ? r.end : r.start;
    const s = newStep(flow, 'connection', start, phase);
    if (!s) return undefined;
    if (failure !== 'reset') s.flowStart = r.start;
    s.end = failure === 'unreachable' ? Math.max(r.start + r.synSpan, icmp?.time ?? 0, r.end) : r.end;
    if (failure === 'reset') s.start = s.end;
    s.count = 1;
    s.lastOk = failure === undefined;
    s.facts.conn = {
      state: r.state,
      failure,
      attempts: 1,
      syns: r.syns,
      synSpan: r.synSpan,
      span: r.end - r.start,
      synFrames: r.synFrames.slice(0, 25),
      rstFrame: r.rstFrame,
      rstBy: r.rstBy,
      icmp: icmp ? { codeName: icmp.codeName, from: icmp.from, frame: icmp.frame } : undefined,
      duration: r.end - r.start,
      bytes,
    };
    if (failure === 'reset') s.frames.add(r.rstFrame ?? r.lastFrame);
    else {
      s.frames.addAll(r.synFrames);
      if (r.synAckFrame !== undefined) s.frames.add(r.synAckFrame);
      if (r.rstFrame !== undefined) s.frames.add(r.rstFrame);
      if (icmp) s.frames.add(icmp.frame);
      if (!failure) {
        s.frames.add(r.firstFrame);
        s.frames.add(r.lastFrame);
      }
    }
    return s;
  }

  function gap(flowId: number, dir: Direction, bytes: number, frame: number): void {
    const flow = flows.get(flowKey('tcp', flowId));
    if (!flow) return;
    flow.gapBytes[dir] += bytes;
    if (flow.gapFrame === undefined) {
      flow.gapFrame = frame;
      flow.gapDir = dir;
    }
  }

  function addNames(address: string, list: string[]): void {
    let set = namesByAddress.get(address);
    if (!set) {
      set = new Set();
      namesByAddress.set(address, set);
    }
    for (const raw of list) {
      const name = raw.toLowerCase().replace(/\.$/, '');
      if (!name) continue;
      if (set.size < MAX_NAMES_PER_ADDRESS) set.add(name);
      let addrs = addressesByName.get(name);
      if (!addrs) {
        addrs = new Set();
        addressesByName.set(name, addrs);
      }
      if (addrs.size < MAX_NAMES_PER_ADDRESS) addrs.add(address);
    }
  }

  function warning(w: { code: string; message: string; frame?: number; file?: string }): void {
    const entry: SourceWarning = { code: w.code, message: w.message };
    if (w.frame !== undefined) entry.frame = w.frame;
    if (w.file !== undefined) entry.file = w.file;
    if (warnings.length < MAX_WARNINGS) warnings.push(entry);
    if (!truncation && /trunc/i.test(w.code)) truncation = entry;
    // Live capture reports its drop counters once, at the end; the latest word is the total.
    if (w.code === 'capture-dropped') captureDrops = entry;
  }

  // ---------------------------------------------------------------- live updates

  function pendingOf(flow: FlowState, step: StepState): PendingRequest[] {
    const out: PendingRequest[] = [];
    for (const p of flow.pending.values()) if (p.step === step) out.push(p);
    return out;
  }

  function isWorkstation(h: HostState): boolean {
    return h.desktopClient && !serverIps.has(h.ip);
  }

  function report(flow: FlowState, step: StepState, flowEnded: boolean): void {
    const host = flow.host!;
    if (!isWorkstation(host) || !analyzer.onUpdate) return;
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
    const { facts: _f, kind: _k, flowStart: _s, replyTimeout: _r, label: _l, ...publicStep } = out;
    analyzer.onUpdate({ kind: 'step', workstation: host.ip, step: publicStep });
    const ws = buildWorkstation(host, state(now, host));
    host.reportedFindings ??= new Set();
    for (const f of ws.findings) {
      const fk = `${f.kind}|${f.step}|${f.server}`;
      if (host.reportedFindings.has(fk)) continue;
      host.reportedFindings.add(fk);
      analyzer.onUpdate({ kind: 'finding', workstation: host.ip, finding: f });
    }
  }

  // ---------------------------------------------------------------- documents

  /** The state documents are built from; `only` limits the pending-request scan to one host (live updates). */
  function state(now: number, only?: HostState): AnalysisState {
    const open = new Map<StepState, PendingRequest[]>();
    const add = (p: PendingRequest): void => {
      const list = open.get(p.step);
      if (list) list.push(p);
      else open.set(p.step, [p]);
    };
    for (const f of flows.values()) if (!only || f.host === only) for (const p of f.pending.values()) add(p);
    for (const p of openPending) add(p);
    // Heartbeats waiting on open sessions are judged like any other request (against the reply timeout).
    for (const f of flows.values()) {
      if (only && f.host !== only) continue;
      const hb = f.ged?.heartbeat;
      if (hb) for (const p of f.ged!.heartbeatPending.values()) add({ step: hb, name: 'HEARTBEAT_REQ', frame: p.frame, time: p.time });
    }
    return {
      hosts,
      isWorkstation,
      pending: open,
      now,
      namesOf: (a) => [...(namesByAddress.get(a) ?? [])],
      addressesOf: (n) => [...(addressesByName.get(n.toLowerCase()) ?? [])],
      truncation,
      captureDrops,
      warnings,
      firstTime: Number.isFinite(firstTime) ? firstTime : null,
      lastTime: Number.isFinite(lastTime) ? lastTime : null,
      filter: opts.workstation,
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
