/** A CTI client's entry in the document: its identity, sessions, steps, findings and outcome. */

import type { CtiClient, FailureCause } from '../model.js';
import type { AnalysisState } from '../document.js';
import { finalizeSteps, maxOf, minOf, publicStep, runRules, subjectView } from '../document.js';
import type { CtiClientState } from './cti-clients.js';

export function buildCtiClient(c: CtiClientState, st: AnalysisState, truncated: boolean): CtiClient {
  const steps = finalizeSteps(c.steps, st, undefined);
  const view = subjectView('cti-client', c.host, 'unknown', steps, { id: null, extension: null }, st, truncated);
  const findings = runRules(view);
  const servers: string[] = [];
  for (const s of c.sessions) if (!servers.includes(s.server)) servers.push(s.server);
  // The latest session decides: opened and not lost is a working client.
  const last = c.sessions[c.sessions.length - 1];
  const lastSteps = last ? steps.filter((s) => s.server === last.server && s.start >= last.start - 1e-6) : [];
  const lost = lastSteps.find((s) => !s.ok && (s.kind === 'connection' || s.kind === 'cti-open' || s.kind === 'cti-heartbeat'));
  let outcome: CtiClient['outcome'] = 'incomplete';
  let failure: FailureCause | null = null;
  if (last?.opened === false || lost) {
    outcome = 'failed';
    const step = lost ?? lastSteps.find((s) => s.kind === 'cti-open');
    const f = findings.find((x) => x.severity === 'error' && step && x.step === step.id) ?? findings.find((x) => x.severity === 'error');
    failure = f
      ? { phase: 'cti-session', step: f.step, kind: f.kind, server: f.server, message: f.message }
      : { phase: 'cti-session', step: step?.id ?? null, kind: null, server: last?.server ?? null, message: step?.summary ?? 'the session failed' };
  } else if (last?.opened === true) outcome = 'logged-in';
  return {
    host: c.host,
    names: st.namesOf(c.host),
    clientId: c.clientId,
    version: c.version,
    services: { requested: c.servicesRequested, granted: c.servicesGranted },
    peripheralId: c.peripheralId,
    peripheralOnline: c.peripheralOnline,
    servers,
    sessions: c.sessions.map((s) => ({ client: s.client, server: s.server, start: s.start, end: s.end, opened: s.opened, endState: s.endState ?? null })),
    agents: c.agents,
    outcome,
    failure,
    start: steps.length > 0 ? minOf(steps, (s) => s.start) : c.firstTime,
    end: steps.length > 0 ? maxOf(steps, (s) => s.end) : c.lastTime,
    steps: steps.map(publicStep),
    findings,
  };
}
