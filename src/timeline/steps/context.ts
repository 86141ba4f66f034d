/**
 * What every step builder shares: the flow table, the hosts and their bounded step lists, request/reply
 * pairing, and the subject registries (CTI clients, agents) that steps attach to. The builders in this folder
 * turn one protocol's messages into steps and facts through it; the engine (../analyzer.ts) feeds it.
 */

import type { DecodedMessage, Direction, FieldValue, FlowInfo } from '../../decoders/types.js';
import type { FlowClassification, Phase } from '../../decoders/profile.js';
import { FrameList } from '../frames.js';
import type { HostState, PendingRequest, StepKind, StepState, UnansweredRequest } from '../state.js';
import type { CtiClientState } from '../subjects/cti-clients.js';
import type { AgentState } from '../subjects/agents.js';
import type { GedFlowState } from './ged188.js';
import { PendingRequests } from '../pending-requests.js';

/** Bounds that keep a long SPAN capture in constant memory per host. */
export const MAX_STEPS_PER_HOST = 2000;
/** Requests awaiting a reply per flow: a PG's CTI session can have thousands of logins in flight after a failover. Dropped ones count as unanswered. */
export const MAX_PENDING_PER_FLOW = 4096;
const MAX_NAMES_PER_ADDRESS = 8;

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

export interface FlowState {
  key: number;
  info: FlowInfo;
  cls?: FlowClassification;
  host?: HostState;
  /** `host` was given by classification and counted in its openFlows. */
  hostCounted?: boolean;
  /**
   * Of the phase 'other' (a browser's TLS, the PC's name protocols): its client's host is bound only when the flow
   * makes a step (newStep), not when it starts. On a SPAN port most flows are other programs', and a host made,
   * counted and let go for each of them cost about 6% of the analysis of a mixed capture.
   */
  hostDeferred?: boolean;
  steps: StepState[];
  /** Requests awaiting a reply, by id; made on the first request (most flows of a scan never send one). */
  pending?: PendingRequests<PendingRequest>;
  ldap?: StepState;
  giop?: Map<string, StepState>;
  ged?: GedFlowState;
  ctios?: StepState;
  tls?: StepState;
  generic?: StepState;
  /** Bytes lost in gaps, per direction; made by the first gap. */
  gapBytes?: { c2s: number; s2c: number };
  /** Messages from the server so far (analyzer.ts markRepliesInGap: has it spoken since a request?). */
  serverMessages?: number;
  /** The latest frame that proved a hole in the server's bytes (analyzer.ts gap; addPending). */
  serverGapFrame?: number;
  /** Its content decides whether it is a start-up step (ordinary LDAP ports, GIOP found by content)… */
  byContent?: boolean;
  /** …and it did: the desktop's directory, a CAD object. */
  contentConfirmed?: boolean;
  /**
   * On a desktop port, but its roles were guessed (no handshake captured): it shows a desktop only once a message
   * of its protocol decodes cleanly (analyzer.ts, message), not by its port, which may be either end's.
   */
  desktopUnconfirmed?: boolean;
  /**
   * Its server is a desktop server by the port alone so far: it counts as one (no workstation, whatever else it
   * does) once the flow carries data. A scan of a PC's ports, all refused, made the PC a 'server'.
   */
  serverUnconfirmed?: boolean;
  gapFrame?: number;
  gapDir?: Direction;
}

export function flowKey(transport: 'tcp' | 'udp', id: number): number {
  return transport === 'udp' ? -(id + 1) : id;
}

