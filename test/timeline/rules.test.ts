import { describe, expect, it } from 'vitest';
import { Sim, T0, NODE_A, NODE_B, STALE, cadLoginOk, ctiSession, dnsStep, ldapStep, licensingStep, servicesStep } from './sim.js';
import type { WorkstationView } from '../../src/timeline/state.js';
import {
  diagnoseAgentLogin,
  diagnoseCaptureGaps,
  diagnoseConfigDownload,
  diagnoseCtiOpen,
  diagnoseDns,
  diagnoseFailover,
  diagnoseHeartbeats,
  diagnoseLicensing,
  diagnoseRefused,
  diagnoseReset,
  diagnoseSlowSteps,
  diagnoseTimeouts,
  diagnoseTls,
  diagnoseTruncation,
  diagnoseCaptureDrops,
  diagnoseUnreachable,
  RULES,
} from '../../src/timeline/rules/index.js';

const PC = '10.10.20.11';

function view(sim: Sim): WorkstationView {
  const views = sim.an.workstationViews();
  expect(views.map((v) => v.host)).toEqual([PC]);
  return views[0];
}

/**
 * The desktop's configuration download, two seconds before the failure a test is about (a desktop reaches its
 * licensing service only after its directory); returns the frames it took.
 */
function configured(sim: Sim): number {
  ldapStep(sim, PC, NODE_A, -2);
  return sim.frame;
}

/** A healthy start-up, on which no rule may find anything. */
function healthy(): WorkstationView {
  const sim = new Sim();
  cadLoginOk(sim, PC, 0, { heartbeats: 3 });
  return view(sim);
}

describe('every rule is silent on a healthy start-up', () => {
  const ws = healthy();
  for (const { name, rule } of RULES) it(name, () => expect(rule(ws)).toEqual([]));
});

describe('diagnoseUnreachable', () => {
  it('names the server, the SYN count and the span, and cites the SYN frames', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    const f = diagnoseUnreachable(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'server-unreachable', severity: 'error', server: '192.168.100.9:38983', frames: [1, 2, 3] });
    expect(f[0].message).toContain('192.168.100.9:38983, the CAD LDAP directory, never answered: 3 SYNs over 9.0 s');
  });

  it('reports an ICMP unreachable with its sender', () => {
    const sim = new Sim();
    // The desktop has its configuration (a desktop reaches licensing only after its directory).
    const n = configured(sim);
    sim.failedConnect(PC, STALE, 3000, [0], 'S0', { codeName: 'host-unreachable', from: '10.10.20.1' });
    const f = diagnoseUnreachable(view(sim));
    expect(f[0].message).toContain(`ICMP host-unreachable from 10.10.20.1 (frame ${n + 2})`);
    expect(f[0].frames).toEqual([n + 1, n + 2]);
  });

  it('is a warning when another node then worked', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    ldapStep(sim, PC, NODE_B, 21);
    expect(diagnoseUnreachable(view(sim))[0].severity).toBe('warning');
  });
});

describe('diagnoseRefused', () => {
  it('folds retries to one server into one finding', () => {
    const sim = new Sim();
    const n = configured(sim);
    sim.failedConnect(PC, NODE_A, 3000, [0], 'REJ');
    sim.failedConnect(PC, NODE_A, 3000, [5], 'REJ');
    const f = diagnoseRefused(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain(`refused 2 connection attempts over 5.0 s: SYN answered by RST (frame ${n + 2})`);
    expect(f[0].message).toContain('nothing listens on port 3000');
    expect(f[0].frames).toEqual([n + 1, n + 2, n + 3, n + 4]);
  });

  it('keeps separate servers separate', () => {
    const sim = new Sim();
    configured(sim);
    sim.failedConnect(PC, NODE_A, 3000, [0], 'REJ');
    sim.failedConnect(PC, NODE_B, 3000, [0.5], 'REJ');
    expect(diagnoseRefused(view(sim)).map((f) => f.server)).toEqual(['192.168.100.1:3000', '192.168.100.2:3000']);
  });
});

describe('diagnoseReset', () => {
  it('reports a server reset of an established CTI session', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'ok' });
    const rec = cti.flow.close(150, 'RSTR');
    const f = diagnoseReset(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('192.168.100.1:12028, the UCCX CTI server, reset the established connection after 2 min 30 s');
    expect(f[0].frames).toEqual([rec.rstFrame]);
  });

  it('ignores a reset sent by the desktop', () => {
    const sim = new Sim();
    ctiSession(sim, PC, NODE_A, 0, { login: 'ok' }).flow.close(150, 'RSTO');
    expect(diagnoseReset(view(sim))).toEqual([]);
  });
});

