/**
 * The three kinds of subject the page lists and draws (workstations, CTI clients, agents): their keys in the
 * URL, what a row of the list shows, and the timeline view of one subject with the lanes of the subjects it
 * leans on (an agent: its CTI client's session and its desktop's steps). Pure (no DOM), so it is unit-tested.
 */

import { ANALYSIS_SCHEMA_ID, ANALYSIS_SCHEMA_V1, type Agent, type AnalysisDocument, type CtiClient, type Finding, type Outcome, type Step, type Workstation } from '../../src/timeline/model.js';
import { agentDeviceText, ctiClientPendingText, formatDuration, hostOf } from '../../src/timeline/format.js';
import { PHASE_LABELS } from './lanes.js';
import { OUTCOME_ICON, outcomeWord } from './outcome.js';

export type SubjectKind = 'workstation' | 'agent' | 'cti-client';
export const SUBJECT_KINDS: readonly SubjectKind[] = ['agent', 'cti-client', 'workstation'];

export interface SubjectRef {
  kind: SubjectKind;
  key: string;
}

export type Subject = { kind: 'workstation'; key: string; value: Workstation } | { kind: 'agent'; key: string; value: Agent } | { kind: 'cti-client'; key: string; value: CtiClient };

export const KIND_NOUN: Record<SubjectKind, [string, string]> = {
  workstation: ['workstation', 'workstations'],
  agent: ['agent', 'agents'],
  'cti-client': ['CTI client', 'CTI clients'],
};

/** "5000/5001": peripheral and AgentID (or "@instrument" when the capture never named the agent). */
export function agentKey(a: Agent): string {
  return `${a.peripheralId ?? '-'}/${a.id ?? `@${a.instrument ?? a.extension ?? '?'}`}`;
}

/** "10.1.1.10/CTIOSServer": host and ClientID. */
export function ctiClientKey(c: CtiClient): string {
  return `${c.host}/${c.clientId ?? ''}`;
}

/** The schemas the page opens; an @1 document has no agents or CTI clients. */
export function isAnalysisDocument(doc: unknown): doc is AnalysisDocument {
  const d = doc as Partial<AnalysisDocument> | null;
  return !!d && (d.schema === ANALYSIS_SCHEMA_ID || (d.schema as unknown as string) === ANALYSIS_SCHEMA_V1) && Array.isArray(d.workstations);
}

/** The document with the @2 arrays and counts present, whatever version it is. */
export function normalizeDocument(doc: AnalysisDocument): AnalysisDocument {
  if (Array.isArray(doc.agents) && Array.isArray(doc.ctiClients) && doc.summary?.agentsByOutcome) return doc;
  const agents = Array.isArray(doc.agents) ? doc.agents : [];
  const ctiClients = Array.isArray(doc.ctiClients) ? doc.ctiClients : [];
  const byOutcome: Record<Outcome, number> = { 'logged-in': 0, failed: 0, incomplete: 0 };
  for (const a of agents) byOutcome[a.outcome]++;
  return {
    ...doc,
    agents,
    ctiClients,
    summary: {
      ...doc.summary,
      agents: doc.summary?.agents ?? agents.length,
      agentsByOutcome: doc.summary?.agentsByOutcome ?? byOutcome,
      agentGroups: doc.summary?.agentGroups ?? [],
      ctiClients: doc.summary?.ctiClients ?? ctiClients.length,
    },
  };
}

/**
 * Every subject of the document. `distinct` marks those the "all" list shows: a CAD desktop is a workstation, a
 * CTI client (its own session) and an agent (logged in on that session) at once; the workstation stands for the
 * three there, while a CTI OS server's session and the agents it spoke for are subjects of their own.
 */
export function allSubjects(doc: AnalysisDocument): { subject: Subject; distinct: boolean; agent?: Agent }[] {
  const wsHosts = new Set(doc.workstations.map((w) => w.host));
  // A desktop whose login a CTI OS server made: the agent it was tied to.
  const agentOfDesktop = new Map<string, Agent>();
  for (const a of doc.agents ?? []) if (a.desktop && a.desktopLink?.basis !== 'desktop-session' && !agentOfDesktop.has(a.desktop)) agentOfDesktop.set(a.desktop, a);
  const out: { subject: Subject; distinct: boolean; agent?: Agent }[] = [];
  for (const a of doc.agents ?? []) out.push({ subject: { kind: 'agent', key: agentKey(a), value: a }, distinct: a.desktopLink?.basis !== 'desktop-session' });
  for (const c of doc.ctiClients ?? []) out.push({ subject: { kind: 'cti-client', key: ctiClientKey(c), value: c }, distinct: !wsHosts.has(c.host) });
  for (const w of doc.workstations) out.push({ subject: { kind: 'workstation', key: w.host, value: w }, distinct: true, agent: agentOfDesktop.get(w.host) });
  return out;
}

