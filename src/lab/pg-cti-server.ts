/**
 * A simulated UCCE CTI server (the PG's CTI Server, side A on 42027 or side B on 43027) for clients that carry many
 * agents over one session (CTI OS Server, Finesse). Reads requests with the decoders' framing and decoder, answers
 * with the UCCE message set of src/lab/synth/ucce-ged.ts in the session's protocol version (2-byte tags from 20):
 *
 * OPEN_REQ → OPEN_CONF (+ SYSTEM_EVENT PERIPHERAL_ONLINE for ALL_EVENTS clients); HEARTBEAT_REQ → _CONF;
 * QUERY_AGENT_STATE_REQ → _CONF; SET_AGENT_STATE_REQ LOGIN → SET_AGENT_STATE_CONF + AGENT_STATE_EVENT NOT_READY, or
 * CONTROL_FAILURE_CONF for the agents it is told to refuse; LOGOUT → CONF + AGENT_STATE_EVENT LOGOUT;
 * CLOSE_REQ → CLOSE_CONF. The agent of each answer is the request's (AgentID, instrument), never the session's.
 * `abort()` makes the side fail: every connection is reset (RST) and the server stops listening.
 */

import type { Socket } from 'node:net';
import { closeConf, failureConf } from '../decoders/ged188/encode.js';
import { decodeGed188Message } from '../decoders/ged188/decode.js';
import { ged188PduLength } from '../decoders/ged188/stream.js';
import { listenLoopback, readMessages, send, type Endpoint, type LabServer } from './loopback.js';
import { UcceMessages, type LoginRefusal, type UcceAgent, type UcceClient } from './synth/ucce-ged.js';

export interface PgCtiServerOptions extends Endpoint {
  /** 'A' or 'B', for the name and the log. */
  side: 'A' | 'B';
  /** Agents it knows (extension, ICM agent ID); others are answered from the request's fields. */
  agents?: readonly UcceAgent[];
  /** Refuse these agents' LOGIN with CONTROL_FAILURE_CONF. */
  refuse?: Readonly<Record<string, LoginRefusal>>;
  /** Refuse every LOGIN with this (`ctiscope lab --only pg-cti-server --scenario login-refused`). */
  refuseEvery?: LoginRefusal;
  /** Milliseconds before answering a request for this agent (so answers to interleaved requests come out of order). */
  answerDelayMs?: (agentId: string) => number;
  log?(line: string): void;
}

export interface PgCtiServer extends LabServer {
  /** The side fails: every connection is reset (RST) and nothing listens any more. */
  abort(): Promise<void>;
}

const ALL_EVENTS = 0x10;
/** Status for a request the simulated server does not handle. */
const E_UNSUPPORTED = 1;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export async function startPgCtiServer(opts: PgCtiServerOptions): Promise<PgCtiServer> {
  const name = `PG CTI server side ${opts.side}`;
  const sockets = new Set<Socket>();
  let nextSession = opts.side === 'A' ? 1001 : 3001;
  const lab = await listenLoopback(name, opts, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, opts, nextSession++);
  });
  let aborted: Promise<void> | undefined;
  return {
    ...lab,
    close: () => lab.close(),
    abort() {
      aborted ??= (async () => {
        // Reset first, so the peers see RST rather than the FIN of an orderly close.
        for (const s of sockets) s.resetAndDestroy();
        await lab.close();
      })();
      return aborted;
    },
  };
}

