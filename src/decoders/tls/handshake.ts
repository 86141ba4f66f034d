/**
 * Plaintext TLS handshake messages: what a login timeline needs to name a TLS failure (which host the
 * client asked for, which versions each side offered and chose, the server's certificate chain).
 * Nothing is decrypted; after ChangeCipherSpec (and for TLS 1.3 after the ServerHello) the handshake is
 * encrypted and not read.
 */

import type { FieldValue } from '../types.js';
import { cipherSuiteName, isGrease, TLS_HANDSHAKE_TYPE_NAMES, tlsVersionName } from './names.js';
import { parseCertificate } from './x509.js';

/** SHA-256 of "HelloRetryRequest": the ServerHello random that marks a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16,
  0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

export interface HandshakeInfo {
  /** Message name: ClientHello, ServerHello, HelloRetryRequest, Certificate, … or `Handshake<n>`. */
  name: string;
  fields: Record<string, FieldValue>;
  summary: string;
  /** Set when the body did not parse as its type says. */
  error?: string;
  /** ServerHello: the version the server chose (supported_versions, else legacy_version). */
  selectedVersion?: number;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Reads the extensions block at `p` (2-byte length) and calls `each` per extension; false if it does not fit. */
function forEachExtension(b: Uint8Array, p: number, end: number, each: (type: number, start: number, end: number) => void): boolean {
  if (p === end) return true; // no extensions at all (allowed before TLS 1.3)
  if (p + 2 > end) return false;
  const total = u16(b, p);
  p += 2;
  if (p + total > end) return false;
  const stop = p + total;
  while (p + 4 <= stop) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    if (p + len > stop) return false;
    each(type, p, p + len);
    p += len;
  }
  return p === stop;
}

function clientHello(b: Uint8Array, s: number, e: number, info: HandshakeInfo): void {
  const f = info.fields;
  if (s + 38 > e) return void (info.error = 'ClientHello cut short');
  const legacy = u16(b, s);
  f.clientVersion = legacy;
  f.clientVersionName = tlsVersionName(legacy);
  let p = s + 34;
  p += 1 + b[p]; // session id
  if (p + 2 > e) return void (info.error = 'ClientHello cut short');
  const suitesLen = u16(b, p);
  p += 2;
  if (p + suitesLen > e) return void (info.error = 'ClientHello cipher suites cut short');
  let suites = 0;
  for (let i = 0; i + 1 < suitesLen; i += 2) if (!isGrease(u16(b, p + i))) suites++;
  f.cipherSuiteCount = suites;
  p += suitesLen;
  if (p + 1 > e) return void (info.error = 'ClientHello cut short');
  p += 1 + b[p]; // compression methods
  if (p > e) return void (info.error = 'ClientHello cut short');
  let serverName: string | null = null;
  const versions: string[] = [];
  const alpn: string[] = [];
  const ok = forEachExtension(b, p, e, (type, xs, xe) => {
    if (type === 0 && xs + 2 <= xe) {
      let q = xs + 2;
      while (q + 3 <= xe) {
        const nameType = b[q];
        const len = u16(b, q + 1);
        q += 3;
        if (q + len > xe) break;
        if (nameType === 0 && serverName === null) serverName = ascii(b, q, q + len);
        q += len;
      }
    } else if (type === 43 && xs < xe) {
      const len = b[xs];
      for (let q = xs + 1; q + 1 < xs + 1 + len && q + 1 < xe; q += 2) {
        const v = u16(b, q);
        if (!isGrease(v)) versions.push(tlsVersionName(v));
      }
    } else if (type === 16 && xs + 2 <= xe) {
      let q = xs + 2;
      while (q < xe) {
        const len = b[q];
        if (q + 1 + len > xe) break;
        alpn.push(ascii(b, q + 1, q + 1 + len));
        q += 1 + len;
      }
    }
  });
  if (!ok) info.error = 'ClientHello extensions do not parse';
  f.serverName = serverName;
  f.versions = versions.length ? versions : [tlsVersionName(legacy)];
  if (alpn.length) f.alpn = alpn;
  let summary = `ClientHello ${serverName ? `SNI ${serverName}` : 'no SNI'} versions ${(f.versions as string[]).join('/')}`;
  if (alpn.length) summary += ` ALPN ${alpn.join(',')}`;
  info.summary = `${summary} ${suites} suites`;
}

