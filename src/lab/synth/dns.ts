/**
 * DNS message encoders for the synthetic captures (the decoders' DNS module reads messages but does not
 * write them): the desktop's A queries and answers, and any message in DNS's wire format for a Windows PC's
 * background (DNS, mDNS, LLMNR, NetBIOS name service).
 */

import { DNS_TYPE_NAMES } from '../../decoders/dns/message.js';
import { ipv4ToNumber } from './packet.js';
import { pushAll } from '../../array-loops.js';

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

// ------------------------------------------------------------------------------ any DNS-format message

/** DNS type numbers by name, read from the decoder's table (one list of codes). */
export const DNS_TYPE: Record<string, number> = Object.fromEntries(Object.entries(DNS_TYPE_NAMES).map(([n, name]) => [name, Number(n)]));

/** A name as labels ("wpad.corp.example.com") or already in wire form (a first-level encoded NetBIOS name). */
export type WireName = string | Uint8Array;

export interface DnsQuestionSpec {
  name: WireName;
  type: number;
  /** Class 1 (IN) unless given; mDNS sets the top bit for a "QU" question. */
  class?: number;
}

export interface DnsRecordSpec {
  name: WireName;
  type: number;
  class?: number;
  ttl: number;
  /** RDATA bytes (see the rdata helpers below). */
  data: Uint8Array;
}

export interface DnsMessageSpec {
  id: number;
  /** The 16-bit flags word (QR, opcode, AA, TC, RD, RA, …, RCODE). */
  flags: number;
  questions?: DnsQuestionSpec[];
  answers?: DnsRecordSpec[];
  authorities?: DnsRecordSpec[];
  additionals?: DnsRecordSpec[];
}

const wire = (n: WireName): Uint8Array => (typeof n === 'string' ? encodeName(n) : n);

/** Any message in DNS's wire format (DNS, mDNS, LLMNR, NetBIOS name service), names written out in full. */
export function encodeDnsMessage(m: DnsMessageSpec): Uint8Array {
  const q = m.questions ?? [];
  const sections = [m.answers ?? [], m.authorities ?? [], m.additionals ?? []];
  const out: number[] = [m.id >>> 8, m.id & 0xff, m.flags >>> 8, m.flags & 0xff];
  for (const n of [q.length, ...sections.map((s) => s.length)]) out.push(n >>> 8, n & 0xff);
  for (const x of q) {
    const c = x.class ?? 1;
    pushAll(out, wire(x.name));
    out.push(x.type >>> 8, x.type & 0xff, c >>> 8, c & 0xff);
  }
  for (const list of sections)
    for (const r of list) {
      const c = r.class ?? 1;
      pushAll(out, wire(r.name));
      out.push(r.type >>> 8, r.type & 0xff, c >>> 8, c & 0xff);
      out.push(r.ttl >>> 24, (r.ttl >>> 16) & 0xff, (r.ttl >>> 8) & 0xff, r.ttl & 0xff, r.data.length >>> 8, r.data.length & 0xff);
      pushAll(out, r.data);
    }
  return Uint8Array.from(out);
}

/** RDATA: an IPv4 address. */
export function rdataA(address: string): Uint8Array {
  const n = ipv4ToNumber(address);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** RDATA: an IPv6 address given as eight 16-bit groups. */
export function rdataAaaa(groups: number[]): Uint8Array {
  return Uint8Array.from(groups.flatMap((g) => [g >>> 8, g & 0xff]));
}

/** RDATA: a domain name (CNAME, PTR, NS). */
export function rdataName(name: string): Uint8Array {
  return encodeName(name);
}

/** RDATA: SRV priority, weight, port, target. */
export function rdataSrv(priority: number, weight: number, port: number, target: string): Uint8Array {
  return Uint8Array.from([priority >>> 8, priority & 0xff, weight >>> 8, weight & 0xff, port >>> 8, port & 0xff, ...encodeName(target)]);
}

/** RDATA: SOA (for the authority section of a negative answer). */
export function rdataSoa(mname: string, rname: string, serial: number, minimum: number): Uint8Array {
  const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return Uint8Array.from([...encodeName(mname), ...encodeName(rname), ...u32(serial), ...u32(900), ...u32(600), ...u32(86400), ...u32(minimum)]);
}

/** RDATA: TXT character-strings. */
export function rdataTxt(strings: string[]): Uint8Array {
  return Uint8Array.from(strings.flatMap((s) => [s.length, ...textEncoder.encode(s)]));
}
