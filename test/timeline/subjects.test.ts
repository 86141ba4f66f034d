/**
 * Subjects beyond the workstation: CTI clients and agents. A CTI OS server's one GED-188 session carries many
 * agents' logins interleaved; replies find their request by InvokeID, events their agent by AgentID; desktops
 * are tied to agents only on evidence; a CTI client that loses one side and opens on the other failed over.
 */

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Sim, T0 } from './sim.js';
import { validateSchema, type JsonSchema } from '../../src/timeline/validate.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { renderTextReport } from '../../src/timeline/report-text.js';
import { renderHtmlReport } from '../../src/timeline/report-html.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/analysis.schema.json', import.meta.url), 'utf8')) as JsonSchema;
const SRC = { files: ['server.pcap'], packets: 0 };
const CTIOS = '10.20.0.5';
const CTISVR = '10.20.0.10';
const CTISVR_B = '10.20.0.11';
const DESK = ['10.1.1.21', '10.1.1.22', '10.1.1.23'];

function open(f: ReturnType<Sim['connect']>, at: number, clientId: string, version = 15): number {
  f.send('c2s', 'ged188', 'OPEN_REQ', { messageType: 3, invokeId: 1, versionNumber: version, idleTimeout: 90, peripheralId: 5000, servicesRequestedNames: ['ALL_EVENTS', 'CLIENT_CONTROL'], clientId, tagWidth: version >= 20 ? 2 : 1 }, at);
  f.send('s2c', 'ged188', 'OPEN_CONF', { messageType: 4, invokeId: 1, servicesGrantedNames: ['ALL_EVENTS', 'CLIENT_CONTROL'], peripheralOnline: true }, at + 0.01);
  return at + 0.02;
}

function login(f: ReturnType<Sim['connect']>, invokeId: number, agentId: string, instrument: string, at: number, cil?: string): void {
  f.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { messageType: 38, invokeId, peripheralId: 5000, agentState: 0, agentStateName: 'LOGIN', agentId, agentInstrument: instrument, ...(cil ? { ctiosCilClientId: cil } : {}) }, at);
}

function ok(f: ReturnType<Sim['connect']>, invokeId: number, agentId: string, at: number): void {
  f.send('s2c', 'ged188', 'SET_AGENT_STATE_CONF', { messageType: 39, invokeId }, at);
  f.send('s2c', 'ged188', 'AGENT_STATE_EVENT', { messageType: 30, peripheralId: 5000, agentState: 2, agentStateName: 'NOT_READY', agentId }, at + 0.001);
}

function refuse(f: ReturnType<Sim['connect']>, invokeId: number, at: number, code = 10140): void {
  f.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { messageType: 35, invokeId, failureCode: 0, peripheralErrorCode: code, peripheralErrorCodeName: 'ERR_INVALID_PASSWORD' }, at);
}

/** Three CTI OS desktops on 42028 and the CTI OS server's session logging their agents in, interleaved. */
function ctiosServerCapture(): AnalysisDocument {
  const sim = new Sim();
  const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
  let t = open(cti, 0.001, 'CTIOSServer');
  const desks = DESK.map((ip, i) => sim.connect(ip, CTIOS, 42028, 1 + i * 3));
  // Desktop 0 and 1 are named in tag 217; desktop 2 only by its timing.
  desks[0].send('c2s', 'ctios', 'data', { bytes: 120 }, 1.01);
  desks[1].send('c2s', 'ctios', 'data', { bytes: 120 }, 4.01);
  login(cti, 2, '1001', '4001', 4.05, `${DESK[0]}:51000`);
  login(cti, 3, '1002', '4002', 4.06, `${DESK[1]}:51001`);
  // Answers out of order: the second request's first.
  refuse(cti, 3, 4.07);
  ok(cti, 2, '1001', 4.08);
  desks[2].send('c2s', 'ctios', 'data', { bytes: 120 }, 7.01);
  login(cti, 4, '1003', '4003', 7.1);
  ok(cti, 4, '1003', 7.12);
  for (const d of desks) d.send('s2c', 'ctios', 'data', { bytes: 80 }, 8);
  t = 9;
  cti.send('c2s', 'ged188', 'HEARTBEAT_REQ', { invokeId: 50 }, t);
  cti.send('s2c', 'ged188', 'HEARTBEAT_CONF', { invokeId: 50 }, t + 0.001);
  return sim.an.finish(SRC);
}

