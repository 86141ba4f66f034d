/**
 * The analyzer's working state: per host, a bounded list of steps with the facts the rules reason over.
 * Rules read these (through `WorkstationView`); the document carries only the public `Step` shape.
 */

import type { AgentStateReport } from './subjects/agents.js';
import type { Direction } from '../decoders/types.js';
import type { DesktopKind, Phase } from '../decoders/profile.js';
import type { Finding, SourceWarning, Step } from './model.js';
import { FrameList } from './frames.js';

export type StepKind =
  | 'connection' // a connection attempt or session with no decoded exchange (failed SYNs, resets, opaque payload)
  | 'ldap'
  | 'giop'
  | 'cti-open'
  | 'cti-login'
  | 'cti-query'
  | 'cti-heartbeat'
  | 'cti-events'
  | 'ctios'
  | 'dns'
  | 'tls'
  | 'generic';

/** `closed`: a CTI session the server ended with its FIN, unasked (steps/ged188.ts, closedByServerUnasked). */
export type ConnFailure = 'unreachable' | 'refused' | 'reset' | 'closed';

/** Connection-level facts, from the FlowRecord. */
export interface ConnFacts {
  state: string;
  failure?: ConnFailure;
  /** Attempts folded into this step (repeated refused or unanswered connections to one server). */
  attempts: number;
  syns: number;
  /** Seconds between the first and last SYN, summed over the attempts' own spans. */
  synSpan: number;
  /** First SYN of the first attempt to the last packet of the last attempt. */
  span: number;
  synFrames: number[];
  rstFrame?: number;
  rstBy?: Direction;
  /** The server's FIN that ended the session (for `closed`). */
  finFrame?: number;
  /**
   * Seconds a CTI session had been silent when the server reset or closed it, when that was long (SILENT_BEFORE_END)
   * and its IdleTimeout is unknown (its OPEN_REQ not in the capture): the timeout may be why.
   */
  silentFor?: number;
  icmp?: { codeName: string; from: string; frame: number };
  /** Seconds the connection was established before the reset or close (for `reset`, `closed`); at least that when `midStream`. */
  duration: number;
  /** The connection began before the capture (no SYN in it): its age is known only from its first packet. */
  midStream?: true;
  bytes: { c2s: number; s2c: number };
  /** True when the client sent its FIN before the server's RST (a normal close, not a reset). */
  closedByClient?: boolean;
  /** Opened and closed by the client with no byte either way: a port check (steps/connection.ts, noDesktopInConnections). */
  portCheck?: true;
  /**
   * Unanswered SYNs the capture (or the flow table) ended after too soon for the client's next retry or giving up,
   * which come later each time: the seconds it went on past the last one. How the attempt ended is not in the capture.
   */
  stillTrying?: number;
}

export interface UnansweredRequest {
  name: string;
  frame: number;
  time: number;
  /** The connection ended (at `closedAt`) before any reply. */
  closedAt?: number;
  closeFrame?: number;
  /** Its reply may be in bytes the capture lost (a gap from the server starting at this frame): not counted as unanswered. */
  gapFrame?: number;
  /** The bytes lost are the server's after the client's last data, at gapFrame, whose ACK the capture lost too (FlowRecord.serverLostAfter). */
  lostWithAck?: true;
}

export interface LateReply {
  name: string;
  frame: number;
  responseTime: number;
}

export interface GedFailure {
  /** The request it answers: OPEN_REQ, SET_AGENT_STATE_REQ, … */
  request: string;
  /** FAILURE_CONF or CONTROL_FAILURE_CONF. */
  reply: string;
  status?: number;
  statusName?: string;
  failureCode?: number;
  failureCodeName?: string;
  peripheralErrorCode?: number;
  peripheralErrorCodeName?: string;
  frame: number;
  time: number;
}

