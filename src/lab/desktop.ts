/**
 * A simulated Cisco Agent Desktop: a real TCP client (node:net) that performs the CAD start-up against real
 * servers, in the order and with the failover a real desktop uses:
 *
 * 1. config: LDAP on each directory host in turn (connect timeout, then the next host): simple bind as
 *    `cn=Directory Manager`, searches for the agent, its team and the CTI settings, unbind. A refused bind ends
 *    the start-up (the desktop shows the error and stops).
 * 2. licensing: GIOP `acquireLicense` on 3000 of node A, then node B if A refuses or times out. The connection
 *    stays open while the desktop runs; NoLicenseAvailable ends the start-up.
 * 3. CTI session: OPEN_REQ to the CTI servers the directory named, A then B; FAILURE_CONF (standby node)
 *    moves on to the other node.
 * 4. login: QUERY_AGENT_STATE_REQ, then SET_AGENT_STATE_REQ LOGIN, logged in on AGENT_STATE_EVENT;
 *    CONTROL_FAILURE_CONF ends the session (CLOSE_REQ/CLOSE_CONF) and the start-up.
 * 5. desktop services: GIOP requests to 59000/59003/59004 on the node that holds the CTI session.
 * Then HEARTBEAT_REQ every heartbeatInterval seconds (from the directory) until `close()`.
 *
 * Requests are built with the decoders' encoders (the generator's GED-188 message set, src/lab/synth/ged.ts);
 * replies are read with the decoders' framing and decoders.
 */

import { connect, type Socket } from 'node:net';
import { berElementLength } from '../decoders/ber.js';
import { CdrWriter } from '../decoders/giop/cdr.js';
import { decodeGiopMessage } from '../decoders/giop/decode.js';
import { encodeGiopRequest } from '../decoders/giop/encode.js';
import { GIOP_FRAMING } from '../decoders/giop/stream.js';
import { decodeGed188Message } from '../decoders/ged188/decode.js';
import { ged188PduLength } from '../decoders/ged188/stream.js';
import { decodeLdapMessage } from '../decoders/ldap/decode.js';
import { encodeLdapBindRequest, encodeLdapSearchRequest, encodeLdapUnbindRequest } from '../decoders/ldap/encode.js';
import type { PduFraming } from '../decoders/framing.js';
import { cti } from './synth/ged.js';
import { LDAP_BIND_DN, LDAP_ROOT, LICENSE_OBJECT_KEY } from './synth/desktop.js';
import type { AgentSpec } from './synth/desktop-types.js';
import { assertLoopback, endpointText, readMessages, type Endpoint } from './loopback.js';
import { LDAP_PASSWORD } from './ldap-server.js';

export interface DesktopOptions {
  /** The agent; `agent.host` is the desktop's own (loopback) address, which the connections are made from. */
  agent: AgentSpec;
  /** Directory hosts, tried in order. */
  ldapHosts: Endpoint[];
  /** The directory password the desktop was installed with. */
  ldapPassword?: string;
  licensingPort?: number;
  servicePorts?: { chat: number; recording: number; enterprise: number };
  /** How long a connection attempt may take before the next host is tried (default 3.5 s: 3 SYNs on Linux). */
  connectTimeoutMs?: number;
  /** How long a reply may take (default 10 s). */
  replyTimeoutMs?: number;
  /** Overrides the directory's heartbeatInterval (seconds). */
  heartbeatSeconds?: number;
  log?(line: string): void;
}

export type DesktopPhase = 'config' | 'licensing' | 'cti-session' | 'login' | 'services';

export interface DesktopResult {
  agent: string;
  host: string;
  outcome: 'logged-in' | 'failed';
  failedPhase?: DesktopPhase;
  /** One sentence: what the desktop would show. */
  message: string;
  /** Seconds from the first connection attempt to AGENT_STATE_EVENT (logged in). */
  loginSeconds?: number;
}

export interface DesktopRun {
  /** Settles when the desktop is logged in (heartbeats go on) or has given up. Never rejects. */
  readonly started: Promise<DesktopResult>;
  /** Stops heartbeats and closes every connection (CLOSE_REQ on the CTI session, FIN elsewhere). */
  close(): Promise<void>;
}

class DesktopFailure extends Error {
  constructor(
    readonly phase: DesktopPhase,
    message: string,
  ) {
    super(message);
  }
}

/** A socket read as whole messages, with replies awaited one at a time. */
class Channel {
  private readonly queue: Uint8Array[] = [];
  private waiter?: { resolve(m: Uint8Array): void; reject(e: Error): void; timer: NodeJS.Timeout };
  private ended?: string;

