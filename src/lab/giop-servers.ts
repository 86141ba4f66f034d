/**
 * Simulated CAD CORBA services (GIOP over TCP): the licensing service (LRM, port 3000) and the desktop
 * services (chat 59000, recording statistics 59003, enterprise data 59004). Requests are read with the GIOP
 * framing and decoder; replies are built with the GIOP encoder, big-endian as the services' Java ORB answers.
 *
 * The operation names and object keys are the generator's illustrative ones (Cisco has not published that IDL):
 * the licensing service answers `acquireLicense` with a licence id, or, when refusing, with the user exception
 * IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0; the desktop services answer every request with NO_EXCEPTION.
 */

import type { Socket } from 'node:net';
import { CdrReader, CdrWriter } from '../decoders/giop/cdr.js';
import { decodeGiopMessage } from '../decoders/giop/decode.js';
import { encodeGiopMessageError, encodeGiopReply } from '../decoders/giop/encode.js';
import { GIOP_FRAMING } from '../decoders/giop/stream.js';
import type { GiopVersion } from '../decoders/giop/constants.js';
import { NO_LICENSE_EXCEPTION } from './synth/desktop.js';
import { listenLoopback, readMessages, send, type Endpoint, type LabServer } from './loopback.js';

/** The services answer big-endian, as a Java ORB does. */
const SERVER_LE = false;

export interface GiopRequestSeen {
  operation: string;
  objectKey: string;
  requestId: number;
  version: GiopVersion;
  responseExpected: boolean;
  /** The request's leading CDR string argument (CAD passes the agent id first), when there is one. */
  firstArgument?: string;
}

export type GiopAnswer =
  | { status: 'NO_EXCEPTION'; values: (string | number)[] }
  | { status: 'USER_EXCEPTION'; exceptionId: string; values: (string | number)[] };

export interface GiopServerOptions extends Endpoint {
  name: string;
  answer(request: GiopRequestSeen): GiopAnswer;
  log?(line: string): void;
}

function cdr(values: (string | number)[]): Uint8Array {
  const w = new CdrWriter(SERVER_LE);
  for (const v of values) {
    if (typeof v === 'string') w.string(v);
    else w.ulong(v);
  }
  return w.finish();
}

/** A GIOP server answering each Request with what `answer` says (oneway requests get nothing). */
export async function startGiopServer(opts: GiopServerOptions): Promise<LabServer> {
  return listenLoopback(opts.name, opts, (socket) => serve(socket, opts));
}

function serve(socket: Socket, opts: GiopServerOptions): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const tag = opts.name.split(' ')[0].toLowerCase();
  socket.on('end', () => socket.end());
  readMessages(
    socket,
    GIOP_FRAMING,
    (pdu) => {
      const m = decodeGiopMessage(pdu);
      const version = `${m.major}.${m.minor}` as GiopVersion;
      if (m.type !== 'Request' || m.requestId === null) {
        opts.log?.(`${tag} <- ${peer} ${m.type}`);
        if (m.type === 'CloseConnection') socket.end();
        return;
      }
      const req: GiopRequestSeen = {
        operation: String(m.fields.operation ?? ''),
        objectKey: String(m.fields.objectKey ?? ''),
        requestId: m.requestId,
        version: version === '1.0' || version === '1.1' || version === '1.2' ? version : '1.2',
        responseExpected: m.fields.responseExpected !== false,
        firstArgument: m.bodyOffset !== null ? new CdrReader(pdu, m.bodyOffset, pdu.length, m.littleEndian, 0).string('argument') ?? undefined : undefined,
      };
      opts.log?.(`${tag} <- ${peer} Request ${req.requestId} ${req.operation} (${req.objectKey})`);
      if (!req.responseExpected) return;
      const a = opts.answer(req);
      opts.log?.(`${tag} -> ${peer} Reply ${req.requestId} ${a.status}${a.status === 'USER_EXCEPTION' ? ` ${a.exceptionId}` : ''}`);
      send(
        socket,
        encodeGiopReply({
          version: req.version,
          littleEndian: SERVER_LE,
          requestId: req.requestId,
          replyStatus: a.status,
          exceptionId: a.status === 'USER_EXCEPTION' ? a.exceptionId : undefined,
          body: cdr(a.values),
        }),
      );
    },
    (reason) => {
      opts.log?.(`${tag} <- ${peer} unreadable bytes (${reason}): MessageError`);
      send(socket, encodeGiopMessageError({ version: '1.2', littleEndian: SERVER_LE }));
    },
  );
}

export interface LicensingServerOptions extends Endpoint {
  /** 'refused': every acquireLicense gets NoLicenseAvailable. */
  licences?: 'ok' | 'refused';
  /** Refuse the licence of these agent ids only (the pool is exhausted for them). */
  refuseAgents?: readonly string[];
  log?(line: string): void;
}

/** The licensing service (LRM): acquireLicense → a licence id, or NoLicenseAvailable. */
export function startLicensingServer(opts: LicensingServerOptions): Promise<LabServer> {
  let issued = 0;
  return startGiopServer({
    ...opts,
    name: 'licensing service (LRM)',
    answer(req) {
      const refused = opts.licences === 'refused' || (req.firstArgument !== undefined && opts.refuseAgents?.includes(req.firstArgument) === true);
      if (req.operation === 'acquireLicense' && refused) {
        return { status: 'USER_EXCEPTION', exceptionId: NO_LICENSE_EXCEPTION, values: ['all agent seat licences are in use'] };
      }
      if (req.operation === 'acquireLicense') return { status: 'NO_EXCEPTION', values: [`LIC-LAB-${String(++issued).padStart(6, '0')}`] };
      return { status: 'NO_EXCEPTION', values: [1] };
    },
  });
}

export const DESKTOP_SERVICE_PORTS = { chat: 59000, recording: 59003, enterprise: 59004 } as const;

/** One desktop service (chat, recording statistics, enterprise data): every request succeeds. */
export function startDesktopServiceServer(opts: Endpoint & { service: keyof typeof DESKTOP_SERVICE_PORTS; log?(line: string): void }): Promise<LabServer> {
  const names = { chat: 'chat service', recording: 'recording statistics service', enterprise: 'enterprise data service' };
  return startGiopServer({ ...opts, name: names[opts.service], answer: () => ({ status: 'NO_EXCEPTION', values: [1] }) });
}