export interface StepFacts {
  /** Its TCP connection was under way when the capture began (no SYN in it). */
  midStream?: true;
  /** The round trip of its connection's handshake (FlowRecord.handshakeRtt), once the flow ended. */
  handshakeRtt?: number;
  conn?: ConnFacts;
  unanswered?: UnansweredRequest[];
  unansweredTotal?: number;
  /** Requests with no captured reply whose reply may be in bytes the capture lost (capped), and how many in all. */
  uncaptured?: UnansweredRequest[];
  uncapturedTotal?: number;
  late?: LateReply[];
  /** The slowest answered exchange. */
  slowest?: LateReply;
  ldap?: {
    bindDn?: string;
    binds: number;
    searches: number;
    entries: number;
    operations: number;
    error?: { op: string; code?: number; name?: string; diagnostic?: string; frame: number; time: number };
    /** Searches answered noSuchObject for an entry that is not the agent's own (capped). */
    missing?: { base: string; matchedDN?: string; frame: number; time: number }[];
    /**
     * Searches for the agent or its team (the filter or base names one) answered success with no entry at all
     * (capped): the other reading of "not in the directory".
     */
    empty?: { base: string; filter: string; names: 'agent' | 'team'; frame: number; time: number }[];
    /** When the desktop unbound (ended its directory session), if it did. */
    unbound?: number;
    /** The searches for the agent or its team still waiting for their result, by messageId, with the entries so far. */
    awaited?: Map<number, { base: string; filter: string; names: 'agent' | 'team'; entries: number }>;
  };
  giop?: {
    operation: string;
    objectKey?: string;
    lastStatus?: string;
    exceptions: number;
    exception?: { status: string; id?: string; minorCode?: number; frame: number; time: number };
  };
  ged?: GedFailure;
  open?: { confirmed: boolean; /** Its OPEN_REQ is not in the capture (an OPEN_CONF alone opened the step). */ requestUnseen?: boolean; idleTimeout?: number; peripheralOnline?: boolean; agentStateName?: string; servicesGranted?: string[] };
  login?: {
    requested: string;
    /** Who the request named (a host may run several agents' desktops: a terminal server). */
    agentId?: string;
    extension?: string;
    confirmed: boolean;
    confirmTime?: number;
    event?: { time: number; frame: number; stateName?: string };
  };
  query?: { stateName?: string };
  heartbeat?: {
    sent: number;
    answered: number;
    missed: number;
    consecutive: number;
    maxConsecutive: number;
    missedFrames: number[];
    firstSent: number;
    lastSent: number;
    /** Heartbeats with no captured reply whose reply may be in bytes the capture lost: neither answered nor missed. */
    uncaptured?: number;
  };
  events?: {
    counts: Map<string, number>;
    closeBy?: Direction;
    closeStatusName?: string;
    failureEvent?: { statusName?: string; status?: number; frame: number; time?: number };
    /** SYSTEM_EVENTs (peripheral online/offline, CTI server side changes), capped. */
    system?: { name: string; frame: number; time: number }[];
  };
  dns?: {
    qname: string;
    qtype: string;
    queries: number;
    responses: number;
    rcodeName?: string;
    addresses: string[];
    failures: number;
    lastFailure?: { reason: string; frame: number; time: number };
    ok: boolean | null;
  };
  tls?: {
    serverName?: string;
    handshakes: string[];
    alert?: { level?: string; description: string; code?: number; frame: number; from: Direction };
  };
  /** `c2sTimes`: when the desktop sent (capped), to tie a CTI OS server's requests to it by timing. */
  opaque?: { messages: number; bytes: { c2s: number; s2c: number }; c2sTimes?: number[] };
  idle?: { idleTimeout: number; silence: number; endState: string; frame: number };
  /** Bytes the capture missed on the flow: in all, and each way; `dir`, the way of the first hole. */
  gap?: { bytes: number; frame: number; dir: Direction; c2s?: number; s2c?: number };
  generic?: { counts: Map<string, number> };
}

export interface StepState {
  id: string;
  kind: StepKind;
  phase: Phase;
  service: string;
  label: string;
  server: string;
  protocol: string;
  start: number;
  end: number;
  /** When the step's TCP connection began (its first SYN): failover costs are measured from there. */
  flowStart: number;
  flowId?: number;
  frames: FrameList;
  messages: number;
  replyTimeout?: number;
  /** Requests sent (or connection attempts). */
  count: number;
  answered: number;
  /** Outcome of the most recent exchange; null while undecided. */
  lastOk: boolean | null;
  firstResponseTime?: number;
  /** Send time of the latest request that got its reply. */
  lastAnsweredRequest?: number;
  facts: StepFacts;
  /** What was last reported to the live listener ("ok|summary"), to report changes only. */
  reportedKey?: string;
}

