// An agent who logged in and whose CTI session was then lost, with no session since, is not logged in at the end of
// the capture: the built CLI says so for a CAD desktop (its own session) and for the agents of a CTI client on a
// server-side capture (the client's session), by the session's cause. A session the desktop ended itself, one
// that came back, and one the capture ends while reconnecting keep their own outcome (logged in, or incomplete).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBytes } from '../src/capture/reader.js';
import { encodeTcpFrame, ipv4ToNumber, macForIp, TCP_ACK, TCP_RST } from '../src/lab/synth/packet.js';
import { PcapngWriter } from '../src/capture/writer.js';
import { agentStateEvent, heartbeatConf, heartbeatReq, openConf, openReq, queryAgentStateConf, queryAgentStateReq, setAgentStateConf, setAgentStateReq } from '../src/decoders/ged188/encode.js';
import { SynthNet, type TcpConversation } from '../src/lab/synth/tcp.js';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { analyze, carries, CTI, openAndLogin, run, takeOver, write } from './cti-session-captures.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-session-lost-'));

describe('a CAD desktop that logged in, then lost its CTI session', () => {
  const HOST = '10.10.20.77';
  const AGENT = [{ id: '1077', ext: '2077' }];
  function desktop(name: string, end: (c: TcpConversation, net: SynthNet) => void, lost?: (data: Uint8Array) => boolean): string {
    const net = new SynthNet({ seed: 9 });
    const c = net.tcp({ client: HOST, server: CTI, serverPort: 12028 });
    c.connect();
    openAndLogin(c, 'cad', AGENT);
    end(c, net);
    return write(name, net, lost);
  }

  it('reset by the server, no session since: failed at cti-session after its login, by connection-reset', () => {
    const file = desktop('cad-reset', (c) => c.reset('s2c', { delay: 10 }));
    const { status, doc } = analyze(file);
    expect(status).toBe(1);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind, ws.loginSeconds]).toEqual(['failed', 'cti-session', 'connection-reset', null]);
    // The attempt that logged in is still there: the login worked, the session it rode on did not last.
    expect(ws.attempts.map((a) => a.outcome)).toEqual(['logged-in']);
    expect(doc.summary.message).toMatch(/^10\.10\.20\.77 \(agent 1077\) logged in, then lost its CTI session: 192\.168\.100\.1:12028, the UCCX CTI server, reset the established connection/);
    expect(run(file).stdout).toContain('· ✗ FAILED at cti-session, after its login');
  });

  it('closed by the server (FIN, no CLOSE_REQ): the same, by session-closed', () => {
    const { doc } = analyze(desktop('cad-fin', (c) => c.close('s2c', { delay: 10 })));
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'cti-session', 'session-closed']);
  });

  it('ending as the desktop connects again: incomplete, the loss a warning', () => {
    const { status, doc } = analyze(
      desktop('cad-reset-reconnect', (c, net) => {
        c.reset('s2c', { delay: 10 });
        net.tcp({ client: HOST, server: CTI, serverPort: 12028 }).synUnanswered([2]);
      }),
    );
    expect(status).toBe(4);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase]).toEqual(['incomplete', null]);
    expect(doc.summary.message).toMatch(/^10\.10\.20\.77 \(agent 1077\) logged in, then lost its CTI session: .* The capture ends while the host connects to 192\.168\.100\.1:12028 \(SYN, frame \d+\), so whether it got a session again is not in it\.$/);
    expect(ws.findings.filter((f) => f.kind === 'connection-reset').map((f) => f.severity)).toEqual(['warning']);
  });

  it('that came back (a new session opened and the agent seen logged in): logged in', () => {
    const { doc } = analyze(
      desktop('cad-reset-back', (c, net) => {
        c.reset('s2c', { delay: 10 });
        const again = net.tcp({ client: HOST, server: CTI, serverPort: 12028 });
        again.connect({ delay: 3 });
        again.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'cad', agentExtension: '2077', agentId: '1077' }));
        again.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: 'NOT_READY', peripheralOnline: true }), { delay: 0.004 });
      }),
    );
    expect(doc.workstations[0].outcome).toBe('logged-in');
  });

  /** The session reset after the login, then opened again on the same server, which reports the agent `state`. */
  function reopened(name: string, state: string, opts: { query?: boolean; logoutFirst?: boolean } = {}): string {
    return desktop(name, (c, net) => {
      if (opts.logoutFirst) {
        // The agent logs out on the old session itself (its own request and the server's word on it).
        c.send('c2s', setAgentStateReq({ invokeId: 40, agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077', agentInstrument: '2077' }), { delay: 2 });
        c.send('s2c', setAgentStateConf({ invokeId: 40 }), { delay: 0.005 });
        c.send('s2c', agentStateEvent({ agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077', agentInstrument: '2077' }), { delay: 0.002 });
      }
      c.reset('s2c', { delay: 10 });
      const again = net.tcp({ client: HOST, server: CTI, serverPort: 12028 });
      again.connect({ delay: 3 });
      again.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'cad', agentExtension: '2077', agentId: '1077' }));
      again.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: state, peripheralOnline: true }), { delay: 0.004 });
      if (opts.query) {
        again.send('c2s', queryAgentStateReq({ invokeId: 2, agentId: '1077', agentExtension: '2077' }), { delay: 0.05 });
        again.send('s2c', queryAgentStateConf({ invokeId: 2, agentState: state, agentId: '1077', agentExtension: '2077' }), { delay: 0.003 });
      }
      again.send('c2s', heartbeatReq({ invokeId: 5 }), { delay: 30 });
      again.send('s2c', heartbeatConf({ invokeId: 5 }), { delay: 0.003 });
    });
  }

  it.each([
    ['in its OPEN_CONF', {}],
    ['in its OPEN_CONF and a QUERY_AGENT_STATE_CONF', { query: true }],
  ])('opened again on the same server, which reports the agent LOGOUT %s, no login since: failed at login (agent-logged-out)', (_, opts) => {
    const { status, doc } = analyze(reopened(`cad-reopened-logout-${Object.keys(opts).length}`, 'LOGOUT', opts));
    expect(status).toBe(1);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'login', 'agent-logged-out']);
    const f = ws.findings.find((x) => x.kind === 'agent-logged-out')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/^agent 1077 on extension 2077 was logged in on 192\.168\.100\.1:12028, but after that session ended and a new one opened there, the server reported it LOGOUT \(OPEN_CONF, frame (\d+)\), and no login of it there is in the capture: the login did not outlive its session, so the agent is not logged in\.$/);
    expect(f.frames).toEqual([Number(/frame (\d+)/.exec(f.message)![1])]);
  });

  it('the agent logged out on the old session itself before it was lost: no agent-logged-out', () => {
    const { doc } = analyze(reopened('cad-logout-then-reopened', 'LOGOUT', { logoutFirst: true }));
    expect(doc.workstations[0].findings.map((f) => f.kind)).not.toContain('agent-logged-out');
  });

  const LOGOUT_REQ = setAgentStateReq({ invokeId: 40, agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077', agentInstrument: '2077' });
  const LOGOUT_CONF = setAgentStateConf({ invokeId: 40 });

  /**
   * 10 s after the login, the server's AGENT_STATE_EVENT LOGOUT; `asked`: the desktop's SET_AGENT_STATE_REQ LOGOUT first.
   * `lost`: the packets of those messages the capture missed.
   */
  function loggedOutOnSession(name: string, asked: boolean, reason?: number, tail = 30, lost: Uint8Array[] = []): string {
    const missed = (data: Uint8Array): boolean => lost.some((pdu) => carries(data, pdu));
    return desktop(name, (c) => {
      if (asked) {
        c.send('c2s', LOGOUT_REQ, { delay: 10 });
        c.send('s2c', LOGOUT_CONF, { delay: 0.005 });
      }
      c.send('s2c', agentStateEvent({ agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077', agentInstrument: '2077', ...(reason ? { eventReasonCode: reason } : {}) }), { delay: asked ? 0.002 : 10 });
      if (tail > 0) {
        c.send('c2s', heartbeatReq({ invokeId: 60 }), { delay: tail });
        c.send('s2c', heartbeatConf({ invokeId: 60 }), { delay: 0.003 });
      }
    }, missed);
  }

  it('logged out by the server on its session, unasked (AGT_PHONE_DOWN), no login since: failed at login (agent-logged-out), the reason named', () => {
    const { status, doc } = analyze(loggedOutOnSession('cad-phone-down', false, 32759));
    expect(status).toBe(1);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'login', 'agent-logged-out']);
    const f = ws.findings.find((x) => x.kind === 'agent-logged-out')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(
      /^agent 1077 on extension 2077 was logged in on 192\.168\.100\.1:12028, then that server reported it LOGOUT \(AGENT_STATE_EVENT, reason AGT_PHONE_DOWN \(32759\): the agent phone is down, frame (\d+)\) with no logout request for it on the session, and no login of it since is in the capture: it was logged out by the system \(its phone, Unified CM, the peripheral\) or from elsewhere \(a supervisor, another desktop\), not by the desktop\.$/,
    );
  });

  it('the same with the capture ending just after the report: a warning, the agent incomplete', () => {
    const { doc } = analyze(loggedOutOnSession('cad-phone-down-end', false, 32759, 0));
    const ws = doc.workstations[0];
    expect(ws.findings.filter((x) => x.kind === 'agent-logged-out').map((x) => x.severity)).toEqual(['warning']);
    expect(ws.outcome).toBe('incomplete');
  });

  it('logged out at the desktop\'s own request (SET_AGENT_STATE_REQ LOGOUT first): no finding', () => {
    const { status, doc } = analyze(loggedOutOnSession('cad-own-logout', true));
    expect(status).toBe(0);
    expect(doc.workstations[0].findings.filter((x) => x.severity !== 'info')).toEqual([]);
  });

  it.each([
    ['its request', [LOGOUT_REQ]],
    ['its request and the confirmation', [LOGOUT_REQ, LOGOUT_CONF]],
  ])("the desktop's own logout with %s lost by the capture: a warning that says so, never 'logged out by the system'", (_what, lost) => {
    const { doc } = analyze(loggedOutOnSession(`cad-own-logout-lost-${lost.length}`, true, undefined, 30, lost));
    const ws = doc.workstations[0];
    expect(ws.outcome).not.toBe('failed');
    const f = ws.findings.filter((x) => x.kind === 'agent-logged-out');
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0].message).toMatch(/, but the capture lost bytes the desktop sent on that session \(found by frame \d+\): its logout request may be among them\.$/);
    expect(f[0].message).not.toMatch(/logged out by the system/);
  });

  it('logged out unasked while the capture lost bytes of the session long before: still logged out by the system', () => {
    // A hole in the desktop's bytes 20 s before the LOGOUT report, between two heartbeats answered since: not where a logout request went.
    const early = heartbeatReq({ invokeId: 33 });
    const file = desktop(
      'cad-phone-down-early-hole',
      (c) => {
        c.send('c2s', early, { delay: 1 });
        c.send('s2c', heartbeatConf({ invokeId: 33 }), { delay: 0.003 });
        c.send('c2s', heartbeatReq({ invokeId: 34 }), { delay: 5 });
        c.send('s2c', heartbeatConf({ invokeId: 34 }), { delay: 0.003 });
        c.send('s2c', agentStateEvent({ agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077', agentInstrument: '2077', eventReasonCode: 32759 }), { delay: 20 });
        c.send('c2s', heartbeatReq({ invokeId: 60 }), { delay: 30 });
        c.send('s2c', heartbeatConf({ invokeId: 60 }), { delay: 0.003 });
      },
      (data) => carries(data, early),
    );
    const ws = analyze(file).doc.workstations[0];
    expect([ws.outcome, ws.failure?.kind, ws.failure?.message]).toEqual(['failed', 'agent-logged-out', expect.stringMatching(/logged out by the system/)]);
  });

  it('the same agent logged in on a second desktop, the server logging it out on the first (AGT_RELOGON): the first failed, taken over; the agent logged in', () => {
    const net = new SynthNet({ seed: 9 });
    const { b, invoke } = takeOver(net, HOST, '10.10.20.78', AGENT[0]);
    b.send('c2s', heartbeatReq({ invokeId: invoke }), { delay: 20 });
    b.send('s2c', heartbeatConf({ invokeId: invoke }), { delay: 0.003 });
    const { doc } = analyze(write('cad-taken-over', net));
    const first = doc.workstations.find((w) => w.host === HOST)!;
    expect([first.outcome, first.failure?.kind]).toEqual(['failed', 'agent-logged-out']);
    expect(first.failure!.message).toMatch(/^agent 1077 on extension 2077 was logged in on 192\.168\.100\.1:12028, then logged in on another session \(10\.10\.20\.78:\d+ → 192\.168\.100\.1:12028, AGENT_STATE_EVENT NOT_READY, frame \d+\), and the server reported it LOGOUT on this one \(AGENT_STATE_EVENT, reason AGT_RELOGON \(32767\): the agent logged in again, frame \d+\): the other login took the agent over/);
    expect(doc.workstations.find((w) => w.host === '10.10.20.78')!.outcome).toBe('logged-in');
    // The agent itself is logged in (on the second desktop): the first session's LOGOUT is not its loss.
    expect(doc.agents.map((x) => [x.id, x.outcome, x.findings.filter((f) => f.kind === 'agent-logged-out').length])).toEqual([['1077', 'logged-in', 0]]);
  });

  describe('the agent taken over by a second desktop, each session heartbeating after', () => {
    const file = (() => {
      const net = new SynthNet({ seed: 9 });
      const taken = takeOver(net, HOST, '10.10.20.78', AGENT[0]);
      const { a, b } = taken;
      let invoke = taken.invoke;
      // The first desktop's session stays open and heartbeats, then the second's: one run each.
      for (const c of [a, b]) {
        for (let i = 0; i < 4; i++) {
          c.send('c2s', heartbeatReq({ invokeId: invoke }), { delay: 5 });
          c.send('s2c', heartbeatConf({ invokeId: invoke++ }), { delay: 0.003 });
        }
      }
      return write('cad-taken-over-beats', net);
    })();

    it('the agent is at the second desktop, the first named as before; a filter on either desktop keeps the agent', () => {
      const { doc } = analyze(file);
      const [agent] = doc.agents;
      expect([agent.desktop, agent.previousDesktops, agent.desktopLink?.basis]).toEqual(['10.10.20.78', [HOST], 'desktop-session']);
      expect(agent.desktopLink!.evidence).toBe("the agent's requests went out on 10.10.20.78's own CTI session, the latest of its desktops (before, on 10.10.20.77)");
      // The first desktop keeps what its own session showed: the takeover.
      expect(doc.workstations.find((w) => w.host === HOST)!.failure?.kind).toBe('agent-logged-out');
      const one = JSON.parse(run(file, '--json', '--agent', '1077').stdout) as AnalysisDocument;
      expect(one.workstations.map((w) => w.host)).toEqual([HOST, '10.10.20.78']);
      for (const host of [HOST, '10.10.20.78']) {
        const focused = JSON.parse(run(file, '--json', '--workstation', host).stdout) as AnalysisDocument;
        expect(focused.workstations.map((w) => w.host)).toEqual([host]);
        expect(focused.agents.map((x) => x.id)).toEqual(['1077']);
      }
    });

    it("the agent's sequence draws both desktops and folds each session's heartbeats on its own lifeline", () => {
      const r = spawnSync(process.execPath, [bin, 'sequence', file, '--agent', '1077', '--format', 'text'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('UCCX CTI server → earlier desktop 10.10.20.77: AGENT_STATE_EVENT LOGOUT agent=1077 ext=2077 reason=32767 AGT_RELOGON');
      expect(r.stdout).toContain('desktop 10.10.20.78 → UCCX CTI server: SET_AGENT_STATE_REQ LOGIN agent=1077');
      const runs = r.stdout.split('\n').filter((l) => l.includes('HEARTBEAT ×'));
      expect(runs.map((l) => l.replace(/^\s*\S+\s+/, ''))).toEqual([
        expect.stringMatching(/^earlier desktop 10\.10\.20\.77 ⇄ UCCX CTI server: HEARTBEAT ×4 every 5\.0 s, all answered/),
        expect.stringMatching(/^desktop 10\.10\.20\.78 ⇄ UCCX CTI server: HEARTBEAT ×4 every 5\.0 s, all answered/),
      ]);
    });
  });

  it('heartbeats unanswered to the end, then the desktop gives up (its FIN): failed at cti-session, by heartbeat-lost', () => {
    const { doc } = analyze(
      desktop('cad-heartbeats-lost', (c) => {
        for (let i = 0; i < 3; i++) c.send('c2s', heartbeatReq({ invokeId: 50 + i }), { delay: 20 });
        c.close('c2s', { delay: 5 });
      }),
    );
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'cti-session', 'heartbeat-lost']);
  });

  it('a heartbeat stall the server answered after: still logged in (the stall stays a finding)', () => {
    const { doc } = analyze(
      desktop('cad-heartbeats-stall', (c) => {
        for (let i = 0; i < 3; i++) c.send('c2s', heartbeatReq({ invokeId: 50 + i }), { delay: 20 });
        c.send('c2s', heartbeatReq({ invokeId: 53 }), { delay: 20 });
        c.send('s2c', heartbeatConf({ invokeId: 53 }), { delay: 0.003 });
      }),
    );
    const ws = doc.workstations[0];
    expect(ws.outcome).toBe('logged-in');
    expect(ws.findings.map((f) => f.kind)).toContain('heartbeat-lost');
  });

  it('ended by the desktop itself (its FIN first): logged in, no finding', () => {
    const { status, doc } = analyze(desktop('cad-own-close', (c) => c.close('c2s', { delay: 10 })));
    expect(status).toBe(0);
    const ws = doc.workstations[0];
    expect(ws.outcome).toBe('logged-in');
    expect(ws.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe("a CTI client's agents, when the client's session is lost after their logins", () => {
  const CLIENT = '10.1.2.30';
  const AGENTS = [
    { id: '5201', ext: '30201' },
    { id: '5202', ext: '30202' },
    { id: '5203', ext: '30203' },
  ];
  function serverSide(name: string, end: (c: TcpConversation, net: SynthNet, invoke: number) => void): string {
    const net = new SynthNet({ seed: 11 });
    const c = net.tcp({ client: CLIENT, server: '10.1.1.20', serverPort: 42027 });
    c.connect();
    const invoke = openAndLogin(c, 'FinesseA', AGENTS);
    end(c, net, invoke);
    return write(name, net);
  }

  it('reset, no session since: each agent failed at cti-session by the reset; one line names them, the summary counts them', () => {
    const file = serverSide('finesse-reset', (c) => c.reset('s2c', { delay: 10 }));
    const { status, doc } = analyze(file);
    expect(status).toBe(1);
    expect(doc.ctiClients.map((c) => [c.outcome, c.failure?.kind])).toEqual([['failed', 'connection-reset']]);
    expect(doc.agents.map((a) => [a.id, a.outcome, a.failedPhase, a.failure?.kind, a.failure?.server])).toEqual(
      AGENTS.map((a) => [a.id, 'failed', 'cti-session', 'connection-reset', '10.1.1.20:42027']),
    );
    // The agent's own record: logged in, then the client lost the session it was served on.
    expect(doc.agents[0].attempts.map((a) => a.outcome)).toEqual(['logged-in']);
    expect(doc.agents[0].failure?.message).toMatch(/^agent 5201 on extension 30201 was logged in, then "FinesseA" on 10\.1\.2\.30 lost the CTI session it was served on, with no session since: 10\.1\.1\.20:42027/);
    expect(doc.summary.message).toBe('3 agents: 3 lost with their CTI session on 10.1.1.20:42027; 1 CTI client\'s session failed: connection-reset on 10.1.1.20:42027');
    const text = run(file).stdout;
    expect(text).toMatch(/^5201 +30201 +FinesseA@10\.1\.2\.30:\d+ +FAILED +session lost: connection-reset$/m);
    expect(text).toContain("Agents 5201, 5202, 5203: their CTI client's session was lost after they logged in (shown above, with its cause).");
    // Not each agent's timeline again: the client's shows the loss.
    expect(text).not.toMatch(/^agent 5201 · /m);
  });

  it('ending as the client connects again: the agents incomplete', () => {
    const { doc } = analyze(
      serverSide('finesse-reset-reconnect', (c, net) => {
        c.reset('s2c', { delay: 10 });
        net.tcp({ client: CLIENT, server: '10.1.1.21', serverPort: 43027 }).synUnanswered([3]);
      }),
    );
    expect(doc.agents.map((a) => a.outcome)).toEqual(['incomplete', 'incomplete', 'incomplete']);
  });

  it('failed over to side B, which logs the agents in again: logged in', () => {
    const { status, doc } = analyze(
      serverSide('finesse-failover', (c, net) => {
        c.reset('s2c', { delay: 10 });
        const b = net.tcp({ client: CLIENT, server: '10.1.1.21', serverPort: 43027 });
        b.connect({ delay: 3 });
        openAndLogin(b, 'FinesseA', AGENTS);
      }),
    );
    expect(status).toBe(0);
    expect(doc.agents.map((a) => a.outcome)).toEqual(['logged-in', 'logged-in', 'logged-in']);
  });

  it('reopened on the same server, which reports the agents LOGOUT, and nothing logs them in: failed (agent-logged-out)', () => {
    const { doc } = analyze(
      serverSide('finesse-reopened-logout', (c, net) => {
        c.reset('s2c', { delay: 10 });
        const again = net.tcp({ client: CLIENT, server: '10.1.1.20', serverPort: 42027 });
        again.connect({ delay: 3 });
        again.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'FinesseA' }));
        again.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: 'LOGOUT', peripheralOnline: true }), { delay: 0.004 });
        AGENTS.forEach((a, i) => {
          again.send('c2s', queryAgentStateReq({ invokeId: 2 + i, agentId: a.id, agentExtension: a.ext }), { delay: 0.05 });
          again.send('s2c', queryAgentStateConf({ invokeId: 2 + i, agentState: 'LOGOUT', agentId: a.id, agentExtension: a.ext }), { delay: 0.003 });
        });
        again.send('c2s', heartbeatReq({ invokeId: 9 }), { delay: 30 });
        again.send('s2c', heartbeatConf({ invokeId: 9 }), { delay: 0.003 });
      }),
    );
    expect(doc.ctiClients[0].outcome).toBe('logged-in');
    expect(doc.agents.map((a) => [a.outcome, a.failedPhase, a.failure?.kind])).toEqual(AGENTS.map(() => ['failed', 'login', 'agent-logged-out']));
  });

  it('one agent logged out by the server unasked on the client\'s session: that agent failed (agent-logged-out, not by its CTI client)', () => {
    const { doc } = analyze(
      serverSide('finesse-forced-logout', (c, _net, invoke) => {
        c.send('s2c', agentStateEvent({ agentState: 'LOGOUT', agentId: '5202', agentExtension: '30202', agentInstrument: '30202', eventReasonCode: 32757 }), { delay: 5 });
        c.send('c2s', heartbeatReq({ invokeId: invoke }), { delay: 20 });
        c.send('s2c', heartbeatConf({ invokeId: invoke }), { delay: 0.003 });
      }),
    );
    expect(doc.agents.map((a) => [a.id, a.outcome, a.failure?.kind ?? null])).toEqual([
      ['5201', 'logged-in', null],
      ['5202', 'failed', 'agent-logged-out'],
      ['5203', 'logged-in', null],
    ]);
    expect(doc.agents[1].failure!.message).toMatch(/reason CM_FAILOVER \(32757\): Unified CM failover, frame \d+\) with no logout request for it on the session, .* not by its CTI client\.$/);
  });

  it('an agent logged in again after a session that then failed to open: lost with it too', () => {
    // Side A resets; side B accepts the connection but the client's new session there is never answered.
    const { doc } = analyze(
      serverSide('finesse-b-unanswered', (c, net) => {
        c.reset('s2c', { delay: 10 });
        const b = net.tcp({ client: CLIENT, server: '10.1.1.21', serverPort: 43027 });
        b.connect({ delay: 3 });
        b.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'FinesseA' }));
        b.close('c2s', { delay: 60 });
      }),
    );
    expect(doc.ctiClients[0].outcome).toBe('failed');
    expect(doc.agents.map((a) => [a.outcome, a.failedPhase])).toEqual(AGENTS.map(() => ['failed', 'cti-session']));
  });
});

