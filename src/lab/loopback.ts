/**
 * What every lab module shares: the loopback-only rule, endpoints, listening, and reading length-delimited
 * messages from a socket with the decoders' own framing (PduStream).
 *
 * The lab never touches the network: servers listen only on 127.0.0.0/8 (on Linux every address there reaches
 * `lo` with no set-up) and the desktop connects only to such addresses.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { PduStream, type PduFraming } from '../decoders/framing.js';

/** A lab error: `environment` (slapd missing, no permission), `usage` (bad address or option), `address-in-use`. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly code: 'environment' | 'usage' | 'address-in-use' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export interface Endpoint {
  host: string;
  port: number;
}

/** True for an IPv4 address in 127.0.0.0/8. */
export function isLoopbackIPv4(host: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

/** Throws unless `host` is a 127.0.0.0/8 address: the lab never listens on or connects to anything else. */
export function assertLoopback(host: string, what: string): void {
  if (!isLoopbackIPv4(host)) throw new LabError(`${what}: ${host} is not a loopback address; the lab uses only 127.0.0.0/8`, 'usage');
}

/** Parses "127.0.1.1:12028" (or a bare address with `defaultPort`). */
export function parseEndpoint(text: string, defaultPort?: number): Endpoint {
  const m = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (!m || port === undefined || port < 1 || port > 65535) throw new LabError(`${text}: expected ADDRESS:PORT, e.g. 127.0.1.1:12028`, 'usage');
  assertLoopback(m[1], text);
  return { host: m[1], port };
}

export function endpointText(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}

/** A running simulated server. */
export interface LabServer {
  /** What it is, e.g. "CTI server (master)". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and ends every connection (FIN, not RST, when the peer is still there). */
  close(): Promise<void>;
}

/**
 * Listens on a loopback endpoint and keeps track of the connections, so `close()` can end them all.
 * Connections are ended with FIN (socket.end) first and destroyed shortly after, so a run leaves nothing behind.
 */
export async function listenLoopback(name: string, at: Endpoint, onConnection: (socket: Socket) => void): Promise<LabServer> {
  assertLoopback(at.host, name);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new LabError(`${name}: ${endpointText(at)} is already in use (another lab run, or a service listening on all addresses)`, 'address-in-use'));
      else if (e.code === 'EADDRNOTAVAIL') reject(new LabError(`${name}: cannot listen on ${at.host}: this system does not route 127.0.0.0/8 to the loopback interface`, 'environment'));
      else reject(e);
    });
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    name,
    host: at.host,
    port: at.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.end();
        const t = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 500);
        t.unref();
      });
      return closing;
    },
  };
}

/**
 * Reads one direction of a socket as messages: the decoders' framing splits the byte stream, so a message
 * split over segments or several in one segment are handled as the analyzer handles them.
 */
export function readMessages(socket: Socket, framing: PduFraming, onMessage: (pdu: Uint8Array) => void, onBad?: (reason: string) => void): void {
  const stream = new PduStream(
    framing,
    (pdu) => onMessage(pdu.slice()),
    (a) => onBad?.(a.message),
  );
  socket.on('data', (chunk: Buffer) => stream.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), 0, Date.now() / 1000));
}

/** Writes bytes to a socket unless it is already gone. */
export function send(socket: Socket, bytes: Uint8Array): void {
  if (!socket.destroyed && socket.writable) socket.write(bytes);
}