export function findSubject(doc: AnalysisDocument | null, ref: SubjectRef | null): Subject | undefined {
  if (!doc || !ref) return undefined;
  if (ref.kind === 'workstation') {
    const w = doc.workstations.find((x) => x.host === ref.key);
    return w && { kind: 'workstation', key: w.host, value: w };
  }
  if (ref.kind === 'agent') {
    const a = (doc.agents ?? []).find((x) => agentKey(x) === ref.key);
    return a && { kind: 'agent', key: ref.key, value: a };
  }
  const c = (doc.ctiClients ?? []).find((x) => ctiClientKey(x) === ref.key);
  return c && { kind: 'cti-client', key: ref.key, value: c };
}

/** The CTI client whose session spoke for the agent: same ClientID on the host of `via.client`. */
export function ctiClientOfAgent(doc: AnalysisDocument, a: Agent): CtiClient | undefined {
  if (!a.via) return undefined;
  const host = hostOf(a.via.client);
  const clients = doc.ctiClients ?? [];
  return clients.find((c) => c.host === host && c.clientId === a.via!.clientId) ?? clients.find((c) => c.host === host && c.sessions.some((s) => s.client === a.via!.client));
}

/** The agents whose login a CTI client's session made (failures first), with their keys. */
export function agentsOfCtiClient(doc: AnalysisDocument, c: CtiClient): { ref: SubjectRef; agent: Agent }[] {
  const rank: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };
  return (doc.agents ?? [])
    .filter((a) => ctiClientOfAgent(doc, a) === c)
    .sort((x, y) => rank[x.outcome] - rank[y.outcome])
    .map((agent) => ({ ref: { kind: 'agent' as const, key: agentKey(agent) }, agent }));
}

/** The agents tied to a desktop PC, with their keys. */
export function agentsOfDesktop(doc: AnalysisDocument, host: string): { ref: SubjectRef; agent: Agent }[] {
  return (doc.agents ?? []).filter((a) => a.desktop === host).map((agent) => ({ ref: { kind: 'agent' as const, key: agentKey(agent) }, agent }));
}

function desktopOfAgent(doc: AnalysisDocument, a: Agent): Workstation | undefined {
  return a.desktop ? doc.workstations.find((w) => w.host === a.desktop) : undefined;
}

/** "5001 @ 7001", or the instrument alone. */
export function agentTitle(a: Agent): string {
  return `${a.id ?? '–'}${a.extension || a.instrument ? ` @ ${a.extension ?? a.instrument}` : ''}`;
}

/** "CTIOSServer @ 10.1.1.10". */
export function viaText(a: Agent): string {
  if (!a.via) return '–';
  return `${a.via.clientId ?? '?'} @ ${hostOf(a.via.client)}`;
}

/** The cause of a failed (or incomplete) subject, in one line. */
export function causeText(s: Subject): string {
  const v = s.value;
  if (v.failure) return v.failure.message;
  if (v.outcome === 'failed') return 'failed: see the findings';
  if (v.outcome === 'incomplete') {
    if (s.kind === 'agent') {
      // What the capture does show: a login that may not have carried over a failover, a request with no answer, a state.
      const a = s.value;
      const lost = a.findings.find((f) => f.kind === 'agent-logged-out');
      if (lost) return lost.message;
      if (a.attempts.length > 0) return 'login requested, its answer not in the capture';
      return a.state ? `state ${a.state} reported, no login seen` : 'no login request or state seen';
    }
    if (s.kind === 'cti-client') return ctiClientPendingText(s.value as CtiClient);
  }
  return '';
}

/** One group of lanes of a timeline: the subject's own steps, or another subject's shown beside them. */
export interface LaneGroup {
  id: 'own' | 'cti' | 'desktop';
  /** Put before each lane's label ("CTI client", "Desktop 10.30.0.1"); empty for the subject's own lanes. */
  prefix: string;
  steps: readonly Step[];
  /** The subject the steps belong to (its findings name step ids of these steps). */
  findings: readonly Finding[];
  start: number;
  /** Messages on lanes of this group without being in one of its steps still belong here (the whole subject is drawn). */
  allMessages: boolean;
}

