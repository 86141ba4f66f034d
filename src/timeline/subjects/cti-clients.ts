/**
 * CTI clients: a host holding GED-188 sessions under one ClientID (a CAD desktop, a CTI OS server, Finesse, a
 * recorder). Its timeline is its sessions' own steps (open, heartbeats, events, the connections), never the
 * logins it makes for agents: those are the agents' (./agents.ts).
 */

import type { StepState } from '../state.js';

const MAX_SESSIONS_PER_CLIENT = 64;
const MAX_STEPS_PER_CLIENT = 500;
export const MAX_CTI_CLIENTS = 10_000;

export interface CtiSessionState {
  /** "ip:port" of the client end. */
  client: string;
  server: string;
  flowId: number;
  start: number;
  end: number | null;
  /** OPEN_CONF seen (true), OPEN_REQ refused (false), or no open seen (null). */
  opened: boolean | null;
  /** Zeek-style state of the connection when it ended. */
  endState?: string;
}

export interface CtiClientState {
  key: string;
  host: string;
  clientId: string | null;
  version: number | null;
  servicesRequested: string[];
  servicesGranted: string[];
  peripheralId: number | null;
  peripheralOnline: boolean | null;
  sessions: CtiSessionState[];
  steps: StepState[];
  /** Agents this client made requests for or heard events of. */
  agents: number;
  firstTime: number;
  lastTime: number;
  /** Findings already announced to the live listener. */
  reportedFindings?: Set<string>;
}

export function ctiClientKey(host: string, clientId: string | undefined, endpoint: string): string {
  return clientId ? `${host}|${clientId}` : `${host}|@${endpoint}`;
}

export function newCtiClient(key: string, host: string, clientId: string | undefined, time: number): CtiClientState {
  return {
    key,
    host,
    clientId: clientId ?? null,
    version: null,
    servicesRequested: [],
    servicesGranted: [],
    peripheralId: null,
    peripheralOnline: null,
    sessions: [],
    steps: [],
    agents: 0,
    firstTime: time,
    lastTime: time,
  };
}

export function addClientSession(c: CtiClientState, s: CtiSessionState): void {
  if (c.sessions.length < MAX_SESSIONS_PER_CLIENT) c.sessions.push(s);
}

export function addClientStep(c: CtiClientState, s: StepState): void {
  if (c.steps.length < MAX_STEPS_PER_CLIENT && !c.steps.includes(s)) c.steps.push(s);
}
