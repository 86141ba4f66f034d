/**
 * A Finesse-like CTI client: one GED-188 session (protocol 22, 2-byte tags) carrying several agents' logins. It opens
 * side A, logs every agent in at once (the requests interleave; answers are matched by InvokeID), heartbeats, and when
 * side A is lost (reset or closed) it opens side B after `reconnectMs` and logs its agents in again, as a CTI client
 * with a side A / side B pair does.
 */

import type { Endpoint } from './loopback.js';
import { GedClientSession } from './ged-client.js';
import { FINESSE_CLIENT, type UcceAgent, type UcceClient } from './synth/ucce-ged.js';

export interface CtiClientOptions {
  host: string;
  sides: [Endpoint, Endpoint];
  agents: readonly UcceAgent[];
  client?: UcceClient;
  heartbeatSeconds?: number;
  /** Milliseconds from losing a side to connecting to the other (default 1500). */
  reconnectMs?: number;
  log?(line: string): void;
}

export interface AgentLoginResult {
  agentId: string;
  ok: boolean;
  /** The refusal's code (PeripheralErrorCode, else ControlFailureCode), or a message. */
  reason?: string;
}

export interface CtiClientRun {
  /** The sessions opened, in order: ip:port of the client end and the side. */
  readonly sessions: { host: string; server: Endpoint }[];
  /** Resolves with the logins made on the first side. */
  readonly firstLogins: Promise<AgentLoginResult[]>;
  /** Resolves with the logins made after the failover (rejects if it could not open the other side). */
  readonly failoverLogins: Promise<AgentLoginResult[]>;
  close(): Promise<void>;
}

async function loginAll(s: GedClientSession, agents: readonly UcceAgent[]): Promise<AgentLoginResult[]> {
  const m = s.m;
  return Promise.all(
    agents.map(async (a): Promise<AgentLoginResult> => {
      try {
        await s.request((id) => m.queryAgentStateReq(id, a), `QUERY_AGENT_STATE_REQ ${a.agentId}`);
        const r = await s.request((id) => m.setAgentStateReq(id, a, 'LOGIN'), `SET_AGENT_STATE_REQ LOGIN ${a.agentId}`);
        if (r.name === 'SET_AGENT_STATE_CONF') return { agentId: a.agentId, ok: true };
        return { agentId: a.agentId, ok: false, reason: String((r.fields.peripheralErrorCode as number) || (r.fields.failureCode as number) || r.name) };
      } catch (e) {
        return { agentId: a.agentId, ok: false, reason: (e as Error).message };
      }
    }),
  );
}

export function startCtiClient(opts: CtiClientOptions): CtiClientRun {
  const client = opts.client ?? FINESSE_CLIENT;
  const sessions: { host: string; server: Endpoint }[] = [];
  const open: GedClientSession[] = [];
  let closed = false;
  const openOn = async (server: Endpoint): Promise<GedClientSession> => {
    const s = await GedClientSession.open({ local: opts.host, server, client, heartbeatSeconds: opts.heartbeatSeconds ?? 30, log: opts.log });
    open.push(s);
    sessions.push({ host: s.host, server });
    return s;
  };
  const first = openOn(opts.sides[0]);
  const firstLogins = first.then((s) => loginAll(s, opts.agents));
  const failoverLogins = (async () => {
    const a = await first;
    await firstLogins;
    const why = await a.whenEnded();
    if (closed) throw new Error('closed before any failover');
    opts.log?.(`${client.clientId}: side ${opts.sides[0].host}:${opts.sides[0].port} lost (${why}); the other side in ${(opts.reconnectMs ?? 1500) / 1000} s`);
    await new Promise((r) => setTimeout(r, opts.reconnectMs ?? 1500));
    const b = await openOn(opts.sides[1]);
    return loginAll(b, opts.agents);
  })();
  failoverLogins.catch(() => undefined);
  return {
    sessions,
    firstLogins,
    failoverLogins,
    async close() {
      closed = true;
      await Promise.allSettled([first]);
      await Promise.all(open.map((s) => s.close()));
    },
  };
}
