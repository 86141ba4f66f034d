/**
 * DNS message decoder (RFC 1035, 3596, 2782, 6891) over a Uint8Array.
 *
 * Written here rather than taken from the `dns-packet` package because that package is built on Node's
 * Buffer, and ctiscope's decoders also run in the browser. It reads what timelines need (header,
 * questions, records with the common RDATA types) and never throws: a message cut short or with a bad
 * name yields what was read plus an anomaly.
 */

import type { Anomaly } from '../types.js';

export const DNS_RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  11: 'DSOTYPENI',
  16: 'BADVERS',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
};

export const DNS_TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  17: 'RP',
  18: 'AFSDB',
  24: 'SIG',
  25: 'KEY',
  28: 'AAAA',
  29: 'LOC',
  33: 'SRV',
  35: 'NAPTR',
  36: 'KX',
  37: 'CERT',
  39: 'DNAME',
  41: 'OPT',
  42: 'APL',
  43: 'DS',
  44: 'SSHFP',
  45: 'IPSECKEY',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  49: 'DHCID',
  50: 'NSEC3',
  51: 'NSEC3PARAM',
  52: 'TLSA',
  53: 'SMIMEA',
  55: 'HIP',
  59: 'CDS',
  60: 'CDNSKEY',
  61: 'OPENPGPKEY',
  62: 'CSYNC',
  63: 'ZONEMD',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  249: 'TKEY',
  250: 'TSIG',
  251: 'IXFR',
  252: 'AXFR',
  253: 'MAILB',
  254: 'MAILA',
  255: 'ANY',
  256: 'URI',
  257: 'CAA',
};

export const DNS_OPCODE_NAMES: Record<number, string> = {
  0: 'QUERY',
  1: 'IQUERY',
  2: 'STATUS',
  4: 'NOTIFY',
  5: 'UPDATE',
  6: 'DSO',
};

export function dnsTypeName(type: number): string {
  return DNS_TYPE_NAMES[type] ?? `TYPE${type}`;
}

export function dnsRcodeName(rcode: number): string {
  return DNS_RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

export interface DnsQuestion {
  name: string;
  type: number;
  typeName: string;
  /** QCLASS without the mDNS unicast-response bit. */
  class: number;
  /** The QCLASS top bit: mDNS's "QU" (unicast response wanted, RFC 6762 §5.4); meaningless in DNS. */
  classTopBit: boolean;
}

/**
 * What differs between the protocols that share DNS's wire format (DNS, mDNS, LLMNR, NetBIOS name service):
 * their record type names and opcodes, and how some of their RDATA reads. One message reader serves them all.
 */
export interface DnsDialect {
  typeName(type: number): string;
  opcodeNames: Record<number, string>;
  /**
   * RDATA as text for the types this dialect defines itself: null when it does not parse (an anomaly, the
   * data as hex), undefined to leave the type to DNS's reading.
   */
  rdata?(msg: Uint8Array, type: number, start: number, rdlen: number): string | null | undefined;
}

export const DNS_DIALECT: DnsDialect = { typeName: dnsTypeName, opcodeNames: DNS_OPCODE_NAMES };

export interface DnsRecord {
  name: string;
  type: number;
  typeName: string;
  class: number;
  ttl: number;
  /**
   * RDATA as text: an address for A/AAAA, a name for CNAME/PTR/NS, "10 mail.example" for MX,
   * "prio weight port target" for SRV, the SOA fields, quoted strings for TXT, hex otherwise.
   */
  data: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  opcodeName: string;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  authenticData: boolean;
  checkingDisabled: boolean;
  /** Header RCODE, extended by the OPT record's upper bits when present (RFC 6891). */
  rcode: number;
  rcodeName: string;
  /** Counts as the header states them (the arrays may be shorter if the message is cut). */
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  anomalies: Anomaly[];
}

/** Pointer jumps allowed while reading one name: more means a loop or a hostile message. */
const MAX_POINTER_JUMPS = 64;
/** A name's text is capped: RFC 1035 limits names to 255 octets on the wire. */
const MAX_NAME_OCTETS = 255;

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array, from = 0, to = b.length): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return s;
}

