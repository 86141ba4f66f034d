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
