/**
 * Server-side reference scenarios (samples/SCENARIOS.md, "Server-side captures"): captures taken on a CTI OS
 * server, on a Finesse-like CTI client, and on a SPAN port at the PG, where one GED-188 session carries the logins
 * of many agents. Each builder plans its exchanges on one clock (a time-ordered schedule, so requests for
 * different agents interleave and answers come out of order), runs them through SynthNet, and returns the truth
 * it planned: agents, CTI client sessions and workstations (never computed by running the analyzer).
 */

import type { NameEntry } from '../../capture/writer.js';
import { ADDR, NAMES } from './desktop.js';
import { hashString, Rng } from './prng.js';
import type { ExpectedAgent, ExpectedCtiClient, ExpectedWorkstation, ScenarioOutput } from './scenarios.js';
import { SynthNet, type TcpConversation } from './tcp.js';
import { CTIOS_SERVER_CLIENT, FINESSE_CLIENT, UCCE_PERIPHERAL_ID, UcceMessages, ucceAgent, type LoginRefusal, type UcceAgent, type UcceClient } from './ucce-ged.js';

/** Addresses of the UCCE side of the reference network. */
export const UCCE_ADDR = {
  /** The CTI OS server (CTIOSA of samples/SCENARIOS.md). */
  ctios: ADDR.ctiosA,
  /** The PG's CTI Server, side A (42027) and side B (43027). */
  pgA: '10.1.1.20',
  pgB: '10.1.1.21',
  finesse: '10.1.2.30',
} as const;

export const UCCE_PORT = { ctiA: 42027, ctiB: 43027, ctios: 42028 } as const;

const UCCE_NAMES: Record<string, string> = {
  [UCCE_ADDR.pgA]: 'pg1a.example.com',
  [UCCE_ADDR.pgB]: 'pg1b.example.com',
  [UCCE_ADDR.finesse]: 'finesse-a.example.com',
};

/** Refusals used by the samples. 10140 is an illustrative PG peripheral error (its meaning is not in the reference). */
export const REFUSAL = {
  /** CF_INVALID_LOGON_DEVICE_SPECIFIED (260) with peripheral error 10140. */
  logonDevice: { failureCode: 260, peripheralErrorCode: 10140 },
  /** CF_INVALID_PASSWORD_SPECIFIED (257), no peripheral error. */
  password: { failureCode: 257, peripheralErrorCode: 0 },
  /** CF_RESOURCE_OUT_OF_SERVICE (34), no peripheral error. */
  outOfService: { failureCode: 34, peripheralErrorCode: 0 },
} as const satisfies Record<string, LoginRefusal>;

/** The code an agent's refused login is known by: the peripheral's error when it gave one, else the CF_ code. */
export function refusalCode(r: LoginRefusal): number {
  return r.peripheralErrorCode || r.failureCode;
}

function names(): NameEntry[] {
  return Object.entries({ ...NAMES, ...UCCE_NAMES }).map(([address, name]) => ({ address, names: [name] }));
}

// ------------------------------------------------------------------------------------------ schedule

/** Actions at planned times, run in time order (ties in the order planned) on the net's one clock. */
class Schedule {
  private readonly items: { t: number; seq: number; fn: () => void }[] = [];
  private next = 0;
  private seq = 0;

  at(t: number, fn: () => void): void {
    const item = { t, seq: this.seq++, fn };
    // Binary search among the items not yet run.
    let lo = this.next;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  run(net: SynthNet): void {
    while (this.next < this.items.length) {
      const it = this.items[this.next++];
      net.clock.at(it.t);
      it.fn();
    }
  }
}

/** The bytes of a CTI OS message: its format is not public, so only the size and a leading length word are plausible. */
function opaque(rng: Rng, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = rng.nextUint32() & 0xff;
  new DataView(b.buffer).setUint32(0, length);
  return b;
}

// ------------------------------------------------------------------------------------------ GED-188 session

/** One CTI client's GED-188 session: the connection, its message set and its InvokeID counter. */
class GedSession {
  readonly m: UcceMessages;
  private invoke = 1;

  constructor(
    readonly conv: TcpConversation,
    readonly client: UcceClient,
    /** The session number the CTI server puts in AGENT_STATE_EVENT SessionID. */
    readonly sessionId: number,
  ) {
    this.m = new UcceMessages(client);
  }

  get host(): string {
    return `${this.conv.clientIp}:${this.conv.clientPort}`;
  }

  nextInvoke(): number {
    return this.invoke++;
  }

  c2s(bytes: Uint8Array | Uint8Array[]): void {
    this.conv.send('c2s', bytes, { coalesce: true });
  }

