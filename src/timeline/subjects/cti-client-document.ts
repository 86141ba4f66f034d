/** A CTI client's entry in the document: its identity, sessions, steps, findings and outcome. */

import type { CtiClient, FailureCause } from '../model.js';
import type { AnalysisState } from '../document.js';
import { maxOf, minOf } from '../../array-loops.js';
import { buildView, finalizeSteps, publicStep, runRules, subjectView } from '../document.js';
import { newCtiClient, type CtiClientState } from './cti-clients.js';
import type { StepState } from '../state.js';
import { noDesktopInConnections } from '../steps/connection.js';
import { endsSession, reconnectingAfter, unfinishedAtEnd } from '../rules/common.js';
import { eventLoss } from '../rules/cti-failover.js';
import { causeOf } from '../outcome.js';

/**
 * The failed CTI connections of a host that carried no message go to the host's CTI client whose first session
 * is nearest in time to each (the client that then failed over, or was retrying).
 */
export function assignCtiConnections(st: AnalysisState): Map<CtiClientState, StepState[]> {
  const out = new Map<CtiClientState, StepState[]>();
  const byHost = new Map<string, CtiClientState[]>();
  for (const c of st.ctiClients.values()) {
    const list = byHost.get(c.host);
    if (list) list.push(c);
    else byHost.set(c.host, [c]);
  }
  // A host none of whose CTI connections ever carried a message (never reached either side) is a CTI client too,
  // unless it is a workstation, whose own timeline shows them, or all it did was probe ports (a scan).
  for (const h of st.hosts.values()) {
    if (!h.ctiConnections || byHost.has(h.ip) || (st.isWorkstation(h) && h.steps.length > 0) || noDesktopInConnections(h.steps)) continue;
    byHost.set(h.ip, [newCtiClient(`${h.ip}|@unreached`, h.ip, undefined, h.ctiConnections[0].start)]);
  }
  for (const [ip, clients] of byHost) {
    const extra = st.hosts.get(ip)?.ctiConnections;
    if (!extra) continue;
    for (const s of extra) {
      let best = clients[0];
      for (const c of clients) if (Math.abs((c.sessions[0]?.start ?? c.firstTime) - s.start) < Math.abs((best.sessions[0]?.start ?? best.firstTime) - s.start)) best = c;
      const list = out.get(best);
      if (list) list.push(s);
      else out.set(best, [s]);
    }
  }
  return out;
}

const MAX_EVENTS = 20;

function eventsOf(c: CtiClientState): CtiClient['events'] {
  const out: CtiClient['events'] = [];
  for (const s of c.steps) {
    const e = s.facts.events;
    if (!e) continue;
    for (const x of e.system ?? []) out.push({ name: x.name, server: s.server, time: x.time, frame: x.frame });
    if (e.failureEvent) out.push({ name: `FAILURE_EVENT ${e.failureEvent.statusName ?? e.failureEvent.status ?? ''}`.trim(), server: s.server, time: e.failureEvent.time ?? s.start, frame: e.failureEvent.frame });
  }
  return out.sort((a, b) => a.time - b.time || a.frame - b.frame).slice(0, MAX_EVENTS);
}

/**
 * How a CTI client's latest session ended when it was lost: when (the end of the step that shows it) and why;
 * `failure` is null when the capture ends with the client connecting again (how that went is not in it).
 */
export interface SessionLoss {
  time: number;
  failure: FailureCause | null;
}

export function buildCtiClient(c: CtiClientState, st: AnalysisState, truncated: boolean, extra: readonly StepState[] = []): CtiClient {
  return buildCtiClientWithLoss(c, st, truncated, extra).client;
}

