/**
 * LDAPv3 message encoders (RFC 4511), for the capture generator and the lab. Output is plain BER
 * with minimal lengths, as OpenLDAP and Active Directory write it.
 */

import {
  berBoolean,
  berConstructed,
  berInteger,
  berOctetString,
  berTlv,
} from '../ber.js';
import {
  LDAP_DEREF_NAMES,
  LDAP_OP_NAMES,
  LDAP_RESULT_CODE_NAMES,
  LDAP_SCOPE_NAMES,
} from './constants.js';
import { encodeLdapFilter, parseLdapFilter, type LdapFilter } from './filter.js';

export interface LdapControlSpec {
  type: string;
  criticality?: boolean;
  value?: Uint8Array;
}

interface LdapMessageCommon {
  messageId: number;
  controls?: LdapControlSpec[];
}

export interface LdapResultSpec extends LdapMessageCommon {
  /** Number or name (`invalidCredentials`). */
  resultCode: number | string;
  matchedDN?: string;
  diagnosticMessage?: string;
  /** Referral URIs (resultCode referral). */
  referral?: string[];
}

export interface LdapBindRequestSpec extends LdapMessageCommon {
  version?: number;
  name: string;
  /** Simple bind password; ignored when `sasl` is given. */
  password?: string | Uint8Array;
  sasl?: { mechanism: string; credentials?: Uint8Array };
}

export interface LdapBindResponseSpec extends LdapResultSpec {
  serverSaslCreds?: Uint8Array;
}

export interface LdapSearchRequestSpec extends LdapMessageCommon {
  baseObject: string;
  scope: number | (typeof LDAP_SCOPE_NAMES)[number];
  derefAliases?: number | (typeof LDAP_DEREF_NAMES)[number];
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  /** RFC 4515 text or the object form; default (objectClass=*). */
  filter?: string | LdapFilter;
  attributes?: string[];
}

export interface LdapSearchResEntrySpec extends LdapMessageCommon {
  objectName: string;
  attributes: Record<string, (string | Uint8Array)[]>;
}

export interface LdapExtendedRequestSpec extends LdapMessageCommon {
  requestName: string;
  requestValue?: Uint8Array;
}

export interface LdapExtendedResponseSpec extends LdapResultSpec {
  responseName?: string;
  responseValue?: Uint8Array;
}

/** Operations that answer with a bare LDAPResult. */
export type LdapResultOpName =
  | 'bindResponse'
  | 'searchResDone'
  | 'modifyResponse'
  | 'addResponse'
  | 'delResponse'
  | 'modDNResponse'
  | 'compareResponse'
  | 'extendedResp';

function opNumber(name: string): number {
  for (const [n, v] of Object.entries(LDAP_OP_NAMES)) if (v === name) return Number(n);
  throw new RangeError(`unknown LDAP operation: ${name}`);
}

function codeOf(value: number | string, names: Record<number, string> | readonly string[], what: string): number {
  if (typeof value === 'number') return value;
  for (const [n, v] of Object.entries(names)) if (v === value) return Number(n);
  throw new RangeError(`unknown ${what}: ${value}`);
}

function controlsElement(controls: LdapControlSpec[] | undefined): Uint8Array[] {
  if (!controls || controls.length === 0) return [];
  const list = controls.map((c) => {
    const parts = [berOctetString(c.type)];
    if (c.criticality) parts.push(berBoolean(true));
    if (c.value) parts.push(berOctetString(c.value));
    return berConstructed(0x30, parts);
  });
  return [berConstructed(0xa0, list)];
}

/** LDAPMessage ::= SEQUENCE { messageID, protocolOp, controls [0] OPTIONAL }. `protocolOp` is the whole op element. */
export function encodeLdapMessage(messageId: number, protocolOp: Uint8Array, controls?: LdapControlSpec[]): Uint8Array {
  return berConstructed(0x30, [berInteger(messageId), protocolOp, ...controlsElement(controls)]);
}

function ldapResultParts(spec: LdapResultSpec): Uint8Array[] {
  const parts = [
    berInteger(codeOf(spec.resultCode, LDAP_RESULT_CODE_NAMES, 'result code'), 0x0a),
    berOctetString(spec.matchedDN ?? ''),
    berOctetString(spec.diagnosticMessage ?? ''),
  ];
  if (spec.referral && spec.referral.length) {
    parts.push(berConstructed(0xa3, spec.referral.map((u) => berOctetString(u))));
  }
  return parts;
}