describe('diagnoseTimeouts', () => {
  it('a request unanswered until the connection closed', () => {
    const sim = new Sim();
    licensingStep(sim, PC, NODE_A, 0, 'none');
    const f = diagnoseTimeouts(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/never answered acquireLicense \(frame 4\): the connection closed 30\.0 s later \(frame 5\)/);
    expect(f[0].severity).toBe('error');
  });

  it('a request still waiting past the reply timeout on an open connection', () => {
    const sim = new Sim();
    const flow = sim.connect(PC, NODE_A, 3000, 0);
    flow.send('c2s', 'giop', 'Request', { requestId: 1, responseExpected: true, operation: 'acquireLicense' }, 0.001);
    flow.send('c2s', 'giop', 'Request', { requestId: 2, responseExpected: true, operation: 'ping' }, 20); // time moves on
    const f = diagnoseTimeouts(view(sim));
    expect(f.map((x) => x.kind)).toEqual(['timeout']);
    expect(f[0].message).toContain('has not answered within its 15.0 s reply timeout');
  });

  it('a reply that came after the reply timeout', () => {
    const sim = new Sim();
    const flow = sim.connect(PC, NODE_A, 3000, 0);
    flow.send('c2s', 'giop', 'Request', { requestId: 1, responseExpected: true, operation: 'acquireLicense' }, 0.001);
    flow.send('s2c', 'giop', 'Reply', { requestId: 1, replyStatus: 0, replyStatusName: 'NO_EXCEPTION' }, 17.201);
    const f = diagnoseTimeouts(view(sim));
    expect(f[0]).toMatchObject({ kind: 'timeout', severity: 'warning' });
    expect(f[0].message).toContain('answered acquireLicense only after 17.2 s');
  });
});

describe('diagnoseConfigDownload', () => {
  it('an LDAP error result with its diagnostic message', () => {
    const sim = new Sim();
    ldapStep(sim, PC, NODE_A, 0, { code: 49, name: 'invalidCredentials', diagnostic: 'INVALID_CREDENTIALS: Bind failed' });
    const f = diagnoseConfigDownload(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('answered the bind as cn=Directory Manager,o=Spanlink Communications with invalidCredentials (49) with the message "INVALID_CREDENTIALS: Bind failed"');
  });

  it('no directory reachable at all', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    sim.failedConnect(PC, NODE_B, 38983, [10], 'REJ');
    const f = diagnoseConfigDownload(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('No usable directory');
    expect(f[0].message).toContain('192.168.100.9:38983 never answered');
    expect(f[0].message).toContain('192.168.100.2:38983 refused the connection');
    // Two directories tried: the desktop did fall over.
    expect(f[0].message).not.toContain('tried no other directory');
  });

  it('one directory host never reached and no other tried: the missing second LDAP host is named', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    const f = diagnoseConfigDownload(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toBe(
      'No usable directory: the desktop could not read its configuration. 192.168.100.9:38983 never answered: 3 SYNs over 9.0 s. The desktop tried no other directory: CAD falls over to its second LDAP host only when one is configured (LDAP Host 2 in its site setup), and older CAD versions do not fall over at all.',
    );
  });
});

describe('diagnoseLicensing', () => {
  it('names the exception id', () => {
    const sim = new Sim();
    licensingStep(sim, PC, NODE_A, 0, 'no-licence');
    const f = diagnoseLicensing(view(sim));
    expect(f[0].message).toContain('answered acquireLicense with USER_EXCEPTION IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0');
    expect(f[0].message).toContain('no licence seat is free');
  });

  it('no licensing service reachable', () => {
    const sim = new Sim();
    configured(sim);
    sim.failedConnect(PC, NODE_A, 3000, [0], 'REJ');
    sim.failedConnect(PC, NODE_B, 3000, [1], 'REJ');
    const f = diagnoseLicensing(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].message).toMatch(/^No licensing service granted a licence/);
  });
});

