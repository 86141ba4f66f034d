/**
 * LDAP over TCP: each direction is a sequence of BER LDAPMessages, split with PduStream from the
 * outer SEQUENCE's length. Responses are paired with their request by messageID (a search with all
 * its entries, references and the final searchResDone). Two things end LDAP on a connection: a
 * successful StartTLS (TLS follows) and a SASL bind that switched on a security layer (every later
 * message is a 4-byte length and a wrapped, usually sealed, token); the decoder then stops.
 *
 * Connectionless LDAP (CLDAP, UDP 389, RFC 1798 / [MS-ADTS] §6.3.3: Active Directory's DC locator
 * "ping") carries whole LDAPMessages in datagrams, an answer's searchResEntry and searchResDone often in
 * one; each is decoded like its TCP twin, paired the same way, and marked `connectionless`.
 */

import { berElementLength } from '../ber.js';
import { formatResponseTime, MessageEmitter } from '../emit.js';
import { PduStream, type PduFraming, type PduMeta } from '../framing.js';
import type {
  Anomaly,
  ContentProbe,
  StartContradicts,
  DecodedMessage,
  Direction,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import {
  OID_START_TLS,
  OP_ABANDON_REQUEST,
  OP_BIND_REQUEST,
  OP_BIND_RESPONSE,
  OP_EXTENDED_REQUEST,
  OP_EXTENDED_RESPONSE,
  OP_SEARCH_RES_ENTRY,
  OP_SEARCH_RES_REF,
  OP_INTERMEDIATE_RESPONSE,
  OP_UNBIND_REQUEST,
  REQUEST_OF_RESPONSE,
} from './constants.js';
import { decodeLdapMessage, type LdapMessage } from './decode.js';

/** Largest LDAPMessage believed (32 MiB); beyond it the stream is out of step. */
export const LDAP_MAX_MESSAGE_SIZE = 32 << 20;
const MAX_PENDING = 4096;
/** SASL mechanisms that never negotiate a security layer. */
const NO_LAYER_MECHANISMS = new Set(['EXTERNAL', 'PLAIN', 'ANONYMOUS', 'LOGIN']);

/** [APPLICATION n] identifiers that can follow the messageID. */
function isOpIdentifier(b: number): boolean {
  if (b === 0x42 || b === 0x4a || b === 0x50) return true; // unbind, del, abandon (primitive)
  return b >= 0x60 && b <= 0x79 && b !== 0x71 && b !== 0x72 && b !== 0x74 && b !== 0x75 && b !== 0x76;
}

/** Does an LDAPMessage plausibly start at `o`? SEQUENCE, sane length, INTEGER messageID, an op tag. */
export function plausibleLdapStart(b: Uint8Array, o: number, available: number): boolean {
  if (available < 7 || b[o] !== 0x30) return false;
  const total = berElementLength(b, o, available);
  if (total < 0) return false;
  // Header length of the SEQUENCE: 2 for short form, 2 + n for long form.
  const first = b[o + 1];
  const hdr = first < 0x80 ? 2 : 2 + (first & 0x7f);
  if (total !== 0 && total > LDAP_MAX_MESSAGE_SIZE) return false;
  if (total !== 0 && total < hdr + 5) return false;
  const p = o + hdr;
  if (p + 2 >= o + available) return false;
  if (b[p] !== 0x02) return false;
  const idLen = b[p + 1];
  if (idLen < 1 || idLen > 4) return false;
  const opAt = p + 2 + idLen;
  if (opAt >= o + available) return false;
  return isOpIdentifier(b[opAt]);
}

interface PendingRequest {
  op: number;
  frame: number;
  time: number;
  entries: number;
  references: number;
  saslMechanism: string | undefined;
  startTls: boolean;
}

/** SASL buffer: a 4-byte big-endian length then that many bytes (RFC 4422 §3.7, RFC 4752). */
function saslBufferLength(b: Uint8Array, o: number, available: number): number {
  if (available < 4) return 0;
  const len = ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  return len > 0 && len <= 0x1000000 ? len + 4 : -1;
}

class LdapDirection implements PduFraming {
  /** After a successful SASL bind, the next bytes tell whether a security layer was switched on. */
  saslCheck = false;
  readonly stream: PduStream;
  readonly maxBuffered = LDAP_MAX_MESSAGE_SIZE + 8;

  constructor(
    readonly dir: Direction,
    onPdu: (dir: Direction, pdu: Uint8Array, meta: PduMeta) => void,
    onAnomaly: (dir: Direction, a: Anomaly) => void,
  ) {
    this.stream = new PduStream(
      this,
      (pdu, meta) => onPdu(dir, pdu, meta),
      (a) => onAnomaly(dir, a),
    );
  }

  pduLength(buf: Uint8Array, offset: number, available: number): number {
    if (this.saslCheck) {
      if (buf[offset] !== 0x30) return saslBufferLength(buf, offset, available);
      this.saslCheck = false;
    }
    if (buf[offset] !== 0x30) return -1;
    const n = berElementLength(buf, offset, available);
    if (n > LDAP_MAX_MESSAGE_SIZE) return -1;
    return n;
  }

  resync(buf: Uint8Array, from: number, available: number): number {
    const end = from + available;
    for (let i = from; i < end; i++) {
      if (buf[i] === 0x30 && plausibleLdapStart(buf, i, end - i)) return i;
    }
    return -1;
  }
}

class LdapFlowDecoder implements StreamDecoder {
  private readonly dirs: Record<Direction, LdapDirection>;
  private readonly out: MessageEmitter;
  private readonly pending = new Map<number, PendingRequest>();
  /** Set when LDAP stopped on this connection (StartTLS, SASL security layer): later bytes are not LDAP. */
  private stopped = false;

  constructor(
    private readonly ctx: StreamDecoderContext,
    private readonly datagrams = false,
  ) {
    this.out = new MessageEmitter('ldap', ctx);
    const onPdu = (dir: Direction, pdu: Uint8Array, meta: PduMeta) => this.pdu(dir, pdu, meta);
    const onAnomaly = (dir: Direction, a: Anomaly) => {
      if (!this.stopped) this.out.streamAnomaly(dir, a);
    };
    this.dirs = { c2s: new LdapDirection('c2s', onPdu, onAnomaly), s2c: new LdapDirection('s2c', onPdu, onAnomaly) };
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    if (this.datagrams) return this.datagram(dir, bytes, frame, time);
    if (this.stopped) return;
    this.dirs[dir].stream.data(bytes, frame, time);
  }

  /** One CLDAP datagram: its LDAPMessages one after another; a message cut short is decoded as far as it goes. */
  private datagram(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    let o = 0;
    while (o < bytes.length) {
      const n = berElementLength(bytes, o, bytes.length - o);
      const end = n > 0 && o + n <= bytes.length ? o + n : bytes.length;
      this.pdu(dir, bytes.subarray(o, end), { frames: [frame], time, offset: o });
      o = end;
    }
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    if (this.stopped) return;
    this.dirs[dir].stream.gap(length, frame, time);
  }

  end(): void {
    if (!this.stopped) {
      this.dirs.c2s.stream.finish();
      this.dirs.s2c.stream.finish();
    }
    this.out.finish();
    this.pending.clear();
  }

  private pdu(dir: Direction, pdu: Uint8Array, meta: PduMeta): void {
    if (this.stopped && !this.datagrams) return;
    const frame = meta.frames[meta.frames.length - 1];
    if (pdu[0] !== 0x30 && !this.datagrams) {
      // Only reachable through the SASL check: a length-prefixed wrapped token where LDAP was due.
      this.stopped = true;
      this.dirs.c2s.saslCheck = this.dirs.s2c.saslCheck = false;
      const mech = this.lastSaslMechanism ?? 'SASL';
      const msg = this.out.message(
        dir,
        'saslBuffer',
        { saslBufferLength: pdu.length - 4, saslMechanism: mech },
        `SASL security layer (${mech}): ${pdu.length - 4}-byte wrapped token; the rest of the connection is not readable LDAP`,
        meta.frames,
        meta.time,
        meta.offset,
        pdu.length,
        pdu,
      );
      this.out.attachAnomalies(msg, [
        {
          code: 'sasl-security-layer',
          message: `the ${mech} bind switched on a SASL security layer (signing/sealing); LDAP decoding stops here`,
          frame,
          offset: meta.offset,
        },
      ]);
      this.out.emit(msg);
      return;
    }
    const m = decodeLdapMessage(pdu, this.ctx.options);
    if (this.datagrams) {
      m.fields.connectionless = true;
      m.summary = `CLDAP ${m.summary}`;
    }
    const msg = this.out.message(dir, m.type, m.fields, m.summary, meta.frames, meta.time, meta.offset, pdu.length, pdu);
    this.pair(m, msg);
    this.out.attachAnomalies(msg, m.anomalies);
    this.out.emit(msg);
  }

  private lastSaslMechanism: string | undefined;

  private pair(m: LdapMessage, msg: DecodedMessage): void {
    const id = m.messageId;
    if (id === null || m.op < 0) return;
    const requestOp = REQUEST_OF_RESPONSE[m.op];
    if (requestOp === undefined) {
      // A request. Unbind and abandon get no answer.
      if (m.op === OP_UNBIND_REQUEST) return;
      if (m.op === OP_ABANDON_REQUEST) {
        const abandoned = m.fields.abandonId;
        if (typeof abandoned === 'number') this.pending.delete(abandoned);
        return;
      }
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as number);
      const mech = m.op === OP_BIND_REQUEST && typeof m.fields.saslMechanism === 'string' ? m.fields.saslMechanism : undefined;
      this.pending.set(id, {
        op: m.op,
        frame: msg.frame,
        time: msg.time,
        entries: 0,
        references: 0,
        saslMechanism: mech,
        startTls: m.op === OP_EXTENDED_REQUEST && m.fields.requestName === OID_START_TLS,
      });
      return;
    }
    const req = this.pending.get(id);
    const paired = req !== undefined && req.op === requestOp;
    if (paired) msg.pairedFrame = req.frame;
    // Entries, references and intermediate responses come before the final response.
    if (m.op === OP_SEARCH_RES_ENTRY || m.op === OP_SEARCH_RES_REF || m.op === OP_INTERMEDIATE_RESPONSE) {
      if (paired) {
        if (m.op === OP_SEARCH_RES_ENTRY) req.entries++;
        else if (m.op === OP_SEARCH_RES_REF) req.references++;
      }
      return;
    }
    const success = m.fields.resultCode === 0;
    const notes: string[] = [];
    if (paired) {
      this.pending.delete(id);
      const dt = Math.max(0, msg.time - req.time);
      msg.responseTime = dt;
      if (requestOp === 3) {
        m.fields.entries = req.entries;
        m.fields.references = req.references;
        notes.push(`${req.entries} ${req.entries === 1 ? 'entry' : 'entries'}`);
        if (req.references) notes.push(`${req.references} ${req.references === 1 ? 'reference' : 'references'}`);
      }
      notes.push(formatResponseTime(dt));
    }
    if (m.op === OP_BIND_RESPONSE && success) {
      const mech = paired ? req.saslMechanism : undefined;
      const sasl = mech !== undefined || m.fields.serverSaslCreds === true;
      if (sasl && !(mech && NO_LAYER_MECHANISMS.has(mech.toUpperCase()))) {
        this.lastSaslMechanism = mech;
        this.dirs.c2s.saslCheck = this.dirs.s2c.saslCheck = true;
      }
    }
    if (m.op === OP_EXTENDED_RESPONSE && success && ((paired && req.startTls) || m.fields.responseName === OID_START_TLS)) {
      m.fields.startTls = true;
      notes.push('TLS follows');
      this.stopped = true;
    }
    if (notes.length) msg.summary += ` (${notes.join(', ')})`;
  }
}