/** Any response whose body is an LDAPResult: `op` names it (`modifyResponse`, `delResponse`, …). */
export function encodeLdapResult(op: LdapResultOpName, spec: LdapResultSpec): Uint8Array {
  const tag = 0x60 | opNumber(op);
  return encodeLdapMessage(spec.messageId, berConstructed(tag, ldapResultParts(spec)), spec.controls);
}

export function encodeLdapBindRequest(spec: LdapBindRequestSpec): Uint8Array {
  const auth = spec.sasl
    ? berConstructed(0xa3, [
        berOctetString(spec.sasl.mechanism),
        ...(spec.sasl.credentials ? [berOctetString(spec.sasl.credentials)] : []),
      ])
    : berOctetString(spec.password ?? '', 0x80);
  const op = berConstructed(0x60, [berInteger(spec.version ?? 3), berOctetString(spec.name), auth]);
  return encodeLdapMessage(spec.messageId, op, spec.controls);
}

export function encodeLdapBindResponse(spec: LdapBindResponseSpec): Uint8Array {
  const parts = ldapResultParts(spec);
  if (spec.serverSaslCreds) parts.push(berOctetString(spec.serverSaslCreds, 0x87));
  return encodeLdapMessage(spec.messageId, berConstructed(0x61, parts), spec.controls);
}

export function encodeLdapUnbindRequest(spec: LdapMessageCommon): Uint8Array {
  return encodeLdapMessage(spec.messageId, berTlv(0x42, new Uint8Array(0)), spec.controls);
}

export function encodeLdapSearchRequest(spec: LdapSearchRequestSpec): Uint8Array {
  const filter = spec.filter ?? '(objectClass=*)';
  const filterObject = typeof filter === 'string' ? parseLdapFilter(filter) : filter;
  const op = berConstructed(0x63, [
    berOctetString(spec.baseObject),
    berInteger(codeOf(spec.scope, LDAP_SCOPE_NAMES, 'scope'), 0x0a),
    berInteger(codeOf(spec.derefAliases ?? 0, LDAP_DEREF_NAMES, 'derefAliases'), 0x0a),
    berInteger(spec.sizeLimit ?? 0),
    berInteger(spec.timeLimit ?? 0),
    berBoolean(spec.typesOnly ?? false),
    encodeLdapFilter(filterObject),
    berConstructed(0x30, (spec.attributes ?? []).map((a) => berOctetString(a))),
  ]);
  return encodeLdapMessage(spec.messageId, op, spec.controls);
}

export function encodeLdapSearchResEntry(spec: LdapSearchResEntrySpec): Uint8Array {
  const attrs = Object.entries(spec.attributes).map(([name, values]) =>
    berConstructed(0x30, [berOctetString(name), berConstructed(0x31, values.map((v) => berOctetString(v)))]),
  );
  const op = berConstructed(0x64, [berOctetString(spec.objectName), berConstructed(0x30, attrs)]);
  return encodeLdapMessage(spec.messageId, op, spec.controls);
}

export function encodeLdapSearchResDone(spec: LdapResultSpec): Uint8Array {
  return encodeLdapResult('searchResDone', spec);
}

export function encodeLdapSearchResRef(spec: LdapMessageCommon & { uris: string[] }): Uint8Array {
  return encodeLdapMessage(spec.messageId, berConstructed(0x73, spec.uris.map((u) => berOctetString(u))), spec.controls);
}

export function encodeLdapExtendedRequest(spec: LdapExtendedRequestSpec): Uint8Array {
  const parts = [berOctetString(spec.requestName, 0x80)];
  if (spec.requestValue) parts.push(berOctetString(spec.requestValue, 0x81));
  return encodeLdapMessage(spec.messageId, berConstructed(0x77, parts), spec.controls);
}

export function encodeLdapExtendedResponse(spec: LdapExtendedResponseSpec): Uint8Array {
  const parts = ldapResultParts(spec);
  if (spec.responseName !== undefined) parts.push(berOctetString(spec.responseName, 0x8a));
  if (spec.responseValue) parts.push(berOctetString(spec.responseValue, 0x8b));
  return encodeLdapMessage(spec.messageId, berConstructed(0x78, parts), spec.controls);
}

export function encodeLdapAbandonRequest(spec: LdapMessageCommon & { abandonId: number }): Uint8Array {
  return encodeLdapMessage(spec.messageId, berInteger(spec.abandonId, 0x50), spec.controls);
}

export function encodeLdapDelRequest(spec: LdapMessageCommon & { objectName: string }): Uint8Array {
  return encodeLdapMessage(spec.messageId, berOctetString(spec.objectName, 0x4a), spec.controls);
}