describe('diagnoseCtiOpen', () => {
  it('names the status by name and number and explains it', () => {
    const sim = new Sim();
    ctiSession(sim, PC, NODE_B, 0, { openStatus: { status: 92, statusName: 'E_CTI_SERVER_NOT_MASTER' } });
    const f = diagnoseCtiOpen(view(sim));
    expect(f[0].message).toBe(
      '192.168.100.2:12028 refused the CTI session: OPEN_REQ → FAILURE_CONF E_CTI_SERVER_NOT_MASTER (92) (frame 5): the CTI server on 192.168.100.2 is the standby node.',
    );
    expect(f[0].severity).toBe('error');
  });
});

describe('diagnoseAgentLogin', () => {
  it('CONTROL_FAILURE_CONF with the peripheral error code', () => {
    const sim = new Sim();
    ctiSession(sim, PC, NODE_A, 0, { login: 'device-off', agent: '1031', ext: '2031' });
    const f = diagnoseAgentLogin(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('refused the login of agent 1031 on extension 2031: SET_AGENT_STATE_REQ LOGIN → CONTROL_FAILURE_CONF 88004 (AGENT_DEVICE_OFF)');
    expect(f[0].message).toContain('agent device out of service');
  });

  it('a peripheral error with no name (a PG\'s own code): its number, explained by the failure code unless that is the generic 0', () => {
    const refused = (failureCode: number, failureCodeName: string): string => {
      const sim = new Sim();
      const { flow, t } = ctiSession(sim, PC, NODE_A, 0, { login: 'none', agent: '1031', ext: '2031' });
      flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { messageType: 38, invokeId: 3, agentState: 0, agentStateName: 'LOGIN', agentId: '1031', agentInstrument: '2031' }, t + 0.01);
      // The decoder names a code its tables lack UNKNOWN_<n>.
      flow.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { messageType: 35, invokeId: 3, failureCode, failureCodeName, peripheralErrorCode: 10140, peripheralErrorCodeName: 'UNKNOWN_10140' }, t + 0.02);
      flow.close(t + 0.03);
      const f = diagnoseAgentLogin(view(sim));
      expect(f).toHaveLength(1);
      expect(f[0].message).not.toMatch(/unknown/i);
      return f[0].message;
    };
    expect(refused(260, 'CF_INVALID_LOGON_DEVICE_SPECIFIED')).toMatch(/→ CONTROL_FAILURE_CONF peripheral error 10140, failure CF_INVALID_LOGON_DEVICE_SPECIFIED \(260\) \(frame \d+\): invalid logon device specified\.$/);
    expect(refused(0, 'CF_GENERIC_UNSPECIFIED')).toMatch(/→ CONTROL_FAILURE_CONF peripheral error 10140 \(frame \d+\)\.$/);
  });

  it('FAILURE_CONF to the login request', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'none' });
    cti.flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { invokeId: 5, agentState: 0, agentStateName: 'LOGIN', agentId: '1031', agentInstrument: '2031' }, 1);
    cti.flow.send('s2c', 'ged188', 'FAILURE_CONF', { invokeId: 5, status: 10, statusName: 'E_CTI_DEVICE_IN_USE' }, 1.01);
    const f = diagnoseAgentLogin(view(sim));
    expect(f[0].message).toContain('FAILURE_CONF E_CTI_DEVICE_IN_USE (10)');
    expect(f[0].message).toContain('already in use');
  });
});

