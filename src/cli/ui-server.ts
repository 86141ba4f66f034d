/**
 * The local web server behind `ctiscope ui`: serves the built UI (ui/dist) on a loopback address, and, when a
 * capture was named, its analysis document at /api/analysis and its decoded messages (bounded per workstation)
 * at /api/messages?host=IP. Node's http module only; nothing listens beyond 127.0.0.0/8 or ::1.
 *
 * Live (`ctiscope ui --live`, `ctiscope lab --ui`): a UiLiveFeed stands in for the document. /api/analysis then
 * answers with the latest snapshot and an `x-ctiscope-live` header (capturing or stopped), and /api/live is a
 * server-sent event stream: the whole document once on connecting, then only the workstations that changed,
 * at most twice a second, and the final document when the capture stops.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { analyzeFiles } from '../pipeline-node.js';
import type { DecodedMessage } from '../decoders/types.js';
import type { AnalysisDocument, Workstation } from '../timeline/model.js';
import { hostOf } from '../timeline/format.js';
import { MessageStore } from '../message-store.js';
import { packageRoot } from './common.js';

import { DEFAULT_UI_PORT } from './exit-codes.js';
export { DEFAULT_UI_PORT };

export interface UiServerOptions {
  /** 0 picks a free port. Default 7357. */
  port?: number;
  /** A loopback address (default 127.0.0.1). */
  host?: string;
  /** The analysis to preload. */
  doc?: AnalysisDocument;
  /** A capture to analyse and preload when no `doc` is given. */
  file?: string;
  /** Decoded messages for the details pane (filled by whoever analysed the capture). */
  messages?: MessageStore;
  /** Where the built UI is (default: ui/dist in the package). */
  distDir?: string;
  /** Decode passwords when analysing `file`. */
  showSecrets?: boolean;
  /** A live capture's analysis, served as it grows (instead of `doc`/`file`). */
  live?: UiLiveFeed;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Scripts only from this origin; d3 sets style properties through the CSSOM, which CSP allows.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export function isLoopbackAddress(host: string): boolean {
  return /^127(?:\.\d{1,3}){3}$/.test(host) || host === '::1' || host === 'localhost';
}

// ------------------------------------------------------------------------------------------ live feed

export type UiLiveState = 'capturing' | 'stopped';

/** What the page's live indicator shows: sent as the `status` event, and inside every document event. */
export interface UiLiveStatus {
  state: UiLiveState;
  packets: number;
  /** The capture interface, e.g. `lo`. */
  interface: string;
  filter?: string;
  /** Why the capture ended, when it ended by itself (tcpdump died, interface gone). */
  note?: string;
}

/** A document event: the whole document (`analysis`), or what changed since the document numbered `base` (`delta`). */
export interface UiLiveDocumentEvent {
  seq: number;
  status: UiLiveStatus;
}

export interface UiLiveFullEvent extends UiLiveDocumentEvent {
  doc: AnalysisDocument;
}

export interface UiLiveDeltaEvent extends UiLiveDocumentEvent {
  base: number;
  /** The document without `workstations`. */
  top: Omit<AnalysisDocument, 'workstations'>;
  /** Every workstation's address, in the document's order. */
  hosts: string[];
  /** The workstations that are new or differ from document `base`. */
  changed: Workstation[];
}

export interface UiLiveFeedOptions {
  /** The analysis so far (LiveSession.snapshot); undefined before the session exists. */
  snapshot(): AnalysisDocument | undefined;
  /** Packets captured so far. */
  packets(): number;
  interface: string;
  filter?: string;
  /** Least time between two documents sent (default 500 ms: at most two a second). */
  minIntervalMs?: number;
  /**
   * Packets that changed no step (heartbeats, a step still waiting for its reply) still move times and counts:
   * without an analyzer update, a document goes out at most this often while packets arrive (default 2000 ms).
   */
  refreshMs?: number;
  /** Comment lines that keep idle connections (and proxies' timers) alive (default 15 s). */
  heartbeatMs?: number;
  /** A client whose unsent data passes this is dropped; it reconnects and gets the whole document (default 16 MiB). */
  maxBufferedBytes?: number;
}

