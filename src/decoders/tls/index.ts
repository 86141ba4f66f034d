/**
 * TLS over TCP, without decryption: the record layer and the plaintext handshake, so a timeline can say
 * "the server refused TLS 1.0 (fatal alert protocol_version)" or "the server sent a self-signed
 * certificate for CN=uccx1" rather than "the connection closed".
 *
 * Records are split with PduStream (5-byte header); handshake messages are reassembled across records
 * (a Certificate chain often spans several records and many segments). One DecodedMessage per
 * handshake message, per alert, and per ChangeCipherSpec; application data is not reported.
 *
 * Records nobody reads (application data; handshake records once encrypted) are stepped over in the
 * segments as they come, by their length, without being buffered: on a SPAN port TLS is most of the bytes,
 * and buffering every record that spans segments copied all of them.
 */

import { MessageEmitter } from '../emit.js';
import { PduStream, readU16BE, viewOf } from '../framing.js';
import type {
  ContentProbe,
  StartContradicts,
  DecodedMessage,
  Direction,
  FieldValue,
  StreamDecoder,
  StreamDecoderContext,
  StreamDecoderFactory,
} from '../types.js';
import { decodeHandshake } from './handshake.js';
import { TLS_ALERT_DESCRIPTION_NAMES, TLS_ALERT_LEVEL_NAMES, tlsVersionName } from './names.js';

export { decodeHandshake, type HandshakeInfo } from './handshake.js';
export { parseCertificate, type CertificateSummary } from './x509.js';
export * from './names.js';

/** Largest record body: 2^14 plus the expansion TLS 1.2 allows for ciphertext (RFC 5246 §6.2.3). */
const MAX_RECORD_BODY = 16384 + 2048;
/** A handshake message longer than this is treated as garbage (real certificate chains are < 64 KiB). */
const MAX_HANDSHAKE_MESSAGE = 1 << 18;

/** Is there a plausible record header at `o`? (content type 20–24, version 3.0–3.4, sane length) */
function plausibleRecordHeader(b: Uint8Array, o: number): boolean {
  const type = b[o];
  if (type < 20 || type > 24) return false;
  if (b[o + 1] !== 3 || b[o + 2] > 4) return false;
  const len = readU16BE(b, o + 3);
  if (len > MAX_RECORD_BODY) return false;
  if (len === 0 && type !== 23) return false;
  return true;
}

export const TLS_RECORD_FRAMING = {
  pduLength(buf: Uint8Array, offset: number, available: number): number {
    if (available < 5) return 0;
    if (!plausibleRecordHeader(buf, offset)) return -1;
    return 5 + readU16BE(buf, offset + 3);
  },
  resync(buf: Uint8Array, from: number, available: number): number {
    const limit = from + available;
    for (let o = from; o + 5 <= limit; o++) {
      if (!plausibleRecordHeader(buf, o)) continue;
      // When the next header is in view it must be plausible too: one header can match by chance.
      const next = o + 5 + readU16BE(buf, o + 3);
      if (next + 5 <= limit && !plausibleRecordHeader(buf, next)) continue;
      return o;
    }
    return -1;
  },
  maxBuffered: 5 + MAX_RECORD_BODY + 1,
};

/** A record's share of the handshake byte stream, for mapping messages back to frames. */
interface HandshakeMark {
  /** Position in this direction's handshake stream (all handshake record bodies concatenated). */
  start: number;
  end: number;
  frames: number[];
  offset: number;
  recordVersion: number;
}

/** The handshake buffer of every direction that has not buffered a handshake message (never written to). */
const NO_HANDSHAKE = new Uint8Array(0);

class DirectionState {
  readonly records: PduStream;
  /** ChangeCipherSpec seen: later handshake records and alerts are encrypted. */
  ccs = false;
  hsBuf = NO_HANDSHAKE;
  /** Handshake stream position of hsBuf[0], and the bytes held. */
  hsBase = 0;
  hsLen = 0;
  marks: HandshakeMark[] = [];

  constructor(owner: TlsFlowDecoder, out: MessageEmitter, readonly dir: Direction) {
    this.records = new PduStream(
      TLS_RECORD_FRAMING,
      (pdu, meta) => owner.record(this, pdu, meta.frames, meta.time, meta.offset),
      (a) => out.streamAnomaly(dir, a),
    );
  }

  appendHandshake(body: Uint8Array, frames: number[], offset: number, recordVersion: number): void {
    const start = this.hsBase + this.hsLen;
    if (this.hsLen + body.length > this.hsBuf.length) {
      const grown = new Uint8Array(Math.max(4096, (this.hsLen + body.length) * 2));
      grown.set(this.hsBuf.subarray(0, this.hsLen));
      this.hsBuf = grown;
    }
    this.hsBuf.set(body, this.hsLen);
    this.hsLen += body.length;
    this.marks.push({ start, end: start + body.length, frames, offset, recordVersion });
  }

