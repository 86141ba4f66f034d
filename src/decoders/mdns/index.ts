/**
 * Multicast DNS (RFC 6762, UDP 5353): DNS's wire format sent to 224.0.0.251 / ff02::fb, mostly service
 * discovery (PTR _googlecast._tcp.local …) and answered by whoever owns the name, so it is no lookup of
 * the desktop's. Read by the DNS message reader and labelled mdns; a question's top class bit is "QU"
 * (a unicast response wanted).
 */

import { createDnsFormatDatagramDecoder, dnsFields, dnsSummary, type DnsFormat } from '../dns/index.js';
import { DNS_DIALECT, type DnsMessage } from '../dns/message.js';
import type { FieldValue, StreamDecoderFactory } from '../types.js';

export const MDNS_PORT = 5353;

/** The `fields` of an mDNS message: DNS's, plus each question with its QU bit (docs/messages.md, mDNS). */
export function mdnsFields(m: DnsMessage): Record<string, FieldValue> {
  const fields = dnsFields(m);
  fields.questions = m.questions.map((q) => ({ name: q.name, type: q.type, typeName: q.typeName, unicastResponse: q.classTopBit }));
  return fields;
}

function mdnsSummary(m: DnsMessage): string {
  const s = dnsSummary(m);
  return m.questions.length > 1 ? `${s} (+${m.questions.length - 1} more ${m.questions.length === 2 ? 'question' : 'questions'})` : s;
}

export const MDNS_FORMAT: DnsFormat = { protocol: 'mdns', dialect: DNS_DIALECT, fields: mdnsFields, summary: mdnsSummary };

export const createMdnsDatagramDecoder: StreamDecoderFactory = createDnsFormatDatagramDecoder(MDNS_FORMAT);
