import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Sim, NODE_A, NODE_B, STALE, cadLoginOk, ctiSession, dnsStep, ldapStep, licensingStep } from './sim.js';
import { createAnalyzer } from '../../src/timeline/analyzer.js';
import { NO_DESKTOP_MESSAGE } from '../../src/timeline/document.js';
import { FrameList, describeFrames } from '../../src/timeline/frames.js';
import type { AnalyzerUpdate } from '../../src/timeline/model.js';

const PC = '10.10.20.11';
const SRC = { files: ['t.pcapng'], packets: 1 };

describe('workstation detection', () => {
  it('a host that only accepts connections is a server, never a workstation', () => {
    const sim = new Sim();
    cadLoginOk(sim, PC, 0);
    const doc = sim.an.finish(SRC);
    expect(doc.workstations.map((w) => w.host)).toEqual([PC]);
  });

  it('hosts that only do DNS, web TLS or phone signalling are not workstations', () => {
    const sim = new Sim();
    sim.dns('10.10.20.50', '192.168.100.53', 'www.example.com', 0, { addresses: ['93.184.216.34'] });
    const web = sim.connect('10.10.20.50', '93.184.216.34', 443, 1);
    web.send('c2s', 'tls', 'ClientHello', { serverName: 'www.example.com' }, 1.001);
    web.send('s2c', 'tls', 'alert', { alertLevelName: 'fatal', alertDescription: 70, alertDescriptionName: 'protocol_version' }, 1.01);
    web.close(1.02);
    const phone = sim.connect('10.10.20.60', NODE_A, 2000, 2);
    phone.send('c2s', 'skinny', 'RegisterReq', { messageId: 1, deviceName: 'SEP001122334455' }, 2.001);
    phone.close(3);
    const doc = sim.an.finish(SRC);
    expect(doc.workstations).toEqual([]);
    expect(doc.summary.message).toBe(NO_DESKTOP_MESSAGE);
  });

  it('a host speaking GED-188 as the client on an unknown port is a workstation', () => {
    const sim = new Sim();
    const f = sim.connect(PC, NODE_A, 12999, 0, null);
    f.send('c2s', 'ged188', 'OPEN_REQ', { invokeId: 1, versionNumber: 14, agentId: '1031' }, 0.001);
    f.send('s2c', 'ged188', 'OPEN_CONF', { invokeId: 1 }, 0.01);
    const doc = sim.an.finish(SRC);
    expect(doc.workstations.map((w) => [w.host, w.outcome, w.agent.id])).toEqual([[PC, 'incomplete', '1031']]);
  });

  it('names from DNS answers and NRB name the servers and the workstation', () => {
    const sim = new Sim();
    sim.an.names(PC, ['agent-pc-11.example.com']);
    cadLoginOk(sim, PC, 0);
    const ws = sim.an.finish(SRC).workstations[0];
    expect(ws.names).toEqual(['agent-pc-11.example.com']);
  });

  it('the workstation option keeps only that host (by IP or name)', () => {
    const sim = new Sim(undefined, { workstation: 'pc-b' });
    sim.an.names('10.10.20.12', ['pc-b.example.com']);
    cadLoginOk(sim, PC, 0);
    cadLoginOk(sim, '10.10.20.12', 1);
    expect(sim.an.finish(SRC).workstations.map((w) => w.host)).toEqual(['10.10.20.12']);
  });
});