/** The CTI client's entry, and how its latest session was lost, if it was (the agents it spoke for went with it). */
export function buildCtiClientWithLoss(c: CtiClientState, st: AnalysisState, truncated: boolean, extra: readonly StepState[] = []): { client: CtiClient; loss?: SessionLoss } {
  const steps = finalizeSteps(extra.length > 0 ? [...c.steps, ...extra] : c.steps, st, undefined);
  const view = subjectView('cti-client', c.host, 'unknown', steps, { id: null, extension: null, instrument: null }, st, truncated);
  const connecting = st.hosts.get(c.host)?.connecting;
  if (connecting) view.connecting = connecting;
  const servers: string[] = [];
  for (const s of c.sessions) if (!servers.includes(s.server)) servers.push(s.server);
  // The latest session decides: opened and not lost is a working client.
  const last = c.sessions[c.sessions.length - 1];
  const lastSteps = last ? steps.filter((s) => s.server === last.server && s.start >= last.start - 1e-6) : [];
  // Its latest session refused: its host's own lookups name the servers it may fail over to (rules/common.ts,
  // failoverDueAtEnd), for its findings and its outcome.
  const refusal = last?.opened === false ? lastSteps.find((s) => s.kind === 'cti-open' && !s.ok) : undefined;
  const host = refusal ? st.hosts.get(c.host) : undefined;
  if (host) view.lookups = buildView(host, st, truncated).steps.filter((s) => s.kind === 'dns');
  const findings = runRules(view);
  // The server's word that its side went offline, then the session's end (a clean close): lost all the same.
  const closed = last?.endState !== undefined && last.endState !== 'S1' && last.endState !== 'OTH';
  const declared = closed ? lastSteps.find((s) => eventLoss(s) !== undefined) : undefined;
  const lostStep = lastSteps.find(endsSession) ?? declared;
  // A session lost while the capture ends with the client connecting again shows no end.
  const reconnecting = lostStep !== undefined && reconnectingAfter(view, lostStep) !== undefined;
  // Refused just before the capture ended, or while connecting again: the failover due next is not in the capture.
  const refusedAtEnd = refusal !== undefined && unfinishedAtEnd(view, refusal);
  const lost = reconnecting || refusedAtEnd ? undefined : lostStep;
  let outcome: CtiClient['outcome'] = 'incomplete';
  let failure: FailureCause | null = null;
  let loss: SessionLoss | undefined = reconnecting ? { time: lostStep.end, failure: null } : undefined;
  // Never connected: failed, unless the capture ended while it was still trying (its SYNs unanswered so far, or connecting again).
  const unreached = !last && steps.length > 0 && steps.every((s) => !s.ok) && !steps.some((s) => unfinishedAtEnd(view, s));
  if ((last?.opened === false && !refusedAtEnd) || lost || unreached) {
    outcome = 'failed';
    const step = lost ?? lastSteps.find((s) => s.kind === 'cti-open') ?? (unreached ? steps[steps.length - 1] : undefined);
    const f = findings.find((x) => x.severity === 'error' && step && x.step === step.id) ?? findings.find((x) => x.severity === 'error');
    const said = step && step === declared ? eventLoss(step) : undefined;
    failure = f
      ? causeOf('cti-session', f)
      : said
        ? { phase: 'cti-session', step: step!.id, kind: null, server: step!.server, message: `${said.what}, and the session then ended (${last!.endState ?? 'closed'}) with no session since.` }
        : { phase: 'cti-session', step: step?.id ?? null, kind: null, server: last?.server ?? null, message: step?.summary ?? 'the session failed' };
    loss = { time: step?.end ?? c.lastTime, failure };
  } else if (last?.opened === true && !reconnecting) outcome = 'logged-in';
  // Opening a new session when the capture ends, after one that opened: the agents of that one are not known either.
  else if (!loss && last && c.sessions.some((x) => x.opened === true)) loss = { time: last.start, failure: null };
  const client: CtiClient = {
    host: c.host,
    names: st.namesOf(c.host),
    clientId: c.clientId,
    version: c.version,
    services: { requested: c.servicesRequested, granted: c.servicesGranted },
    peripheralId: c.peripheralId,
    peripheralOnline: c.peripheralOnline,
    // A copy of exact size: the list grew by push.
    servers: servers.slice(),
    sessions: c.sessions.map((s) => ({ client: s.client, server: s.server, start: s.start, end: s.end, opened: s.opened, endState: s.endState ?? null })),
    agents: c.agents,
    events: eventsOf(c),
    outcome,
    failure,
    start: steps.length > 0 ? minOf(steps, (s) => s.start) : c.firstTime,
    end: steps.length > 0 ? maxOf(steps, (s) => s.end) : c.lastTime,
    steps: steps.map(publicStep),
    findings,
  };
  return loss ? { client, loss } : { client };
}
