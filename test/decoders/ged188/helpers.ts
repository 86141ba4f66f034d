/** Test helpers for writing GED-188 byte vectors by hand (independent of the encoder). */

import type { DecodedMessage, FlowInfo, StreamDecoder } from '../../../src/decoders/types.js';
import { createGed188StreamDecoder } from '../../../src/decoders/ged188/index.js';

/** Hex (spaces and | allowed) to bytes. */
export function h(hex: string): Uint8Array {
  const clean = hex.replace(/[\s|]/g, '');
  if (clean.length % 2) throw new Error(`odd hex: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** ASCII text as hex, with its terminating NUL. */
export function z(s: string): string {
  let out = '';
  for (const ch of s) out += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return out + '00';
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** One floating item: tag, length (of the data hex), data — in 1+1 or 2+2 form. */
export function item(width: 1 | 2, tag: number, dataHex: string): string {
  const len = dataHex.replace(/\s/g, '').length / 2;
  return width === 1 ? hex2(tag) + hex2(len) + dataHex : hex4(tag) + hex4(len) + dataHex;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const FLOW: FlowInfo = {
  id: 3,
  transport: 'tcp',
  clientIp: '10.0.0.20',
  clientPort: 50123,
  serverIp: '10.0.0.5',
  serverPort: 42027,
  client: '10.0.0.20:50123',
  server: '10.0.0.5:42027',
  roleBy: 'syn',
  firstFrame: 1,
  start: 100,
};

export function newDecoder(options: { showSecrets?: boolean; keepRaw?: boolean; forgetEmitted?: boolean } = {}): {
  dec: StreamDecoder;
  out: DecodedMessage[];
} {
  const out: DecodedMessage[] = [];
  const dec = createGed188StreamDecoder({ flow: FLOW, emit: (m) => out.push(m), options });
  return { dec, out };
}
