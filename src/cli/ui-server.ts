/**
 * The local web server behind `ctiscope ui`: serves the built UI (ui/dist) on a loopback address, and, when a
 * capture was named, its analysis document at /api/analysis and its decoded messages (bounded per workstation)
 * at /api/messages?host=IP. Node's http module only; nothing listens beyond 127.0.0.0/8 or ::1.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { analyzeFiles } from '../pipeline-node.js';
import type { DecodedMessage } from '../decoders/types.js';
import type { AnalysisDocument } from '../timeline/model.js';
import { hostOf } from '../timeline/format.js';
import { packageRoot } from './common.js';

export const DEFAULT_UI_PORT = 7357;

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
  messages?: UiMessageStore;
  /** Where the built UI is (default: ui/dist in the package). */
  distDir?: string;
  /** Decode passwords when analysing `file`. */
  showSecrets?: boolean;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const REDACTED = '<redacted>';

function hasRedacted(v: unknown): boolean {
  if (v === REDACTED) return true;
  if (Array.isArray(v)) return v.some(hasRedacted);
  if (v && typeof v === 'object') return Object.values(v).some(hasRedacted);
  return false;
}

/**
 * Decoded messages kept per workstation (client address): the first `head` and the latest `tail`, raw bytes
 * cut at `rawLimit`, and no bytes for messages that carry a redacted password. The same policy as the
 * browser worker's store (ui/src/message-store.ts), which cannot be shared because the UI bundle must not pull
 * Node modules and this file must not reach outside src/.
 */
export class UiMessageStore {
  private readonly byHost = new Map<string, { head: DecodedMessage[]; tail: DecodedMessage[]; next: number; total: number }>();

  constructor(
    private readonly head = 600,
    private readonly tail = 200,
    private readonly rawLimit = 4096,
    private readonly hideSecretBytes = true,
  ) {}

  add = (m: DecodedMessage): void => {
    const host = hostOf(m.client);
    let h = this.byHost.get(host);
    if (!h) this.byHost.set(host, (h = { head: [], tail: [], next: 0, total: 0 }));
    const kept: DecodedMessage & { seq: number; rawCut?: number; rawHidden?: boolean } = { ...m, seq: h.total++ };
    if (m.raw && this.hideSecretBytes && hasRedacted(m.fields)) {
      kept.raw = undefined;
      kept.rawHidden = true;
    } else if (m.raw) {
      kept.raw = m.raw.slice(0, this.rawLimit);
      if (m.raw.length > this.rawLimit) kept.rawCut = m.raw.length - this.rawLimit;
    }
    if (h.head.length < this.head) h.head.push(kept);
    else if (this.tail > 0) {
      if (h.tail.length < this.tail) h.tail.push(kept);
      else h.tail[h.next] = kept;
      h.next = (h.next + 1) % this.tail;
    }
  };

  get(host: string): { messages: DecodedMessage[]; total: number } {
    const h = this.byHost.get(host);
    if (!h) return { messages: [], total: 0 };
    const tail = h.tail.length < this.tail ? h.tail : [...h.tail.slice(h.next), ...h.tail.slice(0, h.next)];
    return { messages: [...h.head, ...tail], total: h.total };
  }
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
  if (!doc && opts.file) {
    messages = messages ?? new UiMessageStore(undefined, undefined, undefined, !opts.showSecrets);
    const store = messages;
    const result = await analyzeFiles([opts.file], { analyze: true, decode: { keepRaw: true, showSecrets: opts.showSecrets }, onMessage: (m) => store.add(m) });
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
      // 204 when no capture was named: the page then waits for one to be dropped (no console error for a 404).
      if (!doc) {
        res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'no-store' });
        return void res.end();
      }
      return sendJson(res, 200, doc);
    }
    if (url.pathname === '/api/messages') {
      const wanted = url.searchParams.get('host') ?? '';
      const kept = messages?.get(wanted) ?? { messages: [], total: 0 };
      return sendJson(res, 200, { host: wanted, total: kept.total, messages: kept.messages.map(messageJson) });
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
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}
