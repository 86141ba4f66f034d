/**
 * The reference scenarios of samples/SCENARIOS.md: one builder per row of the table. Each returns the frames of
 * its capture and the result the analyzer is expected to reach, taken from the table (never computed by
 * running the analyzer).
 */

import type { NameEntry } from '../../capture/writer.js';
import { ADDR, agentFor, cadDesktop, ctiosDesktopFlipping, ctiosDesktopSideDown, NAMES, type CadVariant, type DesktopContext } from './desktop.js';
import { hashString, Rng } from './prng.js';
import { ctiFailover, ctiosServer, pgSpan500 } from './server-side.js';
import { SynthNet, type Clock, type SynthPacket, type Vantage } from './tcp.js';

export type Outcome = 'logged-in' | 'failed' | 'incomplete';
export type FindingKind =
  | 'server-unreachable'
  | 'connection-refused'
  | 'connection-reset'
  | 'session-closed'
  | 'timeout'
  | 'config-download-failed'
  | 'licensing-failed'
  | 'cti-open-failed'
  | 'agent-login-failed'
  | 'agent-logged-out'
  | 'peripheral-offline'
  | 'failover'
  | 'slow-step'
  | 'heartbeat-lost'
  | 'session-flapping'
  | 'dns-failure'
  | 'tls-failure'
  | 'capture-gap'
  | 'truncated-capture'
  | 'capture-started-late';

export interface ExpectedWorkstation {
  host: string;
  desktop: 'cad' | 'ctios';
  outcome: Outcome;
  failedPhase?: string;
  findings: FindingKind[];
}

/** An agent of a server-side capture: every login attempt made for it, and the last one's outcome. */
export interface ExpectedAgent {
  id: string;
  peripheralId?: number;
  instrument?: string;
  outcome: Outcome;
  failedPhase?: string;
  /** The refusal's code: PeripheralErrorCode when non-zero, else ControlFailureCode (samples/SCENARIOS.md). */
  failureCode?: number;
  findings: FindingKind[];
  attempts: number;
  via: { clientId: string };
  /** The desktop PC's IP when the capture shows its CTI OS connection and links it to this agent. */
  desktop: string | null;
  linkBasis?: 'tag-217' | 'timing';
}

/** One GED-188 session (one TCP connection) of a CTI client. */
export interface ExpectedCtiClient {
  /** ip:port of the client end. */
  host: string;
  clientId: string;
  version: number;
  outcome: Outcome;
  findings: FindingKind[];
}

export interface ExpectedResult {
  workstations: ExpectedWorkstation[];
  agents?: ExpectedAgent[];
  ctiClients?: ExpectedCtiClient[];
}

export interface ScenarioOutput {
  name: string;
  description: string;
  packets: SynthPacket[];
  expected: ExpectedResult;
  /** Server names for the capture's NRB. */
  names: NameEntry[];
}

/** What a CAD variant leads to, as the scenario table says. */
export interface CadCase {
  variant: CadVariant;
  outcome: Outcome;
  failedPhase?: string;
  findings: FindingKind[];
}

export const CAD_CASES = {
  normal: { variant: {}, outcome: 'logged-in', findings: [] },
  /** The normal start-up where one heartbeat request is lost and retransmitted (still nothing to report). */
  normalLostHeartbeat: { variant: { lostHeartbeat: 2 }, outcome: 'logged-in', findings: [] },
  staleLdap: { variant: { ldapHosts: [ADDR.stale, ADDR.uccxB] }, outcome: 'logged-in', findings: ['server-unreachable', 'failover'] },
  licenceRefused: { variant: { licensing: 'refused' }, outcome: 'failed', failedPhase: 'licensing', findings: ['licensing-failed'] },
  licensingDown: { variant: { licensing: 'down' }, outcome: 'failed', failedPhase: 'licensing', findings: ['connection-refused', 'licensing-failed'] },
  licensingTimeout: { variant: { licensing: 'timeout' }, outcome: 'failed', failedPhase: 'licensing', findings: ['timeout', 'licensing-failed'] },
  ctiStandby: { variant: { ctiHosts: [ADDR.uccxB, ADDR.uccxA] }, outcome: 'logged-in', findings: ['cti-open-failed', 'failover'] },
  loginRefused: { variant: { login: 'refused' }, outcome: 'failed', failedPhase: 'login', findings: ['agent-login-failed'] },
  ldapBindRefused: { variant: { ldapBind: 'invalid-credentials' }, outcome: 'failed', failedPhase: 'config', findings: ['config-download-failed'] },
  remoteSite: { variant: { remote: { rtt: 0.06, configSearches: 300 } }, outcome: 'logged-in', findings: ['slow-step'] },
  teamMissing: { variant: { team: 'missing' }, outcome: 'failed', failedPhase: 'config', findings: ['config-download-failed'] },
} as const satisfies Record<string, CadCase>;

