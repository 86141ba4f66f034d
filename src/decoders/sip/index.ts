/**
 * SIP (RFC 3261) requests and responses: an agent phone's REGISTER and its 401/403/200 belong in the
 * login story, as do INVITEs that fail. Over UDP one datagram is one message; over TCP messages are
 * delimited by the blank line after the headers plus Content-Length (RFC 3261 §18.3), split with PduStream.
 * Responses are paired with their request by Call-ID and CSeq.
 */

import { MessageEmitter } from '../emit.js';
import { PduStreamPair } from '../framing.js';
import type {
  Anomaly,
  ContentProbe,
  Direction,
  FieldValue,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';

export const SIP_METHODS = [
  'REGISTER',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

/** Compact header forms (RFC 3261 §7.3.3 and later RFCs) to their full names, lower case. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
  o: 'event',
  r: 'refer-to',
  u: 'allow-events',
  x: 'session-expires',
};

export const SIP_REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  603: 'Decline',
};

export interface SipMessage {
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  requestUri: string | null;
  statusCode: number | null;
  reason: string | null;
  /** Headers by lower-case full name, values in order of appearance. */
  headers: Map<string, string[]>;
  /** Length of the start line and headers, including the blank line; -1 when there is no blank line. */
  headerLength: number;
  contentLength: number | null;
  bodyLength: number;
  anomalies: Anomaly[];
}

const CR = 13;
const LF = 10;

/** Offset just past the blank line ending the headers (CRLFCRLF, or bare LFLF), or -1. */
export function findHeaderEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (b[i] !== LF) continue;
    if (i + 1 < to && b[i + 1] === LF) return i + 2;
    if (i + 2 < to && b[i + 1] === CR && b[i + 2] === LF) return i + 3;
  }
  return -1;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(b: Uint8Array, from: number, to: number): string {
  try {
    return utf8.decode(b.subarray(from, to));
  } catch {
    return latin1(b, from, to);
  }
}

/**
 * Parses one SIP message (start line, headers, body length). Never throws. Header values keep their
 * text; folded lines (leading whitespace) are joined to the previous header.
 */