describe('a CTI OS server capture whose CTI session is reset after the logins', () => {
  // samples/ctios-server.pcapng, with the CTI server's RST on CTIOSServer's session 5 s after its last packet.
  function withReset(): string {
    const w = new PcapngWriter({ tsResolution: 'us' });
    let iface = -1;
    let last = 0;
    let rst: { seq: number; ack: number; port: number } | undefined;
    const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    const file = join(root, 'samples', 'ctios-server.pcapng');
    readCaptureBytes(new Uint8Array(readFileSync(file)), {
      packet(p) {
        if (iface < 0) iface = w.addInterface(p.linkType, { snaplen: 65535 });
        w.writePacket(iface, p.time, p.data.slice());
        last = p.time;
        // Ethernet, IPv4 without options, TCP: the server's next sequence number and what it acknowledged.
        const d = p.data;
        if (d[23] !== 6 || ((d[34] << 8) | d[35]) !== 42027) return;
        const hdr = (d[46] >> 4) * 4;
        const len = ((d[16] << 8) | d[17]) - 20 - hdr;
        rst = { seq: (u32(d, 38) + len) >>> 0, ack: u32(d, 42), port: (d[36] << 8) | d[37] };
      },
    }, { file });
    const server = ipv4ToNumber('10.1.1.20');
    const client = ipv4ToNumber('10.1.1.10');
    const frame = encodeTcpFrame(
      { srcMac: macForIp(server), dstMac: macForIp(client), srcIp: server, dstIp: client, ipId: 1, ttl: 64, pad: true },
      { srcPort: 42027, dstPort: rst!.port, seq: rst!.seq, ack: rst!.ack, flags: TCP_RST | TCP_ACK, window: 0 },
    );
    w.writePacket(iface, last + 5, frame);
    const out = join(dir, 'ctios-server-reset.pcapng');
    writeFileSync(out, w.toBytes());
    return out;
  }

  it("every agent logged in goes with the session, the refused one keeps its refusal; each CTI OS desktop says why under its timeline", () => {
    const file = withReset();
    const { status, doc } = analyze(file);
    expect(status).toBe(1);
    expect(doc.ctiClients.map((c) => [c.clientId, c.outcome, c.failure?.kind])).toEqual([['CTIOSServer', 'failed', 'connection-reset']]);
    expect(doc.agents.map((a) => [a.id, a.failedPhase, a.failure?.kind])).toEqual([
      ['5051', 'cti-session', 'connection-reset'],
      ['5052', 'cti-session', 'connection-reset'],
      ['5053', 'login', 'agent-login-failed'],
      ['5054', 'cti-session', 'connection-reset'],
      ['5055', 'cti-session', 'connection-reset'],
      ['5056', 'cti-session', 'connection-reset'],
    ]);
    const desk = doc.workstations.find((w) => w.host === '10.10.40.51')!;
    expect([desk.outcome, desk.failedPhase, desk.failure?.kind]).toEqual(['failed', 'cti-session', 'connection-reset']);
    const text = run(file, '--workstation', '10.10.40.51').stdout;
    expect(text).toContain('10.10.40.51 · agent 5051 ext 30051 · CTI OS · ✗ FAILED at cti-session, after its login');
    expect(text.replace(/\n +/g, ' ')).toContain('✗ agent 5051 on extension 30051 was logged in, then "CTIOSServer" on 10.1.1.10 lost the CTI session it was served on, with no session since: 10.1.1.20:42027, the CTI server, reset the established connection');
  });
});