function serverHello(b: Uint8Array, s: number, e: number, info: HandshakeInfo): void {
  const f = info.fields;
  if (s + 38 > e) return void (info.error = 'ServerHello cut short');
  let hrr = true;
  for (let i = 0; i < 32; i++) if (b[s + 2 + i] !== HRR_RANDOM[i]) hrr = false;
  if (hrr) {
    info.name = 'HelloRetryRequest';
    f.helloRetryRequest = true;
  }
  const legacy = u16(b, s);
  let p = s + 34;
  p += 1 + b[p];
  if (p + 3 > e) return void (info.error = 'ServerHello cut short');
  const suite = u16(b, p);
  p += 3; // cipher suite and compression method
  let selected = legacy;
  const ok = forEachExtension(b, p, e, (type, xs, xe) => {
    if (type === 43 && xs + 2 <= xe) selected = u16(b, xs);
  });
  if (!ok) info.error = 'ServerHello extensions do not parse';
  f.serverVersion = legacy;
  f.version = selected;
  f.versionName = tlsVersionName(selected);
  f.versions = [tlsVersionName(selected)];
  f.cipherSuite = suite;
  f.cipherSuiteName = cipherSuiteName(suite);
  info.selectedVersion = selected;
  info.summary = `${info.name} ${tlsVersionName(selected)} ${cipherSuiteName(suite)}`;
}

/** A TLS ≤ 1.2 Certificate message: a 3-byte list of 3-byte-length DER certificates. */
function certificate(b: Uint8Array, s: number, e: number, info: HandshakeInfo, captureTime: number): void {
  if (s + 3 > e) return void (info.error = 'Certificate cut short');
  const total = u24(b, s);
  let p = s + 3;
  const stop = Math.min(e, p + total);
  if (p + total > e) info.error = 'certificate list longer than the message';
  const certs: FieldValue[] = [];
  while (p + 3 <= stop) {
    const len = u24(b, p);
    p += 3;
    if (p + len > stop) {
      info.error = 'certificate longer than the list';
      break;
    }
    const c = parseCertificate(b.subarray(p, p + len));
    const entry: Record<string, FieldValue> = {
      subject: c.subject,
      issuer: c.issuer,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      subjectCN: c.subjectCN,
      subjectO: c.subjectO,
      issuerCN: c.issuerCN,
      issuerO: c.issuerO,
      selfSigned: c.selfSigned,
      dnsNames: c.dnsNames,
      serialNumber: c.serialNumber,
      expiredAtCapture: c.notAfterTime !== null && captureTime > c.notAfterTime,
      notYetValidAtCapture: c.notBeforeTime !== null && captureTime < c.notBeforeTime,
    };
    if (c.error) entry.error = c.error;
    certs.push(entry);
    p += len;
  }
  info.fields.certificates = certs;
  info.fields.certificateCount = certs.length;
  const leaf = certs[0] as Record<string, FieldValue> | undefined;
  if (!leaf) {
    info.summary = 'Certificate (empty)';
    return;
  }
  const notes: string[] = [];
  if (leaf.selfSigned) notes.push('self-signed');
  if (leaf.expiredAtCapture) notes.push('expired');
  if (leaf.notYetValidAtCapture) notes.push('not yet valid');
  info.summary =
    `Certificate ${leaf.subjectCN ?? leaf.subject} issued by ${leaf.issuerCN ?? leaf.issuer}` +
    (notes.length ? ` (${notes.join(', ')})` : '') +
    ` valid ${leaf.notBefore ?? '?'} to ${leaf.notAfter ?? '?'}` +
    (certs.length > 1 ? `, chain of ${certs.length}` : '');
}

/**
 * Decodes the body `b[s .. e)` of one handshake message of `type` (its 4-byte header precedes s).
 * `captureTime` (epoch seconds) is compared with certificate validity.
 */
export function decodeHandshake(type: number, b: Uint8Array, s: number, e: number, captureTime: number): HandshakeInfo {
  const name = TLS_HANDSHAKE_TYPE_NAMES[type] ?? `Handshake${type}`;
  const info: HandshakeInfo = { name, fields: { handshakeType: type, handshakeTypeName: name }, summary: name };
  switch (type) {
    case 1:
      clientHello(b, s, e, info);
      break;
    case 2:
      serverHello(b, s, e, info);
      break;
    case 11:
      certificate(b, s, e, info, captureTime);
      break;
  }
  info.fields.handshakeTypeName = info.name;
  return info;
}
