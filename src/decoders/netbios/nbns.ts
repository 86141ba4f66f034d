/**
 * NetBIOS name service (RFC 1002 §4.2, UDP 137): Windows' name queries, registrations, refreshes and
 * releases, mostly broadcast and mostly unanswered. The wire format is DNS's (header, questions,
 * records), so the DNS message reader reads it with the NBNS dialect; names are then first-level decoded
 * ("EGEJEMEF…" → "FILESRV<20>") and NB / NBSTAT data read as what they are.
 *
 * A broadcast query and its unicast answer travel on two different flows (to the broadcast address, then
 * back from the owner), so a response is paired only when both share a flow.
 */

import { createDnsFormatDatagramDecoder, type DnsFormat } from '../dns/index.js';
import { dnsTypeName, ipv4Text, toHex, type DnsDialect, type DnsMessage, type DnsRecord } from '../dns/message.js';
import type { FieldValue, StreamDecoderFactory } from '../types.js';
import {
  NB_FLAG_GROUP,
  NB_NODE_TYPES,
  NBNS_FLAG_BROADCAST,
  NBNS_OPCODE_NAMES,
  NBNS_RCODE_NAMES,
  NBNS_TYPE,
  NBNS_TYPE_NAMES,
} from './constants.js';
import { decodeNetbiosName, netbiosNameFromBytes, type NetbiosName } from './names.js';

export function nbnsTypeName(type: number): string {
  return NBNS_TYPE_NAMES[type] ?? dnsTypeName(type);
}

/** NB data: entries of NB_FLAGS and an IPv4 address, as "10.0.4.24 unique B-node, …". */
function nbData(msg: Uint8Array, start: number, rdlen: number): string | null {
  if (rdlen === 0) return '';
  if (rdlen % 6 !== 0) return null;
  const parts: string[] = [];
  for (let o = start; o < start + rdlen; o += 6) {
    const flags = (msg[o] << 8) | msg[o + 1];
    parts.push(`${ipv4Text(msg, o + 2)} ${flags & NB_FLAG_GROUP ? 'group' : 'unique'} ${NB_NODE_TYPES[(flags >> 13) & 3]}`);
  }
  return parts.join(', ');
}

/** NBSTAT data (node status): the names the node holds, then its MAC address. */
function nbstatData(msg: Uint8Array, start: number, rdlen: number): string | null {
  if (rdlen < 1) return null;
  const count = msg[start];
  const macAt = start + 1 + 18 * count;
  if (macAt + 6 > start + rdlen) return null;
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const o = start + 1 + 18 * i;
    const flags = (msg[o + 16] << 8) | msg[o + 17];
    names.push(netbiosNameFromBytes(msg, o).display + (flags & NB_FLAG_GROUP ? ' group' : ''));
  }
  const mac = toHex(msg, macAt, macAt + 6).replace(/(..)(?!$)/g, '$1:');
  return `${names.join(', ')}; MAC ${mac}`;
}

export const NBNS_DIALECT: DnsDialect = {
  typeName: nbnsTypeName,
  opcodeNames: NBNS_OPCODE_NAMES,
  rdata(msg, type, start, rdlen) {
    if (type === NBNS_TYPE.nb) return nbData(msg, start, rdlen);
    if (type === NBNS_TYPE.nbstat) return nbstatData(msg, start, rdlen);
    return undefined;
  },
};

/** A name as shown: decoded when it is a first-level encoded NetBIOS name, else as read. */
function shown(encoded: string): { text: string; decoded: NetbiosName | null } {
  const decoded = decodeNetbiosName(encoded);
  return { text: decoded ? decoded.display : encoded, decoded };
}

function recordFields(r: DnsRecord): FieldValue {
  return { name: shown(r.name).text, type: r.type, typeName: r.typeName, ttl: r.ttl, data: r.data };
}

const ADDRESS = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g;

function addressesOf(records: DnsRecord[]): string[] {
  return records.filter((r) => r.type === NBNS_TYPE.nb).flatMap((r) => r.data.match(ADDRESS) ?? []);
}

/** The `fields` of an NBNS message (docs/messages.md, NBNS). */
export function nbnsFields(m: DnsMessage): Record<string, FieldValue> {
  // The name a message is about: its question's, or for a response its first answer's.
  const subject = m.questions[0]?.name ?? m.answers[0]?.name ?? m.additionals[0]?.name ?? null;
  const s = subject === null ? null : shown(subject);
  const type = m.questions[0]?.type ?? m.answers[0]?.type ?? null;
  const fields: Record<string, FieldValue> = {
    id: m.id,
    response: m.response,
    opcode: m.opcode,
    opcodeName: m.opcodeName,
    broadcast: m.checkingDisabled,
    name: s ? s.text : null,
    netbiosName: s?.decoded ? s.decoded.name : null,
    suffix: s?.decoded ? s.decoded.suffix : null,
    suffixName: s?.decoded ? s.decoded.suffixName : null,
    qtype: type,
    qtypeName: type === null ? null : nbnsTypeName(type),
  };
  if (s?.decoded?.scope) fields.scope = s.decoded.scope;
  if (m.response) {
    fields.rcode = m.rcode;
    fields.rcodeName = NBNS_RCODE_NAMES[m.rcode] ?? `RCODE${m.rcode}`;
    fields.authoritative = m.authoritative;
  }
  fields.recursionDesired = m.recursionDesired;
  fields.questionCount = m.questionCount;
  fields.answerCount = m.answerCount;
  fields.authorityCount = m.authorityCount;
  fields.additionalCount = m.additionalCount;
  fields.answers = m.answers.map(recordFields);
  fields.addresses = addressesOf(m.answers);
  // A node status answer: the names the node holds and its MAC address.
  const status = m.answers.find((r) => r.type === NBNS_TYPE.nbstat && r.data.includes('; MAC '));
  if (status) {
    const [names, mac] = status.data.split('; MAC ');
    fields.nodeNames = names ? names.split(', ') : [];
    fields.mac = mac;
  }
  // A registration, refresh or release carries the address it is about in an additional NB record.
  if (m.additionals.length) {
    fields.additional = m.additionals.map(recordFields);
    fields.registeredAddresses = addressesOf(m.additionals);
  }
  return fields;
}

function nbnsSummary(m: DnsMessage): string {
  const f = nbnsFields(m);
  let s = `${m.opcodeName}${m.response ? ' response' : ''} ${f.qtypeName ?? ''} ${f.name ?? '(no name)'}`.replace('  ', ' ');
  if (m.response && m.rcode !== 0) s += ` ${f.rcodeName}`;
  const addrs = (f.addresses as string[]).length ? (f.addresses as string[]) : ((f.registeredAddresses as string[] | undefined) ?? []);
  if (addrs.length) s += ` → ${addrs.join(', ')}`;
  if (f.qtype === NBNS_TYPE.nbstat && m.answers[0]) s += ` → ${m.answers[0].data}`;
  if (f.broadcast) s += ' (broadcast)';
  return s;
}

export const NBNS_FORMAT: DnsFormat = { protocol: 'nbns', dialect: NBNS_DIALECT, fields: nbnsFields, summary: nbnsSummary };

/** NetBIOS name service over UDP: one message per datagram. */
export const createNbnsDatagramDecoder: StreamDecoderFactory = createDnsFormatDatagramDecoder(NBNS_FORMAT);