export interface TimelineView {
  ref: SubjectRef;
  subject: Subject;
  /** The subject's own row (its ladder end): label and a second line. */
  rowLabel: string;
  rowSub: string;
  start: number;
  end: number;
  groups: LaneGroup[];
  /** The subject's own findings (drawn at the top). */
  findings: readonly Finding[];
  /** Hosts whose decoded messages the view draws (the message store is keyed by client host). */
  messageHosts: string[];
}

export function ownGroup(view: TimelineView): LaneGroup {
  return view.groups[0];
}

export function groupOf(view: TimelineView, id: string): LaneGroup | undefined {
  return view.groups.find((g) => g.id === id);
}

export function timelineView(doc: AnalysisDocument, s: Subject): TimelineView {
  const ref = { kind: s.kind, key: s.key };
  if (s.kind === 'workstation') {
    const ws = s.value;
    return {
      ref,
      subject: s,
      rowLabel: 'Workstation',
      rowSub: ws.host,
      start: ws.start,
      end: ws.end,
      groups: [{ id: 'own', prefix: '', steps: ws.steps, findings: ws.findings, start: ws.start, allMessages: true }],
      findings: ws.findings,
      messageHosts: [ws.host],
    };
  }
  if (s.kind === 'cti-client') {
    const c = s.value;
    return {
      ref,
      subject: s,
      rowLabel: 'CTI client',
      rowSub: `${c.clientId ?? '?'} @ ${c.host}`,
      start: c.start,
      end: c.end,
      groups: [{ id: 'own', prefix: '', steps: c.steps, findings: c.findings, start: c.start, allMessages: true }],
      findings: c.findings,
      messageHosts: [c.host],
    };
  }
  const a = s.value;
  const groups: LaneGroup[] = [{ id: 'own', prefix: '', steps: a.steps, findings: a.findings, start: a.start, allMessages: false }];
  const hosts: string[] = [];
  const client = ctiClientOfAgent(doc, a);
  if (a.via) hosts.push(hostOf(a.via.client));
  if (client) groups.push({ id: 'cti', prefix: `CTI client ${client.clientId ?? client.host}`, steps: client.steps, findings: client.findings, start: client.start, allMessages: false });
  const desktop = desktopOfAgent(doc, a);
  if (desktop && desktop.host !== client?.host) {
    groups.push({ id: 'desktop', prefix: `Desktop ${desktop.host}`, steps: desktop.steps, findings: desktop.findings, start: desktop.start, allMessages: true });
    hosts.push(desktop.host);
  }
  let start = a.start;
  let end = a.end;
  for (const g of groups) for (const st of g.steps) {
    start = Math.min(start, st.start);
    end = Math.max(end, st.end);
  }
  return {
    ref,
    subject: s,
    rowLabel: 'Agent',
    rowSub: agentTitle(a),
    start,
    end,
    groups,
    findings: a.findings,
    messageHosts: [...new Set(hosts)],
  };
}

/** The title line across the top of a timeline. */
export function viewTitle(view: TimelineView): string {
  const s = view.subject;
  const v = s.value;
  const outcome = `${OUTCOME_ICON[v.outcome]} ${outcomeWord(v.outcome, s.kind)}`;
  let parts: string[];
  if (s.kind === 'workstation') {
    const ws = s.value;
    parts = [
      `${ws.host}${ws.names[0] ? ` (${ws.names[0]})` : ''}`,
      `agent ${ws.agent.id ?? '–'}`,
      `ext ${ws.agent.extension ?? '–'}`,
      `${outcome}${ws.failedPhase ? ` at ${PHASE_LABELS[ws.failedPhase]}` : ''}`,
      ws.loginSeconds !== null ? `login ${formatDuration(ws.loginSeconds)}` : '',
    ];
  } else if (s.kind === 'agent') {
    const a = s.value;
    parts = [
      `agent ${a.id ?? '–'}`,
      agentDeviceText(a) ?? 'ext –',
      `via ${viaText(a)}`,
      `${outcome}${a.failedPhase ? ` at ${PHASE_LABELS[a.failedPhase]}` : ''}`,
      a.desktop ? `desktop ${a.desktop}${a.desktopLink ? ` (${a.desktopLink.basis})` : ''}` : '',
    ];
  } else {
    const c = s.value;
    parts = [
      `${c.host}${c.names[0] ? ` (${c.names[0]})` : ''}`,
      `ClientID ${c.clientId ?? '–'}`,
      c.version !== null ? `protocol ${c.version}` : '',
      `${c.agents} agent${c.agents === 1 ? '' : 's'}`,
      outcome,
    ];
  }
  return parts.filter(Boolean).join('  ·  ');
}