describe('diagnoseFailover', () => {
  it('measures the cost from the first failed SYN to the working connection', () => {
    const sim = new Sim();
    sim.failedConnect(PC, STALE, 38983, [0, 3, 9], 'S0');
    ldapStep(sim, PC, NODE_B, 21);
    const f = diagnoseFailover(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toBe(
      '192.168.100.9:38983 never answered: 3 SYNs over 9.0 s; then 192.168.100.2:38983 worked: the failover to the other node cost 21.0 s.',
    );
  });

  it('a retry that works on the same node is no failover', () => {
    const sim = new Sim();
    sim.failedConnect(PC, NODE_A, 38983, [0], 'REJ');
    ldapStep(sim, PC, NODE_A, 5);
    expect(diagnoseFailover(view(sim))).toEqual([]);
  });

  it('no failover when nothing worked afterwards', () => {
    const sim = new Sim();
    configured(sim);
    sim.failedConnect(PC, NODE_A, 3000, [0], 'REJ');
    sim.failedConnect(PC, NODE_B, 3000, [1], 'REJ');
    expect(diagnoseFailover(view(sim))).toEqual([]);
  });
});

describe('diagnoseSlowSteps', () => {
  it('an LDAP bind answered after 4 s (timeout 10 s)', () => {
    const sim = new Sim();
    const f = sim.connect(PC, NODE_A, 38983, 0);
    f.send('c2s', 'ldap', 'bindRequest', { messageId: 1, name: 'cn=Directory Manager,o=Spanlink Communications', authentication: 'simple' }, 0.001);
    f.send('s2c', 'ldap', 'bindResponse', { messageId: 1, resultCode: 0, resultCodeName: 'success' }, 4.001);
    f.close(4.1);
    const found = diagnoseSlowSteps(view(sim));
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('took 4.0 s to answer bind');
  });

  it('a login that took 8 s from request to AGENT_STATE_EVENT', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'none' });
    cti.flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { invokeId: 5, agentState: 0, agentStateName: 'LOGIN', agentId: '1031' }, 1);
    cti.flow.send('s2c', 'ged188', 'SET_AGENT_STATE_CONF', { invokeId: 5 }, 1.01);
    cti.flow.send('s2c', 'ged188', 'AGENT_STATE_EVENT', { agentState: 2, agentStateName: 'NOT_READY', agentId: '1031' }, 9);
    const found = diagnoseSlowSteps(view(sim));
    expect(found.map((x) => x.message)).toEqual([expect.stringContaining('took 8.0 s from SET_AGENT_STATE_REQ to AGENT_STATE_EVENT')]);
  });
});

describe('diagnoseHeartbeats', () => {
  it('three unanswered heartbeats in a row', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'ok', heartbeats: 2 });
    for (let i = 0; i < 4; i++) cti.flow.send('c2s', 'ged188', 'HEARTBEAT_REQ', { invokeId: 200 + i }, 100 + 30 * i);
    cti.flow.close(250, 'RSTR');
    const v = view(sim);
    const f = diagnoseHeartbeats(v);
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('left 4 HEARTBEAT_REQs in a row without HEARTBEAT_CONF (4 of 6 unanswered)');
    const hb = v.steps.filter((s) => s.kind === 'cti-heartbeat');
    expect(hb).toHaveLength(1);
    expect(hb[0].ok).toBe(false);
  });

  it('a session silent past its IdleTimeout and then reset', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'ok' });
    cti.flow.close(cti.t + 200, 'RSTR');
    const f = diagnoseHeartbeats(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/was silent for 3 min 20 s, past its IdleTimeout of 2 min, and was then reset by the server/);
  });
});

