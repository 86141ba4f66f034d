/**
 * Agents: an AgentID on a peripheral, with every login attempt made for it (by which CTI client, on which
 * instrument), the steps of its requests and events, and the desktop PC when the capture shows it.
 */

import type { StepState } from '../state.js';
import type { CtiClientState } from './cti-clients.js';

export const MAX_AGENTS = 50_000;
const MAX_STEPS_PER_AGENT = 200;
const MAX_ATTEMPTS_PER_AGENT = 50;

export interface LoginAttemptState {
  step: StepState;
  client: CtiClientState;
  /** "ip:port" of the client end of the session that made the request. */
  clientEndpoint: string;
  server: string;
  instrument?: string;
  extension?: string;
  /** CTIOS_CIL_CLIENT_ID (tag 217): the desktop a CTI OS server made the request for. */
  cilClientId?: string;
  time: number;
}

export interface AgentState {
  key: string;
  id: string | null;
  peripheralId: number | null;
  extension?: string;
  instrument?: string;
  cilClientId?: string;
  steps: StepState[];
  attempts: LoginAttemptState[];
  /** The CTI clients that spoke for this agent (the latest last). */
  clients: CtiClientState[];
  /** The client endpoint and server of the latest session that spoke for it. */
  via?: { client: string; server: string; clientId: string | null; host: string };
  /** Last state an AGENT_STATE_EVENT or QUERY_AGENT_STATE_CONF reported. */
  lastState?: string;
  /**
   * Each session's first and latest report of the agent's state since its latest login request, by flow id: after
   * a failover, or a session opened again on the same server, the new session's first word on an agent logged in
   * on the old one tells whether the login carried over.
   */
  reports?: Map<number, { first: AgentStateReport; last: AgentStateReport }>;
  /** When a SET_AGENT_STATE_REQ LOGOUT for the agent last went out, since its latest login request. */
  logoutAsked?: number;
  /** The desktops whose own sessions (a CAD desktop's) carried the agent's requests, the latest last (ged188.ts). */
  desktopSessions?: string[];
  firstTime: number;
  lastTime: number;
  /** Findings already announced to the live listener. */
  reportedFindings?: Set<string>;
}

/** States in which an agent is logged in. */
const LOGGED_IN_STATES = /^(AVAILABLE|READY|NOT_READY|TALKING|WORK_READY|WORK_NOT_READY|RESERVED|HOLD|BUSY_OTHER|ACTIVE|PAUSED|INTERRUPTED)$/;

export function isLoggedInState(state: string | undefined): boolean {
  return state !== undefined && LOGGED_IN_STATES.test(state);
}

/** A CTI server's word on an agent's state: which message said it, and when. */
export interface AgentStateReport {
  server: string;
  /** "ip:port" of the client end of the session. */
  client: string;
  /** The session (flow) that carried it: a session opened again on the same server is a new one. */
  flowId: number;
  /** A LOGOUT the agent's own session asked for (SET_AGENT_STATE_REQ LOGOUT since its latest login request). */
  asked?: true;
  /** The AGENT_STATE_EVENT's EventReasonCode, with its name when the tables have one. */
  reason?: { code: number; name?: string };
  state: string;
  message: 'AGENT_STATE_EVENT' | 'QUERY_AGENT_STATE_CONF' | 'OPEN_CONF';
  frame: number;
  time: number;
}

/** Sessions whose reports an agent keeps; past it, the oldest one after the first goes. */
const MAX_REPORT_SESSIONS = 8;

/** A state report for the agent; reports are kept per session (a handful), so an agent's memory stays bounded. */
export function noteStateReport(a: AgentState, r: AgentStateReport): void {
  a.lastState = r.state;
  if (r.state === 'LOGOUT' && a.logoutAsked !== undefined) r.asked = true;
  const reports = (a.reports ??= new Map());
  const known = reports.get(r.flowId);
  if (known) {
    known.last = r;
    return;
  }
  if (reports.size >= MAX_REPORT_SESSIONS) {
    const keys = reports.keys();
    keys.next();
    reports.delete(keys.next().value!);
  }
  reports.set(r.flowId, { first: r, last: r });
}

/** A login request starts the agent's reports afresh: what each server says from now on is about this login. */
export function startStateReports(a: AgentState): void {
  a.reports = undefined;
  a.logoutAsked = undefined;
}

export function agentKey(peripheralId: number | null, id: string | undefined, instrument: string | undefined): string | undefined {
  if (id) return `${peripheralId ?? '?'}|${id}`;
  if (instrument) return `${peripheralId ?? '?'}|@${instrument}`;
  return undefined;
}

export function newAgent(key: string, peripheralId: number | null, id: string | undefined, time: number): AgentState {
  return { key, id: id ?? null, peripheralId, steps: [], attempts: [], clients: [], firstTime: time, lastTime: time };
}

export function addAgentStep(a: AgentState, s: StepState): void {
  if (a.steps.length < MAX_STEPS_PER_AGENT && !a.steps.includes(s)) a.steps.push(s);
}

export function addAttempt(a: AgentState, at: LoginAttemptState): void {
  // Keep the first attempts and always the latest: the outcome is the last attempt's.
  if (a.attempts.length >= MAX_ATTEMPTS_PER_AGENT) a.attempts.splice(MAX_ATTEMPTS_PER_AGENT - 1, 1);
  a.attempts.push(at);
}