interface LiveClient {
  res: ServerResponse;
  /** It has had a whole document (deltas need one to apply to). */
  hasDoc: boolean;
}

/**
 * The live analysis as the web UI sees it. The capture side calls `changed()` from the analyzer's onUpdate and
 * `stop(doc)` with the final document; the server side subscribes pages to it. Snapshots are taken on a timer,
 * never per packet, and only while something changed: an analyzer update (within `minIntervalMs`), or new
 * packets (within `refreshMs`). With no page connected no snapshot is taken at all; a page that connects gets
 * a fresh one at once.
 */
export class UiLiveFeed {
  private seq = 0;
  private doc: AnalysisDocument | undefined;
  private fullJson: string | undefined;
  private readonly wsJson = new Map<string, string>();
  private topJson = '';
  private dirty = true;
  private lastPublish = -Infinity;
  private packetsAtPublish = -1;
  private packetsAtStatus = -1;
  private stateValue: UiLiveState = 'capturing';
  private note: string | undefined;
  private readonly clients = new Set<LiveClient>();
  private readonly viewerWaiters = new Set<() => void>();
  private ticker: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly minInterval: number;
  private readonly refresh: number;
  private readonly maxBuffered: number;
  /** Documents sent (full or delta), for tests and the bench. */
  published = 0;

