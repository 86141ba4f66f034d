/**
 * Link-Local Multicast Name Resolution (RFC 4795, UDP 5355): Windows asks the link for a single-label
 * name (to 224.0.0.252 / ff02::1:3) when DNS did not resolve it, and usually nobody answers. DNS's wire
 * format, read by the DNS message reader and labelled llmnr; its header bits C (conflict) and T
 * (tentative) sit where DNS has AA and RD.
 */

import { createDnsFormatDatagramDecoder, dnsFields, dnsSummary, type DnsFormat } from '../dns/index.js';
import { DNS_DIALECT, type DnsMessage } from '../dns/message.js';
import type { FieldValue, StreamDecoderFactory } from '../types.js';

export const LLMNR_PORT = 5355;

/** The `fields` of an LLMNR message: DNS's, with C and T named (docs/messages.md, LLMNR). */
export function llmnrFields(m: DnsMessage): Record<string, FieldValue> {
  const fields = dnsFields(m);
  delete fields.authoritative;
  fields.conflict = m.authoritative;
  fields.tentative = m.recursionDesired;
  return fields;
}

export const LLMNR_FORMAT: DnsFormat = { protocol: 'llmnr', dialect: DNS_DIALECT, fields: llmnrFields, summary: dnsSummary };

export const createLlmnrDatagramDecoder: StreamDecoderFactory = createDnsFormatDatagramDecoder(LLMNR_FORMAT);
