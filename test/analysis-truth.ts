/**
 * The analysis held to a scenario's truth (src/lab/synth/scenarios.ts ExpectedAgent / ExpectedCtiClient): the
 * comparable shape of each side, shared by the samples test and the lab's live runs.
 */

import type { ExpectedAgent, ExpectedCtiClient } from '../src/lab/synth/scenarios.js';
import type { AnalysisDocument } from '../src/timeline/model.js';

export const kinds = (list: readonly { kind: string }[] | readonly string[]): string[] => [...new Set(list.map((f) => (typeof f === 'string' ? f : f.kind)))].sort();

export function agentsOf(doc: AnalysisDocument): unknown[] {
  return doc.agents.map((a) => {
    const last = a.attempts[a.attempts.length - 1];
    return {
      id: a.id,
      peripheralId: a.peripheralId,
      instrument: a.instrument,
      outcome: a.outcome,
      failedPhase: a.failedPhase ?? undefined,
      failureCode: a.outcome === 'failed' ? (last?.code ?? undefined) : undefined,
      findings: kinds(a.findings),
      attempts: a.attempts.length,
      clientId: a.via?.clientId,
      desktop: a.desktop,
      linkBasis: a.desktopLink?.basis,
    };
  });
}

export function expectedAgents(list: readonly ExpectedAgent[]): unknown[] {
  return list.map((e) => ({
    id: e.id,
    peripheralId: e.peripheralId,
    instrument: e.instrument,
    outcome: e.outcome,
    failedPhase: e.failedPhase,
    failureCode: e.failureCode,
    findings: kinds(e.findings),
    attempts: e.attempts,
    clientId: e.via.clientId,
    desktop: e.desktop,
    linkBasis: e.linkBasis,
  }));
}

/**
 * The truth lists a CTI client per connection (its client end ip:port); the analysis lists one per host and
 * ClientID with its sessions: the latest connection's outcome is the client's, the findings are all of them.
 */
export function expectedClients(list: readonly ExpectedCtiClient[]): unknown[] {
  const byKey = new Map<string, { host: string; clientId: string; version: number; outcome: string; findings: Set<string>; sessions: string[] }>();
  for (const e of list) {
    const host = e.host.slice(0, e.host.lastIndexOf(':'));
    const key = `${host}|${e.clientId}`;
    const c = byKey.get(key) ?? { host, clientId: e.clientId, version: e.version, outcome: e.outcome, findings: new Set<string>(), sessions: [] };
    c.outcome = e.outcome;
    for (const f of e.findings) c.findings.add(f);
    c.sessions.push(e.host);
    byKey.set(key, c);
  }
  return [...byKey.values()].map((c) => ({ ...c, findings: [...c.findings].sort(), sessions: c.sessions.sort() }));
}

export function clientsOf(doc: AnalysisDocument): unknown[] {
  return doc.ctiClients.map((c) => ({
    host: c.host,
    clientId: c.clientId,
    version: c.version,
    outcome: c.outcome,
    findings: kinds(c.findings),
    sessions: c.sessions.map((x) => x.client).sort(),
  }));
}


export function sortById(list: unknown[]): unknown[] {
  return [...list].sort((a, b) => String((a as { id: string }).id).localeCompare(String((b as { id: string }).id)));
}

export function sortByText(list: unknown[]): unknown[] {
  return [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