  constructor(private readonly opts: UiLiveFeedOptions) {
    this.minInterval = opts.minIntervalMs ?? 500;
    this.refresh = opts.refreshMs ?? 2000;
    this.maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.ticker = setInterval(() => this.tick(), Math.max(20, Math.min(250, this.minInterval / 2)));
    this.ticker.unref();
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get state(): UiLiveState {
    return this.stateValue;
  }

  /** Pages subscribed to /api/live now. */
  get viewers(): number {
    return this.clients.size;
  }

  status(): UiLiveStatus {
    return {
      state: this.stateValue,
      packets: this.stateValue === 'stopped' && this.doc ? this.doc.source.packets : this.opts.packets(),
      interface: this.opts.interface,
      ...(this.opts.filter ? { filter: this.opts.filter } : {}),
      ...(this.note ? { note: this.note } : {}),
    };
  }

  /** The analysis changed (the analyzer's onUpdate): a document goes out within `minIntervalMs`. */
  changed = (): void => {
    this.dirty = true;
  };

  /** The latest document, brought up to date first if anything changed since it was taken (or none was yet). */
  latest(): AnalysisDocument | undefined {
    if (this.stateValue === 'capturing' && (this.doc === undefined || this.dirty || this.opts.packets() !== this.packetsAtPublish)) this.publish();
    return this.doc;
  }

  /** Resolves when a page subscribes to /api/live (at once if one is), after `ms`, or when `signal` aborts. */
  waitForViewer(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.clients.size > 0) {
      // A page that came before the capture had a document sees the start now, before what is waited for begins.
      this.latest();
      this.catchUp();
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (seen: boolean): void => {
        clearTimeout(timer);
        this.viewerWaiters.delete(onViewer);
        signal?.removeEventListener('abort', onAbort);
        resolve(seen);
      };
      const onViewer = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.viewerWaiters.add(onViewer);
      if (signal?.aborted) return done(false);
      signal?.addEventListener('abort', onAbort);
    });
  }

  /** The capture ended: every page gets the final document and its stream ends. Later pages get it too. */
  stop(finalDoc: AnalysisDocument | undefined, note?: string): void {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopped';
    this.note = note;
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (finalDoc) this.setDocument(finalDoc);
    const full = this.fullEvent();
    for (const c of [...this.clients]) {
      if (full) this.write(c, full);
      this.write(c, this.statusEvent());
      this.write(c, 'event: end\ndata: {}\n\n');
      this.drop(c, true);
    }
  }

  /** Ends every stream and timer (the server is closing). */
  close(): void {
    clearInterval(this.ticker);
    clearInterval(this.heartbeat);
    this.ticker = this.heartbeat = undefined;
    for (const c of [...this.clients]) this.drop(c, true);
  }

  /** Serves GET /api/live: an event stream that starts with the latest whole document. */
  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') return void res.end();
    res.socket?.setNoDelay(true);
    // A reconnecting page waits 1 s, not the browser's default 3 s.
    res.write('retry: 1000\n\n');
    const client: LiveClient = { res, hasDoc: false };
    this.latest();
    const full = this.fullEvent();
    if (full) {
      res.write(full);
      client.hasDoc = true;
    }
    res.write(this.statusEvent());
    if (this.stateValue === 'stopped') {
      res.end('event: end\ndata: {}\n\n');
      return;
    }
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    for (const wake of [...this.viewerWaiters]) wake();
  }

  private tick(): void {
    if (this.stateValue !== 'capturing' || this.clients.size === 0) return;
    const now = performance.now();
    const packets = this.opts.packets();
    const since = now - this.lastPublish;
    if ((this.dirty && since >= this.minInterval) || (packets !== this.packetsAtPublish && since >= this.refresh)) {
      this.publish();
    } else if (packets !== this.packetsAtStatus) {
      this.packetsAtStatus = packets;
      this.broadcast(this.statusEvent());
    }
  }

  /** Takes a snapshot and sends what changed to every page. */
  private publish(): void {
    const packets = this.opts.packets();
    this.dirty = false;
    this.lastPublish = performance.now();
    this.packetsAtPublish = packets;
    const doc = this.opts.snapshot();
    if (!doc) return;
    const delta = this.setDocument(doc);
    this.catchUp();
    if (!delta) return;
    this.packetsAtStatus = packets;
    this.broadcast(`event: delta\ndata: ${delta}\n\n`, true);
  }

  /** Pages subscribed while there was no document yet get the whole one. */
  private catchUp(): void {
    let full: string | undefined;
    for (const c of [...this.clients]) {
      if (c.hasDoc) continue;
      full ??= this.fullEvent();
      if (!full) return;
      this.write(c, full);
      c.hasDoc = true;
    }
  }

  /** Makes `doc` the current document; returns the delta event's data, or undefined when nothing changed. */
  private setDocument(doc: AnalysisDocument): string | undefined {
    const { workstations, ...top } = doc;
    const topJson = JSON.stringify(top);
    const changed: Workstation[] = [];
    const hosts: string[] = [];
    const seen = new Set<string>();
    for (const ws of workstations) {
      hosts.push(ws.host);
      seen.add(ws.host);
      const json = JSON.stringify(ws);
      if (this.wsJson.get(ws.host) !== json) {
        this.wsJson.set(ws.host, json);
        changed.push(ws);
      }
    }
    let removed = false;
    for (const host of this.wsJson.keys()) {
      if (!seen.has(host)) {
        this.wsJson.delete(host);
        removed = true;
      }
    }
    if (this.doc && changed.length === 0 && !removed && topJson === this.topJson) return undefined;
    const base = this.seq;
    this.seq++;
    this.published++;
    this.doc = doc;
    this.topJson = topJson;
    this.fullJson = undefined;
    const event: UiLiveDeltaEvent = { seq: this.seq, base, status: this.status(), top, hosts, changed };
    return JSON.stringify(event);
  }

  private fullEvent(): string | undefined {
    if (!this.doc) return undefined;
    const event: UiLiveFullEvent = { seq: this.seq, status: this.status(), doc: this.doc };
    // Cached per document: many pages reconnecting at once cost one serialisation.
    this.fullJson ??= JSON.stringify(event);
    return `event: analysis\ndata: ${this.fullJson}\n\n`;
  }

  private statusEvent(): string {
    return `event: status\ndata: ${JSON.stringify(this.status())}\n\n`;
  }

  /** To every page; a delta (`needsDoc`) only to those that have a document to apply it to. */
  private broadcast(text: string, needsDoc = false): void {
    for (const c of [...this.clients]) if (c.hasDoc || !needsDoc) this.write(c, text);
  }

  private write(c: LiveClient, text: string): void {
    if (c.res.writableEnded || c.res.destroyed) return void this.clients.delete(c);
    // A page that stopped reading (a hidden tab, a stalled socket) must not hold the server's memory.
    if (c.res.writableLength > this.maxBuffered) return this.drop(c, false);
    c.res.write(text);
  }

  private drop(c: LiveClient, gracefully: boolean): void {
    this.clients.delete(c);
    if (gracefully) c.res.end();
    else c.res.destroy();
  }
}