describe('a connection still unanswered when the capture ends', () => {
  // Licensing node A's SYNs at 0, 3 and 9 s after the directory, never answered; the capture ends `after` s past the last.
  function licensingUnanswered(after: number) {
    const sim = new Sim();
    const t = ldapStep(sim, PC, NODE_A, 0) + 0.1;
    // As at the end of a capture: its end is known before the flows still open are ended.
    sim.an.captureEndsAt(T0 + t + 9 + after);
    sim.failedConnect(PC, NODE_A, 3000, [t, t + 3, t + 9], 'S0', undefined, true);
    return sim.an.finish({ files: ['pc.pcapng'], packets: 0 }).workstations[0];
  }

  it('too soon for the desktop to retry or give up: no failure, a warning that says so', () => {
    // Past the SYNs' own span (9 s) too: backing off, the desktop waits 12 s after its third SYN.
    expect(licensingUnanswered(9.5).outcome).toBe('incomplete');
    const ws = licensingUnanswered(2);
    expect([ws.outcome, ws.failedPhase]).toEqual(['incomplete', null]);
    expect(ws.findings.map((f) => `${f.kind}:${f.severity}`)).toEqual(['server-unreachable:warning']);
    expect(ws.findings[0].message).toContain('had not answered when the capture ended: 3 SYNs over 9.0 s got no SYN-ACK, and the capture ends 2.0 s after the last');
  });

  it('a CTI OS desktop going round sides that all refused it: its next SYN when the capture ends changes nothing', () => {
    const run = (pending: boolean) => {
      const sim = new Sim();
      const [a, b] = ['10.1.1.10', '10.1.1.11'];
      for (const [i, side] of [a, b, a, b].entries()) sim.failedConnect(PC, side, 42028, [i * 5], 'REJ');
      if (pending) {
        sim.an.captureEndsAt(T0 + 20.3);
        sim.failedConnect(PC, a, 42028, [20], 'S0', undefined, true);
      }
      return sim.an.finish({ files: ['pc.pcapng'], packets: 0 }).workstations[0];
    };
    const ended = run(false);
    expect([ended.outcome, ended.failedPhase, ended.failure?.kind]).toEqual(['failed', 'cti-session', 'connection-refused']);
    const going = run(true);
    expect([going.outcome, going.failedPhase, going.failure?.kind]).toEqual(['failed', 'cti-session', 'connection-refused']);
    expect(going.findings.map((f) => `${f.kind}:${f.severity}`)).toEqual(ended.findings.map((f) => `${f.kind}:${f.severity}`));
    expect(going.findings.some((f) => f.message.includes('The capture ends while the host connects'))).toBe(false);
  });

  it('the capture going on past the time the next SYN or giving up was due (waits 3 and 6 s: 12 s after the last): the desktop gave up, licensing failed', () => {
    const ws = licensingUnanswered(12.5);
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'licensing', 'licensing-failed']);
    expect(ws.findings.map((f) => `${f.kind}:${f.severity}`).sort()).toEqual(['licensing-failed:error', 'server-unreachable:error']);
  });
});

describe('diagnoseDns', () => {
  it('an NXDOMAIN for a name the desktop then could not reach', () => {
    const sim = new Sim();
    sim.dns(PC, '192.168.100.53', 'uccx-c.example.com', 0, { rcode: 3 });
    sim.failedConnect(PC, STALE, 38983, [1, 4, 10], 'S0');
    const f = diagnoseDns(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'dns-failure', severity: 'error' });
    expect(f[0].message).toContain('could not resolve uccx-c.example.com (A): NXDOMAIN from 192.168.100.53:53');
  });

  it('a query asked again and never answered', () => {
    const sim = new Sim();
    sim.dns(PC, '192.168.100.53', 'uccx-a.example.com', 0, null);
    sim.dns(PC, '192.168.100.53', 'uccx-a.example.com', 1, null);
    sim.failedConnect(PC, STALE, 38983, [10], 'S0');
    const f = diagnoseDns(view(sim));
    expect([f[0].severity, f[0].message]).toEqual(['error', 'the desktop could not resolve uccx-a.example.com (A): no answer after 2 queries from 192.168.100.53:53.']);
  });

  it('one query with no answer, never asked again while the capture went on: likely lost by the capture, a warning', () => {
    const sim = new Sim();
    sim.dns(PC, '192.168.100.53', 'uccx-a.example.com', 0, null);
    sim.failedConnect(PC, STALE, 38983, [10], 'S0');
    const f = diagnoseDns(view(sim));
    expect(f.map((x) => x.severity)).toEqual(['warning']);
    expect(f[0].message).toMatch(/^no answer to the desktop's one query for uccx-a\.example\.com \(A\) is in the capture, and the query was not asked again in the \d+\.\d s the capture went on, as a resolver's client does within seconds without an answer: the answer is more likely one the capture lost/);
    // The capture ending a second after the query: it could still have been asked again.
    const soon = new Sim();
    soon.dns(PC, '192.168.100.53', 'uccx-a.example.com', 0, null);
    soon.failedConnect(PC, STALE, 38983, [0.5], 'S0');
    expect(diagnoseDns(view(soon)).map((x) => x.severity)).toEqual(['error']);
  });

  it('one query with no answer, from a resolver that answered the desktop\'s other lookups: likely lost by the capture, a warning', () => {
    const sim = new Sim();
    sim.dns(PC, '192.168.100.53', 'uccx-a.example.com', 0, null);
    sim.dns(PC, '192.168.100.53', 'uccx-b.example.com', 0.01, { addresses: [NODE_B] });
    sim.failedConnect(PC, STALE, 38983, [10], 'S0');
    const f = diagnoseDns(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('warning');
    expect(f[0].message).toBe(
      "no answer to the desktop's one query for uccx-a.example.com (A) is in the capture, although 192.168.100.53:53 answered its other lookups and the query was not asked again: the answer is more likely one the capture lost than a name that does not resolve.",
    );
  });

  it('an unrelated failed name on a desktop that logged in is not a finding', () => {
    const sim = new Sim();
    sim.dns(PC, '192.168.100.53', 'wpad.example.com', 0, { rcode: 3 });
    cadLoginOk(sim, PC, 1);
    expect(diagnoseDns(view(sim))).toEqual([]);
  });
});

