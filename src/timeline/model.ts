/**
 * The analysis model: per-workstation steps, findings and outcomes, as the analysis document carries them.
 * Everything here is plain data (JSON-serialisable), described field by field in docs/analysis.md and
 * schema/analysis.schema.json.
 */

import type { DesktopKind, Phase } from '../decoders/profile.js';

export const ANALYSIS_SCHEMA_ID = 'ctiscope/analysis@2';
/** The previous version, which the UI still opens (no agents or CTI clients). */
export const ANALYSIS_SCHEMA_V1 = 'ctiscope/analysis@1';

export type Outcome = 'logged-in' | 'failed' | 'incomplete';
export const OUTCOMES: readonly Outcome[] = ['logged-in', 'failed', 'incomplete'];

export type Severity = 'error' | 'warning' | 'info';

export const FINDING_KINDS = [
  'server-unreachable',
  'connection-refused',
  'connection-reset',
  'session-closed',
  'timeout',
  'config-download-failed',
  'licensing-failed',
  'cti-open-failed',
  'agent-login-failed',
  'agent-logged-out',
  'failover',
  'peripheral-offline',
  'slow-step',
  'heartbeat-lost',
  'session-flapping',
  'dns-failure',
  'tls-failure',
  'capture-gap',
  'truncated-capture',
  'capture-started-late',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** The phases a desktop start-up runs through, in order (the order used for `failedPhase` ties). */
export const STARTUP_PHASES: readonly Phase[] = ['config', 'licensing', 'cti-session', 'login', 'services'];
export const PHASE_ORDER: readonly Phase[] = ['dns', 'config', 'licensing', 'cti-session', 'login', 'services', 'phone', 'other'];

/** Optional facts about a step; which keys appear depends on the protocol. */
export interface StepDetail {
  flowId?: number;
  /** Decoded messages folded into this step. */
  messages?: number;
  /** Request-to-reply latency of the (first) exchange, seconds. */
  responseTime?: number;
  /** Aggregated steps (heartbeats, polls, retries): how many exchanges or attempts, and how many got no reply. */
  count?: number;
  missed?: number;
  /** Longest run of consecutive unanswered requests (heartbeats). */
  maxConsecutiveMissed?: number;
  /** Zeek-style connection state of the flow, when the step is about a connection. */
  connState?: string;
  syns?: number;
  synSpan?: number;
  /** Bytes exchanged (connection-level steps). */
  bytes?: { c2s: number; s2c: number };
  /** Bytes the capture missed on this flow. */
  gapBytes?: number;
  /** The operation, search base, query name… this step is about. */
  operation?: string;
  /** Codes behind a failure, by name and number. */
  code?: number;
  codeName?: string;
  /** Requests still waiting for a reply when the step was reported. */
  pending?: number;
  /** Requests whose reply may be in bytes the capture lost (the peer acknowledged bytes it never showed): not counted as unanswered. */
  uncaptured?: number;
}

/** One step of a workstation's timeline: an exchange (or a group of like exchanges) with one server. */
export interface Step {
  /** Unique within the workstation ("s1", "s2", … in order of creation). */
  id: string;
  phase: Phase;
  /** Service id from the port profile ('ldap-directory', 'licensing', 'cti', …). */
  service: string;
  /** "ip:port" of the server. */
  server: string;
  protocol: string;
  /** Seconds since the epoch. */
  start: number;
  end: number;
  /** False when the capture shows the step failing; true when it shows it working, or cannot tell (`notCaptured`). */
  ok: boolean;
  /**
   * The reply that decides the step is in bytes the capture lost (the desktop acknowledged data the capture never
   * showed): not a failure, but not seen to succeed either.
   */
  notCaptured?: true;
  /** One sentence: what happened, with its result and duration. */
  summary: string;
  /** Frame numbers (capped: the first 20 and the last 5); `framesTotal` tells how many there were when capped. */
  frames: number[];
  framesTotal?: number;
  detail?: StepDetail;
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** "ip:port" of the server concerned, or null for capture-wide findings. */
  server: string | null;
  /** Id of the step the finding is about, or null. */
  step: string | null;
  /** The cause and its evidence, in one or two sentences. */
  message: string;
  frames: number[];
}

/** Which start-up of a restarted desktop its outcome is (1-based, of `count`), and how each other one ended by itself. */
export interface StartupOutcome {
  index: number;
  count: number;
  others: { index: number; outcome: Outcome; failedPhase: Phase | null }[];
}

/** Why a workstation failed: the finding that names the cause of its failed phase. */
export interface FailureCause {
  phase: Phase;
  step: string | null;
  kind: FindingKind | null;
  server: string | null;
  message: string;
}

/**
 * The agents and CTI clients that no listed workstation stands for: the subjects of a server-side capture.
 * An agent whose logins went out on a listed desktop's own CTI session (CAD), and a CTI client on a listed
 * workstation's host, are shown in full by that workstation; every other one is reported as a subject of its own.
 */
export function serverSideSubjects<A extends Pick<Agent, 'desktop' | 'desktopLink'>, C extends Pick<CtiClient, 'host'>>(
  workstations: readonly { host: string }[],
  agents: readonly A[] = [],
  ctiClients: readonly C[] = [],
): { agents: A[]; ctiClients: C[] } {
  const hosts = new Set(workstations.map((w) => w.host));
  return {
    agents: agents.filter((a) => !(a.desktop !== null && a.desktopLink?.basis === 'desktop-session' && hosts.has(a.desktop))),
    ctiClients: ctiClients.filter((c) => !hosts.has(c.host)),
  };
}

/** One login attempt (SET_AGENT_STATE_REQ LOGIN) and what became of it. */
export interface LoginAttempt {
  /** Id of the attempt's step in the subject's steps; null when the step is another subject's (a CTI OS desktop's logins are its agent's). */
  step: string | null;
  time: number;
  /** "ip:port" of the CTI client end that made the request, and its ClientID. */
  client: string | null;
  clientId: string | null;
  server: string;
  agentId: string | null;
  instrument: string | null;
  outcome: Outcome;
  code: number | null;
  codeName: string | null;
  frames: number[];
}

/** How a desktop PC was tied to an agent. */
export type DesktopLinkBasis = 'desktop-session' | 'tag-217' | 'timing';

export interface DesktopLink {
  basis: DesktopLinkBasis;
  /** The evidence, in one sentence. */
  evidence: string;
}

/** An AgentID on a peripheral: every login attempt made for it, by whichever CTI client. */
export interface Agent {
  id: string | null;
  extension: string | null;
  instrument: string | null;
  peripheralId: number | null;
  /** The session that last spoke for the agent: its client end, ClientID and CTI server. */
  via: { client: string; clientId: string | null; server: string } | null;
  /** The agent's desktop PC when the capture shows it, and how it was tied. */
  desktop: string | null;
  desktopLink: DesktopLink | null;
  /** The desktops whose own sessions carried the agent before `desktop`'s did, when its login moved (oldest first). */
  previousDesktops?: string[];
  outcome: Outcome;
  failedPhase: Phase | null;
  failure: FailureCause | null;
  /** The agent state last reported (AGENT_STATE_EVENT, QUERY_AGENT_STATE_CONF). */
  state: string | null;
  start: number;
  end: number;
  attempts: LoginAttempt[];
  steps: Step[];
  findings: Finding[];
}

export interface CtiSession {
  client: string;
  server: string;
  start: number;
  end: number | null;
  opened: boolean | null;
  endState: string | null;
}

/** A host holding GED-188 sessions under one ClientID. */
export interface CtiClient {
  /** IP address of the client host. */
  host: string;
  names: string[];
  clientId: string | null;
  version: number | null;
  services: { requested: string[]; granted: string[] };
  peripheralId: number | null;
  peripheralOnline: boolean | null;
  /** The CTI servers ("ip:port") it opened sessions with, in order. */
  servers: string[];
  sessions: CtiSession[];
  /** Agents it made requests for or heard events of. */
  agents: number;
  /** SYSTEM_EVENTs (peripheral online/offline, CTI server side changes) and FAILURE_EVENTs, in time order (capped). */
  events: { name: string; server: string; time: number; frame: number }[];
  /** logged-in: its latest session opened and was not lost; failed: it was refused, unreachable or lost. */
  outcome: Outcome;
  failure: FailureCause | null;
  start: number;
  end: number;
  steps: Step[];
  findings: Finding[];
}

export interface Workstation {
  /** IP address of the agent PC. */
  host: string;
  /** Names from DNS answers and pcapng name resolution blocks. */
  names: string[];
  desktop: DesktopKind;
  agent: { id: string | null; extension: string | null };
  outcome: Outcome;
  failedPhase: Phase | null;
  failure: FailureCause | null;
  /** From the first step of the start-up that logged in to the AGENT_STATE_EVENT that confirmed the login. */
  loginSeconds: number | null;
  /**
   * Present when the desktop started up more than once in the capture (restarted): the outcome is the latest start-up's
   * that shows an end, start-up `index` of `count`; `others` says how each other one ended by itself.
   */
  startup?: StartupOutcome;
  start: number;
  end: number;
  /** Every login attempt the desktop made (or, for a CTI OS desktop, that was made for it). */
  attempts: LoginAttempt[];
  steps: Step[];
  findings: Finding[];
}

export interface SourceWarning {
  code: string;
  message: string;
  frame?: number;
  file?: string;
}

/** What the caller knows about the input when it asks for a document. */
export interface SourceInfo {
  files: string[];
  packets: number;
  start?: number | null;
  end?: number | null;
  truncated?: boolean;
  warnings?: SourceWarning[];
}

export interface SummaryGroup {
  outcome: Outcome;
  /** The finding kind that explains the group (null for plain successes). */
  kind: FindingKind | null;
  /**
   * The failing step's code, by name and number where it has both ("AGENT_DEVICE_OFF (88004)", "invalidCredentials
   * (49)", a CORBA exception's repository id): failures of one kind on one server but for other reasons are other
   * groups. Null when the step has none; absent in documents written before it.
   */
  cause?: string | null;
  server: string | null;
  count: number;
  hosts: string[];
}

/** Agents grouped by outcome and cause ("9 agent-login-failed 88004 on 10.20.0.10:42027"). */
export interface AgentSummaryGroup {
  outcome: Outcome;
  kind: FindingKind | null;
  code: number | null;
  server: string | null;
  count: number;
  agents: string[];
}

export interface AnalysisDocument {
  schema: typeof ANALYSIS_SCHEMA_ID;
  generator: { name: 'ctiscope'; version: string };
  source: {
    files: string[];
    packets: number;
    start: number | null;
    end: number | null;
    duration: number | null;
    truncated: boolean;
    warnings: SourceWarning[];
  };
  summary: {
    workstations: number;
    byOutcome: Record<Outcome, number>;
    byFindingKind: Partial<Record<FindingKind, number>>;
    groups: SummaryGroup[];
    agents: number;
    agentsByOutcome: Record<Outcome, number>;
    agentGroups: AgentSummaryGroup[];
    ctiClients: number;
    message: string;
  };
  workstations: Workstation[];
  ctiClients: CtiClient[];
  agents: Agent[];
}

/** What the live mode is told as the analysis goes. */
export interface AnalyzerUpdate {
  kind: 'step' | 'finding';
  /** The workstation's IP address; for an agent, its desktop's when tied, else "agent <id>"; for a CTI client, its host. */
  workstation: string;
  /** Set when the update is an agent's or a CTI client's rather than a workstation's. */
  subject?: 'agent' | 'cti-client';
  step?: Step;
  finding?: Finding;
}
