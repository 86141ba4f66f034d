/**
 * A simulated contact center on loopback: two UCCX nodes (directory, licensing, CTI, desktop services), an
 * optional stale directory host, and the desktops of a scenario. `startLab` starts the servers; `runDesktops`
 * starts the desktops and resolves once each is logged in or has given up; `close` ends everything (desktops
 * first, then servers, slapd included), also after a failure half-way.
 */

import { startCadDesktop, type DesktopResult, type DesktopRun } from './desktop.js';
import { startCtiServer } from './cti-server.js';
import { DESKTOP_SERVICE_PORTS, startDesktopServiceServer, startLicensingServer } from './giop-servers.js';
import { LDAP_PASSWORD, startLdapServer } from './ldap-server.js';
import type { LabServer } from './loopback.js';
import { labAddresses, labCaptureFilter, planScenario, type LabAddresses, type LabPlan, type LabScenarioName } from './scenarios.js';
import { startUnansweredHost } from './unanswered-host.js';
import { isServerSideLabScenario, startServerSideLab } from './server-side-lab.js';
import type { ExpectedResult } from './synth/scenarios.js';

export const LAB_PORTS = { ldap: 38983, licensing: 3000, cti: 12028, ...DESKTOP_SERVICE_PORTS } as const;

export interface LabOptions {
  scenario: LabScenarioName;
  /** Desktops in many-agents (default 8). */
  agents?: number;
  /** Lab network number (127.0.n.x), so several labs can run side by side (default 1). */
  network?: number;
  /** Desktop connect timeout (default 3.5 s: three SYNs toward a silent host). */
  connectTimeoutMs?: number;
  /** Seconds between heartbeats (the directory's heartbeatInterval; default 2). */
  heartbeatSeconds?: number;
  /** Path of slapd when it is not in /usr/sbin or on PATH. */
  slapd?: string;
  log?(line: string): void;
}

export interface Lab {
  readonly plan: LabPlan;
  readonly addresses: LabAddresses;
  /** BPF filter that captures this lab's traffic and nothing else. */
  readonly captureFilter: string;
  readonly servers: readonly LabServer[];
  /** Starts the desktops; resolves with each one's result once all are logged in or have given up. */
  runDesktops(): Promise<DesktopResult[]>;
  /** Stops the desktops (heartbeats, CLOSE_REQ, FIN) and every server; safe to call more than once. */
  close(): Promise<void>;
  /**
   * Server-side scenarios: what the capture must show (agents, CTI client sessions, CTI OS desktops) in the samples'
   * ExpectedResult shape, once runDesktops has settled (it names the ports the run used).
   */
  truth?(): ExpectedResult;
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const addresses = labAddresses(opts.network ?? 1);
  const plan = planScenario(opts.scenario, addresses, opts.agents);
  const log = opts.log;
  const servers: LabServer[] = [];
  const desktops: DesktopRun[] = [];
  const heartbeat = opts.heartbeatSeconds ?? 2;
  let closing: Promise<void> | undefined;

  if (isServerSideLabScenario(opts.scenario)) {
    // One CTI session carrying many agents: PG CTI server(s) and a CTI OS server or CTI client, no CAD pieces.
    const side = await startServerSideLab(opts.scenario, plan, { heartbeatSeconds: heartbeat, log });
    return { plan, addresses, captureFilter: labCaptureFilter(addresses), servers: side.servers, runDesktops: side.runDesktops, close: side.close, truth: side.truth };
  }

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.allSettled(desktops.map((d) => d.close()));
      await Promise.allSettled(servers.map((s) => s.close()));
    })());

  try {
    const nodes: [string, string] = [addresses.nodeA, addresses.nodeB];
    servers.push(
      await startLdapServer({
        listen: nodes.map((host) => ({ host, port: LAB_PORTS.ldap })),
        content: { agents: plan.desktops.map((d) => d.agent), ctiServers: nodes, ctiPort: LAB_PORTS.cti, heartbeatInterval: heartbeat, withoutTeams: plan.missingTeams },
        password: plan.directoryPassword ?? LDAP_PASSWORD,
        slapd: opts.slapd,
        probeFrom: addresses.filler,
        log,
      }),
    );
    if (plan.staleHost) servers.push(await startUnansweredHost({ host: addresses.stale, port: LAB_PORTS.ldap, fillerAddress: addresses.filler }));
    for (const [node, host] of [['A', addresses.nodeA], ['B', addresses.nodeB]] as const) {
      if (node === 'A' ? plan.licensing.nodeA : plan.licensing.nodeB) {
        servers.push(
          await startLicensingServer({ host, port: LAB_PORTS.licensing, licences: plan.licensing.refuseAll ? 'refused' : 'ok', refuseAgents: plan.licensing.refuseAgents, log }),
        );
      }
      servers.push(
        await startCtiServer({
          host,
          port: LAB_PORTS.cti,
          role: plan.cti.standbyNode === node ? 'standby' : 'master',
          login: plan.cti.refuseAllLogins ? 'refused' : 'ok',
          refuseLoginFor: plan.cti.refuseLoginFor,
          log,
        }),
      );
      for (const service of ['chat', 'recording', 'enterprise'] as const) {
        servers.push(await startDesktopServiceServer({ host, port: LAB_PORTS[service], service, log }));
      }
    }
  } catch (e) {
    await close();
    throw e;
  }

  return {
    plan,
    addresses,
    captureFilter: labCaptureFilter(addresses),
    servers,
    async runDesktops() {
      const runs = plan.desktops.map(
        (d) =>
          new Promise<DesktopResult>((resolve) => {
            setTimeout(() => {
              if (closing) {
                resolve({ agent: d.agent.agentId, host: d.agent.host, outcome: 'failed', message: 'the lab was stopped before this desktop started' });
                return;
              }
              const run = startCadDesktop({
                agent: d.agent,
                ldapHosts: d.ldapHosts.map((host) => ({ host, port: LAB_PORTS.ldap })),
                licensingPort: LAB_PORTS.licensing,
                servicePorts: { chat: LAB_PORTS.chat, recording: LAB_PORTS.recording, enterprise: LAB_PORTS.enterprise },
                connectTimeoutMs: opts.connectTimeoutMs,
                log,
              });
              desktops.push(run);
              resolve(run.started);
            }, d.startDelayMs);
          }),
      );
      return Promise.all(runs);
    },
    close,
  };
}
