/**
 * The lab's server-side scenarios, where one GED-188 session carries many agents (the reference samples ctios-server
 * and cti-failover, samples/SCENARIOS.md):
 *
 * - `ctios-server`: the PG's CTI server (side A, 42027), a CTI OS-like server that opens its one session to it and
 *   accepts desktops on 42028, and N CTI OS desktops. Desktops 1 and 2, then 3 and 4, log in at the same moment (the
 *   CTI server answers agent 1's and 3's requests later, so answers come out of order); agent 3 is refused
 *   (CF 260, peripheral error 10140); agent 5's requests carry no tag 217 and nothing else happens on 42028 in the
 *   5 s before its login (only timing links it); agent 2 logs out and in again; the others log in.
 * - `cti-failover`: CTI server side A (42027) and side B (43027); a Finesse-like client (protocol 22) logs 5 agents
 *   in on side A; side A then fails (RST); the client opens side B and logs them in again; side B refuses agent 5203
 *   (CF 34).
 *
 * Everything listens and connects on 127.0.0.0/8 only. `truth()` states what the capture must show, in the samples'
 * ExpectedResult shape, once the run has told it the ports it used.
 */

import type { DesktopResult } from './desktop.js';
import { startCtiClient, type CtiClientRun } from './cti-client.js';
import { startCtiosDesktop, type CtiosDesktopRun } from './ctios-desktop.js';
import { startCtiosServer, type CtiosServer } from './ctios-server.js';
import type { Endpoint, LabServer } from './loopback.js';
import { startPgCtiServer, type PgCtiServer } from './pg-cti-server.js';
import type { LabAddresses, LabExpectation, LabPlan } from './scenarios.js';
import type { ExpectedAgent, ExpectedCtiClient, ExpectedResult } from './synth/scenarios.js';
import { expectedAgent, REFUSAL } from './synth/server-side.js';
import { CTIOS_SERVER_CLIENT, FINESSE_CLIENT, ucceAgent, type LoginRefusal, type UcceAgent } from './synth/ucce-ged.js';

export const SERVER_SIDE_LAB_SCENARIOS = ['ctios-server', 'cti-failover'] as const;
export type ServerSideLabScenario = (typeof SERVER_SIDE_LAB_SCENARIOS)[number];

export const SERVER_SIDE_PORTS = { ctiA: 42027, ctiB: 43027, ctios: 42028 } as const;

export function isServerSideLabScenario(name: string): name is ServerSideLabScenario {
  return (SERVER_SIDE_LAB_SCENARIOS as readonly string[]).includes(name);
}

export interface CtiosDesktopLabPlan {
  host: string;
  agent: UcceAgent;
  startDelayMs: number;
  /** Tag 217 on the CTI OS server's requests for this desktop. */
  cil: boolean;
  refusal?: LoginRefusal;
  relogin?: { logoutAfterMs: number; reloginAfterMs: number };
}

export interface ServerSidePlan {
  sideA: Endpoint;
  sideB: Endpoint;
  /** ctios-server: the CTI OS server's address (it listens on 42028 there and opens its session from there). */
  ctiosHost: string;
  ctiosDesktops: CtiosDesktopLabPlan[];
  /** cti-failover: the CTI client's address and agents. */
  clientHost: string;
  clientAgents: UcceAgent[];
  refuseOnA: Record<string, LoginRefusal>;
  refuseOnB: Record<string, LoginRefusal>;
  /** Agents whose requests the CTI server answers 150 ms late (so answers to interleaved requests cross). */
  slowAgents: string[];
}

/** 127.0.n.x for a host of the lab network `a`. */
const onNet = (a: LabAddresses, last: number): string => a.nodeA.replace(/\.\d+$/, `.${last}`);

