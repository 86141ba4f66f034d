/**
 * TLS records for the synthetic captures: a browser-like ClientHello with SNI, a TLS 1.3 ServerHello (then
 * the change_cipher_spec and an encrypted flight), and application data records. Only what a capture
 * shows: the handshake messages in the clear, random bytes where the real thing is encrypted.
 */

import type { Rng } from './prng.js';

const CONTENT = { changeCipherSpec: 20, handshake: 22, applicationData: 23 } as const;
const HANDSHAKE = { clientHello: 1, serverHello: 2 } as const;
const EXT = { serverName: 0, supportedGroups: 10, ecPointFormats: 11, signatureAlgorithms: 13, alpn: 16, supportedVersions: 43, pskModes: 45, keyShare: 51 } as const;
/** TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, then TLS 1.2 ECDHE suites. */
const CIPHER_SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8];
const X25519 = 0x001d;
const TLS12 = 0x0303;
const TLS13 = 0x0304;

const u16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const u24 = (v: number): number[] => [(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) & 0x7f);

function randomBytes(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.int(0, 255));
  return out;
}

function record(type: number, version: number, body: number[]): number[] {
  return [type, ...u16(version), ...u16(body.length), ...body];
}

function handshake(type: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...body];
}

function extension(type: number, body: number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body];
}

/** A ClientHello offering TLS 1.3 and 1.2, with SNI `serverName` and ALPN h2/http1.1. */
export function tlsClientHello(rng: Rng, serverName: string): Uint8Array {
  const sni = ascii(serverName);
  const exts = [
    ...extension(EXT.serverName, [...u16(sni.length + 3), 0, ...u16(sni.length), ...sni]),
    ...extension(EXT.supportedGroups, [...u16(6), ...u16(X25519), ...u16(0x0017), ...u16(0x0018)]),
    ...extension(EXT.ecPointFormats, [1, 0]),
    ...extension(EXT.signatureAlgorithms, [...u16(8), ...u16(0x0403), ...u16(0x0804), ...u16(0x0401), ...u16(0x0503)]),
    ...extension(EXT.alpn, [...u16(12), 2, ...ascii('h2'), 8, ...ascii('http/1.1')]),
    ...extension(EXT.supportedVersions, [4, ...u16(TLS13), ...u16(TLS12)]),
    ...extension(EXT.pskModes, [1, 1]),
    ...extension(EXT.keyShare, [...u16(36), ...u16(X25519), ...u16(32), ...randomBytes(rng, 32)]),
  ];
  const body = [
    ...u16(TLS12),
    ...randomBytes(rng, 32),
    32,
    ...randomBytes(rng, 32),
    ...u16(CIPHER_SUITES.length * 2),
    ...CIPHER_SUITES.flatMap(u16),
    1,
    0,
    ...u16(exts.length),
    ...exts,
  ];
  return Uint8Array.from(record(CONTENT.handshake, 0x0301, handshake(HANDSHAKE.clientHello, body)));
}

/**
 * The server's first flight for TLS 1.3: ServerHello (TLS_AES_128_GCM_SHA256, x25519), change_cipher_spec,
 * and the encrypted EncryptedExtensions…Finished as one application_data record of `encryptedLength` bytes.
 */
export function tlsServerHello13(rng: Rng, encryptedLength = 2800): Uint8Array {
  const exts = [...extension(EXT.supportedVersions, u16(TLS13)), ...extension(EXT.keyShare, [...u16(X25519), ...u16(32), ...randomBytes(rng, 32)])];
  const body = [...u16(TLS12), ...randomBytes(rng, 32), 32, ...randomBytes(rng, 32), ...u16(0x1301), 0, ...u16(exts.length), ...exts];
  return Uint8Array.from([
    ...record(CONTENT.handshake, TLS12, handshake(HANDSHAKE.serverHello, body)),
    ...record(CONTENT.changeCipherSpec, TLS12, [1]),
    ...record(CONTENT.applicationData, TLS12, randomBytes(rng, encryptedLength)),
  ]);
}

/** The client's change_cipher_spec and encrypted Finished, after the server's flight. */
export function tlsClientFinished(rng: Rng): Uint8Array {
  return Uint8Array.from([...record(CONTENT.changeCipherSpec, TLS12, [1]), ...record(CONTENT.applicationData, TLS12, randomBytes(rng, 53))]);
}

/** An application_data record of `length` encrypted bytes. */
export function tlsApplicationData(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from(record(CONTENT.applicationData, TLS12, randomBytes(rng, length)));
}

// ------------------------------------------------------------------------------------------------ TLS 1.2

const TLS12_HANDSHAKE = { certificate: 11, serverKeyExchange: 12, serverHelloDone: 14, clientKeyExchange: 16 } as const;
/** TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
const ECDHE_RSA_AES128_GCM = 0xc02f;
const ALERT = 21;

/** A DER element: tag, definite length, content. */
function der(tag: number, content: number[]): number[] {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, (n >>> 8) & 0xff, n & 0xff];
  return [tag, ...len, ...content];
}