  consumeHandshake(n: number): void {
    this.hsBuf.copyWithin(0, n, this.hsLen);
    this.hsLen -= n;
    this.hsBase += n;
    let drop = 0;
    while (drop < this.marks.length && this.marks[drop].end <= this.hsBase) drop++;
    if (drop) this.marks.splice(0, drop);
  }

  dropHandshake(): void {
    this.hsBase += this.hsLen;
    this.hsLen = 0;
    this.marks.length = 0;
  }

  /** The marks covering handshake stream bytes [a, b). */
  marksFor(a: number, b: number): HandshakeMark[] {
    return this.marks.filter((m) => m.start < b && m.end > a);
  }
}

class TlsFlowDecoder implements StreamDecoder {
  private readonly out: MessageEmitter;
  private readonly c2s: DirectionState;
  private readonly s2c: DirectionState;
  private serverName: string | null = null;
  /** Version the ServerHello chose, once seen. */
  private negotiated = 0;

  constructor(ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('tls', ctx);
    this.c2s = new DirectionState(this, this.out, 'c2s');
    this.s2c = new DirectionState(this, this.out, 's2c');
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    this.dataAt(dir, bytes, 0, bytes.length, frame, time);
  }

  dataAt(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): void {
    const st = dir === 'c2s' ? this.c2s : this.s2c;
    if (st.records.idle) this.stepOver(st, buf, offset, offset + length, frame, time);
    else st.records.data(viewOf(buf, offset, offset + length), frame, time);
  }