export function decodeSipMessage(bytes: Uint8Array): SipMessage {
  const m: SipMessage = {
    kind: 'invalid',
    method: null,
    requestUri: null,
    statusCode: null,
    reason: null,
    headers: new Map(),
    headerLength: -1,
    contentLength: null,
    bodyLength: 0,
    anomalies: [],
  };
  // RFC 3261 §7.5: leading blank lines are ignored.
  let start = 0;
  while (start < bytes.length && (bytes[start] === CR || bytes[start] === LF)) start++;
  const headerEnd = findHeaderEnd(bytes, start, bytes.length);
  const end = headerEnd < 0 ? bytes.length : headerEnd;
  m.headerLength = headerEnd;
  const head = text(bytes, start, end);
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const status = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(startLine);
  const request = /^([A-Za-z!%*_+`'~.-]+)\s+(\S+)\s+SIP\/2\.0\s*$/.exec(startLine);
  if (status) {
    m.kind = 'response';
    m.statusCode = Number(status[1]);
    m.reason = status[2];
  } else if (request) {
    m.kind = 'request';
    m.method = request[1];
    m.requestUri = request[2];
  } else {
    m.anomalies.push({ code: 'bad-start-line', message: `not a SIP start line: ${JSON.stringify(startLine.slice(0, 80))}`, offset: start });
  }
  let last: string[] | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last[last.length - 1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      m.anomalies.push({ code: 'bad-header', message: `header line without a name: ${JSON.stringify(line.slice(0, 80))}` });
      continue;
    }
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    let list = m.headers.get(name);
    if (!list) m.headers.set(name, (list = []));
    list.push(value);
    last = list;
  }
  if (headerEnd < 0) m.anomalies.push({ code: 'headers-cut-short', message: 'no blank line after the headers' });
  const cl = m.headers.get('content-length')?.[0];
  if (cl !== undefined) {
    const n = /^\d+$/.test(cl) ? Number(cl) : NaN;
    if (Number.isFinite(n)) m.contentLength = n;
    else m.anomalies.push({ code: 'bad-content-length', message: `Content-Length ${JSON.stringify(cl)}` });
  }
  m.bodyLength = headerEnd < 0 ? 0 : bytes.length - headerEnd;
  if (m.contentLength !== null && m.contentLength > m.bodyLength) {
    m.anomalies.push({
      code: 'body-cut-short',
      message: `Content-Length ${m.contentLength} but ${m.bodyLength} body bytes`,
    });
  }
  return m;
}

function first(m: SipMessage, name: string): string | null {
  return m.headers.get(name)?.[0] ?? null;
}

/** `fields` per docs/messages.md (SIP). */
export function sipFields(m: SipMessage): Record<string, FieldValue> {
  const cseq = first(m, 'cseq');
  const cseqMatch = cseq ? /^(\d+)\s+(\S+)/.exec(cseq) : null;
  const fields: Record<string, FieldValue> = {
    method: m.method ?? (cseqMatch ? cseqMatch[2] : null),
    statusCode: m.statusCode,
    reason: m.reason,
    requestUri: m.requestUri,
    callId: first(m, 'call-id'),
    cseq,
    cseqNumber: cseqMatch ? Number(cseqMatch[1]) : null,
    cseqMethod: cseqMatch ? cseqMatch[2] : null,
    from: first(m, 'from'),
    to: first(m, 'to'),
    via: m.headers.get('via') ?? [],
    contact: first(m, 'contact'),
    expires: first(m, 'expires') !== null && /^\d+$/.test(first(m, 'expires')!) ? Number(first(m, 'expires')) : null,
    userAgent: first(m, 'user-agent') ?? first(m, 'server'),
    contentType: first(m, 'content-type'),
    contentLength: m.contentLength,
  };
  if (m.kind === 'response') fields.isRequest = false;
  else if (m.kind === 'request') fields.isRequest = true;
  const warning = first(m, 'warning');
  if (warning) fields.warning = warning;
  const retryAfter = first(m, 'retry-after');
  if (retryAfter) fields.retryAfter = retryAfter;
  return fields;
}

/** The user part of a From/To header ("sip:1001@host" → "1001"), for summaries. */
function addressOf(h: FieldValue): string {
  if (typeof h !== 'string') return '?';
  const uri = /<([^>]*)>/.exec(h)?.[1] ?? h.split(';')[0];
  return uri.replace(/^sips?:/, '');
}

function sipSummary(m: SipMessage, f: Record<string, FieldValue>): string {
  if (m.kind === 'request') return `${m.method} ${m.requestUri} from ${addressOf(f.from)} to ${addressOf(f.to)} CSeq ${f.cseq ?? '?'}`;
  if (m.kind === 'response') return `${m.statusCode} ${m.reason || SIP_REASON_PHRASES[m.statusCode!] || ''} (CSeq ${f.cseq ?? '?'})`.replace('  ', ' ');
  return 'SIP message that does not parse';
}

interface PendingRequest {
  frame: number;
  time: number;
}

const MAX_PENDING = 4096;
/** Headers larger than this are not a SIP message (a stream out of step, or something else). */
const MAX_HEADER_BYTES = 65536;

function startsLikeSip(b: Uint8Array, o: number, available: number): 'yes' | 'no' | 'maybe' {
  const n = Math.min(available, 8);
  // "SIP/2.0 " or an upper-case method token followed by a space.
  const sip = 'SIP/2.0 ';
  let prefixOfSip = true;
  for (let i = 0; i < n; i++) if (b[o + i] !== sip.charCodeAt(i)) prefixOfSip = false;
  if (prefixOfSip) return n === 8 ? 'yes' : 'maybe';
  for (const method of SIP_METHODS) {
    const k = Math.min(available, method.length + 1);
    let ok = true;
    for (let i = 0; i < k && ok; i++) ok = b[o + i] === (i < method.length ? method.charCodeAt(i) : 0x20);
    if (ok) return k === method.length + 1 ? 'yes' : 'maybe';
  }
  return 'no';
}

/** A whole SIP start line at `o`: "SIP/2.0 NNN …" or "METHOD uri SIP/2.0". */
function startLineAt(b: Uint8Array, o: number, limit: number): 'yes' | 'no' | 'maybe' {
  const verdict = startsLikeSip(b, o, limit - o);
  if (verdict !== 'yes') return verdict;
  let eol = o;
  while (eol < limit && b[eol] !== LF && eol - o < 2048) eol++;
  if (eol === limit) return eol - o >= 2048 ? 'no' : 'maybe';
  const line = latin1(b, o, eol).replace(/\r$/, '');
  return /^SIP\/2\.0 \d{3}( |$)/.test(line) || /^[A-Z]+ \S+ SIP\/2\.0$/.test(line) ? 'yes' : 'no';
}

export const SIP_TCP_FRAMING = {
  pduLength(buf: Uint8Array, offset: number, available: number): number {
    // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are PDUs of their own, ignored later.
    if (buf[offset] === CR || buf[offset] === LF) {
      let i = 0;
      while (i < available && (buf[offset + i] === CR || buf[offset + i] === LF)) i++;
      return i < available ? i : available >= 2 ? available : 0;
    }
    const verdict = startsLikeSip(buf, offset, available);
    if (verdict === 'no') return -1;
    const end = findHeaderEnd(buf, offset, offset + Math.min(available, MAX_HEADER_BYTES));
    if (end < 0) return available >= MAX_HEADER_BYTES ? -1 : 0;
    const head = latin1(buf, offset, end);
    const cl = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head);
    const body = cl ? Number(cl[1]) : 0; // mandatory over TCP; absent means no body
    return end - offset + body;
  },
  resync(buf: Uint8Array, from: number, available: number): number {
    const limit = from + available;
    for (let o = from; o < limit; o++) {
      // A start anywhere (a body need not end with CRLF), but a whole, valid start line.
      if (buf[o] !== 0x53 && !(buf[o] >= 0x41 && buf[o] <= 0x5a)) continue;
      if (startLineAt(buf, o, limit) === 'yes') return o;
    }
    return -1;
  },
  maxBuffered: MAX_HEADER_BYTES + 65536,
};

class SipFlowDecoder implements StreamDecoder {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly streams: PduStreamPair | null;
  private readonly out: MessageEmitter;

  constructor(ctx: StreamDecoderContext, tcp: boolean) {
    this.out = new MessageEmitter('sip', ctx);
    this.streams = tcp
      ? new PduStreamPair(
          SIP_TCP_FRAMING,
          (dir, pdu, meta) => {
            if (pdu[0] === CR || pdu[0] === LF) return; // keep-alive
            this.message(dir, pdu, meta.frames, meta.time, meta.offset);
          },
          this.out,
        )
      : null;
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    if (this.streams) this.streams.data(dir, bytes, frame, time);
    else if (bytes.length > 4 || bytes.some((c) => c !== CR && c !== LF)) this.message(dir, bytes, [frame], time, 0);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    this.streams?.gap(dir, length, frame, time);
  }

  end(): void {
    this.streams?.finish();
    this.out.finish();
    this.pending.clear();
  }

  private message(dir: Direction, bytes: Uint8Array, frames: number[], time: number, offset: number): void {
    const m = decodeSipMessage(bytes);
    const fields = sipFields(m);
    const type = m.kind === 'request' ? m.method! : m.kind === 'response' ? String(m.statusCode) : 'invalid';
    const msg = this.out.message(dir, type, fields, sipSummary(m, fields), frames, time, offset, bytes.length, bytes);
    const frame = msg.frame;
    this.out.attachAnomalies(msg, m.anomalies);
    if (fields.callId !== null && fields.cseqNumber !== null) {
      // ACK and CANCEL carry the INVITE's CSeq number but their own method, so the method is part of the key.
      const key = `${fields.callId}\u0000${fields.cseqNumber}\u0000${fields.cseqMethod}`;
      if (m.kind === 'request') {
        if (!this.pending.has(key)) {
          if (this.pending.size >= MAX_PENDING) this.pending.clear();
          this.pending.set(key, { frame, time });
        }
      } else if (m.kind === 'response') {
        const req = this.pending.get(key);
        if (req && time >= req.time) {
          msg.pairedFrame = req.frame;
          msg.responseTime = time - req.time;
          // Provisional responses keep the request pending for the final one.
          if (m.statusCode! >= 200) this.pending.delete(key);
        }
      }
    }
    this.out.emit(msg);
  }
}

export const createSipDatagramDecoder: StreamDecoderFactory = (ctx) => new SipFlowDecoder(ctx, false);
export const createSipStreamDecoder: StreamDecoderFactory = (ctx) => new SipFlowDecoder(ctx, true);
/** Picks the datagram or stream decoder from the flow's transport. */
export const createSipDecoder: StreamDecoderFactory = (ctx) => new SipFlowDecoder(ctx, ctx.flow.transport === 'tcp');

/** Content probe: a SIP start line ("SIP/2.0 " or a method and a space), then " SIP/2.0" on a request line. */
export const probeSip: ContentProbe = (b) => {
  let o = 0;
  while (o < b.length && (b[o] === CR || b[o] === LF)) o++;
  if (o === b.length) return 'maybe';
  return startLineAt(b, o, b.length);
};
