/**
 * The lab's scenarios: which servers run, how they answer, and which desktops start. Each failing scenario
 * matches a reference sample (samples/SCENARIOS.md) and must be diagnosed the same way, live.
 */

import type { AgentSpec } from './synth/desktop-types.js';
import type { FindingKind, Outcome } from '../timeline/model.js';
import type { Phase } from '../decoders/profile.js';
import { planServerSide, type ServerSidePlan } from './server-side-lab.js';

/** The lab's pieces that can run alone (`ctiscope lab --only PIECE`). */
export const LAB_PIECES = ['ldap-server', 'licensing-server', 'cti-server', 'pg-cti-server', 'services-server', 'stale-host', 'desktop'] as const;

export const LAB_SCENARIOS = [
  'ok',
  'stale-ip',
  'licence-refused',
  'licensing-down',
  'standby-node',
  'login-refused',
  'ldap-bind-refused',
  'team-missing',
  'many-agents',
  'ctios-server',
  'cti-failover',
] as const;
export type LabScenarioName = (typeof LAB_SCENARIOS)[number];

/** Where the simulated contact center lives: everything in 127.0.0.0/8, nothing needs configuring. */
export interface LabAddresses {
  /** UCCX node A and node B: directory, licensing, CTI and desktop services. */
  nodeA: string;
  nodeB: string;
  /** A directory host that never answers (stale-ip). */
  stale: string;
  /**
   * Source of the lab's own connections, left out of the capture: those that make the stale host drop SYNs, and the
   * probes that wait for slapd to listen.
   */
  filler: string;
  /** The agent PCs' addresses: desktop i (1-based) is `${desktopPrefix}${30 + i}`. */
  desktopPrefix: string;
}

/** Lab network `n` (1–254): nodes 127.0.n.1 and 127.0.n.2, stale host 127.0.n.9, agent PCs 127.1.n.31…. */
export function labAddresses(n = 1): LabAddresses {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`lab network ${n}: 1 to 254`);
  return { nodeA: `127.0.${n}.1`, nodeB: `127.0.${n}.2`, stale: `127.0.${n}.9`, filler: `127.0.${n}.250`, desktopPrefix: `127.1.${n}.` };
}

/** The capture filter for a lab run: its servers' addresses, without the lab's own connections (queue fillers, probes). */
export function labCaptureFilter(a: LabAddresses): string {
  const net = a.nodeA.replace(/\.\d+$/, '.0/24');
  return `tcp and net ${net} and not host ${a.filler}`;
}

/** The agent on lab PC i (1-based): agent 1030+i on extension 2030+i, as the samples number PCs .31, .32, …. */
export function labAgent(a: LabAddresses, i: number): AgentSpec {
  const n = 30 + i;
  return {
    host: `${a.desktopPrefix}${n}`,
    pcName: `AGENTPC-${String(n).padStart(3, '0')}`,
    agentId: String(1000 + n),
    extension: String(2000 + n),
    instrument: String(2000 + n),
    password: `Pw${(n * 7919) % 10000}!`,
    teamId: 1 + (n % 4),
  };
}

export interface LabDesktopPlan {
  agent: AgentSpec;
  /** Directory hosts in the order the desktop's installation lists them. */
  ldapHosts: string[];
  /** Milliseconds after the first desktop starts. */
  startDelayMs: number;
}

export interface LabExpectation {
  host: string;
  /** The workstation of the reference sample that shows the same case (its .expected.json entry). */
  sampleHost?: string;
  outcome: Outcome;
  failedPhase?: Phase;
  findings: FindingKind[];
}

export interface LabPlan {
  scenario: LabScenarioName;
  /** What the trainer says before running it. */
  description: string;
  /** The reference sample showing the same case. */
  sample?: string;
  /** The directory's password; a different one from the desktops' makes every bind fail. */
  directoryPassword?: string;
  /** Teams the directory lacks (a search for one finds nothing). */
  missingTeams?: number[];
  /** Stale directory host present (drops SYNs). */
  staleHost: boolean;
  licensing: { nodeA: boolean; nodeB: boolean; refuseAll: boolean; refuseAgents: string[] };
  cti: { standbyNode?: 'A' | 'B'; refuseAllLogins: boolean; refuseLoginFor: string[] };
  desktops: LabDesktopPlan[];
  /** What the analysis must say about each desktop. */
  expected: LabExpectation[];
  /** Server-side scenarios (one CTI session carrying many agents; server-side-lab.ts): what runs instead of the CAD pieces. */
  serverSide?: ServerSidePlan;
}

export function isLabScenario(name: string): name is LabScenarioName {
  return (LAB_SCENARIOS as readonly string[]).includes(name);
}

