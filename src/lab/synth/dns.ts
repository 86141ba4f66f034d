/**
 * A tiny DNS message encoder (A queries and answers only) for the synthetic captures: the decoders'
 * DNS module reads messages but does not write them.
 */

import { ipv4ToNumber } from './packet.js';

const textEncoder = new TextEncoder();

function encodeName(name: string): Uint8Array {
  const labels = name.split('.').filter((l) => l.length > 0);
  const parts: number[] = [];
  for (const l of labels) {
    const b = textEncoder.encode(l);
    parts.push(b.length);
    for (const x of b) parts.push(x);
  }
  parts.push(0);
  return Uint8Array.from(parts);
}

function header(id: number, flags: number, qd: number, an: number): number[] {
  return [id >>> 8, id & 0xff, flags >>> 8, flags & 0xff, 0, qd, an >>> 8, an & 0xff, 0, 0, 0, 0];
}

/** A standard recursive query for `name`, type A, class IN. */
export function encodeDnsQueryA(id: number, name: string): Uint8Array {
  const q = encodeName(name);
  return Uint8Array.from([...header(id, 0x0100, 1, 0), ...q, 0, 1, 0, 1]);
}

/**
 * The answer to encodeDnsQueryA: the question again, then one A record per address, each naming the
 * question by a compression pointer (0xC00C), as servers write it. `rcode` 3 (NXDOMAIN) with no addresses
 * gives a negative answer.
 */
export function encodeDnsResponseA(id: number, name: string, addresses: string[], ttl = 3600, rcode = 0): Uint8Array {
  const q = encodeName(name);
  const out: number[] = [...header(id, 0x8180 | (rcode & 0xf), 1, addresses.length), ...q, 0, 1, 0, 1];
  for (const a of addresses) {
    const n = ipv4ToNumber(a);
    out.push(0xc0, 0x0c, 0, 1, 0, 1, ttl >>> 24, (ttl >>> 16) & 0xff, (ttl >>> 8) & 0xff, ttl & 0xff, 0, 4);
    out.push(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  return Uint8Array.from(out);
}