  s2c(bytes: Uint8Array | Uint8Array[]): void {
    this.conv.send('s2c', bytes, { coalesce: true });
  }

  /** TCP connect at `t`, OPEN_REQ → OPEN_CONF, SYSTEM_EVENT PERIPHERAL_ONLINE. */
  open(s: Schedule, t: number): void {
    s.at(t, () => this.conv.connect());
    s.at(t + 0.001, () => {
      const id = this.nextInvoke();
      this.c2s(this.m.openReq(id));
      s.at(t + 0.006, () => this.s2c(this.m.openConf(id)));
      s.at(t + 0.008, () => this.s2c(this.m.peripheralOnline()));
    });
  }

  /** HEARTBEAT_REQ → _CONF at each time. */
  heartbeats(s: Schedule, times: number[]): void {
    for (const t of times) {
      s.at(t, () => {
        const id = this.nextInvoke();
        this.c2s(this.m.heartbeatReq(id));
        s.at(t + 0.0015, () => this.s2c(this.m.heartbeatConf(id)));
      });
    }
  }
}

interface LoginPlan {
  /** When the CTI client sends QUERY_AGENT_STATE_REQ. */
  at: number;
  /** CTI server's answer time to the query and to the SET_AGENT_STATE_REQ (seconds). */
  queryDelay: number;
  setDelay: number;
  refusal?: LoginRefusal;
  /** Tag 217 value stamped on the requests (CTI OS Server for one of its desktops). */
  cil?: string;
  /** After the answer to SET_AGENT_STATE_REQ (the CTI OS server tells the desktop). */
  then?: (t: number, ok: boolean) => void;
}

/** QUERY_AGENT_STATE_REQ → _CONF, SET_AGENT_STATE_REQ LOGIN → SET_AGENT_STATE_CONF + AGENT_STATE_EVENT NOT_READY, or CONTROL_FAILURE_CONF. */
function login(s: Schedule, g: GedSession, a: UcceAgent, p: LoginPlan): void {
  s.at(p.at, () => {
    const q = g.nextInvoke();
    g.c2s(g.m.queryAgentStateReq(q, a, p.cil));
    const tq = p.at + p.queryDelay;
    s.at(tq, () => g.s2c(g.m.queryAgentStateConf(q, a, 'LOGOUT')));
    const tSet = tq + 0.0015;
    s.at(tSet, () => {
      const id = g.nextInvoke();
      g.c2s(g.m.setAgentStateReq(id, a, 'LOGIN', p.cil));
      const tr = tSet + p.setDelay;
      s.at(tr, () => {
        if (p.refusal) g.s2c(g.m.controlFailureConf(id, p.refusal));
        // The confirmation and the first state event leave the CTI server together.
        else g.s2c([g.m.setAgentStateConf(id), g.m.agentStateEvent(a, 'NOT_READY', g.sessionId, g.client.signature)]);
        p.then?.(tr + 0.002, !p.refusal);
      });
    });
  });
}

/** SET_AGENT_STATE_REQ LOGOUT → SET_AGENT_STATE_CONF + AGENT_STATE_EVENT LOGOUT. */
function logout(s: Schedule, g: GedSession, a: UcceAgent, at: number, cil: string | undefined, then?: (t: number) => void): void {
  s.at(at, () => {
    const id = g.nextInvoke();
    g.c2s(g.m.setAgentStateReq(id, a, 'LOGOUT', cil));
    s.at(at + 0.007, () => {
      g.s2c([g.m.setAgentStateConf(id), g.m.agentStateEvent(a, 'LOGOUT', g.sessionId, g.client.signature)]);
      then?.(at + 0.009);
    });
  });
}

/** The truth of one agent, in the samples' expected shape (the lab states its runs' truth with it too). */
export function expectedAgent(a: UcceAgent, clientId: string, attempts: number, refusal: LoginRefusal | undefined, desktop: string | null, linkBasis?: 'tag-217' | 'timing'): ExpectedAgent {
  return {
    id: a.agentId,
    peripheralId: UCCE_PERIPHERAL_ID,
    instrument: a.instrument,
    outcome: refusal ? 'failed' : 'logged-in',
    ...(refusal ? { failedPhase: 'login', failureCode: refusalCode(refusal) } : {}),
    findings: refusal ? ['agent-login-failed'] : [],
    attempts,
    via: { clientId },
    desktop,
    ...(linkBasis ? { linkBasis } : {}),
  };
}

// ------------------------------------------------------------------------------------------ ctios-server

/** One CTI OS desktop of the ctios-server scenario and what happens to its agent. */
interface CtiosDesktopPlan {
  host: string;
  agent: UcceAgent;
  connect: number;
  /** Login times (the desktop's login message; the GED-188 requests follow 3 ms later), and answer delays. */
  logins: { at: number; queryDelay: number; setDelay: number; refusal?: LoginRefusal }[];
  /** A logout between the first and the second login. */
  logoutAt?: number;
  /** Whether CTI OS Server stamps tag 217 on its requests for this desktop (else only timing links them). */
  cil: boolean;
}

/** Six desktops: two pairs log in at the same moment (interleaved, answered out of order), one is refused, one has no tag 217, one logs out and in again. */
export const CTIOS_SERVER_DESKTOPS: readonly CtiosDesktopPlan[] = [
  { host: '10.10.40.51', agent: ucceAgent(51), connect: 4.0, logins: [{ at: 5.0, queryDelay: 0.03, setDelay: 0.025 }], cil: true },
  {
    host: '10.10.40.52',
    agent: ucceAgent(52),
    connect: 4.2,
    logins: [
      { at: 5.01, queryDelay: 0.006, setDelay: 0.008 },
      { at: 48.0, queryDelay: 0.009, setDelay: 0.011 },
    ],
    logoutAt: 40.0,
    cil: true,
  },
  { host: '10.10.40.53', agent: ucceAgent(53), connect: 12.0, logins: [{ at: 13.0, queryDelay: 0.022, setDelay: 0.03, refusal: REFUSAL.logonDevice }], cil: true },
  { host: '10.10.40.54', agent: ucceAgent(54), connect: 12.4, logins: [{ at: 13.008, queryDelay: 0.005, setDelay: 0.006 }], cil: true },
  { host: '10.10.40.55', agent: ucceAgent(55), connect: 22.0, logins: [{ at: 24.0, queryDelay: 0.008, setDelay: 0.012 }], cil: false },
  { host: '10.10.40.56', agent: ucceAgent(56), connect: 30.6, logins: [{ at: 31.6, queryDelay: 0.007, setDelay: 0.009 }], cil: true },
];

/** Delay from a desktop's login message on 42028 to the CTI OS server's QUERY_AGENT_STATE_REQ. */
const CTIOS_REACTION = 0.003;

export function ctiosServer(): ScenarioOutput {
  const name = 'ctios-server';
  const seed = hashString(name);
  const net = new SynthNet({ seed, vantage: 'client' });
  const rng = new Rng(seed);
  const s = new Schedule();
  // Captured on the CTI OS server: the client end of its GED-188 session, the server end of the desktops' 42028.
  const g = new GedSession(net.tcp({ client: UCCE_ADDR.ctios, server: UCCE_ADDR.pgA, serverPort: UCCE_PORT.ctiA, rtt: 0.0006 }), CTIOS_SERVER_CLIENT, 1001);
  g.open(s, 0.2);
  g.heartbeats(s, [30.2, 60.2, 90.2]);

  const agents: ExpectedAgent[] = [];
  const workstations: ExpectedWorkstation[] = [];
  CTIOS_SERVER_DESKTOPS.forEach((d, i) => {
    const conv = net.tcp({ client: d.host, server: UCCE_ADDR.ctios, serverPort: UCCE_PORT.ctios, capturedAt: 'server', rtt: 0.0008 + 0.0002 * i });
    // The format of tag 217 is not documented: here it is the desktop's connection, ip:port.
    const cil = d.cil ? `${d.host}:${conv.clientPort}` : undefined;
    s.at(d.connect, () => conv.connect());
    s.at(d.connect + 0.002, () => conv.send('c2s', opaque(rng, 180)));
    s.at(d.connect + 0.006, () => conv.send('s2c', opaque(rng, 2400)));
    s.at(d.connect + 0.3, () => conv.send('c2s', opaque(rng, 140)));
    s.at(d.connect + 0.304, () => conv.send('s2c', opaque(rng, 260)));
    const tell = (t: number, ok: boolean): void => s.at(t, () => conv.send('s2c', opaque(rng, ok ? 420 : 180)));
    d.logins.forEach((l, k) => {
      s.at(l.at, () => conv.send('c2s', opaque(rng, 230)));
      login(s, g, d.agent, { at: l.at + CTIOS_REACTION, queryDelay: l.queryDelay, setDelay: l.setDelay, refusal: l.refusal, cil, then: tell });
      if (k === 0 && d.logoutAt !== undefined) {
        const at = d.logoutAt;
        s.at(at, () => conv.send('c2s', opaque(rng, 150)));
        logout(s, g, d.agent, at + CTIOS_REACTION, cil, (t) => s.at(t, () => conv.send('s2c', opaque(rng, 200))));
      }
    });
    // The CTI OS session's own keep-alives, after every login (they would blur the timing link otherwise).
    for (const t of [62 + 1.5 * i, 92 + 1.5 * i]) {
      s.at(t, () => conv.send('c2s', opaque(rng, 64)));
      s.at(t + 0.004, () => conv.send('s2c', opaque(rng, 64)));
    }
    const last = d.logins[d.logins.length - 1].refusal;
    agents.push(expectedAgent(d.agent, CTIOS_SERVER_CLIENT.clientId, d.logins.length, last, d.host, d.cil ? 'tag-217' : 'timing'));
    workstations.push({
      host: d.host,
      desktop: 'ctios',
      outcome: last ? 'failed' : 'logged-in',
      ...(last ? { failedPhase: 'login' } : {}),
      findings: last ? ['agent-login-failed'] : [],
    });
  });
  s.run(net);
  const ctiClients: ExpectedCtiClient[] = [{ host: g.host, clientId: CTIOS_SERVER_CLIENT.clientId, version: CTIOS_SERVER_CLIENT.version, outcome: 'logged-in', findings: [] }];
  return {
    name,
    description:
      'captured on a CTI OS server: 6 desktops connect on 42028 and CTIOSServer (GED-188 v15, 1-byte tags) logs each agent in over its one session to the CTI server 10.1.1.20:42027; requests interleave and are answered out of order; agent 5053 is refused (CF 260, peripheral error 10140); agent 5055 has no tag 217 (linked by timing only); agent 5052 logs out and in again',
    packets: net.collect(),
    expected: { workstations, agents, ctiClients },
    names: names(),
  };
}

// ------------------------------------------------------------------------------------------ cti-failover

/** The agents FinesseA logs in, and the one whose re-login on side B is refused. */
export const FAILOVER_AGENTS = [201, 202, 203, 204, 205].map(ucceAgent);
export const FAILOVER_REFUSED = '5203';
export const FAILOVER_REFUSAL: LoginRefusal = REFUSAL.outOfService;

/** Five logins at once: queries 2 ms apart, answered out of order (the delays differ per agent). */
function loginBurst(s: Schedule, g: GedSession, at: number, queryDelays: number[], setDelays: number[], refuse?: { agentId: string; refusal: LoginRefusal }): void {
  FAILOVER_AGENTS.forEach((a, i) =>
    login(s, g, a, { at: at + 0.002 * i, queryDelay: queryDelays[i], setDelay: setDelays[i], refusal: refuse?.agentId === a.agentId ? refuse.refusal : undefined }),
  );
}

export function ctiFailover(): ScenarioOutput {
  const name = 'cti-failover';
  const seed = hashString(name);
  const net = new SynthNet({ seed, vantage: 'client' });
  const s = new Schedule();
  const a = new GedSession(net.tcp({ client: UCCE_ADDR.finesse, server: UCCE_ADDR.pgA, serverPort: UCCE_PORT.ctiA, rtt: 0.0009 }), FINESSE_CLIENT, 2001);
  a.open(s, 0.5);
  loginBurst(s, a, 2.0, [0.02, 0.008, 0.015, 0.004, 0.011], [0.012, 0.03, 0.006, 0.018, 0.009]);
  a.heartbeats(s, [20.5, 40.5]);
  // Side A's CTI server goes away: its host resets the connection.
  s.at(45.3, () => a.conv.reset('s2c'));
  // Three seconds later the client opens side B, a new session (InvokeIDs from 1 again), and logs its agents in again.
  const b = new GedSession(net.tcp({ client: UCCE_ADDR.finesse, server: UCCE_ADDR.pgB, serverPort: UCCE_PORT.ctiB, rtt: 0.0011 }), FINESSE_CLIENT, 3001);
  b.open(s, 48.3);
  loginBurst(s, b, 49.5, [0.006, 0.017, 0.01, 0.003, 0.013], [0.009, 0.005, 0.02, 0.015, 0.007], { agentId: FAILOVER_REFUSED, refusal: FAILOVER_REFUSAL });
  b.heartbeats(s, [68.3, 88.3]);
  s.run(net);
  const agents = FAILOVER_AGENTS.map((ag) => expectedAgent(ag, FINESSE_CLIENT.clientId, 2, ag.agentId === FAILOVER_REFUSED ? FAILOVER_REFUSAL : undefined, null));
  const c = (g: GedSession, findings: ExpectedCtiClient['findings']): ExpectedCtiClient => ({ host: g.host, clientId: FINESSE_CLIENT.clientId, version: FINESSE_CLIENT.version, outcome: 'logged-in', findings });
  return {
    name,
    description:
      'captured on a Finesse-like CTI client (FinesseA, GED-188 v22, 2-byte tags): 5 agents logged in through side A 10.1.1.20:42027; side A resets the session at 45 s; 3 s later the client opens side B 10.1.1.21:43027 and logs the agents in again; agent 5203 is refused (CF 34 CF_RESOURCE_OUT_OF_SERVICE)',
    packets: net.collect(),
    expected: { workstations: [], agents, ctiClients: [c(a, ['connection-reset']), c(b, ['failover'])] },
    names: names(),
  };
}

// ------------------------------------------------------------------------------------------ pg-span-500

/** pg-span-500: agents 1–300 through CTIOSServer (v15), 301–500 through FinesseA (v22); these are refused. */
export const PG_SPAN_REFUSED: Readonly<Record<number, LoginRefusal>> = {
  17: REFUSAL.logonDevice,
  123: REFUSAL.logonDevice,
  250: REFUSAL.logonDevice,
  333: REFUSAL.password,
  404: REFUSAL.password,
  477: REFUSAL.logonDevice,
};
export const PG_SPAN_AGENTS = 500;
const PG_SPAN_CTIOS_AGENTS = 300;

export function pgSpan500(): ScenarioOutput {
  const name = 'pg-span-500';
  const seed = hashString(name);
  const net = new SynthNet({ seed, vantage: 'span' });
  const rng = new Rng(seed);
  const s = new Schedule();
  const ctios = new GedSession(net.tcp({ client: UCCE_ADDR.ctios, server: UCCE_ADDR.pgA, serverPort: UCCE_PORT.ctiA, rtt: 0.0006 }), CTIOS_SERVER_CLIENT, 1001);
  const finesse = new GedSession(net.tcp({ client: UCCE_ADDR.finesse, server: UCCE_ADDR.pgA, serverPort: UCCE_PORT.ctiA, rtt: 0.0009 }), FINESSE_CLIENT, 2001);
  ctios.open(s, 0.2);
  finesse.open(s, 0.7);
  const end = 150;
  const beats = (from: number): number[] => Array.from({ length: Math.floor((end - from) / 30) }, (_, i) => from + 30 * (i + 1));
  ctios.heartbeats(s, beats(0.2));
  finesse.heartbeats(s, beats(0.7));
  const agents: ExpectedAgent[] = [];
  for (let k = 1; k <= PG_SPAN_AGENTS; k++) {
    const a = ucceAgent(k);
    const viaCtios = k <= PG_SPAN_CTIOS_AGENTS;
    const g = viaCtios ? ctios : finesse;
    // The desktops are not on this SPAN: tag 217 names them, but no CTI OS connection shows them (desktop: null).
    const cil = viaCtios ? `10.10.${40 + Math.floor((k - 1) / 250)}.${1 + ((k - 1) % 250)}:${rng.int(49152, 65000)}` : undefined;
    const refusal = PG_SPAN_REFUSED[k];
    login(s, g, a, { at: Math.round(rng.between(3, 123) * 1e6) / 1e6, queryDelay: rng.between(0.002, 0.04), setDelay: rng.between(0.003, 0.05), refusal, cil });
    agents.push(expectedAgent(a, g.client.clientId, 1, refusal, null));
  }
  s.run(net);
  const c = (g: GedSession): ExpectedCtiClient => ({ host: g.host, clientId: g.client.clientId, version: g.client.version, outcome: 'logged-in', findings: [] });
  return {
    name,
    description:
      'SPAN at the PG beside the CTI server 10.1.1.20:42027: CTIOSServer (v15, 1-byte tags) logs in agents 5001-5300 and FinesseA (v22, 2-byte tags) agents 5301-5500 within 2 minutes; 6 are refused (CF 260 with peripheral error 10140, or CF 257 invalid password); heartbeats every 30 s',
    packets: net.collect(),
    expected: { workstations: [], agents, ctiClients: [c(ctios), c(finesse)] },
    names: names(),
  };
}

/** The server-side scenarios, for the SCENARIOS registry (scenarios.ts). */
export const SERVER_SIDE_SCENARIOS: Record<string, () => ScenarioOutput> = {
  'ctios-server': ctiosServer,
  'cti-failover': ctiFailover,
  'pg-span-500': pgSpan500,
};