export function planServerSide(scenario: ServerSideLabScenario, a: LabAddresses, agents = 6): Pick<LabPlan, 'description' | 'sample' | 'serverSide' | 'desktops' | 'expected'> {
  const sideA = { host: a.nodeA, port: SERVER_SIDE_PORTS.ctiA };
  const sideB = { host: a.nodeB, port: SERVER_SIDE_PORTS.ctiB };
  const base: ServerSidePlan = { sideA, sideB, ctiosHost: onNet(a, 10), ctiosDesktops: [], clientHost: onNet(a, 30), clientAgents: [], refuseOnA: {}, refuseOnB: {}, slowAgents: [] };
  if (scenario === 'ctios-server') {
    const n = Math.max(5, Math.min(50, Math.floor(agents)));
    const desktops: CtiosDesktopLabPlan[] = [];
    for (let i = 1; i <= n; i++) {
      const agent = ucceAgent(50 + i);
      // Pairs at 0 and 1.5 s (the second 40 ms after the first); desktop 2 logs out at about 3 s and in at 4.5 s;
      // desktop 5 alone at 11 s; the rest from 12 s.
      const startDelayMs = i <= 4 ? (i <= 2 ? 0 : 1500) + (i % 2 === 0 ? 40 : 0) : i === 5 ? 10_500 : 12_000 + 200 * (i - 6);
      desktops.push({
        host: `${a.desktopPrefix}${50 + i}`,
        agent,
        startDelayMs,
        cil: i !== 5,
        ...(i === 3 ? { refusal: REFUSAL.logonDevice } : {}),
        ...(i === 2 ? { relogin: { logoutAfterMs: 2500, reloginAfterMs: 1500 } } : {}),
      });
    }
    const expected: LabExpectation[] = desktops.map((d) =>
      d.refusal ? { host: d.host, outcome: 'failed', failedPhase: 'login', findings: ['agent-login-failed'] } : { host: d.host, outcome: 'logged-in', findings: [] },
    );
    return {
      sample: 'ctios-server',
      description: `a CTI OS server logs in ${n} desktops over its one GED-188 session (CTIOSServer, v15): requests interleave and are answered out of order; agent ${desktops[2].agent.agentId} is refused (10140); agent ${desktops[4].agent.agentId}'s requests carry no tag 217; agent ${desktops[1].agent.agentId} logs out and in again`,
      serverSide: {
        ...base,
        ctiosDesktops: desktops,
        refuseOnA: { [desktops[2].agent.agentId]: REFUSAL.logonDevice },
        slowAgents: [desktops[0].agent.agentId, desktops[2].agent.agentId],
      },
      desktops: [],
      expected,
    };
  }
  const clientAgents = [201, 202, 203, 204, 205].map(ucceAgent);
  return {
    sample: 'cti-failover',
    description: `a CTI client (FinesseA, protocol 22, 2-byte tags) logs 5 agents in on side A ${sideA.host}:${sideA.port}; side A fails (RST); the client opens side B ${sideB.host}:${sideB.port} and logs them in again; agent 5203 is refused there (CF 34)`,
    serverSide: { ...base, clientAgents, refuseOnB: { '5203': REFUSAL.outOfService }, slowAgents: ['5201'] },
    desktops: [],
    expected: [],
  };
}

export interface ServerSideLab {
  servers: LabServer[];
  runDesktops(): Promise<DesktopResult[]>;
  truth(): ExpectedResult;
  close(): Promise<void>;
}


