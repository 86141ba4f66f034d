// Decode-level checks of a server-side capture against its truth (agents, CTI client sessions, CTI OS desktops):
// what `ctiscope decode --json` and `ctiscope flows --json` (the built binary) read from the capture must hold the
// logins, answers, tag 217 links and sessions the truth states. Shared by the samples' and the lab's tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ExpectedAgent, ExpectedResult } from '../src/lab/synth/scenarios.js';

const bin = join(__dirname, '..', 'bin', 'ctiscope.js');

export interface DecodedJson {
  protocol: string;
  client: string;
  server: string;
  direction: 'c2s' | 's2c';
  frame: number;
  time: number;
  type: string;
  fields: Record<string, unknown> & { invokeId?: number; agentId?: string; tagWidth?: number; floating?: { tag: number; value: unknown }[] };
  anomalies?: unknown[];
}

export interface FlowJson {
  client: string;
  server: string;
  protocol?: string;
  firstFrame: number;
  rstBy?: 'c2s' | 's2c';
}

function cli<T>(args: string[]): T {
  return JSON.parse(execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })) as T;
}

export function decodeJson(file: string): DecodedJson[] {
  return cli<DecodedJson[]>(['decode', file, '--json', '--protocol', 'ged188', '--protocol', 'ctios']);
}

export function flowsJson(file: string): FlowJson[] {
  return cli<FlowJson[]>(['flows', file, '--json']);
}

const ANSWERS: Record<string, string[]> = {
  OPEN_REQ: ['OPEN_CONF', 'FAILURE_CONF'],
  HEARTBEAT_REQ: ['HEARTBEAT_CONF', 'FAILURE_CONF'],
  QUERY_AGENT_STATE_REQ: ['QUERY_AGENT_STATE_CONF', 'FAILURE_CONF'],
  SET_AGENT_STATE_REQ: ['SET_AGENT_STATE_CONF', 'CONTROL_FAILURE_CONF', 'FAILURE_CONF'],
};

const AGENT_REQUESTS = new Set(['QUERY_AGENT_STATE_REQ', 'SET_AGENT_STATE_REQ']);

export interface GedSessionView {
  client: string;
  server: string;
  clientId: string;
  version: number;
  messages: DecodedJson[];
  /** Request → its answer, by InvokeID. */
  answer: Map<DecodedJson, DecodedJson>;
  /** True when some answer came before the answer to an earlier request. */
  outOfOrder: boolean;
}

const ipOf = (endpoint: string): string => endpoint.replace(/:\d+$/, '');

/** Every GED-188 session of the capture: clean messages, one tag width per session (from its version), answers by InvokeID. */
export function gedSessions(msgs: DecodedJson[]): GedSessionView[] {
  const byFlow = new Map<string, DecodedJson[]>();
  for (const m of msgs) {
    if (m.protocol !== 'ged188') continue;
    const k = `${m.client}>${m.server}`;
    (byFlow.get(k) ?? byFlow.set(k, []).get(k)!).push(m);
  }
  const out: GedSessionView[] = [];
  for (const messages of byFlow.values()) {
    const open = messages[0];
    expect(open.type, `${open.client}: the session starts with OPEN_REQ`).toBe('OPEN_REQ');
    const version = open.fields.versionNumber as number;
    for (const m of messages) {
      expect(m.anomalies ?? [], `${m.client} frame ${m.frame} ${m.type}`).toEqual([]);
      expect(m.fields.tagWidth, `${m.client} frame ${m.frame} ${m.type}: tag width of protocol ${version}`).toBe(version >= 20 ? 2 : 1);
    }
    const answer = new Map<DecodedJson, DecodedJson>();
    const pending = new Map<number, DecodedJson>();
    let outOfOrder = false;
    let lastAnswered = -1;
    const order = new Map<DecodedJson, number>();
    for (const m of messages) {
      if (m.direction === 'c2s' && ANSWERS[m.type]) {
        expect(pending.has(m.fields.invokeId!), `${m.client} frame ${m.frame}: InvokeID ${m.fields.invokeId} reused while pending`).toBe(false);
        pending.set(m.fields.invokeId!, m);
        order.set(m, order.size);
      } else if (m.direction === 's2c' && m.fields.invokeId !== undefined && m.type !== 'AGENT_STATE_EVENT') {
        const req = pending.get(m.fields.invokeId);
        expect(req, `${m.client} frame ${m.frame}: ${m.type} answers a request (InvokeID ${m.fields.invokeId})`).toBeDefined();
        expect(ANSWERS[req!.type], `${m.type} answers ${req!.type}`).toContain(m.type);
        pending.delete(m.fields.invokeId);
        answer.set(req!, m);
        const n = order.get(req!)!;
        if (n < lastAnswered) outOfOrder = true;
        lastAnswered = Math.max(lastAnswered, n);
      }
    }
    out.push({ client: open.client, server: open.server, clientId: String(open.fields.clientId), version, messages, answer, outOfOrder });
  }
  return out;
}