describe('a CTI OS server capture', () => {
  const doc = ctiosServerCapture();

  it('validates against the schema', () => expect(validateSchema(schema, doc)).toEqual([]));

  it('lists every agent with the outcome of its own request, never another agent’s', () => {
    const byId: Record<string, AnalysisDocument['agents'][number]> = Object.fromEntries(doc.agents.map((a) => [a.id, a]));
    expect(Object.keys(byId).sort()).toEqual(['1001', '1002', '1003']);
    expect(byId['1001'].outcome).toBe('logged-in');
    expect(byId['1002'].outcome).toBe('failed');
    expect(byId['1002'].failure?.kind).toBe('agent-login-failed');
    expect(byId['1002'].failure?.message).toContain('10140');
    expect(byId['1002'].failure?.server).toBe(`${CTISVR}:42027`);
    expect(byId['1002'].attempts).toMatchObject([{ outcome: 'failed', code: 10140, server: `${CTISVR}:42027`, clientId: 'CTIOSServer' }]);
    expect(byId['1003'].outcome).toBe('logged-in');
    for (const a of doc.agents) expect(a.via).toMatchObject({ clientId: 'CTIOSServer', server: `${CTISVR}:42027` });
    // Findings stay with their agent.
    expect(byId['1001'].findings).toEqual([]);
    expect(byId['1003'].findings).toEqual([]);
  });

  it('lists the CTI OS server as a CTI client, not as a workstation', () => {
    expect(doc.ctiClients).toHaveLength(1);
    expect(doc.ctiClients[0]).toMatchObject({ host: CTIOS, clientId: 'CTIOSServer', version: 15, outcome: 'logged-in', agents: 3, servers: [`${CTISVR}:42027`] });
    expect(doc.ctiClients[0].steps.map((s) => s.summary)).toEqual(expect.arrayContaining([expect.stringContaining('OPEN_REQ → OPEN_CONF')]));
    expect(doc.workstations.map((w) => w.host)).toEqual(DESK);
  });

  it('ties desktops to agents by tag 217 or by timing, and says which', () => {
    const byId: Record<string, AnalysisDocument['agents'][number]> = Object.fromEntries(doc.agents.map((a) => [a.id, a]));
    expect(byId['1001']).toMatchObject({ desktop: DESK[0], desktopLink: { basis: 'tag-217' } });
    expect(byId['1002']).toMatchObject({ desktop: DESK[1], desktopLink: { basis: 'tag-217' } });
    expect(byId['1003']).toMatchObject({ desktop: DESK[2], desktopLink: { basis: 'timing' } });
    expect(byId['1003'].desktopLink!.evidence).toContain('ms before');
    // The CTI OS desktops now carry their agent.
    expect(doc.workstations.map((w) => w.agent.id)).toEqual(['1001', '1002', '1003']);
    expect(doc.workstations[1].attempts).toMatchObject([{ outcome: 'failed', code: 10140, step: null }]);
    // CTI OS itself is not public: the tied agent's outcome is the desktop's.
    expect(doc.workstations.map((w) => [w.outcome, w.failedPhase])).toEqual([
      ['logged-in', null],
      ['failed', 'login'],
      ['logged-in', null],
    ]);
    expect(doc.workstations[1].failure).toMatchObject({ kind: 'agent-login-failed', step: null, server: `${CTISVR}:42027` });
    expect(doc.workstations[1].findings.map((f) => f.kind)).toEqual(['agent-login-failed']);
  });

  it('summarises agents by cause', () => {
    expect(doc.summary).toMatchObject({ agents: 3, ctiClients: 1, agentsByOutcome: { 'logged-in': 2, failed: 1, incomplete: 0 } });
    expect(doc.summary.agentGroups[0]).toMatchObject({ outcome: 'failed', kind: 'agent-login-failed', code: 10140, server: `${CTISVR}:42027`, agents: ['1002'] });
  });
});