/** JSON for a message: raw bytes as a hex string. */
function messageJson(m: DecodedMessage): unknown {
  const raw = m.raw ? Array.from(m.raw, (b) => b.toString(16).padStart(2, '0')).join('') : undefined;
  return { ...m, raw };
}

export async function startUiServer(opts: UiServerOptions = {}): Promise<UiServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new Error(`ctiscope ui only listens on a loopback address (127.0.0.1 or ::1), not ${host}`);
  const distDir = resolve(opts.distDir ?? join(packageRoot(), 'ui', 'dist'));
  let doc = opts.doc;
  let messages = opts.messages;
  const live = opts.live;
  if (!doc && !live && opts.file) {
    messages = messages ?? new MessageStore({ hideSecretBytes: !opts.showSecrets });
    const store = messages;
    const result = await analyzeFiles([opts.file], { analyze: true, decode: { keepRaw: true, showSecrets: opts.showSecrets }, onMessage: (m) => store.add(m), onFlowEnd: store.addFlow });
    doc = result.doc;
  }

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown): void =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), { 'cache-control': 'no-store' });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A page on another site could point a name at 127.0.0.1 (DNS rebinding): only answer to loopback names.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!isLoopbackAddress(hostHeader)) return send(res, 403, 'text/plain; charset=utf-8', 'ctiscope ui answers only on 127.0.0.1 / localhost\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api/analysis') {
      // Live: the latest snapshot, and a header that tells the page to subscribe to /api/live.
      const liveHeader: Record<string, string> = live ? { 'x-ctiscope-live': live.state } : {};
      const current = live ? live.latest() : doc;
      // 204 when no capture was named (or no packet arrived yet): the page then waits (no console error for a 404).
      if (!current) {
        res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...liveHeader });
        return void res.end();
      }
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(current), { 'cache-control': 'no-store', ...liveHeader });
    }
    if (url.pathname === '/api/live') {
      if (!live) return send(res, 404, 'text/plain; charset=utf-8', 'not a live capture\n');
      return live.subscribe(req, res);
    }
    if (url.pathname === '/api/messages') {
      const wanted = url.searchParams.get('host') ?? '';
      // `after=SEQ`: only messages numbered above SEQ (a live page fetches what is new).
      const after = Number(url.searchParams.get('after') ?? -1);
      const kept = messages?.get(wanted, Number.isInteger(after) ? after : -1) ?? { messages: [], total: 0 };
      const limits = messages?.limits;
      // `flows`: the host's TCP connections, when the analysis kept them (not a live capture's).
      return sendJson(res, 200, { host: wanted, total: kept.total, ...(limits ? { limits } : {}), ...(kept.flows ? { flows: kept.flows } : {}), messages: kept.messages.map(messageJson) });
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad path\n');
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(distDir, `.${path}`);
    if (file !== distDir && !file.startsWith(distDir + sep)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden\n');
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (path === '/index.html') {
        return send(res, 503, 'text/plain; charset=utf-8', `The web UI is not built (${distDir} has no index.html). Run: npm run build:ui\n`);
      }
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Hashed asset names can be cached; the page itself is re-read so a rebuilt UI shows at once.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    send(res, 200, type, readFileSync(file), { 'cache-control': cache });
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}\n`);
      else res.destroy();
    }
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_UI_PORT, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        live?.close();
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}