export interface PendingRequest {
  step: StepState;
  name: string;
  frame: number;
  time: number;
  /** Its flow was finalised early (FlowRecord.evictedAt) at this time: whether it is overdue is judged as of then. */
  seenUntil?: number;
  /** The capture lost bytes from the server (a gap starting at this frame) while its reply was due. */
  gapFrame?: number;
  /** As UnansweredRequest.lostWithAck. */
  lostWithAck?: true;
  /** The server's messages on its flow before it (FlowState.serverMessages); absent for none. */
  serverMessages?: number;
}

/** A field added here that records something learnt about the host must also be weighed in isBare (analyzer.ts). */
/** A SYN the capture ended too soon after to tell whether it was answered (steps/connection.ts): no step. */
export interface PendingConnect {
  server: string;
  service: string;
  label: string;
  frame: number;
  time: number;
}

export interface HostState {
  ip: string;
  /** SYNs still unanswered when the capture ended just after them (capped). */
  connecting?: PendingConnect[];
  steps: StepState[];
  nextStepId: number;
  /** Opened a connection to a desktop service (config … services) or spoke GED-188 as the client. */
  desktopClient: boolean;
  /** Made when a first hint comes (a host that only ever sent one unanswered request has none). */
  desktopHints?: Set<DesktopKind>;
  agentId?: string;
  extension?: string;
  /** Host names found in the desktop's directory entries (its configured servers), capped. */
  configuredNames?: Set<string>;
  /** The agent whose entry the desktop's directory traffic read (when no CTI traffic names one). */
  directoryAgentId?: string;
  /** Agent identity seen only in server events (used when the client never sent one). */
  eventAgentId?: string;
  eventExtension?: string;
  dnsSteps?: Map<string, StepState>;
  /** Failed connections to CTI servers that carried no GED-188 message, for the host's CTI client (capped). */
  ctiConnections?: StepState[];
  /** One of its GED-188 sessions spoke for several agents: a server (CTI OS server, Finesse), not a desktop. */
  serverSideCti?: boolean;
  firstTime: number;
  lastTime: number;
  reportedFindings?: Set<string>;
  /** Open flows whose host this is (FlowState.host): a bare host with none is let go (see analyzer.ts). */
  openFlows: number;
}

export type SubjectKind = 'workstation' | 'cti-client' | 'agent';

/** What a rule sees: one subject (a workstation, CTI client or agent), its steps in time order, and the capture's context. */
export interface WorkstationView {
  subject: SubjectKind;
  /** The workstation's or CTI client's IP address; for an agent, its AgentID. */
  host: string;
  desktop: DesktopKind;
  steps: AnalyzedStep[];
  /** Time the analysis stands at (end of capture, or "now" in live mode). */
  now: number;
  /** When the capture's first flow began (undefined when nothing was seen). */
  captureStart?: number;
  truncated: boolean;
  truncation?: SourceWarning;
  /** Packets the capture backend lost (live capture), capture-wide. */
  captureDrops?: SourceWarning;
  /** Addresses a name resolved to anywhere in the capture. */
  addressesOf(name: string): string[];
  /** Names known for an address. */
  namesOf(address: string): string[];
  /** As AnalysisState.sessionGapsOf: holes in a CTI session's bytes, by direction and the frame that proved each. */
  sessionGapsOf(flowId: number): readonly SessionGap[];
  /** Who the subject's login is for; `instrument` when a (UCCE) login named the agent's device by that alone. */
  agent: { id: string | null; extension: string | null; instrument: string | null };
  /** An AGENT_STATE_EVENT confirmed a login. */
  loggedIn: boolean;
  /** Connections the subject's host was still opening when the capture ended (a SYN just before its end). */
  connecting?: readonly PendingConnect[];
  /** A CTI client's: its host's own DNS lookups (lookups.ts), which its steps lack, for the servers it may fail over to. */
  lookups?: readonly AnalyzedStep[];
  /** An agent's: each CTI server's first and latest word on its state since its latest login request. */
  agentReports?: readonly { first: AgentStateReport; last: AgentStateReport }[];
}

/** Bytes of a CTI session the capture lost, one way: the frame (and its time) that proved the hole. */
export interface SessionGap {
  dir: Direction;
  frame: number;
  time: number;
}

/** `uncaptured`: its requests whose reply may be in bytes the capture lost, judged or still waiting (capped). */
export type AnalyzedStep = Step & { facts: StepFacts; kind: StepKind; flowStart: number; replyTimeout?: number; label: string; uncaptured?: UnansweredRequest[] };

export type SubjectView = WorkstationView;

export type Rule = (ws: WorkstationView) => Finding[];
