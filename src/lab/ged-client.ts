/**
 * One GED-188 client session as a CTI client that carries many agents keeps it (CTI OS Server, Finesse): a real TCP
 * connection from a loopback address, OPEN_REQ → OPEN_CONF, requests sent whenever they come and their answers
 * matched by InvokeID (so requests for different agents interleave and may be answered in any order), heartbeats,
 * CLOSE_REQ at the end. Messages are built with src/lab/synth/ucce-ged.ts and read with the decoders.
 */

import { connect, type Socket } from 'node:net';
import { closeReq } from '../decoders/ged188/encode.js';
import { decodeGed188Message, type Ged188Message } from '../decoders/ged188/decode.js';
import { ged188PduLength } from '../decoders/ged188/stream.js';
import { assertLoopback, endpointText, readMessages, type Endpoint } from './loopback.js';
import { UcceMessages, type UcceClient } from './synth/ucce-ged.js';

export interface GedClientOptions {
  /** The client's own loopback address. */
  local: string;
  server: Endpoint;
  client: UcceClient;
  /** Seconds between heartbeats (none when 0). */
  heartbeatSeconds: number;
  replyTimeoutMs?: number;
  log?(line: string): void;
}

export class GedClientSession {
  readonly m: UcceMessages;
  /** ip:port of the client end, once connected. */
  host = '';
  /** Why the connection ended, once it has ('reset', 'closed'). */
  ended?: string;
  private invoke = 1;
  private readonly pending = new Map<number, { resolve(m: Ged188Message): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private heartbeat?: NodeJS.Timeout;
  private readonly endWaiters: ((why: string) => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly opts: GedClientOptions,
  ) {
    this.m = new UcceMessages(opts.client);
  }

  /** Connects and opens the session; rejects when the connection or OPEN_REQ fails. */
  static async open(opts: GedClientOptions): Promise<GedClientSession> {
    assertLoopback(opts.local, 'CTI client address');
    assertLoopback(opts.server.host, 'CTI server');
    const socket = connect({ host: opts.server.host, port: opts.server.port, localAddress: opts.local });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve();
      });
      socket.once('error', (e) => {
        socket.destroy();
        reject(new Error(`${endpointText(opts.server)}: ${e.message}`));
      });
    });
    const s = new GedClientSession(socket, opts);
    s.host = `${socket.localAddress}:${socket.localPort}`;
    s.listen();
    const conf = await s.request((id) => s.m.openReq(id), 'OPEN_REQ');
    if (conf.name !== 'OPEN_CONF') {
      s.socket.destroy();
      throw new Error(`${endpointText(opts.server)} answered OPEN_REQ with ${conf.name}`);
    }
    opts.log?.(`${opts.client.clientId} ${s.host}: session open on ${endpointText(opts.server)} (v${opts.client.version})`);
    if (opts.heartbeatSeconds > 0) {
      s.heartbeat = setInterval(() => void s.request((id) => s.m.heartbeatReq(id), 'HEARTBEAT_REQ').catch(() => undefined), opts.heartbeatSeconds * 1000);
    }
    return s;
  }

  private listen(): void {
    const version = this.opts.client.version;
    readMessages(this.socket, { pduLength: ged188PduLength }, (pdu) => {
      const msg = decodeGed188Message(pdu, { version });
      if (msg.name === 'AGENT_STATE_EVENT' || msg.name === 'SYSTEM_EVENT' || msg.invokeId === undefined) return;
      const p = this.pending.get(msg.invokeId);
      if (!p) return;
      this.pending.delete(msg.invokeId);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    const end = (why: string): void => {
      if (this.ended) return;
      this.ended = why;
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.opts.client.clientId} ${this.host}: connection ${why}`));
      }
      this.pending.clear();
      for (const w of this.endWaiters.splice(0)) w(why);
    };
    this.socket.on('error', (e: NodeJS.ErrnoException) => end(e.code === 'ECONNRESET' ? 'reset' : e.message));
    this.socket.on('close', () => end('closed'));
  }

  /** Sends a request built with its InvokeID; resolves with the answer that carries that InvokeID. */
  request(build: (invokeId: number) => Uint8Array, what: string): Promise<Ged188Message> {
    if (this.ended) return Promise.reject(new Error(`${this.opts.client.clientId} ${this.host}: connection ${this.ended}`));
    const id = this.invoke++;
    const timeout = this.opts.replyTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${endpointText(this.opts.server)} did not answer ${what} (InvokeID ${id}) within ${timeout / 1000} s`));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(build(id));
    });
  }

  /** Resolves when the connection ends (at once if it has), with why. */
  whenEnded(): Promise<string> {
    return this.ended ? Promise.resolve(this.ended) : new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** CLOSE_REQ → CLOSE_CONF, then FIN; just ends the socket when the session is already gone. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.ended) {
      await this.request((id) => closeReq({ invokeId: id }, this.m.opts), 'CLOSE_REQ').catch(() => undefined);
      this.socket.end();
      await Promise.race([this.whenEnded(), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.socket.destroy();
  }
}