function serve(socket: Socket, opts: PgCtiServerOptions, sessionId: number): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const log = (dir: '<-' | '->', what: string): void => opts.log?.(`pg-${opts.side} ${dir} ${peer} ${what}`);
  let m: UcceMessages | undefined;
  let version: number | undefined;
  const reply = (bytes: Uint8Array | Uint8Array[], what: string, delayMs = 0): void => {
    const out = (): void => {
      log('->', what);
      send(socket, Array.isArray(bytes) ? concat(bytes) : bytes);
    };
    if (delayMs > 0) setTimeout(out, delayMs).unref();
    else out();
  };
  socket.on('end', () => socket.end());
  readMessages(
    socket,
    { pduLength: ged188PduLength },
    (pdu) => {
      const msg = decodeGed188Message(pdu, version !== undefined ? { version } : {});
      const invokeId = msg.invokeId ?? 0;
      log('<-', `${msg.name} invoke ${invokeId}`);
      if (msg.name === 'OPEN_REQ') {
        version = typeof msg.fields.versionNumber === 'number' ? msg.fields.versionNumber : 15;
        const again = decodeGed188Message(pdu, { version });
        const services = typeof again.fields.servicesRequested === 'number' ? again.fields.servicesRequested : 0;
        const client: UcceClient = {
          clientId: text(again.fields.clientId) ?? '',
          version,
          services,
          idleTimeout: typeof again.fields.idleTimeout === 'number' ? again.fields.idleTimeout : 0,
          signature: text(again.fields.clientSignature) ?? text(again.fields.clientId) ?? '',
          password: '',
        };
        m = new UcceMessages(client);
        reply(m.openConf(invokeId, services), `OPEN_CONF (v${version}, ${m.opts.tagWidth}-byte tags)`);
        if (services & ALL_EVENTS) reply(m.peripheralOnline(), 'SYSTEM_EVENT PERIPHERAL_ONLINE');
        return;
      }
      if (!m) {
        reply(failureConf({ invokeId, status: 4 }), 'FAILURE_CONF E_CTI_SESSION_NOT_OPEN');
        return;
      }
      const agent = (): UcceAgent => {
        const id = text(msg.fields.agentId) ?? '';
        const known = opts.agents?.find((a) => a.agentId === id);
        const instrument = text(msg.fields.agentInstrument) ?? known?.instrument ?? '';
        return known ?? { agentId: id, extension: instrument, instrument, icmAgentId: 0, password: '' };
      };
      switch (msg.name) {
        case 'HEARTBEAT_REQ':
          reply(m.heartbeatConf(invokeId), 'HEARTBEAT_CONF');
          return;
        case 'QUERY_AGENT_STATE_REQ': {
          const a = agent();
          reply(m.queryAgentStateConf(invokeId, a, 'LOGOUT'), `QUERY_AGENT_STATE_CONF ${a.agentId} LOGOUT`, opts.answerDelayMs?.(a.agentId));
          return;
        }
        case 'SET_AGENT_STATE_REQ': {
          const a = agent();
          const delay = opts.answerDelayMs?.(a.agentId);
          const state = text(msg.fields.agentStateName);
          const refusal = opts.refuse?.[a.agentId] ?? opts.refuseEvery;
          if (state === 'LOGIN' && refusal) {
            reply(m.controlFailureConf(invokeId, refusal), `CONTROL_FAILURE_CONF ${a.agentId} CF ${refusal.failureCode} peripheral error ${refusal.peripheralErrorCode}`, delay);
            return;
          }
          const next = state === 'LOGIN' ? 'NOT_READY' : state === 'LOGOUT' ? 'LOGOUT' : (state ?? 'NOT_READY');
          // The confirmation and the state event leave together, as the real server sends them.
          reply([m.setAgentStateConf(invokeId), m.agentStateEvent(a, next, sessionId, m.client.signature)], `SET_AGENT_STATE_CONF + AGENT_STATE_EVENT ${a.agentId} ${next}`, delay);
          return;
        }
        case 'CLOSE_REQ':
          reply(closeConf({ invokeId }, m.opts), 'CLOSE_CONF');
          socket.end();
          return;
        default:
          if (msg.name.endsWith('_REQ')) reply(failureConf({ invokeId, status: E_UNSUPPORTED, text: `${msg.name} is not simulated` }, m.opts), 'FAILURE_CONF');
      }
    },
    (reason) => log('<-', `unreadable bytes: ${reason}`),
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