describe('diagnoseTls', () => {
  it('a fatal alert on the Finesse desktop connection', () => {
    const sim = new Sim();
    const f = sim.connect(PC, NODE_A, 8445, 0);
    f.send('c2s', 'tls', 'ClientHello', { recordVersion: 0x0301, handshakeType: 1, serverName: 'uccx-a.example.com' }, 0.001);
    f.send('s2c', 'tls', 'alert', { alertLevel: 2, alertLevelName: 'fatal', alertDescription: 48, alertDescriptionName: 'unknown_ca' }, 0.01);
    f.close(0.02);
    const v = view(sim);
    expect(v.desktop).toBe('finesse');
    const found = diagnoseTls(v);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'tls-failure', severity: 'error' });
    expect(found[0].message).toContain('the server sent a fatal alert unknown_ca (48)');
    expect(found[0].message).toContain('for uccx-a.example.com');
  });

  it("a browser refused by a web server is another program's failure; one of the desktop's servers refusing TLS on another port is the desktop's", () => {
    const sim = new Sim();
    configured(sim);
    cadLoginOk(sim, PC, 1);
    const alert = (f: ReturnType<Sim['connect']>, sni: string, at: number): void => {
      f.send('c2s', 'tls', 'ClientHello', { recordVersion: 0x0301, handshakeType: 1, serverName: sni }, at);
      f.send('s2c', 'tls', 'alert', { recordVersion: 0x0301, encrypted: false, alertLevel: 2, alertLevelName: 'fatal', alertDescription: 70, alertDescriptionName: 'protocol_version' }, at + 0.01);
      f.close(at + 0.02);
    };
    alert(sim.connect(PC, '198.51.100.28', 443, 5), 'www.google-analytics.com', 5.001);
    alert(sim.connect(PC, NODE_A, 8553, 6), 'uccx-a.example.com', 6.001);
    const v = view(sim);
    const tls = v.steps.filter((s) => s.kind === 'tls');
    expect(tls.map((s) => s.server)).toEqual([`${NODE_A}:8553`]);
    expect(diagnoseTls(v).map((f) => [f.kind, f.severity])).toEqual([['tls-failure', 'warning']]);
  });

  // What the TLS decoder makes of an alert record after ChangeCipherSpec (src/decoders/tls/index.ts).
  const encryptedAlert = { recordVersion: 0x0303, encrypted: true, alertLevel: null, alertLevelName: 'encrypted', alertDescription: null, alertDescriptionName: 'encrypted alert' };

  it("an encrypted alert is no failure: the close_notify that ends a TLS 1.2 session, on the desktop's connection or a browser's", () => {
    const sim = new Sim();
    const finesse = sim.connect(PC, NODE_A, 8445, 0);
    finesse.send('c2s', 'tls', 'ClientHello', { recordVersion: 0x0301, handshakeType: 1, serverName: 'uccx-a.example.com' }, 0.001);
    finesse.send('s2c', 'tls', 'ServerHello', { recordVersion: 0x0303, handshakeType: 2 }, 0.002);
    finesse.send('c2s', 'tls', 'ChangeCipherSpec', { recordVersion: 0x0303 }, 0.003);
    finesse.send('s2c', 'tls', 'ChangeCipherSpec', { recordVersion: 0x0303 }, 0.004);
    finesse.send('c2s', 'tls', 'alert', encryptedAlert, 5);
    finesse.send('s2c', 'tls', 'alert', encryptedAlert, 5.001);
    finesse.close(5.002);
    const browser = sim.connect(PC, '10.1.0.41', 443, 1);
    browser.send('c2s', 'tls', 'ClientHello', { recordVersion: 0x0301, handshakeType: 1, serverName: 'wfm.corp.example.com' }, 1.001);
    browser.send('c2s', 'tls', 'alert', encryptedAlert, 9);
    browser.close(9.001);
    const v = view(sim);
    expect(v.desktop).toBe('finesse');
    expect(diagnoseTls(v)).toEqual([]);
    const tls = v.steps.filter((s) => s.kind === 'tls');
    // The desktop's TLS session is a step, and a good one; the browser's is none.
    expect(tls.map((s) => [s.server, s.ok])).toEqual([[`${NODE_A}:8445`, true]]);
    expect(tls[0].facts.tls?.alert).toBeUndefined();
  });
});

