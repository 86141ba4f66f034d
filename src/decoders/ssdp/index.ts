/**
 * SSDP (UPnP device architecture §1, UDP 1900): HTTP-like messages in single datagrams, a start line
 * (`M-SEARCH * HTTP/1.1`, `NOTIFY * HTTP/1.1`, or `HTTP/1.1 200 OK` for a search answer) and headers.
 * Windows sends M-SEARCH to 239.255.255.250 every few minutes; it says nothing about a login, so it is
 * decoded to be named and set aside. A search answer is paired with its M-SEARCH when both share a flow.
 */

import { MessageEmitter } from '../emit.js';
import type { Anomaly, ContentProbe, Direction, FieldValue, StreamDecoder, StreamDecoderContext, StreamDecoderFactory } from '../types.js';

export const SSDP_PORT = 1900;
export const SSDP_METHODS = ['M-SEARCH', 'NOTIFY'] as const;

/** Headers given their own field, by lower-case header name. */
const NAMED_HEADERS: Record<string, string> = {
  host: 'host',
  man: 'man',
  mx: 'mx',
  st: 'st',
  nt: 'nt',
  nts: 'nts',
  usn: 'usn',
  location: 'location',
  server: 'server',
  'user-agent': 'userAgent',
  'cache-control': 'cacheControl',
};

export interface SsdpMessage {
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  requestUri: string | null;
  statusCode: number | null;
  reason: string | null;
  version: string | null;
  /** Every header, lower-case name to its values in order. */
  headers: Map<string, string[]>;
  anomalies: Anomaly[];
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

const REQUEST_LINE = /^([A-Z][A-Z-]*) (\S+) (HTTP\/\d\.\d)\s*$/;
const STATUS_LINE = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/;

/** Parses one SSDP datagram. Never throws. */
export function decodeSsdpMessage(bytes: Uint8Array): SsdpMessage {
  const m: SsdpMessage = { kind: 'invalid', method: null, requestUri: null, statusCode: null, reason: null, version: null, headers: new Map(), anomalies: [] };
  const text = latin1(bytes, 0, bytes.length);
  const blank = text.search(/\r?\n\r?\n/);
  const lines = (blank < 0 ? text : text.slice(0, blank)).split(/\r?\n/);
  const start = lines[0] ?? '';
  const req = REQUEST_LINE.exec(start);
  const st = req ? null : STATUS_LINE.exec(start);
  if (req) {
    m.kind = 'request';
    m.method = req[1];
    m.requestUri = req[2];
    m.version = req[3];
  } else if (st) {
    m.kind = 'response';
    m.version = st[1];
    m.statusCode = Number(st[2]);
    m.reason = st[3] ?? '';
  } else {
    m.anomalies.push({ code: 'bad-start-line', message: `not an SSDP start line: ${JSON.stringify(start.slice(0, 80))}`, offset: 0 });
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) {
      m.anomalies.push({ code: 'bad-header', message: `header line without a name: ${JSON.stringify(line.slice(0, 80))}` });
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    let list = m.headers.get(name);
    if (!list) m.headers.set(name, (list = []));
    list.push(line.slice(colon + 1).trim());
  }
  if (blank < 0 && m.kind !== 'invalid') m.anomalies.push({ code: 'headers-cut-short', message: 'no blank line after the headers' });
  return m;
}

/** The `fields` of an SSDP message (docs/messages.md, SSDP). */
export function ssdpFields(m: SsdpMessage): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {
    isRequest: m.kind === 'request',
    method: m.method,
    requestUri: m.requestUri,
    statusCode: m.statusCode,
    reason: m.reason,
    version: m.version,
  };
  for (const [header, field] of Object.entries(NAMED_HEADERS)) fields[field] = m.headers.get(header)?.[0] ?? null;
  if (typeof fields.mx === 'string' && /^\d+$/.test(fields.mx)) fields.mx = Number(fields.mx);
  const headers: Record<string, FieldValue> = {};
  for (const [name, values] of m.headers) headers[name] = values.length === 1 ? values[0] : values;
  fields.headers = headers;
  return fields;
}

function ssdpSummary(m: SsdpMessage, f: Record<string, FieldValue>): string {
  if (m.kind === 'request') {
    const target = m.method === 'NOTIFY' ? `${f.nts ?? ''} ${f.nt ?? ''}` : `${f.st ?? ''}`;
    return `${m.method} ${m.requestUri} ${target.trim()}`.trim();
  }
  if (m.kind === 'response') return `${m.statusCode} ${m.reason} ${f.st ?? ''} ${f.location ?? ''}`.replace(/\s+/g, ' ').trim();
  return 'SSDP message that does not parse';
}

interface PendingSearch {
  frame: number;
  time: number;
}

class SsdpFlowDecoder implements StreamDecoder {
  private readonly out: MessageEmitter;
  private search: PendingSearch | undefined;

  constructor(ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('ssdp', ctx);
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    const m = decodeSsdpMessage(bytes);
    const fields = ssdpFields(m);
    const type = m.kind === 'request' ? m.method! : m.kind === 'response' ? String(m.statusCode) : 'invalid';
    const msg = this.out.message(dir, type, fields, ssdpSummary(m, fields), [frame], time, 0, bytes.length, bytes);
    this.out.attachAnomalies(msg, m.anomalies);
    if (m.kind === 'request' && m.method === 'M-SEARCH') this.search = { frame: msg.frame, time };
    else if (m.kind === 'response' && this.search && time >= this.search.time) {
      // Every device answers the same search: each answer pairs with it.
      msg.pairedFrame = this.search.frame;
      msg.responseTime = time - this.search.time;
    }
    this.out.emit(msg);
  }

  gap(): void {}

  end(): void {
    this.out.finish();
  }
}

export const createSsdpDatagramDecoder: StreamDecoderFactory = (ctx) => new SsdpFlowDecoder(ctx);

/** Content probe: an SSDP start line (M-SEARCH / NOTIFY with `* HTTP/1.x`). */
export const probeSsdp: ContentProbe = (b) => {
  const head = latin1(b, 0, Math.min(b.length, 24));
  return /^(M-SEARCH|NOTIFY) \* HTTP\/1\.\d\r?\n/.test(head) ? 'yes' : 'no';
};