  /**
   * While the record stream is in step and holds nothing: the rest of a record being skipped, then every whole
   * or started record that record() would ignore (application data; handshake after ChangeCipherSpec), are
   * counted past without a copy. The rest (a header cut by the segment's end, alerts, handshake, anything odd)
   * goes to the PduStream as before, from a record boundary. The PduStream keeps the count of a record stepped
   * over across segments, and reports a gap or the end inside it as for a record it had buffered.
   */
  private stepOver(st: DirectionState, buf: Uint8Array, from: number, end: number, frame: number, time: number): void {
    const records = st.records;
    let pos = from;
    const left = records.skipping;
    if (left > 0) {
      const n = left < end - pos ? left : end - pos;
      records.skipMore(n, frame);
      pos += n;
    }
    while (end - pos >= 5) {
      const type = buf[pos];
      if (!(type === 23 || (type === 22 && st.ccs)) || !plausibleRecordHeader(buf, pos)) break;
      const total = 5 + readU16BE(buf, pos + 3);
      const n = total < end - pos ? total : end - pos;
      records.skipMessage(n, total, frame);
      pos += n;
    }
    if (pos < end) records.data(viewOf(buf, pos, end), frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    const st = dir === 'c2s' ? this.c2s : this.s2c;
    st.records.gap(length, frame, time);
    if (st.hsLen > 0) {
      this.out.streamAnomaly(st.dir, {
        code: 'handshake-cut-by-gap',
        message: `${st.hsLen} bytes of a handshake message were lost to a gap`,
        frame,
      });
      st.dropHandshake();
    }
  }

  end(): void {
    for (const st of [this.c2s, this.s2c]) {
      st.records.finish();
      if (st.hsLen > 0) {
        this.out.streamAnomaly(st.dir, {
          code: 'incomplete-handshake-message',
          message: `the stream ended ${st.hsLen} bytes into a handshake message`,
          frame: st.marks.length ? st.marks[st.marks.length - 1].frames.slice(-1)[0] : undefined,
        });
        st.dropHandshake();
      }
    }
    this.out.finish();
  }

  /** One complete record from PduStream. */
  record(st: DirectionState, rec: Uint8Array, frames: number[], time: number, offset: number): void {
    const type = rec[0];
    const version = readU16BE(rec, 1);
    const body = rec.subarray(5);
    if (type === 22) {
      if (st.ccs) return; // encrypted Finished (TLS ≤ 1.2)
      st.appendHandshake(body, frames, offset, version);
      this.drainHandshake(st, time);
    } else if (type === 21) {
      this.alert(st, body, frames, time, offset, rec.length, version);
    } else if (type === 20) {
      st.ccs = true;
      const fields = { recordVersion: version, recordVersionName: tlsVersionName(version) };
      this.send(this.out.message(st.dir, 'ChangeCipherSpec', fields, 'ChangeCipherSpec', frames, time, offset, rec.length, rec));
    }
  }

  private drainHandshake(st: DirectionState, time: number): void {
    while (st.hsLen >= 4) {
      const b = st.hsBuf;
      const type = b[0];
      const len = (b[1] << 16) | (b[2] << 8) | b[3];
      if (len > MAX_HANDSHAKE_MESSAGE) {
        this.out.streamAnomaly(st.dir, {
          code: 'bad-handshake-length',
          message: `handshake message type ${type} claims ${len} bytes; dropping the buffered handshake bytes`,
          frame: st.marks.length ? st.marks[st.marks.length - 1].frames.slice(-1)[0] : undefined,
        });
        st.dropHandshake();
        return;
      }
      if (st.hsLen < 4 + len) return;
      const marks = st.marksFor(st.hsBase, st.hsBase + 4 + len);
      const frames: number[] = [];
      for (const m of marks) for (const f of m.frames) if (frames[frames.length - 1] !== f) frames.push(f);
      const first = marks[0];
      const info = decodeHandshake(type, b, 4, 4 + len, time);
      const fields: Record<string, FieldValue> = {
        recordVersion: first ? first.recordVersion : 0,
        recordVersionName: tlsVersionName(first ? first.recordVersion : 0),
        ...info.fields,
      };
      if (type === 1 && typeof info.fields.serverName === 'string') this.serverName = info.fields.serverName;
      if (type !== 1 && this.serverName !== null) fields.serverName = this.serverName;
      if (info.selectedVersion !== undefined && info.name === 'ServerHello') this.negotiated = info.selectedVersion;
      if (info.error) this.out.streamAnomaly(st.dir, { code: 'bad-handshake-message', message: info.error });
      const raw = this.out.keepRaw ? b.subarray(0, 4 + len) : null;
      this.send(this.out.message(st.dir, info.name, fields, info.summary, frames, time, first ? first.offset : 0, 4 + len, raw));
      st.consumeHandshake(4 + len);
    }
  }

  private alert(st: DirectionState, body: Uint8Array, frames: number[], time: number, offset: number, length: number, version: number): void {
    const fields: Record<string, FieldValue> = { recordVersion: version, recordVersionName: tlsVersionName(version) };
    // A plaintext alert is exactly 2 bytes; anything longer, or anything after ChangeCipherSpec, is
    // encrypted and only its existence can be reported.
    const encrypted = st.ccs || body.length !== 2;
    let summary: string;
    if (encrypted) {
      fields.encrypted = true;
      fields.alertLevel = null;
      fields.alertLevelName = 'encrypted';
      fields.alertDescription = null;
      fields.alertDescriptionName = 'encrypted alert';
      summary = `encrypted alert (${body.length} bytes)`;
    } else {
      const level = body[0];
      const desc = body[1];
      fields.encrypted = false;
      fields.alertLevel = level;
      fields.alertLevelName = TLS_ALERT_LEVEL_NAMES[level] ?? `level${level}`;
      fields.alertDescription = desc;
      fields.alertDescriptionName = TLS_ALERT_DESCRIPTION_NAMES[desc] ?? `alert${desc}`;
      summary = `alert ${fields.alertLevelName} ${fields.alertDescriptionName} (${desc})`;
    }
    if (this.serverName !== null) fields.serverName = this.serverName;
    if (this.negotiated) fields.negotiatedVersionName = tlsVersionName(this.negotiated);
    this.send(this.out.message(st.dir, 'alert', fields, summary, frames, time, offset, length, body));
  }

  /** Every TLS anomaly is queued (stream or handshake layer): it goes on the next message of its direction. */
  private send(msg: DecodedMessage): void {
    this.out.attachAnomalies(msg);
    this.out.emit(msg);
  }
}

export const createTlsStreamDecoder: StreamDecoderFactory = (ctx) => new TlsFlowDecoder(ctx);

/** A TLS stream starts with a record: content type 20–24 (a handshake, almost always). */
export const tlsStartContradicts: StartContradicts = (b) => b.length > 0 && (b[0] < 20 || b[0] > 24);

/**
 * Content probe: a handshake record whose first message is a ClientHello (from the client) or a
 * ServerHello (from the server). Only that shape counts, since other record types start with bytes
 * (0x14–0x17) common in binary protocols.
 */
export const probeTls: ContentProbe = (b, dir) => {
  if (b.length === 0) return 'maybe';
  if (b[0] !== 22) return 'no';
  if (b.length < 3) return 'maybe';
  if (b[1] !== 3 || b[2] > 4) return 'no';
  if (b.length < 6) return 'maybe';
  const len = readU16BE(b, 3);
  if (len < 4 || len > MAX_RECORD_BODY) return 'no';
  if (b[5] !== (dir === 'c2s' ? 1 : 2)) return 'no';
  if (b.length < 9) return 'maybe';
  const hsLen = (b[6] << 16) | (b[7] << 8) | b[8];
  if (hsLen < 38) return 'no';
  if (b.length < 11) return 'maybe';
  // The hello's legacy version is 3.0–3.3.
  return b[9] === 3 && b[10] <= 3 ? 'yes' : 'no';
};