export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form of 16 bytes: lower case, leading zeros dropped, the longest zero run (≥2) as "::". */
export function ipv6Text(b: Uint8Array, o: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return words.map((w) => w.toString(16)).join(':');
  const head = words.slice(0, bestStart).map((w) => w.toString(16)).join(':');
  const tail = words.slice(bestStart + bestLen).map((w) => w.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Result slot for readName, reused to avoid an object per name. */
interface NameCursor {
  /** Offset right after the name where it was first read (not where a pointer led). */
  next: number;
  error: string | null;
}

/**
 * Reads a possibly compressed domain name at `offset`. Labels keep their case; bytes outside printable
 * ASCII, and '.' or '\' inside a label, are written as \DDD (the zone-file escape). The root is ".".
 */
export function readName(msg: Uint8Array, offset: number, cur: NameCursor): string {
  let pos = offset;
  let jumps = 0;
  let octets = 0;
  let name = '';
  cur.next = -1;
  cur.error = null;
  for (;;) {
    if (pos >= msg.length) {
      cur.error = 'name runs past the end of the message';
      break;
    }
    const len = msg[pos];
    if (len === 0) {
      if (cur.next < 0) cur.next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msg.length) {
        cur.error = 'compression pointer cut short';
        break;
      }
      if (cur.next < 0) cur.next = pos + 2;
      if (++jumps > MAX_POINTER_JUMPS) {
        cur.error = 'compression pointers loop';
        break;
      }
      pos = ((len & 0x3f) << 8) | msg[pos + 1];
      continue;
    }
    if (kind !== 0) {
      cur.error = `unsupported label type 0x${len.toString(16)}`;
      break;
    }
    if (pos + 1 + len > msg.length) {
      cur.error = 'label runs past the end of the message';
      break;
    }
    octets += len + 1;
    if (octets > MAX_NAME_OCTETS) {
      cur.error = 'name longer than 255 octets';
      break;
    }
    if (name.length > 0) name += '.';
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = msg[i];
      if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) name += String.fromCharCode(c);
      else name += '\\' + String(c).padStart(3, '0');
    }
    pos += 1 + len;
  }
  if (cur.next < 0) cur.next = msg.length;
  return name.length === 0 ? '.' : name;
}

function newMessage(): DnsMessage {
  return {
    id: 0,
    response: false,
    opcode: 0,
    opcodeName: 'QUERY',
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: 0,
    rcodeName: 'NOERROR',
    questionCount: 0,
    answerCount: 0,
    authorityCount: 0,
    additionalCount: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    anomalies: [],
  };
}