describe('diagnoseCaptureGaps', () => {
  it('bytes missed on a CTI flow', () => {
    const sim = new Sim();
    const cti = ctiSession(sim, PC, NODE_A, 0, { login: 'ok' });
    sim.an.gap(cti.flow.info.id, 's2c', 1380, 42, 5);
    cti.flow.close(10, 'SF');
    const f = diagnoseCaptureGaps(view(sim));
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain('1.3 KB from 192.168.100.1:12028 (UCCX CTI server) were not captured (found at frame 42)');
  });
});

describe('diagnoseTruncation', () => {
  it('a capture cut inside a record', () => {
    const sim = new Sim();
    ldapStep(sim, PC, NODE_A, 0);
    sim.an.warning({ code: 'truncated-record', message: 'cut.pcap: the file ends inside packet record 23 at byte 4410', frame: 23 });
    const f = diagnoseTruncation(view(sim));
    expect(f).toEqual([
      {
        kind: 'truncated-capture',
        severity: 'warning',
        server: null,
        step: null,
        message: expect.stringContaining('the file ends inside packet record 23'),
        frames: [23],
      },
    ]);
  });
});

describe('diagnoseCaptureDrops', () => {
  it('packets lost by the capture backend mark every workstation, capture-wide', () => {
    const sim = new Sim();
    ldapStep(sim, PC, NODE_A, 0);
    expect(diagnoseCaptureDrops(view(sim))).toEqual([]);
    sim.an.warning({ code: 'capture-dropped', message: 'tcpdump lost packets: 7 dropped by the kernel (capture buffer full)' });
    expect(diagnoseCaptureDrops(view(sim))).toEqual([
      {
        kind: 'capture-gap',
        severity: 'warning',
        server: null,
        step: null,
        message: expect.stringContaining('7 dropped by the kernel'),
        frames: [],
      },
    ]);
  });
});

describe('rules registry', () => {
  it('has one entry per rule, each with a distinct name', () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
    expect(RULES.length).toBeGreaterThanOrEqual(15);
  });

  it('services steps failing do not hide a login', () => {
    const sim = new Sim();
    let t = dnsStep(sim, PC, 0);
    t = ldapStep(sim, PC, NODE_A, t);
    t = licensingStep(sim, PC, NODE_A, t);
    const cti = ctiSession(sim, PC, NODE_A, t, { login: 'ok' });
    servicesStep(sim, PC, NODE_A, cti.t);
    sim.failedConnect(PC, NODE_A, 59020, [cti.t + 1], 'REJ');
    const doc = sim.an.finish({ files: [], packets: sim.frame });
    expect(doc.workstations[0].outcome).toBe('logged-in');
    expect(doc.workstations[0].findings.map((f) => f.kind)).toEqual(['connection-refused']);
  });
});