export type CadCaseName = keyof typeof CAD_CASES;

/** One scripted actor (a desktop) on its own clock. */
export interface Actor {
  clock: Clock;
  script: Iterator<void>;
}

/**
 * Runs actors in time order: always the one whose clock is earliest takes its next step (a binary heap keyed
 * by clock, so thousands of actors cost little). After each step `onProgress` gets a watermark: the earliest
 * clock minus `margin` seconds (which covers delayed ACKs sent slightly behind a clock); every frame older than
 * it is final and may be drained.
 */
export function runActors(net: SynthNet, actors: Actor[], onProgress?: (watermark: number) => void, margin = 1): void {
  const heap: Actor[] = [];
  const less = (a: Actor, b: Actor): boolean => a.clock.nowUs < b.clock.nowUs;
  const up = (i: number): void => {
    const x = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(x, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = x;
  };
  const down = (i: number): void => {
    const n = heap.length;
    const x = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[c], x)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = x;
  };
  for (const a of actors) {
    heap.push(a);
    up(heap.length - 1);
  }
  while (heap.length > 0) {
    const a = heap[0];
    if (a.script.next().done) {
      net.retireClock(a.clock);
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else {
      down(0); // its clock only moved forward
    }
    if (onProgress && heap.length > 0) onProgress(heap[0].clock.now - margin);
  }
}

export function serverNames(): NameEntry[] {
  return Object.entries(NAMES).map(([address, name]) => ({ address, names: [name] }));
}

interface Workstation {
  host: string;
  desktop: 'cad' | 'ctios';
  /** A CTI OS desktop's story: side A down (the default), or flipping between the sides. */
  ctios?: 'side-down' | 'flipping';
  start: number;
  case?: CadCaseName;
}

/** Builds one capture with the given workstations; single-PC captures are taken on the PC, many-PC ones on a SPAN port. */
function buildCapture(name: string, description: string, stations: Workstation[], opts: { vantage: Vantage; endTime: number }): ScenarioOutput {
  const seed = hashString(name);
  const net = new SynthNet({ seed, vantage: opts.vantage });
  const actors: Actor[] = [];
  const expected: ExpectedWorkstation[] = [];
  for (const ws of stations) {
    const clock = ws.start === 0 && stations.length === 1 ? net.clock : net.newClock(ws.start);
    const ctx: DesktopContext = { net, clock, rng: new Rng(seed ^ hashString(ws.host)), agent: agentFor(ws.host), endTime: opts.endTime };
    if (ws.desktop === 'ctios' && ws.ctios === 'flipping') {
      actors.push({ clock, script: ctiosDesktopFlipping(ctx) });
      expected.push({ host: ws.host, desktop: 'ctios', outcome: 'incomplete', findings: ['connection-reset', 'failover', 'session-flapping'] });
    } else if (ws.desktop === 'ctios') {
      actors.push({ clock, script: ctiosDesktopSideDown(ctx) });
      expected.push({ host: ws.host, desktop: 'ctios', outcome: 'incomplete', findings: ['connection-refused', 'failover'] });
    } else {
      const c: CadCase = CAD_CASES[ws.case ?? 'normal'];
      actors.push({ clock, script: cadDesktop(ctx, c.variant) });
      expected.push({
        host: ws.host,
        desktop: 'cad',
        outcome: c.outcome,
        ...(c.failedPhase ? { failedPhase: c.failedPhase } : {}),
        findings: [...c.findings],
      });
    }
  }
  runActors(net, actors);
  return { name, description, packets: net.collect(), expected: { workstations: expected }, names: serverNames() };
}

/** A single CAD PC running one case; the capture runs past the login for two heartbeats. */
function singleCad(name: string, description: string, host: string, c: CadCaseName, endTime = 65): ScenarioOutput {
  return buildCapture(name, description, [{ host, desktop: 'cad', start: 0, case: c }], { vantage: 'client', endTime });
}

export function cadLoginOk(): ScenarioOutput {
  return singleCad('cad-login-ok', 'the normal CAD start-up: DNS, LDAP config, licensing, CTI session and agent login, desktop services, heartbeats (the second heartbeat request is lost once and retransmitted)', '10.10.20.31', 'normalLostHeartbeat');
}

export function staleLdapFailover(): ScenarioOutput {
  return singleCad('stale-ldap-failover', 'LDAP host 1 (192.168.100.9) never answers 3 SYNs; at 21 s the desktop fails over to 192.168.100.2 and logs in', '10.10.20.32', 'staleLdap', 86);
}

export function licenceRefused(): ScenarioOutput {
  return singleCad('licence-refused', 'acquireLicense answered with USER_EXCEPTION NoLicenseAvailable; the desktop closes and stops', '10.10.20.33', 'licenceRefused');
}

export function licensingDown(): ScenarioOutput {
  return singleCad('licensing-down', 'licensing port 3000 refused (RST) on both UCCX nodes; no CTI', '10.10.20.34', 'licensingDown');
}

export function licensingTimeout(): ScenarioOutput {
  return singleCad('licensing-timeout', 'acquireLicense never answered; the desktop closes after 30 s; no CTI', '10.10.20.35', 'licensingTimeout');
}

export function ctiStandbyFailover(): ScenarioOutput {
  return singleCad('cti-standby-failover', 'OPEN_REQ to node B answered FAILURE_CONF E_CTI_SERVER_NOT_MASTER; node A opens the session and the login works', '10.10.20.36', 'ctiStandby');
}

export function agentLoginRefused(): ScenarioOutput {
  return singleCad('agent-login-refused', 'SET_AGENT_STATE_REQ LOGIN answered CONTROL_FAILURE_CONF, peripheral error 88004 (agent device out of service); CLOSE_REQ/CONF', '10.10.20.37', 'loginRefused');
}

export function ldapBindRefused(): ScenarioOutput {
  return singleCad('ldap-bind-refused', 'LDAP bind answered invalidCredentials (49); unbind; nothing else', '10.10.20.38', 'ldapBindRefused');
}

export function teamNotInDirectory(): ScenarioOutput {
  return singleCad('team-not-in-directory', "the directory has the agent but not its team: the team search answered success with no entries; unbind; the desktop goes no further (\"No team found for agent\")", '10.10.20.40', 'teamMissing');
}

export function ctiosSideDown(): ScenarioOutput {
  return buildCapture(
    'ctios-side-down',
    'CTI OS desktop: CTIOSA refuses 42028 twice (5 s apart), CTIOSB connects and both sides exchange opaque data for 60 s',
    [{ host: '10.10.20.41', desktop: 'ctios', start: 0 }],
    { vantage: 'client', endTime: 90 },
  );
}

export function remoteSiteSlow(): ScenarioOutput {
  return singleCad('remote-site-slow', 'a CAD desktop at a remote site, 60 ms from its servers: its configuration download of 303 searches takes about 20 s, none slow or failing, and it logs in', '10.10.20.39', 'remoteSite', 95);
}

export function ctiosFlapping(): ScenarioOutput {
  return buildCapture(
    'ctios-flapping',
    'CTI OS desktop flipping between the sides: each session with CTIOSA or CTIOSB is reset by the server after about 20 s and the desktop connects to the other side at once; the sixth works to the end',
    [{ host: '10.10.20.42', desktop: 'ctios', ctios: 'flipping', start: 0 }],
    { vantage: 'client', endTime: 150 },
  );
}

/** The SPAN capture: 40 PCs starting within 2 minutes, 35 normal and 5 failing as in the single scenarios. */
export function spanManyAgents(): ScenarioOutput {
  const rng = new Rng(hashString('span-many-agents'));
  const stations: Workstation[] = [];
  for (let n = 11; n <= 45; n++) stations.push({ host: `10.10.20.${n}`, desktop: 'cad', start: 0, case: 'normal' });
  for (const n of [101, 102, 103]) stations.push({ host: `10.10.20.${n}`, desktop: 'cad', start: 0, case: 'licenceRefused' });
  stations.push({ host: '10.10.20.104', desktop: 'cad', start: 0, case: 'loginRefused' });
  stations.push({ host: '10.10.20.105', desktop: 'cad', start: 0, case: 'staleLdap' });
  for (const s of stations) s.start = Math.round(rng.between(0, 120) * 1000) / 1000;
  return buildCapture('span-many-agents', 'SPAN port beside the UCCX servers: 40 agent PCs start within 2 minutes; 35 log in, 3 are refused a licence, 1 is refused the agent login (88004), 1 fails over from a stale LDAP host', stations, {
    vantage: 'span',
    endTime: 185,
  });
}

/** Captures taken on a server (CTI OS server, a CTI client, the PG): no agent PC's background reaches them. */
export const SERVER_SIDE_SCENARIOS: ReadonlySet<string> = new Set(['ctios-server', 'cti-failover', 'pg-span-500']);

export const SCENARIOS: Record<string, () => ScenarioOutput> = {
  'cad-login-ok': cadLoginOk,
  'stale-ldap-failover': staleLdapFailover,
  'licence-refused': licenceRefused,
  'licensing-down': licensingDown,
  'licensing-timeout': licensingTimeout,
  'cti-standby-failover': ctiStandbyFailover,
  'agent-login-refused': agentLoginRefused,
  'ldap-bind-refused': ldapBindRefused,
  'team-not-in-directory': teamNotInDirectory,
  'ctios-side-down': ctiosSideDown,
  'ctios-flapping': ctiosFlapping,
  'remote-site-slow': remoteSiteSlow,
  'span-many-agents': spanManyAgents,
  'ctios-server': ctiosServer,
  'cti-failover': ctiFailover,
  'pg-span-500': pgSpan500,
};