  constructor(
    readonly socket: Socket,
    readonly peer: string,
    framing: PduFraming,
  ) {
    readMessages(socket, framing, (pdu) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        clearTimeout(w.timer);
        w.resolve(pdu);
      } else this.queue.push(pdu);
    });
    const end = (why: string): void => {
      this.ended ??= why;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        clearTimeout(w.timer);
        w.reject(new Error(`${peer} ${why}`));
      }
    };
    socket.on('end', () => end('closed the connection'));
    socket.on('close', () => end('connection closed'));
    socket.on('error', (e) => end(`connection error: ${e.message}`));
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  next(timeoutMs: number, what: string): Promise<Uint8Array> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(new Error(`${this.peer} ${this.ended}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${this.peer} did not answer ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  /** FIN, and the socket is destroyed once the peer has closed too (or after a moment). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      const t = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.socket.end();
    });
  }
}

type ConnectResult = { socket: Socket } | { error: 'timeout' | 'refused' | 'failed'; message: string };

/** One connection attempt from `local`, abandoned (no packet) after `timeoutMs`. */
function connectFrom(local: string, to: Endpoint, timeoutMs: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: to.host, port: to.port, localAddress: local });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: 'timeout', message: `${endpointText(to)} did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(e.code === 'ECONNREFUSED' ? { error: 'refused', message: `${endpointText(to)} refused the connection` } : { error: 'failed', message: `${endpointText(to)}: ${e.message}` });
    });
  });
}

const LDAP_FRAMING: PduFraming = { pduLength: berElementLength };
const GED_FRAMING: PduFraming = { pduLength: ged188PduLength };

/** The desktop's ORB runs on x86 Windows: little-endian requests. */
const CLIENT_LE = true;

function cdr(values: (string | number)[]): Uint8Array {
  const w = new CdrWriter(CLIENT_LE);
  for (const v of values) {
    if (typeof v === 'string') w.string(v);
    else w.ulong(v);
  }
  return w.finish();
}

