/**
 * A CTI OS-like server: accepts agent desktops on 42028 (the lab's stand-in protocol, ctios-wire.ts) and logs each
 * desktop's agent in over its one GED-188 session to the CTI server, as CTI OS Server does: ClientID "CTIOSServer",
 * protocol 15, QUERY_AGENT_STATE_REQ then SET_AGENT_STATE_REQ LOGIN on the desktop's behalf, tag 217
 * (CTIOS_CIL_CLIENT_ID) naming the desktop's connection (ip:port) unless told not to for an agent, and the result
 * passed back to the desktop. Requests for different desktops go out as the desktops ask, so they interleave.
 */

import type { Socket } from 'node:net';
import { CTIOS_LAB_FRAMING, decodeCtiosLab, encodeCtiosLab } from './ctios-wire.js';
import { GedClientSession } from './ged-client.js';
import { endpointText, listenLoopback, readMessages, send, type Endpoint, type LabServer } from './loopback.js';
import { CTIOS_SERVER_CLIENT, type UcceAgent } from './synth/ucce-ged.js';

export interface CtiosServerOptions extends Endpoint {
  /** The CTI server (side A) its GED-188 session goes to. */
  cti: Endpoint;
  /** Agents whose requests carry no tag 217 (only timing links them to their desktop). */
  withoutCilFor?: readonly string[];
  heartbeatSeconds?: number;
  log?(line: string): void;
}

export interface CtiosServer extends LabServer {
  /** ip:port of its GED-188 session's client end. */
  readonly ctiClient: string;
}

export async function startCtiosServer(opts: CtiosServerOptions): Promise<CtiosServer> {
  const log = (line: string): void => opts.log?.(`ctios ${line}`);
  const ged = await GedClientSession.open({ local: opts.host, server: opts.cti, client: CTIOS_SERVER_CLIENT, heartbeatSeconds: opts.heartbeatSeconds ?? 30, log });
  let lab: LabServer;
  try {
    lab = await listenLoopback('CTI OS server', opts, (socket) => serveDesktop(socket, ged, opts, log));
  } catch (e) {
    await ged.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    name: lab.name,
    host: lab.host,
    port: lab.port,
    ctiClient: ged.host,
    close() {
      closing ??= (async () => {
        await lab.close();
        await ged.close();
      })();
      return closing;
    },
  };
}

function serveDesktop(socket: Socket, ged: GedClientSession, opts: CtiosServerOptions, log: (line: string) => void): void {
  const desktop = `${socket.remoteAddress}:${socket.remotePort}`;
  socket.on('end', () => socket.end());
  readMessages(socket, CTIOS_LAB_FRAMING, (pdu) => {
    const msg = decodeCtiosLab(pdu);
    if (!msg) return;
    if (msg.kind === 'hello') {
      send(socket, encodeCtiosLab('settings', ['EnterpriseDesktopSettings', `peer=${endpointText(opts)}`], 2400));
      return;
    }
    if (msg.kind !== 'login' && msg.kind !== 'logout') return;
    const [agentId, instrument = '', password = ''] = msg.fields;
    const a: UcceAgent = { agentId, instrument, extension: instrument, icmAgentId: 0, password };
    const cil = opts.withoutCilFor?.includes(agentId) ? undefined : desktop;
    const m = ged.m;
    void (async () => {
      try {
        if (msg.kind === 'logout') {
          const r = await ged.request((id) => m.setAgentStateReq(id, a, 'LOGOUT', cil), `SET_AGENT_STATE_REQ LOGOUT ${agentId}`);
          send(socket, encodeCtiosLab('logoutResult', [r.name === 'SET_AGENT_STATE_CONF' ? 'ok' : 'failed']));
          return;
        }
        log(`desktop ${desktop} logs in agent ${agentId}${cil ? '' : ' (no tag 217)'}`);
        await ged.request((id) => m.queryAgentStateReq(id, a, cil), `QUERY_AGENT_STATE_REQ ${agentId}`);
        const r = await ged.request((id) => m.setAgentStateReq(id, a, 'LOGIN', cil), `SET_AGENT_STATE_REQ LOGIN ${agentId}`);
        if (r.name === 'SET_AGENT_STATE_CONF') {
          send(socket, encodeCtiosLab('loginResult', ['ok', agentId], 420));
          return;
        }
        const code = String((r.fields.peripheralErrorCode as number) || (r.fields.failureCode as number) || (r.fields.status as number) || 0);
        log(`agent ${agentId} refused: ${r.name} ${code}`);
        send(socket, encodeCtiosLab('loginResult', ['failed', agentId, code, r.name]));
      } catch (e) {
        send(socket, encodeCtiosLab('loginResult', ['failed', agentId, '0', (e as Error).message]));
      }
    })();
  });
}
