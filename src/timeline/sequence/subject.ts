/**
 * One subject of the analysis document (a workstation, an agent or a CTI client) seen the same way by the
 * sequence diagram, the comparison and the evidence writer: its steps, findings, the host it speaks from, and
 * which flows and messages are its own.
 */

import type { DecodedMessage, FlowRecord } from '../../decoders/types.js';
import type { Agent, AnalysisDocument, CtiClient, Finding, LoginAttempt, Outcome, Step, Workstation } from '../model.js';
import { agentDeviceText, hostOf } from '../format.js';
import { maxOf, minOf } from '../../array-loops.js';

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
  outcome: Outcome;
  steps: Step[];
  findings: Finding[];
  /** An agent's extension and instrument: how messages that name no AgentID name it. */
  devices?: string[];
  /**
   * Login attempts made for the subject, with their time and frames: a CTI OS desktop's are made on the CTI OS
   * server's session, in no flow of the desktop's, and a finding about one is placed by them.
   */
  attempts: readonly Pick<LoginAttempt, 'time' | 'frames'>[];
  /** The desktop PC among the hosts, when there is one (an agent speaks from its desktop and through a CTI client). */
  desktop: string | null;
  /** An agent's earlier desktops among the hosts, when its login moved (Agent.previousDesktops). */
  previousDesktops?: string[];
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
    return agentSubject(a);
  }
  if (sel.ctiClient !== undefined) {
    const c = (doc.ctiClients ?? []).find((x) => x.host === sel.ctiClient);
    if (!c) return `no CTI client ${sel.ctiClient} in the capture (CTI clients: ${listOf((doc.ctiClients ?? []).map((x) => x.host))})`;
    return ctiClientSubject(c);
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

/** An agent as a subject: it speaks from its desktop and through the CTI client that logged it in. */
export function agentSubject(a: Agent): SequenceSubject {
  // Its earlier desktops too: the sessions its login moved from are part of its story.
  const hosts = [...new Set([...(a.previousDesktops ?? []), a.desktop, a.via ? hostOf(a.via.client) : null].filter((h): h is string => !!h))];
  const device = agentDeviceText(a);
  return {
    ...subjectOf('agent', a.id ?? '?', `agent ${a.id ?? '?'}${device ? ` ${device}` : ''}${a.desktop ? ` on ${a.desktop}` : ''}`, hosts, a),
    devices: [a.extension, a.instrument].filter((d): d is string => !!d),
    desktop: a.desktop,
    ...(a.previousDesktops?.length ? { previousDesktops: a.previousDesktops } : {}),
  };
}

export function ctiClientSubject(c: CtiClient): SequenceSubject {
  return subjectOf('cti-client', c.host, `CTI client ${c.host}${c.clientId ? ` (${c.clientId})` : ''}`, [c.host], c);
}

/**
 * Whether each message, taken in time order, is the agent's own. A CTI OS server's or Finesse's one session carries
 * every agent's requests: its own are those naming this agent (AgentID, or the extension or instrument when no
 * AgentID is given), the replies to them (InvokeID on the same flow), and what names no agent (the session's open,
 * system events, heartbeats); not its own are those naming another agent and the replies to them.
 */
export function agentMessageFilter(subject: SequenceSubject): (m: Pick<DecodedMessage, 'flowId' | 'server' | 'direction' | 'fields'>) => boolean {
  const devices = new Set(subject.devices ?? []);
  const mine = new Set<string>();
  const theirs = new Set<string>();
  return (m) => {
    const f = m.fields;
    const agentId = typeof f.agentId === 'string' && f.agentId !== '' ? f.agentId : undefined;
    const device = [f.agentInstrument, f.agentExtension].find((d): d is string => typeof d === 'string' && d !== '');
    const invoke = typeof f.invokeId === 'number' ? `${flowKey(m.flowId, m.server)} ${f.invokeId}` : undefined;
    let own: boolean;
    if (agentId !== undefined) own = agentId === subject.id;
    else if (device !== undefined && devices.size > 0) own = devices.has(device);
    else if (invoke !== undefined && m.direction === 's2c') own = !theirs.has(invoke) || mine.has(invoke);
    else own = true;
    if (invoke !== undefined && m.direction === 'c2s' && (agentId !== undefined || device !== undefined)) (own ? mine : theirs).add(invoke);
    return own;
  };
}

/** A workstation as a subject (the web UI has the workstation, not the whole document, at hand). */
export function workstationSubject(ws: Workstation): SequenceSubject {
  return subjectOf('workstation', ws.host, `workstation ${ws.host}${ws.names.length ? ` (${ws.names[0]})` : ''}${ws.agent.id ? ` · agent ${ws.agent.id}` : ''}`, [ws.host], ws);
}

/**
 * What every kind of subject gives the same way. The PC's own traffic ('other': its lookups of names that are not
 * the desktop's, other programs) is no part of a login: a noisy PC's diagram drew a hundred lookups around its
 * start-up, and its evidence file held them. The subject starts and ends with the steps it keeps.
 */
function subjectOf(kind: SubjectKind, id: string, title: string, hosts: string[], v: Pick<Workstation, 'start' | 'end' | 'outcome' | 'steps' | 'findings'> & { attempts?: readonly LoginAttempt[] }): SequenceSubject {
  const steps = v.steps.filter((s) => s.phase !== 'other');
  const start = steps.length ? minOf(steps, (s) => s.start) : v.start;
  const end = steps.length ? maxOf(steps, (s) => s.end) : v.end;
  return { kind, id, title, hosts, start, end, failed: v.outcome === 'failed', outcome: v.outcome, steps, findings: v.findings, attempts: v.attempts ?? [], desktop: kind === 'workstation' ? id : null };
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

export function isSubjectFlow(subject: SequenceSubject, keys: ReadonlySet<string>, f: Pick<FlowRecord, 'id' | 'server' | 'clientIp' | 'start' | 'end' | 'synFrames'>): boolean {
  if (keys.has(flowKey(f.id, f.server))) return true;
  if (!subject.hosts.includes(f.clientIp)) return false;
  // A retry folded into an earlier attempt's step (refused or unanswered connects) is named by its SYN's frame only.
  const syn = f.synFrames[0];
  return subject.steps.some(
    (s) => s.server === f.server && ((s.detail?.flowId === undefined && f.start <= s.end + 1e-6 && f.end >= s.start - 1e-6) || (syn !== undefined && s.frames.includes(syn))),
  );
}