export function planScenario(scenario: LabScenarioName, a: LabAddresses, agents?: number): LabPlan {
  const one = labAgent(a, 1);
  const base: LabPlan = {
    scenario,
    description: '',
    staleHost: false,
    licensing: { nodeA: true, nodeB: true, refuseAll: false, refuseAgents: [] },
    cti: { refuseAllLogins: false, refuseLoginFor: [] },
    desktops: [{ agent: one, ldapHosts: [a.nodeA], startDelayMs: 0 }],
    expected: [{ host: one.host, outcome: 'logged-in', findings: [] }],
  };
  switch (scenario) {
    case 'ok':
      return { ...base, sample: 'cad-login-ok', description: 'a normal CAD start-up: directory, licence, CTI session, agent login, desktop services, heartbeats' };
    case 'stale-ip':
      return {
        ...base,
        sample: 'stale-ldap-failover',
        description: `the desktop's first directory host (${a.stale}) no longer answers: SYNs go unanswered until the connect timeout, then node B works`,
        staleHost: true,
        desktops: [{ agent: one, ldapHosts: [a.stale, a.nodeB], startDelayMs: 0 }],
        expected: [{ host: one.host, outcome: 'logged-in', findings: ['server-unreachable', 'failover'] }],
      };
    case 'licence-refused':
      return {
        ...base,
        sample: 'licence-refused',
        description: 'the licensing service has no seat left: acquireLicense gets NoLicenseAvailable and the desktop stops',
        licensing: { ...base.licensing, refuseAll: true },
        expected: [{ host: one.host, outcome: 'failed', failedPhase: 'licensing', findings: ['licensing-failed'] }],
      };
    case 'licensing-down':
      return {
        ...base,
        sample: 'licensing-down',
        description: 'the licensing service is stopped on both nodes: every connection to port 3000 is refused (RST)',
        licensing: { ...base.licensing, nodeA: false, nodeB: false },
        expected: [{ host: one.host, outcome: 'failed', failedPhase: 'licensing', findings: ['connection-refused', 'licensing-failed'] }],
      };
    case 'standby-node':
      return {
        ...base,
        sample: 'cti-standby-failover',
        description: 'node A\'s CTI server is the standby: OPEN_REQ gets FAILURE_CONF E_CTI_SERVER_NOT_MASTER, then node B opens the session',
        cti: { ...base.cti, standbyNode: 'A' },
        expected: [{ host: one.host, outcome: 'logged-in', findings: ['cti-open-failed', 'failover'] }],
      };
    case 'login-refused':
      return {
        ...base,
        sample: 'agent-login-refused',
        description: 'the agent\'s device is out of service: SET_AGENT_STATE_REQ LOGIN gets CONTROL_FAILURE_CONF 88004',
        cti: { ...base.cti, refuseAllLogins: true },
        expected: [{ host: one.host, outcome: 'failed', failedPhase: 'login', findings: ['agent-login-failed'] }],
      };
    case 'ldap-bind-refused':
      return {
        ...base,
        sample: 'ldap-bind-refused',
        description: 'the directory password was changed on the server: the bind gets invalidCredentials and the desktop stops',
        directoryPassword: 'changed-on-the-server',
        expected: [{ host: one.host, outcome: 'failed', failedPhase: 'config', findings: ['config-download-failed'] }],
      };
    case 'team-missing':
      return {
        ...base,
        sample: 'team-not-in-directory',
        description: "the agent's team is not in the directory (UCCX's Sync has not copied it): the team search finds nothing and the desktop stops",
        missingTeams: [one.teamId],
        expected: [{ host: one.host, outcome: 'failed', failedPhase: 'config', findings: ['config-download-failed'] }],
      };
    case 'ctios-server':
    case 'cti-failover':
      return { ...base, ...planServerSide(scenario, a, agents ?? 6) };
    case 'many-agents': {
      const n = Math.max(4, Math.min(200, Math.floor(agents ?? 8)));
      const desktops: LabDesktopPlan[] = [];
      const expected: LabExpectation[] = [];
      // PC 2: licence refused; PC 3: login refused; PC 4: stale directory host, then failover; the rest log in.
      for (let i = 1; i <= n; i++) {
        const agent = labAgent(a, i);
        desktops.push({ agent, ldapHosts: i === 4 ? [a.stale, a.nodeA] : [a.nodeA], startDelayMs: (i - 1) * 150 });
        if (i === 2) expected.push({ host: agent.host, sampleHost: '10.10.20.101', outcome: 'failed', failedPhase: 'licensing', findings: ['licensing-failed'] });
        else if (i === 3) expected.push({ host: agent.host, sampleHost: '10.10.20.104', outcome: 'failed', failedPhase: 'login', findings: ['agent-login-failed'] });
        else if (i === 4) expected.push({ host: agent.host, sampleHost: '10.10.20.105', outcome: 'logged-in', findings: ['server-unreachable', 'failover'] });
        else expected.push({ host: agent.host, sampleHost: '10.10.20.31', outcome: 'logged-in', findings: [] });
      }
      return {
        ...base,
        sample: 'span-many-agents',
        description: `${n} agents start within ${((n - 1) * 0.15).toFixed(1)} s: one is refused a licence, one's login is refused (88004), one has a stale directory host; the others log in`,
        staleHost: true,
        licensing: { ...base.licensing, refuseAgents: [labAgent(a, 2).agentId] },
        cti: { ...base.cti, refuseLoginFor: [labAgent(a, 3).agentId] },
        desktops,
        expected,
      };
    }
  }
}
