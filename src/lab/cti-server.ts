/**
 * A simulated UCCX CTI server (GED-188 over TCP, port 12028): reads requests with the decoders' framing and
 * decoder, answers with the encoder's builders.
 *
 * OPEN_REQ → OPEN_CONF, or FAILURE_CONF E_CTI_SERVER_NOT_MASTER on the standby node; HEARTBEAT_REQ → _CONF;
 * QUERY_AGENT_STATE_REQ → _CONF; SET_AGENT_STATE_REQ → _CONF + AGENT_STATE_EVENT (or CONTROL_FAILURE_CONF with
 * peripheral error 88004 when logins are refused); CLOSE_REQ → CLOSE_CONF and the server closes its side.
 * Anything else is answered with FAILURE_CONF (E_CTI_INVALID_MESSAGE_TYPE-like status 1) so a real client
 * under test sees a reply rather than silence.
 */

import type { Socket } from 'node:net';
import {
  agentStateEvent,
  closeConf,
  controlFailureConf,
  failureConf,
  heartbeatConf,
  openConf,
  queryAgentStateConf,
  setAgentStateConf,
  type BuilderOptions,
} from '../decoders/ged188/encode.js';
import { decodeGed188Message } from '../decoders/ged188/decode.js';
import { ged188PduLength } from '../decoders/ged188/stream.js';
import type { TagWidth } from '../decoders/ged188/floating.js';
import { AGENT_DEVICE_OFF, E_CTI_SERVER_NOT_MASTER } from './synth/desktop.js';
import { listenLoopback, readMessages, send, type Endpoint, type LabServer } from './loopback.js';

export interface CtiServerOptions extends Endpoint {
  /** 'standby' answers OPEN_REQ with FAILURE_CONF E_CTI_SERVER_NOT_MASTER (default 'master'). */
  role?: 'master' | 'standby';
  /** 'refused' answers a LOGIN with CONTROL_FAILURE_CONF, peripheral error 88004 (agent device out of service). */
  login?: 'ok' | 'refused';
  /** Refuse the login (88004) of these agent ids only; the others log in. */
  refuseLoginFor?: readonly string[];
  /** One line per message received and sent (for `ctiscope lab --only cti-server`). */
  log?(line: string): void;
}

/** UCCX fills PeripheralType with 21 and reserved peripheral ids with 1 (reference §3). */
const UCCX_PERIPHERAL_TYPE = 21;
/** A fixed CTI server clock value, as the generator uses, so replies do not depend on the date. */
const CENTRAL_CONTROLLER_TIME = 1710230400;
/** Status for a request the simulated server does not handle. */
const E_UNSUPPORTED = 1;