describe('an agent logged out and in again', () => {
  it('has a state query per login attempt, not one "×2" step spanning both', () => {
    const sim = new Sim();
    const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
    const query = (invokeId: number, at: number) => {
      cti.send('c2s', 'ged188', 'QUERY_AGENT_STATE_REQ', { messageType: 43, invokeId, peripheralId: 5000, agentId: '1007', agentInstrument: '4007' }, at);
      cti.send('s2c', 'ged188', 'QUERY_AGENT_STATE_CONF', { messageType: 44, invokeId, agentState: 1, agentStateName: 'LOGOUT' }, at + 0.005);
    };
    open(cti, 0.001, 'CTIOSServer');
    query(2, 1);
    login(cti, 3, '1007', '4007', 1.01);
    ok(cti, 3, '1007', 1.02);
    // Polls after a login are a step of their own, however many.
    query(4, 5);
    query(8, 15);
    cti.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { messageType: 38, invokeId: 5, peripheralId: 5000, agentState: 1, agentStateName: 'LOGOUT', agentId: '1007', agentInstrument: '4007' }, 30);
    cti.send('s2c', 'ged188', 'SET_AGENT_STATE_CONF', { messageType: 39, invokeId: 5 }, 30.01);
    query(6, 40);
    login(cti, 7, '1007', '4007', 40.01);
    ok(cti, 7, '1007', 40.02);
    const agent = sim.an.finish(SRC).agents.find((a) => a.id === '1007')!;
    const queries = agent.steps.filter((st) => st.summary.startsWith('QUERY_AGENT_STATE_REQ'));
    expect(queries.map((q) => [Math.round(q.start - T0), q.detail?.count ?? 1])).toEqual([
      [1, 1],
      [5, 2],
      [40, 1],
    ]);
    expect(agent.attempts.map((a) => a.outcome)).toEqual(['logged-in', 'logged-in']);
  });
});

/**
 * Agent 1001 logs in from CTI OS desktop DESK[0] at 1 s (the CTI server answering `first`), then from DESK[1] at
 * 30 s, tag 217 naming each desktop.
 */
function movedBetweenDesktops(first: 'ok' | 'refused'): AnalysisDocument {
  const sim = new Sim();
  const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
  open(cti, 0.001, 'CTIOSServer');
  const [x, y] = [sim.connect(DESK[0], CTIOS, 42028, 1), sim.connect(DESK[1], CTIOS, 42028, 30)];
  x.send('c2s', 'ctios', 'data', { bytes: 120 }, 1.01);
  login(cti, 2, '1001', '4001', 1.05, `${DESK[0]}:51000`);
  if (first === 'ok') ok(cti, 2, '1001', 1.06);
  else refuse(cti, 2, 1.06);
  y.send('c2s', 'ctios', 'data', { bytes: 120 }, 30.01);
  login(cti, 3, '1001', '4001', 30.05, `${DESK[1]}:51002`);
  ok(cti, 3, '1001', 30.06);
  for (const d of [x, y]) d.send('s2c', 'ctios', 'data', { bytes: 80 }, 31);
  return sim.an.finish(SRC);
}

