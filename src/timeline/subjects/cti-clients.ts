/**
 * CTI clients: a host holding GED-188 sessions under one ClientID (a CAD desktop, a CTI OS server, Finesse, a
 * recorder). Its timeline is its sessions' own steps (open, heartbeats, events, the connections), never the
 * logins it makes for agents: those are the agents' (./agents.ts).
 */

import type { StepState } from '../state.js';
import { maxOf, minOf } from '../../array-loops.js';

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

/**
 * A session caught after its OPEN names no ClientID, so it stands as a client of its own ("host|@endpoint"). When
 * it ended before a named client's first session on the same host began (the client failed over, or reconnected,
 * and that open is in the capture), it was that client's: the one whose first session follows it most closely.
 * Returns each such unnamed client's target; the state is not changed (live snapshots build documents often).
 */
export function caughtSessionOwners(clients: Iterable<CtiClientState>): Map<CtiClientState, CtiClientState> {
  const byHost = new Map<string, { named: CtiClientState[]; unnamed: CtiClientState[] }>();
  for (const c of clients) {
    let e = byHost.get(c.host);
    if (!e) byHost.set(c.host, (e = { named: [], unnamed: [] }));
    if (c.clientId !== null) e.named.push(c);
    else if (c.sessions.length > 0 && c.sessions.every((s) => s.opened === null && s.end !== null)) e.unnamed.push(c);
  }
  const out = new Map<CtiClientState, CtiClientState>();
  for (const { named, unnamed } of byHost.values()) {
    if (named.length === 0) continue;
    for (const u of unnamed) {
      const end = maxOf(u.sessions, (s) => s.end!);
      let best: CtiClientState | undefined;
      for (const n of named) {
        const first = n.sessions[0]?.start;
        if (first === undefined || first < end - 1e-6) continue;
        if (!best || first < best.sessions[0].start) best = n;
      }
      if (best) out.set(u, best);
    }
  }
  return out;
}

/** `into` with the sessions and steps of the clients merged into it, as a new record. */
export function mergedClient(into: CtiClientState, from: readonly CtiClientState[]): CtiClientState {
  const all = [into, ...from];
  return {
    ...into,
    sessions: all.flatMap((c) => c.sessions).sort((a, b) => a.start - b.start),
    steps: all.flatMap((c) => c.steps),
    agents: maxOf(all, (c) => c.agents),
    firstTime: minOf(all, (c) => c.firstTime),
    lastTime: maxOf(all, (c) => c.lastTime),
  };
}