/** Text of character-strings (TXT, HINFO): each quoted, with quotes, backslashes and non-ASCII escaped. */
function characterStrings(msg: Uint8Array, from: number, to: number): string {
  const parts: string[] = [];
  let pos = from;
  while (pos < to) {
    const len = msg[pos];
    const end = Math.min(pos + 1 + len, to);
    let s = '"';
    for (let i = pos + 1; i < end; i++) {
      const c = msg[i];
      if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
      else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
      else s += '\\' + String(c).padStart(3, '0');
    }
    parts.push(s + '"');
    pos = end;
  }
  return parts.join(' ');
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

/** RDATA as text; names inside RDATA may use compression pointers into the whole message. */
function rdataText(msg: Uint8Array, type: number, start: number, rdlen: number, cur: NameCursor, out: DnsMessage, dialect: DnsDialect): string {
  const end = start + rdlen;
  const own = dialect.rdata?.(msg, type, start, rdlen);
  if (typeof own === 'string') return own;
  const bad = (): string => {
    out.anomalies.push({
      code: 'bad-rdata',
      message: `${dialect.typeName(type)} record data of ${rdlen} bytes does not parse`,
      offset: start,
    });
    return toHex(msg, start, end);
  };
  if (own === null) return bad();
  switch (type) {
    case 1:
      return rdlen === 4 ? ipv4Text(msg, start) : bad();
    case 28:
      return rdlen === 16 ? ipv6Text(msg, start) : bad();
    case 2:
    case 5:
    case 12:
    case 39: {
      const n = readName(msg, start, cur);
      return cur.error || cur.next > end ? bad() : n;
    }
    case 15: {
      if (rdlen < 3) return bad();
      const n = readName(msg, start + 2, cur);
      return cur.error || cur.next > end ? bad() : `${u16(msg, start)} ${n}`;
    }
    case 33: {
      if (rdlen < 7) return bad();
      const n = readName(msg, start + 6, cur);
      if (cur.error || cur.next > end) return bad();
      return `${u16(msg, start)} ${u16(msg, start + 2)} ${u16(msg, start + 4)} ${n}`;
    }
    case 6: {
      const mname = readName(msg, start, cur);
      if (cur.error) return bad();
      const rname = readName(msg, cur.next, cur);
      const p = cur.next;
      if (cur.error || p + 20 > end) return bad();
      return `${mname} ${rname} ${u32(msg, p)} ${u32(msg, p + 4)} ${u32(msg, p + 8)} ${u32(msg, p + 12)} ${u32(msg, p + 16)}`;
    }
    case 16:
    case 99:
    case 13:
      return characterStrings(msg, start, end);
    default:
      return toHex(msg, start, end);
  }
}

/**
 * Decodes one DNS message (a UDP datagram, or a TCP message without its 2-byte length prefix).
 * Never throws; problems are listed in `anomalies`.
 */
export function decodeDnsMessage(bytes: Uint8Array, dialect: DnsDialect = DNS_DIALECT): DnsMessage {
  const m = newMessage();
  if (bytes.length < 12) {
    m.anomalies.push({ code: 'short-message', message: `${bytes.length} bytes, less than a DNS header (12)`, offset: 0 });
    if (bytes.length >= 2) m.id = u16(bytes, 0);
    return m;
  }
  m.id = u16(bytes, 0);
  const flags = u16(bytes, 2);
  m.response = (flags & 0x8000) !== 0;
  m.opcode = (flags >> 11) & 0xf;
  m.opcodeName = dialect.opcodeNames[m.opcode] ?? `OPCODE${m.opcode}`;
  m.authoritative = (flags & 0x0400) !== 0;
  m.truncated = (flags & 0x0200) !== 0;
  m.recursionDesired = (flags & 0x0100) !== 0;
  m.recursionAvailable = (flags & 0x0080) !== 0;
  m.authenticData = (flags & 0x0020) !== 0;
  m.checkingDisabled = (flags & 0x0010) !== 0;
  m.rcode = flags & 0xf;
  m.questionCount = u16(bytes, 4);
  m.answerCount = u16(bytes, 6);
  m.authorityCount = u16(bytes, 8);
  m.additionalCount = u16(bytes, 10);

  const cur: NameCursor = { next: 0, error: null };
  let pos = 12;
  let cut = false;
  for (let i = 0; i < m.questionCount && !cut; i++) {
    const name = readName(bytes, pos, cur);
    if (cur.error || cur.next + 4 > bytes.length) {
      m.anomalies.push({
        code: 'bad-question',
        message: `question ${i + 1} of ${m.questionCount}: ${cur.error ?? 'cut short'}`,
        offset: pos,
      });
      cut = true;
      break;
    }
    pos = cur.next;
    const type = u16(bytes, pos);
    const qclass = u16(bytes, pos + 2);
    m.questions.push({ name, type, typeName: dialect.typeName(type), class: qclass & 0x7fff, classTopBit: (qclass & 0x8000) !== 0 });
    pos += 4;
  }
  const sections: [DnsRecord[], number, string][] = [
    [m.answers, m.answerCount, 'answer'],
    [m.authorities, m.authorityCount, 'authority'],
    [m.additionals, m.additionalCount, 'additional'],
  ];
  let extendedRcode = -1;
  for (const [list, count, label] of sections) {
    for (let i = 0; i < count && !cut; i++) {
      const name = readName(bytes, pos, cur);
      if (cur.error || cur.next + 10 > bytes.length) {
        m.anomalies.push({
          code: 'bad-record',
          message: `${label} record ${i + 1} of ${count}: ${cur.error ?? 'cut short'}`,
          offset: pos,
        });
        cut = true;
        break;
      }
      pos = cur.next;
      const type = u16(bytes, pos);
      const klass = u16(bytes, pos + 2);
      const ttl = u32(bytes, pos + 4);
      const rdlen = u16(bytes, pos + 8);
      pos += 10;
      if (pos + rdlen > bytes.length) {
        m.anomalies.push({
          code: 'bad-record',
          message: `${label} record ${i + 1} of ${count}: data of ${rdlen} bytes runs past the end of the message`,
          offset: pos,
        });
        cut = true;
        break;
      }
      if (type === 41) {
        // OPT: CLASS is the UDP payload size and TTL carries the upper 8 bits of the RCODE.
        extendedRcode = (ttl >>> 24) & 0xff;
        list.push({ name, type, typeName: 'OPT', class: klass, ttl, data: toHex(bytes, pos, pos + rdlen) });
      } else {
        const data = rdataText(bytes, type, pos, rdlen, cur, m, dialect);
        list.push({ name, type, typeName: dialect.typeName(type), class: klass & 0x7fff, ttl, data });
      }
      pos += rdlen;
    }
  }
  if (extendedRcode > 0) m.rcode |= extendedRcode << 4;
  m.rcodeName = dnsRcodeName(m.rcode);
  if (!cut && pos < bytes.length) {
    m.anomalies.push({
      code: 'trailing-bytes',
      message: `${bytes.length - pos} bytes after the last record`,
      offset: pos,
    });
  }
  return m;
}