describe('an agent logging in from one CTI OS desktop, then from another (tag 217 naming each)', () => {
  const doc = movedBetweenDesktops('ok');

  it('is at the latest desktop, the earlier one named, as the evidence says', () => {
    const [agent] = doc.agents;
    expect([agent.desktop, agent.previousDesktops, agent.desktopLink?.basis]).toEqual([DESK[1], [DESK[0]], 'tag-217']);
    expect(agent.desktopLink!.evidence).toBe(`CTIOS_CIL_CLIENT_ID (tag 217) "${DESK[1]}:51002" on the CTI OS server's requests names its address ${DESK[1]}, the latest of the agent's desktops (before, on ${DESK[0]})`);
    expect(validateSchema(schema, doc)).toEqual([]);
  });

  it("the latest desktop takes the agent's login; the one it moved from does not claim it", () => {
    const ws = Object.fromEntries(doc.workstations.map((w) => [w.host, w]));
    expect([ws[DESK[1]].outcome, ws[DESK[1]].agent.id]).toEqual(['logged-in', '1001']);
    // Its own login only, timed from its own start (the first login, from the other desktop, would make it negative).
    expect(ws[DESK[1]].attempts.map((a) => Math.round(a.time - T0))).toEqual([30]);
    expect(ws[DESK[1]].loginSeconds).toBe(0.05);
  });

  it('the desktop it moved from: logged in by its own login, with a note of where the login went (no alarm, no "incomplete")', () => {
    const first = doc.workstations.find((w) => w.host === DESK[0])!;
    expect([first.outcome, first.failedPhase, first.agent.id]).toEqual(['logged-in', null, '1001']);
    expect(first.attempts.map((a) => [Math.round(a.time - T0), a.outcome])).toEqual([[1, 'logged-in']]);
    expect(first.loginSeconds).toBe(0.05);
    const notes = first.findings.filter((f) => f.kind === 'agent-logged-out');
    expect(notes.map((f) => f.severity)).toEqual(['info']);
    expect(notes[0].message).toMatch(
      new RegExp(`^agent 1001 on instrument 4001 logged in from this desktop \\(frame (\\d+)\\), then logged in from ${DESK[1].replace(/\./g, '\\.')} 29\\.0 s later \\(frame (\\d+), CTIOS_CIL_CLIENT_ID \\(tag 217\\) "${DESK[1]}:51002"\\): the agent's login moved to that desktop, where its outcome is told\\.$`),
    );
    expect(notes[0].frames).toEqual([first.attempts[0].frames[0], doc.workstations.find((w) => w.host === DESK[1])!.attempts[0].frames[0]]);
    expect(first.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(doc.summary.byOutcome).toMatchObject({ 'logged-in': 2, incomplete: 0 });
    expect(validateSchema(schema, doc)).toEqual([]);
  });
});

describe('an agent refused on one CTI OS desktop, then logged in from another', () => {
  const doc = movedBetweenDesktops('refused');

  it('the first desktop failed at login by its own refusal; the second logged in; the agent is logged in', () => {
    const ws = Object.fromEntries(doc.workstations.map((w) => [w.host, w]));
    expect([ws[DESK[0]].outcome, ws[DESK[0]].failedPhase, ws[DESK[0]].failure?.kind]).toEqual(['failed', 'login', 'agent-login-failed']);
    expect(ws[DESK[0]].failure!.message).toContain('10140');
    expect(ws[DESK[0]].attempts.map((a) => a.outcome)).toEqual(['failed']);
    expect(ws[DESK[0]].findings.map((f) => [f.kind, f.severity])).toEqual([
      ['agent-login-failed', 'error'],
      ['agent-logged-out', 'info'],
    ]);
    expect(ws[DESK[0]].findings[1].message).toMatch(/^agent 1001 on instrument 4001 failed to log in from this desktop \(frame \d+\), then logged in from 10\.1\.1\.22 /);
    expect([ws[DESK[1]].outcome, ws[DESK[1]].findings.filter((f) => f.severity === 'error')]).toEqual(['logged-in', []]);
    expect(doc.agents.map((a) => [a.id, a.outcome, a.desktop, a.previousDesktops])).toEqual([['1001', 'logged-in', DESK[1], [DESK[0]]]]);
  });
});

describe('a refusal by the CTI server itself', () => {
  it('is explained by its failure code, not by the peripheral error 0 it carries (DEFAULT_ERROR_CODE, "unknown problem")', () => {
    const sim = new Sim();
    const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
    const t = open(cti, 0.001, 'CTIOSServer');
    login(cti, 2, '1005', '4005', t);
    cti.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { messageType: 35, invokeId: 2, failureCode: 257, failureCodeName: 'CF_INVALID_PASSWORD_SPECIFIED', peripheralErrorCode: 0, peripheralErrorCodeName: 'DEFAULT_ERROR_CODE' }, t + 0.01);
    const doc = sim.an.finish(SRC);
    const agent = doc.agents.find((a) => a.id === '1005')!;
    const f = agent.findings.find((x) => x.kind === 'agent-login-failed')!;
    expect(f.message).toMatch(/SET_AGENT_STATE_REQ LOGIN → CONTROL_FAILURE_CONF failure CF_INVALID_PASSWORD_SPECIFIED \(257\) \(frame \d+\): invalid password specified\.$/);
  });
});