/** Tag 217 (CTIOS_CIL_CLIENT_ID) of a request, as decoded. */
function cil(m: DecodedJson): string | undefined {
  const v = m.fields.ctiosCilClientId;
  expect(v === undefined || typeof v === 'string').toBe(true);
  const item = m.fields.floating?.find((f) => f.tag === 217);
  expect(item?.value, `frame ${m.frame}: ctiosCilClientId is tag 217`).toBe(v);
  return v as string | undefined;
}

function refusalCode(m: DecodedJson): number {
  return (m.fields.peripheralErrorCode as number) || (m.fields.failureCode as number);
}

/** Checks the capture's messages and flows against the truth; returns the sessions for further checks. */
export function checkServerSideTruth(msgs: DecodedJson[], flows: FlowJson[], truth: ExpectedResult): GedSessionView[] {
  const sessions = gedSessions(msgs);
  const sessionOf = new Map<DecodedJson, GedSessionView>();
  for (const s of sessions) for (const m of s.messages) sessionOf.set(m, s);
  const requestsFor = (id: string): DecodedJson[] => msgs.filter((m) => m.protocol === 'ged188' && AGENT_REQUESTS.has(m.type) && m.fields.agentId === id);
  const logins = msgs.filter((m) => m.type === 'SET_AGENT_STATE_REQ' && m.fields.agentStateName === 'LOGIN');
  const ctiosData = msgs.filter((m) => m.protocol === 'ctios');
  const ctiosFlows = flows.filter((f) => f.protocol === 'ctios');

  // Every request has its answer (none is left unanswered in these captures).
  for (const s of sessions) {
    for (const m of s.messages) if (m.direction === 'c2s' && ANSWERS[m.type]) expect(s.answer.get(m), `${s.client} frame ${m.frame} ${m.type} answered`).toBeDefined();
  }

  // Agents: the logins the truth counts, carried by the session it names, ending as it says.
  const agents = truth.agents ?? [];
  expect([...new Set(logins.map((m) => String(m.fields.agentId)))].sort()).toEqual(agents.map((a) => a.id).sort());
  for (const a of agents) {
    const mine = logins.filter((m) => m.fields.agentId === a.id);
    expect(mine.length, `agent ${a.id}: login attempts`).toBe(a.attempts);
    for (const m of mine) {
      expect(sessionOf.get(m)!.clientId, `agent ${a.id} via`).toBe(a.via.clientId);
      if (a.peripheralId !== undefined) expect(m.fields.peripheralId).toBe(a.peripheralId);
      if (a.instrument !== undefined) expect(m.fields.agentInstrument).toBe(a.instrument);
    }
    const last = mine[mine.length - 1];
    const s = sessionOf.get(last)!;
    const reply = s.answer.get(last)!;
    if (a.outcome === 'logged-in') {
      expect(reply.type, `agent ${a.id}: last login confirmed`).toBe('SET_AGENT_STATE_CONF');
      expect(s.messages.some((m) => m.type === 'AGENT_STATE_EVENT' && m.fields.agentId === a.id && m.frame >= reply.frame && m.fields.agentStateName !== 'LOGOUT')).toBe(true);
    } else {
      expect(reply.type, `agent ${a.id}: last login refused`).toBe('CONTROL_FAILURE_CONF');
      expect(refusalCode(reply), `agent ${a.id}: refusal code`).toBe(a.failureCode);
      expect(a.failedPhase).toBe('login');
      expect(a.findings).toContain('agent-login-failed');
    }
    checkLink(a, requestsFor(a.id), ctiosData, ctiosFlows);
  }

  // CTI clients: one per session, in the order they opened.
  const clients = truth.ctiClients ?? [];
  expect(sessions.map((s) => s.client)).toEqual(clients.map((c) => c.host));
  for (const c of clients) {
    const s = sessions.find((x) => x.client === c.host)!;
    expect({ clientId: s.clientId, version: s.version }).toEqual({ clientId: c.clientId, version: c.version });
    if (c.outcome === 'logged-in') expect(s.answer.get(s.messages[0])?.type).toBe('OPEN_CONF');
    const flow = flows.find((f) => f.client === s.client && f.server === s.server)!;
    expect(flow.rstBy === 's2c', `${c.host}: reset by the server ⇔ connection-reset`).toBe(c.findings.includes('connection-reset'));
    const before = sessions.slice(0, sessions.indexOf(s)).filter((x) => x.clientId === s.clientId && ipOf(x.client) === ipOf(s.client));
    const failover = before.some((x) => x.server !== s.server && flows.find((f) => f.client === x.client)?.rstBy !== undefined);
    expect(failover, `${c.host}: opened on the other side after losing one ⇔ failover`).toBe(c.findings.includes('failover'));
  }

  // Workstations: exactly the CTI OS desktops, each as its agent.
  expect([...new Set(ctiosFlows.map((f) => ipOf(f.client)))].sort()).toEqual(truth.workstations.map((w) => w.host).sort());
  for (const w of truth.workstations) {
    expect(w.desktop).toBe('ctios');
    const a = agents.find((x) => x.desktop === w.host)!;
    expect(a, `${w.host} is linked to an agent`).toBeDefined();
    expect({ outcome: w.outcome, failedPhase: w.failedPhase, findings: w.findings }).toEqual({ outcome: a.outcome, failedPhase: a.failedPhase, findings: a.findings });
  }
  return sessions;
}