describe('aggregation and bounded memory', () => {
  it('a day of heartbeats is one step with capped frames and a count', () => {
    const sim = new Sim();
    ctiSession(sim, PC, NODE_A, 0, { login: 'ok', heartbeats: 2880 });
    const ws = sim.an.finish(SRC).workstations[0];
    const hb = ws.steps.filter((s) => s.summary.includes('heartbeat'));
    expect(hb).toHaveLength(1);
    expect(hb[0].summary).toBe('2880 heartbeats every 30.0 s, all answered');
    expect(hb[0].detail?.count).toBe(2880);
    expect(hb[0].frames).toHaveLength(25);
    expect(hb[0].framesTotal).toBe(5760);
    expect(ws.steps.length).toBeLessThan(10);
  });

  it('repeated polls of one operation are one step', () => {
    const sim = new Sim();
    const f = sim.connect(PC, NODE_A, 59004, 0);
    for (let i = 0; i < 500; i++) {
      f.send('c2s', 'giop', 'Request', { requestId: i, responseExpected: true, operation: 'getAgentState' }, i * 2);
      if (i !== 200) f.send('s2c', 'giop', 'Reply', { requestId: i, replyStatus: 0, replyStatusName: 'NO_EXCEPTION' }, i * 2 + 0.003);
    }
    f.close(1000);
    const an = sim.an;
    const ws = an.finish(SRC).workstations[0];
    expect(ws.steps).toHaveLength(1);
    expect(ws.steps[0].detail).toMatchObject({ count: 500, missed: 1 });
    expect(ws.steps[0].summary).toBe('getAgentState ×500 → NO_EXCEPTION (slowest 3 ms), 1 unanswered');
  });

  it('DNS lookups per host are capped', () => {
    const sim = new Sim();
    for (let i = 0; i < 300; i++) sim.dns(PC, '192.168.100.53', `host${i}.example.com`, i * 0.01, { addresses: ['10.0.0.1'] });
    ldapStep(sim, PC, NODE_A, 10);
    const ws = sim.an.finish(SRC).workstations[0];
    // None resolves to a server the desktop used: the capped 64 fold into one "other lookups" step.
    expect(ws.steps.filter((s) => s.phase === 'dns').length).toBe(0);
    const other = ws.steps.filter((s) => s.service === 'dns-other');
    expect(other).toHaveLength(1);
    expect(other[0]).toMatchObject({ ok: true, phase: 'other', detail: { count: 64 } });
    expect(other[0].summary).toMatch(/^other lookups: 64 names \(host0\.example\.com, /);
  });

  it('other lookups count names, not lookups: a name asked for twice is one name, failed or not', () => {
    const sim = new Sim();
    // Windows asks for A and AAAA at once, and again later.
    let at = 0;
    for (const name of ['update.googleapis.com', 'wpad.corp.example.com', 'clients2.google.com', 'update.googleapis.com']) {
      for (const qtype of ['A', 'AAAA'] as const) sim.dns(PC, '192.168.100.53', name, (at += 0.5), name.startsWith('wpad') ? { rcode: 3, rcodeName: 'NXDOMAIN' } : { addresses: ['203.0.113.9'] }, qtype);
      at += 30;
    }
    ldapStep(sim, PC, NODE_A, 10);
    const other = sim.an.finish(SRC).workstations[0].steps.find((s) => s.service === 'dns-other')!;
    expect(other.summary).toBe("other lookups: 3 names (update.googleapis.com, wpad.corp.example.com, clients2.google.com); 1 not resolved (normal for names that are not the desktop's)");
  });

  it('FrameList keeps the first 20 and the last 5', () => {
    const fl = new FrameList();
    for (let i = 1; i <= 100; i++) fl.add(i);
    fl.add(100);
    expect(fl.total).toBe(100);
    expect(fl.list()).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 96, 97, 98, 99, 100]);
    expect(describeFrames([12, 13, 14, 15, 19])).toBe('frames 12–15, 19');
    expect(describeFrames([7])).toBe('frame 7');
  });

  it('FrameList holds what a list of the first 20 and the last 5 distinct frames added holds, in any order and with repeats', () => {
    // The model: the tail as a plain list that drops its oldest; FrameList keeps it as a ring.
    const model = (frames: number[]): { list: number[]; total: number; capped: boolean } => {
      const head: number[] = [];
      const tail: number[] = [];
      let last = -1;
      let total = 0;
      for (const f of frames) {
        if (f === last || (total < 20 && head.includes(f)) || tail.includes(f)) continue;
        last = f;
        total++;
        if (head.length < 20) head.push(f);
        else {
          tail.push(f);
          if (tail.length > 5) tail.shift();
        }
      }
      const list = [...new Set([...head, ...tail])].sort((a, b) => a - b);
      return { list, total, capped: total > head.length + tail.length };
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 120 }), (frames) => {
        const fl = new FrameList();
        for (const f of frames) fl.add(f);
        expect({ list: fl.list(), total: fl.total, capped: fl.capped }).toEqual(model(frames));
      }),
      { numRuns: 300 },
    );
  });
});