interface Session {
  width: TagWidth;
  agentId?: string;
  extension?: string;
  instrument?: string;
  /** Agent id sent in tag 194 (UCCX) or tag 5 (UCCE), answered the same way. */
  agentIdTag: 5 | 194;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export async function startCtiServer(opts: CtiServerOptions): Promise<LabServer> {
  const role = opts.role ?? 'master';
  const name = `CTI server (${role})`;
  return listenLoopback(name, opts, (socket) => serve(socket, role, opts));
}

function serve(socket: Socket, role: 'master' | 'standby', opts: CtiServerOptions): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const session: Session = { width: 1, agentIdTag: 194 };
  let opened = false;
  const log = (dir: '<-' | '->', what: string): void => opts.log?.(`cti ${dir} ${peer} ${what}`);
  const reply = (bytes: Uint8Array, what: string): void => {
    log('->', what);
    send(socket, bytes);
  };
  socket.on('end', () => socket.end());
  readMessages(socket, { pduLength: ged188PduLength }, (pdu) => {
    // Until OPEN_REQ has named the protocol version, the decoder works the tag width out by itself.
    const m = decodeGed188Message(pdu, opened ? { tagWidth: session.width } : {});
    const invokeId = m.invokeId ?? 0;
    const w: BuilderOptions = { tagWidth: session.width };
    const agent = () => ({
      agentId: session.agentId,
      agentIdTag: session.agentIdTag,
      agentExtension: session.extension,
      agentInstrument: session.instrument,
    });
    log('<-', `${m.name} invoke ${invokeId}`);
    switch (m.name) {
      case 'OPEN_REQ': {
        // The version decides the tag width of everything after OPEN_REQ (2-byte tags from protocol 20 on).
        const version = typeof m.fields.versionNumber === 'number' ? m.fields.versionNumber : 14;
        session.width = version >= 20 ? 2 : 1;
        opened = true;
        const again = decodeGed188Message(pdu, { version });
        session.agentId = text(again.fields.agentId);
        session.extension = text(again.fields.agentExtension);
        session.instrument = text(again.fields.agentInstrument);
        session.agentIdTag = again.floating.some((f) => f.tag === 194) ? 194 : 5;
        const ww: BuilderOptions = { tagWidth: session.width };
        if (role === 'standby') {
          reply(failureConf({ invokeId, status: E_CTI_SERVER_NOT_MASTER }, ww), 'FAILURE_CONF E_CTI_SERVER_NOT_MASTER');
          return;
        }
        reply(
          openConf(
            {
              invokeId,
              servicesGranted: typeof again.fields.servicesRequested === 'number' ? again.fields.servicesRequested : ['CLIENT_EVENTS', 'CLIENT_CONTROL'],
              monitorId: 0,
              pgStatus: 0,
              icmCentralControllerTime: CENTRAL_CONTROLLER_TIME,
              peripheralOnline: true,
              peripheralType: UCCX_PERIPHERAL_TYPE,
              agentState: 'LOGOUT',
              ...agent(),
            },
            ww,
          ),
          'OPEN_CONF',
        );
        return;
      }
      case 'HEARTBEAT_REQ':
        reply(heartbeatConf({ invokeId }, w), 'HEARTBEAT_CONF');
        return;
      case 'QUERY_AGENT_STATE_REQ':
        reply(
          queryAgentStateConf({ invokeId, agentState: 'LOGOUT', numSkillGroups: 0, mrdId: 1, agentAvailabilityStatus: 0, ...agent() }, w),
          'QUERY_AGENT_STATE_CONF LOGOUT',
        );
        return;
      case 'SET_AGENT_STATE_REQ': {
        const wanted = text(m.fields.agentStateName) ?? 'LOGIN';
        const refused = opts.login === 'refused' || (session.agentId !== undefined && opts.refuseLoginFor?.includes(session.agentId) === true);
        if (refused && /LOGIN$/.test(wanted)) {
          reply(controlFailureConf({ invokeId, failureCode: 0, peripheralErrorCode: AGENT_DEVICE_OFF }, w), `CONTROL_FAILURE_CONF ${AGENT_DEVICE_OFF}`);
          return;
        }
        const state = /LOGIN$/.test(wanted) ? 'NOT_READY' : wanted.replace(/^AGENT_STATE_/, '');
        // The confirmation and the state event leave together, as the real server sends them.
        const conf = setAgentStateConf({ invokeId }, w);
        let event: Uint8Array;
        try {
          event = agentStateEvent(
            { monitorId: 0, peripheralId: 1, sessionId: 0, peripheralType: UCCX_PERIPHERAL_TYPE, skillGroupId: 0xffffffff, agentState: state, mrdId: 1, agentAvailabilityStatus: 1, ...agent() },
            w,
          );
        } catch {
          event = agentStateEvent({ monitorId: 0, peripheralId: 1, agentState: 'NOT_READY', ...agent() }, w);
        }
        log('->', 'SET_AGENT_STATE_CONF');
        log('->', `AGENT_STATE_EVENT ${state}`);
        const both = new Uint8Array(conf.length + event.length);
        both.set(conf);
        both.set(event, conf.length);
        send(socket, both);
        return;
      }
      case 'CLOSE_REQ':
        reply(closeConf({ invokeId }, w), 'CLOSE_CONF');
        socket.end();
        return;
      default:
        if (m.name.endsWith('_REQ')) reply(failureConf({ invokeId, status: E_UNSUPPORTED, text: `${m.name} is not simulated` }, w), 'FAILURE_CONF');
    }
  }, (reason) => log('<-', `unreadable bytes: ${reason}`));
}