export async function startServerSideLab(scenario: ServerSideLabScenario, plan: LabPlan, opts: { heartbeatSeconds: number; log?(line: string): void }): Promise<ServerSideLab> {
  const p = plan.serverSide!;
  const log = opts.log;
  const servers: LabServer[] = [];
  const desktops: CtiosDesktopRun[] = [];
  let client: CtiClientRun | undefined;
  let ctios: CtiosServer | undefined;
  let closing: Promise<void> | undefined;
  const answerDelayMs = (agentId: string): number => (p.slowAgents.includes(agentId) ? 150 : 0);
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await Promise.allSettled(desktops.map((d) => d.close()));
      await client?.close().catch(() => undefined);
      // The CTI OS server before the CTI servers: its session ends with CLOSE_REQ, not a reset.
      await Promise.allSettled(servers.slice().reverse().map((s) => s.close()));
    })());

  let sideA: PgCtiServer;
  try {
    sideA = await startPgCtiServer({ ...p.sideA, side: 'A', refuse: p.refuseOnA, answerDelayMs, log });
    servers.push(sideA);
    if (scenario === 'cti-failover') servers.push(await startPgCtiServer({ ...p.sideB, side: 'B', refuse: p.refuseOnB, answerDelayMs, log }));
  } catch (e) {
    await close();
    throw e;
  }

  return {
    servers,
    async runDesktops() {
      if (scenario === 'ctios-server') {
        // The CTI OS server opens its GED-188 session now, once the capture runs, so the capture holds the OPEN_REQ.
        ctios = await startCtiosServer({
          host: p.ctiosHost,
          port: SERVER_SIDE_PORTS.ctios,
          cti: p.sideA,
          withoutCilFor: p.ctiosDesktops.filter((d) => !d.cil).map((d) => d.agent.agentId),
          heartbeatSeconds: opts.heartbeatSeconds,
          log,
        });
        servers.push(ctios);
        const runs = p.ctiosDesktops.map(
          (d) =>
            new Promise<DesktopResult>((resolve) => {
              setTimeout(() => {
                if (closing) return resolve({ agent: d.agent.agentId, host: d.host, outcome: 'failed', message: 'the lab was stopped before this desktop started' });
                const run = startCtiosDesktop({
                  host: d.host,
                  agent: d.agent,
                  server: { host: p.ctiosHost, port: SERVER_SIDE_PORTS.ctios },
                  loginAfterMs: 300,
                  ...(d.relogin ?? {}),
                  log,
                });
                desktops.push(run);
                void run.started.then((r) => {
                  const { attempts: _attempts, ...plain } = r;
                  resolve(plain);
                });
              }, d.startDelayMs);
            }),
        );
        return Promise.all(runs);
      }
      client = startCtiClient({ host: p.clientHost, sides: [p.sideA, p.sideB], agents: p.clientAgents, heartbeatSeconds: opts.heartbeatSeconds, reconnectMs: 1500, log });
      const first = await client.firstLogins;
      // A heartbeat or two on side A, then side A fails.
      await new Promise((r) => setTimeout(r, 1200));
      log?.(`side A ${p.sideA.host}:${p.sideA.port} fails: every connection reset`);
      await sideA.abort();
      const second = await client.failoverLogins.catch((e: Error) => p.clientAgents.map((a) => ({ agentId: a.agentId, ok: false, reason: e.message })));
      return p.clientAgents.map((a): DesktopResult => {
        const r = second.find((x) => x.agentId === a.agentId)!;
        if (!first.find((x) => x.agentId === a.agentId)?.ok) log?.(`agent ${a.agentId} was not logged in on side A`);
        return r.ok
          ? { agent: a.agentId, host: p.clientHost, outcome: 'logged-in', message: `agent ${a.agentId} logged in again on side B` }
          : { agent: a.agentId, host: p.clientHost, outcome: 'failed', failedPhase: 'login', message: `re-login on side B refused: ${r.reason}` };
      });
    },
    truth() {
      const ctiClients: ExpectedCtiClient[] = [];
      const agents: ExpectedAgent[] = [];
      if (scenario === 'ctios-server') {
        ctiClients.push({ host: ctios!.ctiClient, clientId: CTIOS_SERVER_CLIENT.clientId, version: CTIOS_SERVER_CLIENT.version, outcome: 'logged-in', findings: [] });
        for (const d of p.ctiosDesktops) {
          const attempts = d.relogin ? 2 : 1;
          agents.push(expectedAgent(d.agent, CTIOS_SERVER_CLIENT.clientId, attempts, d.refusal, d.host, d.cil ? 'tag-217' : 'timing'));
        }
        return {
          workstations: plan.expected.map((e) => ({ host: e.host, desktop: 'ctios', outcome: e.outcome, ...(e.failedPhase ? { failedPhase: e.failedPhase } : {}), findings: e.findings })),
          agents,
          ctiClients,
        };
      }
      const sessions = client?.sessions ?? [];
      sessions.forEach((s, i) =>
        ctiClients.push({ host: s.host, clientId: FINESSE_CLIENT.clientId, version: FINESSE_CLIENT.version, outcome: 'logged-in', findings: i === 0 ? ['connection-reset'] : ['failover'] }),
      );
      for (const a of p.clientAgents) agents.push(expectedAgent(a, FINESSE_CLIENT.clientId, 2, p.refuseOnB[a.agentId], null));
      return { workstations: [], agents, ctiClients };
    },
    close,
  };
}