/** The evidence for the agent's desktop link is in the capture, as the truth's linkBasis says; no link without it. */
function checkLink(a: ExpectedAgent, requests: DecodedJson[], ctiosData: DecodedJson[], ctiosFlows: FlowJson[]): void {
  const tags = requests.map(cil);
  if (a.linkBasis === 'tag-217') {
    const flow = ctiosFlows.find((f) => ipOf(f.client) === a.desktop);
    expect(flow, `agent ${a.id}: the desktop's 42028 connection is in the capture`).toBeDefined();
    expect(tags, `agent ${a.id}: every request names the desktop in tag 217`).toEqual(requests.map(() => flow!.client));
    return;
  }
  if (a.linkBasis === 'timing') {
    expect(tags.every((t) => t === undefined), `agent ${a.id}: no tag 217`).toBe(true);
    const first = requests[0];
    const before = ctiosData.filter((m) => m.direction === 'c2s' && m.time <= first.time && m.time > first.time - 5);
    expect(before.length, `agent ${a.id}: 42028 traffic just before the requests`).toBeGreaterThan(0);
    expect(new Set(before.map((m) => ipOf(m.client))), `agent ${a.id}: only its desktop sent on 42028 in the 5 s before`).toEqual(new Set([a.desktop]));
    expect(first.time - before[before.length - 1].time).toBeLessThan(0.1);
    return;
  }
  expect(a.desktop, `agent ${a.id}: no link, no desktop`).toBeNull();
  // Whatever tag 217 says, no desktop connection of the capture is named by it.
  for (const t of tags) if (t !== undefined) expect(ctiosFlows.some((f) => f.client === t)).toBe(false);
}
