/**
 * DNS as ctiscope sees it: every query and response, with the host names and addresses the login
 * timeline needs to say which server a desktop tried to reach. Over UDP (one message per datagram)
 * and over TCP (2-byte length prefix, RFC 1035 §4.2.2). Responses are paired with their query by id
 * within the flow.
 *
 * The flow decoder is shared by the protocols that borrow DNS's wire format (mDNS, LLMNR, the NetBIOS
 * name service): each brings a DnsFormat (its protocol name, dialect, fields and summary), so names and
 * records are read in one place and every message is labelled with the protocol it really is.
 */

import { MessageEmitter } from '../emit.js';
import { PduStreamPair, readU16BE } from '../framing.js';
import type {
  ContentProbe,
  DecodedMessage,
  Direction,
  FieldValue,
  ProtocolName,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import { decodeDnsMessage, DNS_DIALECT, type DnsDialect, type DnsMessage, type DnsRecord } from './message.js';

export {
  decodeDnsMessage,
  dnsRcodeName,
  dnsTypeName,
  DNS_DIALECT,
  DNS_OPCODE_NAMES,
  DNS_RCODE_NAMES,
  DNS_TYPE_NAMES,
  type DnsDialect,
  readName,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
} from './message.js';

/** A query is forgotten after this long without a response (a later query may reuse its id). */
const PAIRING_WINDOW_SECONDS = 120;
/** Pending queries kept per flow: bounds memory on a flow full of unanswered queries. */
const MAX_PENDING = 4096;
/**
 * A response captured before its query (two taps whose clocks are apart, merged by time) waits this long for it,
 * and at most this many such responses per flow.
 */
const EARLY_RESPONSE_SECONDS = 0.5;
const MAX_EARLY = 64;

interface PendingQuery {
  frame: number;
  time: number;
}

function recordFields(r: DnsRecord): FieldValue {
  return { name: r.name, type: r.type, typeName: r.typeName, ttl: r.ttl, data: r.data };
}

function addressesOf(records: DnsRecord[], out: string[]): string[] {
  for (const r of records) {
    // A record whose data did not parse carries hex, which has neither '.' nor ':'.
    if ((r.type === 1 && r.data.includes('.')) || (r.type === 28 && r.data.includes(':'))) out.push(r.data);
  }
  return out;
}

/** The `fields` of a DecodedMessage for one DNS message (docs/messages.md, DNS). */
export function dnsFields(m: DnsMessage): Record<string, FieldValue> {
  const q = m.questions[0];
  const fields: Record<string, FieldValue> = {
    id: m.id,
    response: m.response,
    opcode: m.opcode,
    opcodeName: m.opcodeName,
    qname: q ? q.name : null,
    qtype: q ? q.type : null,
    qtypeName: q ? q.typeName : null,
  };
  if (m.response) {
    fields.rcode = m.rcode;
    fields.rcodeName = m.rcodeName;
    fields.authoritative = m.authoritative;
    fields.truncated = m.truncated;
  }
  fields.questionCount = m.questionCount;
  fields.answerCount = m.answerCount;
  fields.authorityCount = m.authorityCount;
  fields.additionalCount = m.additionalCount;
  if (m.questions.length > 1) fields.questions = m.questions.map((x) => ({ name: x.name, type: x.type, typeName: x.typeName }));
  fields.answers = m.answers.map(recordFields);
  // Addresses that answer the question; glue in the authority/additional sections is kept apart so a
  // name server's address is never taken for the queried host's.
  fields.addresses = addressesOf(m.answers, []);
  const extra = addressesOf(m.additionals, addressesOf(m.authorities, []));
  if (extra.length) fields.additionalAddresses = extra;
  if (m.response && m.authorities.length) fields.authority = m.authorities.map(recordFields);
  return fields;
}

export function dnsSummary(m: DnsMessage): string {
  const q = m.questions[0];
  const idText = `id=0x${m.id.toString(16).padStart(4, '0')}`;
  const what = q ? `${q.typeName} ${q.name}` : '(no question)';
  if (!m.response) return `query ${what} ${idText}`;
  let s = `response ${m.rcodeName} ${what} ${idText}`;
  if (m.answers.length) {
    const shown = m.answers.filter((r) => r.type !== 41).slice(0, 4).map((r) => (r.type === 1 || r.type === 28 ? r.data : `${r.typeName} ${r.data.length > 60 ? r.data.slice(0, 60) + '…' : r.data}`));
    s += ` → ${shown.join(', ')}`;
    if (m.answers.length > 4) s += ` (+${m.answers.length - 4} more)`;
  }
  return s;
}

/** A protocol spoken in DNS's wire format: what it is called, how its records read, what its messages show. */
export interface DnsFormat {
  protocol: ProtocolName;
  dialect: DnsDialect;
  fields(m: DnsMessage): Record<string, FieldValue>;
  summary(m: DnsMessage): string;
}

export const DNS_FORMAT: DnsFormat = { protocol: 'dns', dialect: DNS_DIALECT, fields: dnsFields, summary: dnsSummary };

class DnsFlowDecoder implements StreamDecoder {
  /** Queries awaiting their response, by id; made on the first query (a DNS flow is often one datagram). */
  private pending: Map<number, PendingQuery> | undefined = undefined;
  /** Responses with no query yet, by id, not emitted until their query comes (or does not, in time). */
  private early: Map<number, DecodedMessage> | undefined = undefined;
  private readonly streams: PduStreamPair | null;
  private readonly out: MessageEmitter;

  constructor(
    ctx: StreamDecoderContext,
    tcp: boolean,
    private readonly format: DnsFormat,
  ) {
    this.out = new MessageEmitter(format.protocol, ctx);
    this.streams = tcp
      ? new PduStreamPair(
          DNS_TCP_FRAMING,
          (dir, pdu, meta) => this.message(dir, pdu.subarray(2), meta.frames, meta.time, meta.offset, pdu.length),
          this.out,
        )
      : null;
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    if (this.streams) this.streams.data(dir, bytes, frame, time);
    else this.message(dir, bytes, [frame], time, 0, bytes.length);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    this.streams?.gap(dir, length, frame, time);
  }

  end(): void {
    this.streams?.finish();
    this.emitEarly(Infinity);
    this.out.finish();
    this.pending = undefined;
  }

  /** Emits, unpaired, the early responses that waited long enough by `time` for a query. */
  private emitEarly(time: number): void {
    const early = this.early;
    if (early === undefined) return;
    for (const [id, r] of early) {
      if (time - r.time < EARLY_RESPONSE_SECONDS) continue;
      early.delete(id);
      this.out.emit(r);
    }
    if (early.size === 0) this.early = undefined;
  }

  private message(dir: Direction, body: Uint8Array, frames: number[], time: number, offset: number, length: number): void {
    const f = this.format;
    const m = decodeDnsMessage(body, f.dialect);
    const msg = this.out.message(dir, m.response ? 'response' : 'query', f.fields(m), f.summary(m), frames, time, offset, length, body);
    const frame = msg.frame;
    this.out.attachAnomalies(msg, m.anomalies);
    this.emitEarly(time);
    if (!m.response) {
      const early = this.early?.get(m.id);
      if (early !== undefined && time - early.time < EARLY_RESPONSE_SECONDS) {
        // Its response was captured first: the query, then the response, paired (no time between them is known).
        this.early!.delete(m.id);
        this.out.emit(msg);
        early.pairedFrame = frame;
        early.responseTime = 0;
        this.out.emit(early);
        return;
      }
      const pending = (this.pending ??= new Map());
      const prior = pending.get(m.id);
      // A retransmitted query keeps the first one's time, as the user waited from then.
      if (!prior || time - prior.time > PAIRING_WINDOW_SECONDS) {
        if (pending.size >= MAX_PENDING) pending.clear();
        pending.set(m.id, { frame, time });
      }
    } else {
      const q = this.pending?.get(m.id);
      if (q && time - q.time <= PAIRING_WINDOW_SECONDS && time >= q.time) {
        msg.pairedFrame = q.frame;
        msg.responseTime = time - q.time;
        this.pending!.delete(m.id);
      } else if (!q && !this.streams && f.protocol === 'dns') {
        // No query yet on this datagram flow: it may be captured just after (UDP has no ACK to tell). Only unicast
        // DNS: mDNS and LLMNR announce without being asked.
        if ((this.early?.size ?? 0) >= MAX_EARLY) this.emitEarly(Infinity);
        const early = (this.early ??= new Map());
        if (!early.has(m.id)) {
          early.set(m.id, msg);
          return;
        }
      }
    }
    this.out.emit(msg);
  }
}

/** Does a DNS header plausibly start at `o`? Used to find a message start after a gap. */
function plausibleHeader(b: Uint8Array, o: number, available: number): boolean {
  if (available < 14) return false;
  const len = readU16BE(b, o);
  if (len < 12) return false;
  const opcode = (b[o + 4] >> 3) & 0xf;
  if (opcode > 6 || opcode === 3) return false;
  if ((b[o + 5] & 0x40) !== 0) return false; // the Z bit is always zero
  const qd = readU16BE(b, o + 6);
  if (qd > 1) return false;
  // Record counts that cannot fit in the message are not a header.
  const records = qd + readU16BE(b, o + 8) + readU16BE(b, o + 10) + readU16BE(b, o + 12);
  return records * 5 <= len;
}

export const DNS_TCP_FRAMING = {
  pduLength(buf: Uint8Array, offset: number, available: number): number {
    if (available < 2) return 0;
    const len = readU16BE(buf, offset);
    if (len < 12) return -1;
    return len + 2;
  },
  resync(buf: Uint8Array, from: number, available: number): number {
    for (let i = 0; i + 14 <= available; i++) if (plausibleHeader(buf, from + i, available - i)) return from + i;
    return -1;
  },
  maxBuffered: 65537,
};

/** DNS over UDP: each data() call is one datagram holding one message. */
export const createDnsDatagramDecoder: StreamDecoderFactory = (ctx) => new DnsFlowDecoder(ctx, false, DNS_FORMAT);

/** DNS over TCP: messages with a 2-byte length prefix, split and reassembled with PduStream. */
export const createDnsStreamDecoder: StreamDecoderFactory = (ctx) => new DnsFlowDecoder(ctx, true, DNS_FORMAT);

/** Picks the datagram or stream decoder from the flow's transport. */
export const createDnsDecoder: StreamDecoderFactory = (ctx) => new DnsFlowDecoder(ctx, ctx.flow.transport === 'tcp', DNS_FORMAT);

/** A datagram decoder for another protocol in DNS's wire format (one message per datagram, paired by id). */
export function createDnsFormatDatagramDecoder(format: DnsFormat): StreamDecoderFactory {
  return (ctx) => new DnsFlowDecoder(ctx, false, format);
}

/**
 * Content probe for DNS over TCP: a 2-byte length then a header whose flags fit the direction
 * (a query from the client, a response from the server) with one question.
 */
export const probeDns: ContentProbe = (b, dir) => {
  if (b.length < 2) return 'maybe';
  const len = readU16BE(b, 0);
  if (len < 17) return 'no'; // header + root name + type + class
  if (b.length < 14) return 'maybe';
  if (!plausibleHeader(b, 0, b.length)) return 'no';
  const qr = (b[4] & 0x80) !== 0;
  if ((dir === 'c2s') === qr) return 'no';
  if (!qr && (b[5] & 0x0f) !== 0) return 'no'; // a query carries no RCODE
  if (readU16BE(b, 6) !== 1) return 'no';
  if (b.length < 2 + len) return 'maybe';
  const m = decodeDnsMessage(b.subarray(2, 2 + len));
  return m.anomalies.length === 0 && m.questions.length === 1 ? 'yes' : 'no';
};

/** Content probe for DNS over UDP (or any datagram transport): one whole message per datagram. */
export const probeDnsDatagram: ContentProbe = (b, dir) => {
  if (b.length < 17) return 'no';
  const qr = (b[2] & 0x80) !== 0;
  if ((dir === 'c2s') === qr) return 'no';
  if (!qr && (b[3] & 0x0f) !== 0) return 'no';
  if ((b[3] & 0x40) !== 0) return 'no';
  if (readU16BE(b, 4) !== 1) return 'no';
  const m = decodeDnsMessage(b);
  return m.anomalies.length === 0 && m.questions.length === 1 ? 'yes' : 'no';
};