export function str(v: FieldValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function num(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function bump(counts: Map<string, number>, type: string, max = 24): void {
  if (!counts.has(type) && counts.size >= max) type = 'other';
  counts.set(type, (counts.get(type) ?? 0) + 1);
}

export class StepContext {
  readonly hosts = new Map<string, HostState>();
  /** Addresses seen serving a desktop service: such a host is a server, not a workstation. */
  readonly serverIps = new Set<string>();
  readonly flows = new Map<number, FlowState>();
  readonly ctiClients = new Map<string, CtiClientState>();
  readonly agents = new Map<string, AgentState>();
  /** The agent an agent step belongs to (live updates of server-side sessions name it). */
  readonly agentOfStep = new WeakMap<StepState, AgentState>();
  readonly namesByAddress = new Map<string, Set<string>>();
  readonly addressesByName = new Map<string, Set<string>>();
  /** Requests still waiting when their flow was reported open at the end of the capture. */
  readonly openPending: PendingRequest[] = [];
  /** Replies captured before the requests they answer: how many, the largest lead, and the first pair's frames. */
  repliesFirst?: { count: number; lead: number; reply: number; request: number };

  hostFor(ip: string, time: number): HostState {
    let h = this.hosts.get(ip);
    if (!h) {
      h = { ip, steps: [], nextStepId: 1, desktopClient: false, firstTime: time, lastTime: time, openFlows: 0 };
      this.hosts.set(ip, h);
    }
    return h;
  }

  /** Binds the flow's client's host and counts the flow in it: at classification, or at a deferred flow's first step. */
  bindHost(flow: FlowState): HostState {
    const host = this.hostFor(flow.info.clientIp, flow.info.start);
    flow.host = host;
    host.openFlows++;
    flow.hostCounted = true;
    flow.hostDeferred = false;
    return host;
  }

  flowPhase(flow: FlowState, protocol?: string): Phase | undefined {
    if (flow.cls) return flow.cls.phase;
    if (protocol) return FALLBACK_PHASE[protocol];
    return undefined;
  }

  /**
   * A new step on the flow's host. `detached` steps take their id from the host but are kept only by the
   * subject that asked for them (an agent on a CTI session shared by many): a server's session can carry
   * thousands of logins without filling its host's list.
   */
  newStep(flow: FlowState, kind: StepKind, time: number, phase?: Phase, detached = false): StepState | undefined {
    const host = flow.host ?? this.bindHost(flow);
    if (!detached && host.steps.length >= MAX_STEPS_PER_HOST) return undefined;
    const cls = flow.cls;
    const s: StepState = {
      id: `s${host.nextStepId++}`,
      kind,
      phase: phase ?? this.flowPhase(flow) ?? 'other',
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
      facts: flow.info.transport === 'tcp' && flow.info.roleBy !== 'syn' ? { midStream: true } : {},
    };
    if (!detached) {
      // A first step makes a list of one: push() on [] reserves 17 slots, and most flows (and a scan's hosts) have one.
      if (host.steps.length === 0) host.steps = [s];
      else host.steps.push(s);
      if (flow.steps.length === 0) flow.steps = [s];
      else flow.steps.push(s);
    }
    return s;
  }

  addPending(flow: FlowState, id: number | undefined, step: StepState, name: string, m: DecodedMessage): void {
    if (id === undefined) return;
    const pending = (flow.pending ??= new PendingRequests());
    if (pending.has(id)) return; // a retransmitted request keeps its first time
    if (pending.size >= MAX_PENDING_PER_FLOW) {
      const [oldId, old] = pending.oldest()!;
      pending.delete(oldId);
      markUnanswered(old, undefined, undefined);
    }
    const p: PendingRequest = flow.serverMessages ? { step, name, frame: m.frame, time: m.time, serverMessages: flow.serverMessages } : { step, name, frame: m.frame, time: m.time };
    // A hole in the server's bytes proven by a later frame than the request's, reported before it: the request was held
    // back for those bytes (it acknowledged them) and delivered after the gap. Its reply may be in the hole.
    if (flow.serverGapFrame !== undefined && flow.serverGapFrame > m.frame) p.gapFrame = flow.serverGapFrame;
    pending.set(id, p);
  }

  /** Pairs a reply with its request; returns the request, or undefined when it was not seen. */
  resolve(flow: FlowState, id: number | undefined, m: DecodedMessage): PendingRequest | undefined {
    if (id === undefined) return undefined;
    const p = flow.pending?.get(id);
    if (!p) return undefined;
    flow.pending!.delete(id);
    const s = p.step;
    // A reply captured before its request (two taps' clocks apart) took no time that the capture can tell.
    const rt = Math.max(0, m.time - p.time);
    if (m.time < p.time) this.replyFirst(m.frame, p.frame, p.time - m.time);
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

  /** Notes a reply captured `lead` seconds before its request (said once, capture-wide, with the count). */
  replyFirst(reply: number, request: number, lead: number): void {
    const r = (this.repliesFirst ??= { count: 0, lead: 0, reply, request });
    r.count++;
    if (lead > r.lead) r.lead = lead;
  }

  addNames(address: string, list: readonly string[]): void {
    let set = this.namesByAddress.get(address);
    if (!set) {
      set = new Set();
      this.namesByAddress.set(address, set);
    }
    for (const raw of list) {
      const name = raw.toLowerCase().replace(/\.$/, '');
      if (!name) continue;
      if (set.size < MAX_NAMES_PER_ADDRESS) set.add(name);
      let addrs = this.addressesByName.get(name);
      if (!addrs) {
        addrs = new Set();
        this.addressesByName.set(name, addrs);
      }
      if (addrs.size < MAX_NAMES_PER_ADDRESS) addrs.add(address);
    }
  }
}

/** Where a message lies: a DecodedMessage, or a heartbeat event (HeartbeatEvent), which has no message. */
export interface MessagePlace {
  readonly frames: readonly number[];
  readonly frame: number;
  readonly time: number;
}

/**
 * The step takes the message in. It reads the place's fields itself: a time handed to a call as a number is a
 * new heap number each time (V8 boxes a double passed to a function it does not inline).
 */
export function absorb(step: StepState, m: MessagePlace): void {
  step.messages++;
  const frames = m.frames;
  if (frames.length === 1) step.frames.add(frames[0]);
  else if (frames.length > 1) step.frames.addAll(frames);
  else step.frames.add(m.frame);
  if (m.time > step.end) step.end = m.time;
}

/** A request whose reply may be in bytes the capture lost, as a step lists it (p.gapFrame set). */
export function uncapturedOf(p: PendingRequest): UnansweredRequest {
  return p.lostWithAck ? { name: p.name, frame: p.frame, time: p.time, gapFrame: p.gapFrame, lostWithAck: true } : { name: p.name, frame: p.frame, time: p.time, gapFrame: p.gapFrame };
}

export function markUnanswered(p: PendingRequest, closedAt: number | undefined, closeFrame: number | undefined): void {
  const s = p.step;
  const f = s.facts;
  if (p.gapFrame !== undefined) {
    // Its reply may be among the bytes the capture lost: not seen is not unanswered.
    f.uncapturedTotal = (f.uncapturedTotal ?? 0) + 1;
    f.uncaptured ??= [];
    if (f.uncaptured.length < 10) f.uncaptured.push(uncapturedOf(p));
    return;
  }
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

/** One protocol's steps: turns its messages on a flow into steps and facts. */
export interface StepBuilder {
  message(ctx: StepContext, flow: FlowState, m: DecodedMessage): StepState | undefined;
}