describe('the reports of a server-side capture', () => {
  const doc = ctiosServerCapture();

  it('text: the CTI client, the agents table, then the failed agent’s timeline', () => {
    const text = renderTextReport(doc, { color: false, width: 120 });
    const client = text.indexOf('CTI client 10.20.0.5 · "CTIOSServer" · protocol v15');
    const table = text.search(/^agent\s+extension\s+via\s+outcome\s+cause\s+desktop$/m);
    const failed = text.indexOf('agent 1002 · instrument 4002 · peripheral 5000 · via "CTIOSServer"');
    expect(client).toBeGreaterThanOrEqual(0);
    expect(table).toBeGreaterThan(client);
    expect(failed).toBeGreaterThan(table);
    expect(text).toMatch(/^1002\s+4002\s+CTIOSServer@10\.20\.0\.5:\d+\s+FAILED\s+agent-login-failed 10140 ERR_INVALID_PASSWORD\s+10\.1\.1\.22$/m);
    expect(text).toContain('desktop 10.1.1.22: CTIOS_CIL_CLIENT_ID (tag 217)');
    // Agents that logged in are in the table, not in detail.
    expect(text).not.toContain('agent 1001 · instrument 4001 · peripheral 5000 · via');
  });

  it('HTML: a section per CTI client and per failed agent, strings escaped', () => {
    const html = renderHtmlReport(doc);
    expect(html).toContain('<h2>Agents</h2>');
    expect(html).toContain('CTI client 10.20.0.5 · &quot;CTIOSServer&quot;');
    expect(html).toMatch(/<details id="agent-0" open>/);
    expect(html).toContain('refused the login of agent 1002');
  });
});

describe('timing is no evidence when two desktops are as close', () => {
  it('leaves the agent without a desktop', () => {
    const sim = new Sim();
    const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
    open(cti, 0.001, 'CTIOSServer');
    const a = sim.connect(DESK[0], CTIOS, 42028, 1);
    const b = sim.connect(DESK[1], CTIOS, 42028, 1);
    a.send('c2s', 'ctios', 'data', { bytes: 100 }, 2);
    b.send('c2s', 'ctios', 'data', { bytes: 100 }, 2.05);
    login(cti, 2, '1001', '4001', 2.2);
    ok(cti, 2, '1001', 2.21);
    const doc = sim.an.finish(SRC);
    expect(doc.agents[0]).toMatchObject({ id: '1001', desktop: null, desktopLink: null, outcome: 'logged-in' });
  });
});