const oid = (bytes: number[]): number[] => der(0x06, bytes);
/** 2.5.4.3 (commonName), 1.2.840.113549.1.1.11 (sha256WithRSAEncryption), 1.2.840.113549.1.1.1 (rsaEncryption). */
const OID_CN = [0x55, 0x04, 0x03];
const OID_SHA256_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

function name(cn: string): number[] {
  return der(0x30, der(0x31, der(0x30, [...oid(OID_CN), ...der(0x0c, ascii(cn))])));
}

/** An RSAPublicKey (2048-bit modulus of random bytes, exponent 65537), as a certificate's key carries it. */
function rsaPublicKey(rng: Rng): number[] {
  const modulus = randomBytes(rng, 256);
  modulus[0] |= 0x80;
  return der(0x30, [...der(0x02, [0, ...modulus]), ...der(0x02, [0x01, 0x00, 0x01])]);
}

/**
 * An X.509 v3 certificate for `cn` issued by `issuer`, valid over `notBefore`–`notAfter` (UTCTime text,
 * YYMMDDhhmmssZ): the structure a certificate parser reads, with random bytes for the key and the signature.
 */
export function x509Certificate(rng: Rng, cn: string, issuer: string, notBefore: string, notAfter: string): number[] {
  const algorithm = der(0x30, [...oid(OID_SHA256_RSA), 0x05, 0x00]);
  const tbs = der(0x30, [
    ...der(0xa0, der(0x02, [2])),
    ...der(0x02, [0x01, ...randomBytes(rng, 15)]),
    ...algorithm,
    ...name(issuer),
    ...der(0x30, [...der(0x17, ascii(notBefore)), ...der(0x17, ascii(notAfter))]),
    ...name(cn),
    ...der(0x30, [...der(0x30, [...oid(OID_RSA), 0x05, 0x00]), ...der(0x03, [0, ...rsaPublicKey(rng)])]),
  ]);
  return der(0x30, [...tbs, ...algorithm, ...der(0x03, [0, ...randomBytes(rng, 256)])]);
}

/**
 * A TLS 1.2 server's first flight: ServerHello (ECDHE-RSA-AES128-GCM, no supported_versions: TLS 1.2 chosen),
 * Certificate with `chain`, ServerKeyExchange, ServerHelloDone, as one handshake record.
 */
export function tlsServerHello12(rng: Rng, chain: number[][]): Uint8Array {
  const hello = [...u16(TLS12), ...randomBytes(rng, 32), 32, ...randomBytes(rng, 32), ...u16(ECDHE_RSA_AES128_GCM), 0, ...u16(5), ...extension(0xff01, [0])];
  const list = chain.flatMap((c) => [...u24(c.length), ...c]);
  const keyExchange = [3, ...u16(X25519), 32, ...randomBytes(rng, 32), ...u16(0x0401), ...u16(256), ...randomBytes(rng, 256)];
  return Uint8Array.from(
    record(CONTENT.handshake, TLS12, [
      ...handshake(HANDSHAKE.serverHello, hello),
      ...handshake(TLS12_HANDSHAKE.certificate, [...u24(list.length), ...list]),
      ...handshake(TLS12_HANDSHAKE.serverKeyExchange, keyExchange),
      ...handshake(TLS12_HANDSHAKE.serverHelloDone, []),
    ]),
  );
}

/** The client's ClientKeyExchange, change_cipher_spec and encrypted Finished (TLS 1.2). */
export function tlsClientKeyExchange12(rng: Rng): Uint8Array {
  return Uint8Array.from([
    ...record(CONTENT.handshake, TLS12, handshake(TLS12_HANDSHAKE.clientKeyExchange, [32, ...randomBytes(rng, 32)])),
    ...record(CONTENT.changeCipherSpec, TLS12, [1]),
    ...record(CONTENT.handshake, TLS12, randomBytes(rng, 40)),
  ]);
}

/** The server's change_cipher_spec and encrypted Finished (TLS 1.2). */
export function tlsServerFinished12(rng: Rng): Uint8Array {
  return Uint8Array.from([...record(CONTENT.changeCipherSpec, TLS12, [1]), ...record(CONTENT.handshake, TLS12, randomBytes(rng, 40))]);
}

/**
 * An alert after change_cipher_spec: encrypted (AES-GCM: 8-byte nonce, the 2 bytes, 16-byte tag), so only its
 * record shows. What TLS 1.2 peers send to end a session (close_notify) looks like this on the wire.
 */
export function tlsEncryptedAlert(rng: Rng): Uint8Array {
  return Uint8Array.from(record(ALERT, TLS12, randomBytes(rng, 26)));
}

/** An alert before change_cipher_spec, in the clear: `level` 1 (warning) or 2 (fatal), `description` its code. */
export function tlsPlainAlert(level: number, description: number): Uint8Array {
  return Uint8Array.from(record(ALERT, TLS12, [level, description]));
}
