/**
 * One subject of the analysis document (a workstation, an agent or a CTI client) seen the same way by the
 * sequence diagram, the comparison and the evidence writer: its steps, findings, the host it speaks from, and
 * which flows and messages are its own.
 */

import type { DecodedMessage, FlowRecord } from '../../decoders/types.js';
import type { AnalysisDocument, Finding, Step, Workstation } from '../model.js';
import { hostOf } from '../format.js';

export type SubjectKind = 'workstation' | 'agent' | 'cti-client';

export interface SequenceSubject {
  kind: SubjectKind;
  /** The workstation's or CTI client's address, the agent's ID. */
  id: string;
  /** One line: "workstation 10.10.20.31 (agent 1031)". */
  title: string;
  /** Hosts the subject speaks from (the desktop PC, the CTI client host). */
  hosts: string[];
  start: number;
  end: number;
  failed: boolean;
  steps: Step[];
  findings: Finding[];
}

export interface SubjectSelector {
  workstation?: string;
  agent?: string;
  ctiClient?: string;
}

/** The subject the selector names, or a sentence saying why there is none (naming what there is). */
export function findSubject(doc: AnalysisDocument, sel: SubjectSelector): SequenceSubject | string {
  if (sel.agent !== undefined) {
    const a = (doc.agents ?? []).find((x) => x.id === sel.agent);
    if (!a) return (doc.agents ?? []).length ? `no agent ${sel.agent} in the capture (agents: ${listOf((doc.agents ?? []).map((x) => x.id ?? '?'))})` : `no agent ${sel.agent} in the capture`;
    const hosts = [...new Set([a.desktop, a.via ? hostOf(a.via.client) : null].filter((h): h is string => !!h))];
    return {
      kind: 'agent',
      id: a.id ?? '?',
      title: `agent ${a.id ?? '?'}${a.extension ? ` ext ${a.extension}` : ''}${a.desktop ? ` on ${a.desktop}` : ''}`,
      hosts,
      start: a.start,
      end: a.end,
      failed: a.outcome === 'failed',
      steps: a.steps,
      findings: a.findings,
    };
  }
  if (sel.ctiClient !== undefined) {
    const c = (doc.ctiClients ?? []).find((x) => x.host === sel.ctiClient);
    if (!c) return `no CTI client ${sel.ctiClient} in the capture (CTI clients: ${listOf((doc.ctiClients ?? []).map((x) => x.host))})`;
    return {
      kind: 'cti-client',
      id: c.host,
      title: `CTI client ${c.host}${c.clientId ? ` (${c.clientId})` : ''}`,
      hosts: [c.host],
      start: c.start,
      end: c.end,
      failed: c.outcome === 'failed',
      steps: c.steps,
      findings: c.findings,
    };
  }
  const list = doc.workstations;
  let ws = sel.workstation !== undefined ? list.find((w) => w.host === sel.workstation) : undefined;
  if (sel.workstation !== undefined && !ws) return list.length ? `no workstation ${sel.workstation} in the capture (workstations: ${listOf(list.map((w) => w.host))})` : `no workstation ${sel.workstation} in the capture`;
  if (!ws) {
    if (list.length === 1) ws = list[0];
    else if (list.length === 0) return 'the capture shows no workstation; name an agent (--agent) or a CTI client (--cti-client)';
    else return `the capture has ${list.length} workstations; name one with --workstation (${listOf(list.map((w) => w.host))})`;
  }
  return workstationSubject(ws);
}

/** A workstation as a subject (the web UI has the workstation, not the whole document, at hand). */
export function workstationSubject(ws: Workstation): SequenceSubject {
  return {
    kind: 'workstation',
    id: ws.host,
    title: `workstation ${ws.host}${ws.names.length ? ` (${ws.names[0]})` : ''}${ws.agent.id ? ` · agent ${ws.agent.id}` : ''}`,
    hosts: [ws.host],
    start: ws.start,
    end: ws.end,
    failed: ws.outcome === 'failed',
    steps: ws.steps,
    findings: ws.findings,
  };
}

function listOf(items: string[]): string {
  if (items.length === 0) return 'none';
  return items.length > 8 ? `${items.slice(0, 8).join(', ')}, …` : items.join(', ');
}

/** "flowId server" keys of the flows the subject's steps are about (flow ids are per transport; the server tells them apart). */
export function subjectFlowKeys(subject: SequenceSubject): Set<string> {
  const keys = new Set<string>();
  for (const s of subject.steps) if (s.detail?.flowId !== undefined) keys.add(flowKey(s.detail.flowId, s.server));
  return keys;
}

export function flowKey(flowId: number, server: string): string {
  return `${flowId} ${server}`;
}

/** True when the message is on one of the subject's flows (or, for steps without a flow, its server in the step's time). */
export function isSubjectMessage(subject: SequenceSubject, keys: ReadonlySet<string>, m: Pick<DecodedMessage, 'flowId' | 'server' | 'client' | 'time'>): boolean {
  if (keys.has(flowKey(m.flowId, m.server))) return true;
  const host = hostOf(m.client);
  if (!subject.hosts.includes(host)) return false;
  return subject.steps.some((s) => s.detail?.flowId === undefined && s.server === m.server && m.time >= s.start - 1e-6 && m.time <= s.end + 1e-6);
}

export function isSubjectFlow(subject: SequenceSubject, keys: ReadonlySet<string>, f: Pick<FlowRecord, 'id' | 'server' | 'clientIp' | 'start' | 'end'>): boolean {
  if (keys.has(flowKey(f.id, f.server))) return true;
  if (!subject.hosts.includes(f.clientIp)) return false;
  return subject.steps.some((s) => s.detail?.flowId === undefined && s.server === f.server && f.start <= s.end + 1e-6 && f.end >= s.start - 1e-6);
}