describe('a CTI client failing over between sides', () => {
  const sim = new Sim();
  const client = '10.20.0.7';
  const a = sim.connect(client, CTISVR, 42027, 0);
  open(a, 0.001, 'FinesseA', 20);
  login(a, 2, '2001', '5001', 0.1);
  ok(a, 2, '2001', 0.11);
  login(a, 3, '2002', '5002', 0.12);
  ok(a, 3, '2002', 0.13);
  a.send('s2c', 'ged188', 'SYSTEM_EVENT', { messageType: 31, systemEventId: 4, systemEventIdName: 'SYS_PERIPHERAL_OFFLINE' }, 29);
  a.close(30, 'RSTR');
  const b = sim.connect(client, CTISVR_B, 43027, 34);
  open(b, 34.001, 'FinesseA', 20);
  login(b, 2, '2001', '5001', 34.1);
  ok(b, 2, '2001', 34.11);
  login(b, 3, '2002', '5002', 34.12);
  refuse(b, 3, 34.13, 10000);
  const doc = sim.an.finish(SRC);

  it('is one CTI client with a failover finding and how long it took', () => {
    expect(validateSchema(schema, doc)).toEqual([]);
    expect(doc.ctiClients).toHaveLength(1);
    const c = doc.ctiClients[0];
    expect(c).toMatchObject({ clientId: 'FinesseA', version: 20, servers: [`${CTISVR}:42027`, `${CTISVR_B}:43027`], outcome: 'logged-in' });
    const fo = c.findings.filter((f) => f.kind === 'failover');
    expect(fo).toHaveLength(1);
    expect(fo[0].message).toContain(`${CTISVR_B}:43027`);
    expect(fo[0].message).toMatch(/failed over in 4\.0 s/);
    expect(c.events.map((e) => [e.name, e.server])).toEqual([['SYS_PERIPHERAL_OFFLINE', `${CTISVR}:42027`]]);
    expect(doc.workstations).toEqual([]);
  });

  it('judges each agent by its last attempt, keeping the earlier ones', () => {
    const byId: Record<string, AnalysisDocument['agents'][number]> = Object.fromEntries(doc.agents.map((x) => [x.id, x]));
    expect(byId['2001'].outcome).toBe('logged-in');
    expect(byId['2001'].attempts.map((x) => x.outcome)).toEqual(['logged-in', 'logged-in']);
    expect(byId['2002'].outcome).toBe('failed');
    expect(byId['2002'].attempts.map((x) => [x.outcome, x.server])).toEqual([
      ['logged-in', `${CTISVR}:42027`],
      ['failed', `${CTISVR_B}:43027`],
    ]);
    expect(byId['2002'].failure?.server).toBe(`${CTISVR_B}:43027`);
  });
});

describe('CTI sessions without agents', () => {
  it('reports the CTI client, and never claims no traffic to the CTI port', () => {
    const sim = new Sim();
    const f = sim.connect('127.0.0.1', '127.0.0.1', 42027, 0);
    open(f, 0.001, 'RTP');
    const doc = sim.an.finish(SRC);
    expect(doc.workstations).toEqual([]);
    expect(doc.agents).toEqual([]);
    expect(doc.ctiClients).toMatchObject([{ host: '127.0.0.1', clientId: 'RTP', outcome: 'logged-in' }]);
    expect(doc.summary.message).toContain('1 CTI client');
    expect(doc.summary.message).not.toContain('no traffic to');
  });
});

describe('--agent', () => {
  it('keeps one agent, its CTI client and its desktop', () => {
    const sim = new Sim(undefined, { agent: '1001' });
    const cti = sim.connect(CTIOS, CTISVR, 42027, 0);
    open(cti, 0.001, 'CTIOSServer');
    const d0 = sim.connect(DESK[0], CTIOS, 42028, 1);
    const d1 = sim.connect(DESK[1], CTIOS, 42028, 1);
    d0.send('c2s', 'ctios', 'data', { bytes: 100 }, 1.1);
    d1.send('c2s', 'ctios', 'data', { bytes: 100 }, 1.2);
    login(cti, 2, '1001', '4001', 2, DESK[0]);
    login(cti, 3, '1002', '4002', 2.01, DESK[1]);
    ok(cti, 2, '1001', 2.02);
    ok(cti, 3, '1002', 2.03);
    const doc = sim.an.finish(SRC);
    expect(doc.agents.map((a) => a.id)).toEqual(['1001']);
    expect(doc.workstations.map((w) => w.host)).toEqual([DESK[0]]);
    expect(doc.ctiClients.map((c) => c.clientId)).toEqual(['CTIOSServer']);
    expect(T0).toBeGreaterThan(0);
  });
});