function first(attrs: unknown, name: string): string | undefined {
  if (!attrs || typeof attrs !== 'object') return undefined;
  const v = (attrs as Record<string, unknown>)[name];
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

const SERVICES: { key: 'chat' | 'recording' | 'enterprise'; objectKey: string; operation: string }[] = [
  { key: 'chat', objectKey: 'ChatService/AgentRegistry', operation: 'registerAgent' },
  { key: 'recording', objectKey: 'RecordingStatsService/EventChannel', operation: 'subscribe' },
  { key: 'enterprise', objectKey: 'EnterpriseService/EventChannel', operation: 'subscribe' },
];

/** Starts a desktop; see DesktopRun. */
export function startCadDesktop(opts: DesktopOptions): DesktopRun {
  const a = opts.agent;
  assertLoopback(a.host, 'desktop address');
  for (const h of opts.ldapHosts) assertLoopback(h.host, 'directory host');
  const connectMs = opts.connectTimeoutMs ?? 3500;
  const replyMs = opts.replyTimeoutMs ?? 10_000;
  const log = (line: string): void => opts.log?.(`desktop ${a.host} agent ${a.agentId}: ${line}`);
  const open: Channel[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  let ctiChannel: Channel | undefined;
  let invoke = 1;
  let t0 = 0;

  async function connectTo(to: Endpoint, framing: PduFraming): Promise<Channel | { error: string; message: string }> {
    assertLoopback(to.host, 'server');
    const r = await connectFrom(a.host, to, connectMs);
    if ('error' in r) return r;
    const ch = new Channel(r.socket, endpointText(to), framing);
    open.push(ch);
    return ch;
  }

  async function config(): Promise<{ ctiHosts: string[]; ctiPort: number; heartbeat: number }> {
    for (const host of opts.ldapHosts) {
      log(`LDAP ${endpointText(host)}: connecting`);
      const ch = await connectTo(host, LDAP_FRAMING);
      if ('error' in ch) {
        log(`LDAP ${ch.message}; trying the next directory host`);
        continue;
      }
      ch.send(encodeLdapBindRequest({ messageId: 1, name: LDAP_BIND_DN, password: opts.ldapPassword ?? LDAP_PASSWORD }));
      const bind = decodeLdapMessage(await ch.next(replyMs, 'bindRequest'));
      const code = bind.fields.resultCode;
      if (code !== 0) {
        ch.send(encodeLdapUnbindRequest({ messageId: 2 }));
        await ch.end();
        throw new DesktopFailure('config', `the directory refused the bind: ${bind.fields.resultCodeName ?? code}${bind.fields.diagnosticMessage ? ` (${bind.fields.diagnosticMessage})` : ''}`);
      }
      const searches = [
        { base: `cn=${a.agentId},ou=Agents,${LDAP_ROOT}`, scope: 'baseObject' as const, filter: '(objectClass=*)', attrs: ['cn', 'agentId', 'displayName', 'extension', 'teamId', 'workflowGroup'] },
        { base: `ou=Teams,${LDAP_ROOT}`, scope: 'singleLevel' as const, filter: `(&(objectClass=spanTeam)(teamId=${a.teamId}))`, attrs: ['teamId', 'teamName', 'supervisor', 'desktopLayout'] },
        { base: `ou=CTI,${LDAP_ROOT}`, scope: 'singleLevel' as const, filter: '(cn=CTIServerConfig)', attrs: ['ctiServerA', 'ctiServerB', 'ctiPort', 'heartbeatInterval'] },
      ];
      let messageId = 2;
      const found: Record<string, unknown>[] = [];
      for (const s of searches) {
        const id = messageId++;
        ch.send(encodeLdapSearchRequest({ messageId: id, baseObject: s.base, scope: s.scope, filter: s.filter, attributes: s.attrs }));
        const entries: Record<string, unknown>[] = [];
        for (;;) {
          const m = decodeLdapMessage(await ch.next(replyMs, `search ${s.base}`));
          if (m.type === 'searchResEntry') entries.push((m.fields.attributes as Record<string, unknown>) ?? {});
          else if (m.type === 'searchResDone') {
            if (m.fields.resultCode !== 0 || entries.length === 0) {
              ch.send(encodeLdapUnbindRequest({ messageId }));
              await ch.end();
              throw new DesktopFailure('config', `the directory has no ${s.base} (${m.fields.resultCodeName ?? m.fields.resultCode}, ${entries.length} entries)`);
            }
            break;
          }
        }
        found.push(entries[0]);
      }
      ch.send(encodeLdapUnbindRequest({ messageId }));
      await ch.end();
      const ctiConf = found[2];
      const ctiHosts = [first(ctiConf, 'ctiServerA'), first(ctiConf, 'ctiServerB')].filter((h): h is string => h !== undefined);
      log(`configuration read from ${endpointText(host)}: CTI servers ${ctiHosts.join(', ')}`);
      return { ctiHosts, ctiPort: Number(first(ctiConf, 'ctiPort') ?? 12028), heartbeat: Number(first(ctiConf, 'heartbeatInterval') ?? 30) };
    }
    throw new DesktopFailure('config', `no directory host answered (${opts.ldapHosts.map(endpointText).join(', ')})`);
  }

  async function licensing(nodes: string[]): Promise<Channel> {
    const port = opts.licensingPort ?? 3000;
    for (const node of nodes) {
      const to = { host: node, port };
      const ch = await connectTo(to, GIOP_FRAMING);
      if ('error' in ch) {
        log(`licensing: ${ch.message}`);
        continue;
      }
      ch.send(
        encodeGiopRequest({
          version: '1.2',
          littleEndian: CLIENT_LE,
          requestId: 1,
          responseExpected: true,
          objectKey: LICENSE_OBJECT_KEY,
          operation: 'acquireLicense',
          body: cdr([a.agentId, a.pcName, 1]),
        }),
      );
      let reply;
      try {
        reply = decodeGiopMessage(await ch.next(replyMs, 'acquireLicense'));
      } catch (e) {
        await ch.end();
        log(`licensing: ${(e as Error).message}`);
        continue;
      }
      if (reply.fields.replyStatusName === 'NO_EXCEPTION') {
        log(`licence granted by ${endpointText(to)}`);
        return ch;
      }
      await ch.end();
      throw new DesktopFailure('licensing', `licence refused by ${endpointText(to)}: ${reply.fields.replyStatusName} ${reply.fields.exceptionId ?? ''}`.trim());
    }
    throw new DesktopFailure('licensing', `no licensing service answered on ${nodes.map((n) => `${n}:${port}`).join(', ')}`);
  }

  async function ctiOpen(hosts: string[], port: number): Promise<{ ch: Channel; host: string }> {
    for (const host of hosts) {
      const to = { host, port };
      const ch = await connectTo(to, GED_FRAMING);
      if ('error' in ch) {
        log(`CTI: ${ch.message}`);
        continue;
      }
      ch.send(cti.openReq(invoke++, a));
      const m = decodeGed188Message(await ch.next(replyMs, 'OPEN_REQ'), { version: 14 });
      if (m.name === 'OPEN_CONF') {
        log(`CTI session open on ${endpointText(to)}`);
        return { ch, host };
      }
      log(`CTI: ${endpointText(to)} answered ${m.name} ${m.fields.statusName ?? m.fields.status ?? ''}; trying the other node`);
      await ch.end();
    }
    throw new DesktopFailure('cti-session', `no CTI server accepted the session (${hosts.map((h) => `${h}:${port}`).join(', ')})`);
  }

  async function login(ch: Channel): Promise<void> {
    ch.send(cti.queryAgentStateReq(invoke++, a));
    await ch.next(replyMs, 'QUERY_AGENT_STATE_REQ');
    const loginInvoke = invoke++;
    ch.send(cti.setAgentStateLoginReq(loginInvoke, a));
    for (;;) {
      const m = decodeGed188Message(await ch.next(replyMs, 'SET_AGENT_STATE_REQ'), { version: 14 });
      if (m.name === 'CONTROL_FAILURE_CONF' || m.name === 'FAILURE_CONF') {
        const code = m.fields.peripheralErrorCode ?? m.fields.status;
        ch.send(cti.closeReq(invoke++));
        await ch.next(replyMs, 'CLOSE_REQ').catch(() => undefined);
        await ch.end();
        throw new DesktopFailure('login', `login refused: ${m.name}${code !== undefined ? ` ${code}` : ''}`);
      }
      if (m.name === 'AGENT_STATE_EVENT') return;
    }
  }

  async function services(node: string): Promise<void> {
    const ports = opts.servicePorts ?? { chat: 59000, recording: 59003, enterprise: 59004 };
    for (const s of SERVICES) {
      const to = { host: node, port: ports[s.key] };
      const ch = await connectTo(to, GIOP_FRAMING);
      if ('error' in ch) throw new DesktopFailure('services', ch.message);
      ch.send(
        encodeGiopRequest({
          version: '1.2',
          littleEndian: CLIENT_LE,
          requestId: 1,
          responseExpected: true,
          objectKey: s.objectKey,
          operation: s.operation,
          body: cdr([a.agentId, a.extension, a.pcName]),
        }),
      );
      const r = decodeGiopMessage(await ch.next(replyMs, s.operation));
      if (r.fields.replyStatusName !== 'NO_EXCEPTION') throw new DesktopFailure('services', `${endpointText(to)} answered ${s.operation} with ${r.fields.replyStatusName}`);
    }
  }

  async function run(): Promise<DesktopResult> {
    t0 = Date.now();
    let licence: Channel | undefined;
    try {
      const conf = await config();
      licence = await licensing(conf.ctiHosts);
      const session = await ctiOpen(conf.ctiHosts, conf.ctiPort);
      ctiChannel = session.ch;
      await login(session.ch);
      const loginSeconds = (Date.now() - t0) / 1000;
      log(`agent ${a.agentId} logged in on extension ${a.extension}`);
      await services(session.host);
      const every = (opts.heartbeatSeconds ?? conf.heartbeat) * 1000;
      const beat = (): void => {
        if (closed || !ctiChannel) return;
        const ch = ctiChannel;
        ch.send(cti.heartbeatReq(invoke++));
        ch.next(replyMs, 'HEARTBEAT_REQ').then(
          () => undefined,
          (e: Error) => log(`heartbeat: ${e.message}`),
        );
      };
      heartbeat = setInterval(beat, every);
      return { agent: a.agentId, host: a.host, outcome: 'logged-in', message: `agent ${a.agentId} logged in`, loginSeconds };
    } catch (e) {
      if (e instanceof DesktopFailure) {
        log(`start-up failed at ${e.phase}: ${e.message}`);
        // The desktop exits: it releases its licence connection and anything else it holds.
        ctiChannel = undefined;
        await Promise.all(open.map((c) => c.end()));
        return { agent: a.agentId, host: a.host, outcome: 'failed', failedPhase: e.phase, message: e.message };
      }
      const message = (e as Error).message;
      log(`start-up failed: ${message}`);
      await Promise.all(open.map((c) => c.end()));
      return { agent: a.agentId, host: a.host, outcome: 'failed', message };
    } finally {
      void licence;
    }
  }

  const started = run();
  return {
    started,
    async close() {
      await started;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      const ch = ctiChannel;
      ctiChannel = undefined;
      if (ch && !ch.socket.destroyed) {
        ch.send(cti.closeReq(invoke++));
        await ch.next(2000, 'CLOSE_REQ').catch(() => undefined);
      }
      await Promise.all(open.map((c) => c.end()));
    },
  };
}