/** LDAP over TCP (389, 3268, 38983 for CAD, or found by content). */
export const createLdapStreamDecoder: StreamDecoderFactory = (ctx) => new LdapFlowDecoder(ctx);

/** Connectionless LDAP over UDP (389): whole LDAPMessages in each datagram. */
export const createLdapDatagramDecoder: StreamDecoderFactory = (ctx) => new LdapFlowDecoder(ctx, true);

/** An LDAP stream starts with an LDAPMessage, a BER SEQUENCE (0x30). */
export const ldapStartContradicts: StartContradicts = (b) => b.length > 0 && b[0] !== 0x30;

/**
 * Content probe: the first bytes must be an LDAPMessage header (SEQUENCE, INTEGER messageID, an
 * [APPLICATION n] op) and the op must fit the direction (requests from the client, responses from the server).
 */
export const probeLdap: ContentProbe = (b, dir) => {
  if (b.length === 0) return 'maybe';
  if (ldapStartContradicts(b, dir)) return 'no';
  if (b.length < 8) return 'maybe';
  if (!plausibleLdapStart(b, 0, b.length)) {
    // Not enough bytes to see the op tag yet?
    const first = b[1];
    const hdr = first < 0x80 ? 2 : 2 + (first & 0x7f);
    return b.length < hdr + 3 + 4 ? 'maybe' : 'no';
  }
  const first = b[1];
  const hdr = first < 0x80 ? 2 : 2 + (first & 0x7f);
  const opNumber = b[hdr + 2 + b[hdr + 1]] & 0x1f;
  const isResponse = REQUEST_OF_RESPONSE[opNumber] !== undefined;
  if ((dir === 'c2s') === isResponse) return 'no';
  const total = berElementLength(b, 0, b.length);
  // The header is distinctive enough; a message longer than what was probed is taken on trust.
  if (total === 0 || total > b.length) return 'yes';
  const m = decodeLdapMessage(b.subarray(0, total));
  return m.anomalies.length === 0 ? 'yes' : 'no';
};