describe('a PG capture with 500 agents on one session', () => {
  it('keeps a few steps per agent however many events it hears, and the requests never mix', () => {
    const sim = new Sim();
    const cti = sim.connect('10.20.0.8', CTISVR, 42027, 0);
    open(cti, 0.001, 'Finesse');
    const n = 500;
    for (let i = 0; i < n; i++) login(cti, 100 + i, String(5000 + i), String(7000 + i), 1 + i * 0.001);
    // Answers in reverse order; every 50th agent refused.
    for (let i = n - 1; i >= 0; i--) {
      if (i % 50 === 0) refuse(cti, 100 + i, 2 + (n - i) * 0.001, 10000 + i);
      else ok(cti, 100 + i, String(5000 + i), 2 + (n - i) * 0.001);
    }
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < n; i += 7) cti.send('s2c', 'ged188', 'AGENT_STATE_EVENT', { peripheralId: 5000, agentState: 3, agentStateName: 'AVAILABLE', agentId: String(5000 + i) }, 10 + round + i * 0.0001);
    }
    const doc = sim.an.finish(SRC);
    expect(validateSchema(schema, doc)).toEqual([]);
    expect(doc.agents).toHaveLength(n);
    expect(doc.workstations).toEqual([]);
    for (const a of doc.agents) {
      const i = Number(a.id) - 5000;
      expect(a.steps.length).toBeLessThanOrEqual(2);
      expect([a.id, a.outcome]).toEqual([a.id, i % 50 === 0 ? "failed" : "logged-in"]);
      if (i % 50 === 0) expect(a.attempts[0].code).toBe(10000 + i);
    }
    expect(doc.summary.agentsByOutcome).toEqual({ 'logged-in': 490, failed: 10, incomplete: 0 });
    expect(doc.summary.message).toMatch(/^500 agents: 490 logged in, 1 agent-login-failed 10000 on 10\.20\.0\.10:42027/);
    const busy = doc.agents.find((a) => a.id === '5007')!;
    const events = busy.steps.find((s) => s.summary.startsWith('CTI messages'))!;
    expect(events.framesTotal).toBeGreaterThan(events.frames.length);
  });
});

describe('CTI connections that never carried a message', () => {
  it('side A never answered, side B opened: the failover is the CTI client’s', () => {
    const sim = new Sim();
    sim.failedConnect(CTIOS, CTISVR, 42027, [0, 3, 9], 'S0');
    const b = sim.connect(CTIOS, CTISVR_B, 43027, 12);
    open(b, 12.001, 'CTIOSServer');
    const doc = sim.an.finish(SRC);
    expect(doc.workstations).toEqual([]);
    expect(doc.ctiClients).toHaveLength(1);
    const c = doc.ctiClients[0];
    expect(c).toMatchObject({ clientId: 'CTIOSServer', outcome: 'logged-in' });
    expect(c.findings.map((f) => [f.kind, f.severity])).toEqual(expect.arrayContaining([['failover', 'warning']]));
    expect(c.steps.some((s) => s.server === `${CTISVR}:42027` && !s.ok)).toBe(true);
  });

  it('a host that never reached any CTI server is a failed CTI client, not a workstation', () => {
    const sim = new Sim();
    sim.failedConnect(CTIOS, CTISVR, 42027, [0, 3, 9], 'S0');
    sim.failedConnect(CTIOS, CTISVR_B, 43027, [10], 'REJ');
    const doc = sim.an.finish(SRC);
    expect(doc.workstations).toEqual([]);
    expect(doc.ctiClients).toMatchObject([{ host: CTIOS, clientId: null, outcome: 'failed' }]);
    expect(doc.ctiClients[0].findings.map((f) => f.kind).sort()).toEqual(['connection-refused', 'server-unreachable']);
    expect(doc.summary.message).toContain('1 with a failed session');
  });
});