describe('outcome', () => {
  it('a capture that starts mid-session (heartbeats only) is incomplete', () => {
    const sim = new Sim();
    const f = sim.connect(PC, NODE_A, 12028, 0);
    for (let i = 0; i < 3; i++) {
      f.send('c2s', 'ged188', 'HEARTBEAT_REQ', { invokeId: 50 + i }, i * 30);
      f.send('s2c', 'ged188', 'HEARTBEAT_CONF', { invokeId: 50 + i }, i * 30 + 0.002);
    }
    const ws = sim.an.finish(SRC).workstations[0];
    expect(ws.outcome).toBe('incomplete');
    expect(ws.failedPhase).toBeNull();
    expect(ws.loginSeconds).toBeNull();
  });

  it('a failed login retried with success is logged-in, with the failure kept as a warning', () => {
    const sim = new Sim();
    // The desktop's configuration and licence first (well within the first second), as CAD does.
    const cti = ctiSession(sim, PC, NODE_A, licensingStep(sim, PC, NODE_A, ldapStep(sim, PC, NODE_A, 0)), { login: 'none' });
    cti.flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { invokeId: 5, agentState: 0, agentStateName: 'LOGIN', agentId: '1031' }, 1);
    cti.flow.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { invokeId: 5, failureCode: 0, peripheralErrorCode: 88004, peripheralErrorCodeName: 'AGENT_DEVICE_OFF' }, 1.01);
    cti.flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { invokeId: 6, agentState: 0, agentStateName: 'LOGIN', agentId: '1031' }, 20);
    cti.flow.send('s2c', 'ged188', 'SET_AGENT_STATE_CONF', { invokeId: 6 }, 20.05);
    cti.flow.send('s2c', 'ged188', 'AGENT_STATE_EVENT', { agentState: 2, agentStateName: 'NOT_READY' }, 20.1);
    const ws = sim.an.finish(SRC).workstations[0];
    expect(ws.outcome).toBe('logged-in');
    expect(ws.findings.map((f) => [f.kind, f.severity])).toEqual([['agent-login-failed', 'warning']]);
    expect(ws.loginSeconds).toBeCloseTo(20.1, 2);
  });

  it('the earliest unrecovered failure names the failed phase', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    sim.failedConnect(PC, NODE_A, 3000, [12], 'REJ');
    const ws = sim.an.finish(SRC).workstations[0];
    expect(ws.outcome).toBe('failed');
    expect(ws.failedPhase).toBe('config');
    expect(ws.failure?.kind).toBe('config-download-failed');
  });
});

describe('live and file analysis agree', () => {
  function scenario(sim: Sim): void {
    let t = dnsStep(sim, PC, 0);
    sim.failedConnect(PC, STALE, 38983, [t, t + 3, t + 9], 'S0');
    t = ldapStep(sim, PC, NODE_B, t + 21);
    t = licensingStep(sim, PC, NODE_A, t);
    const first = ctiSession(sim, PC, NODE_B, t, { openStatus: { status: 92, statusName: 'E_CTI_SERVER_NOT_MASTER' } });
    ctiSession(sim, PC, NODE_A, first.t, { login: 'ok', heartbeats: 3 });
  }

  it('the same events give the same document with or without a listener', () => {
    const file = new Sim();
    scenario(file);
    const live = new Sim();
    const events: AnalyzerUpdate[] = [];
    live.an.onUpdate = (ev) => events.push(ev);
    scenario(live);
    expect(live.an.finish(SRC)).toEqual(file.an.finish(SRC));
    const stepEvents = events.filter((e) => e.kind === 'step');
    const findingEvents = events.filter((e) => e.kind === 'finding');
    expect(stepEvents.some((e) => e.step?.summary.includes('never answered'))).toBe(true);
    expect(stepEvents.some((e) => e.step?.summary.includes('logged in'))).toBe(true);
    // Every final finding was announced live (live also announces what was true for a while, such as
    // "no usable directory" before the failover to the second LDAP node).
    const announced = new Set(findingEvents.map((e) => `${e.finding?.kind}|${e.finding?.step}`));
    const final = live.an.finish(SRC).workstations[0].findings;
    expect(final.length).toBe(4);
    for (const f of final) expect(announced).toContain(`${f.kind}|${f.step}`);
    expect(findingEvents.map((e) => e.finding?.kind)).toContain('config-download-failed');
    expect(events.every((e) => e.workstation === PC)).toBe(true);
    // A step is reported when settled, not at every message.
    expect(stepEvents.length).toBeLessThan(30);
  });

  it('a snapshot judges waiting requests against the reply timeout using "now"', () => {
    let now = 0;
    const sim = new Sim(createAnalyzer({ now: () => now }));
    const f = sim.connect(PC, NODE_A, 3000, 0);
    f.send('c2s', 'giop', 'Request', { requestId: 1, responseExpected: true, operation: 'acquireLicense' }, 0.001);
    now = f.info.start + 5;
    // The capture begins with this licence request: that it began late is a note (info), whatever the time.
    const problems = (x: { findings: { severity: string; kind: string }[] }) => x.findings.filter((y) => y.severity !== 'info').map((y) => y.kind);
    let ws = sim.an.snapshot(SRC).workstations[0];
    expect(ws.steps[0].summary).toBe('acquireLicense → waiting for a reply');
    expect(problems(ws)).toEqual([]);
    now = f.info.start + 20;
    ws = sim.an.snapshot(SRC).workstations[0];
    expect(ws.steps[0].ok).toBe(false);
    expect(problems(ws)).toEqual(['timeout', 'licensing-failed']);
    // finish() judges by capture time only: the capture ended 1 ms after the request.
    expect(problems(sim.an.finish(SRC).workstations[0])).toEqual([]);
  });
});
