/**
 * Decodes one LDAPv3 message (RFC 4511) from its BER bytes: messageID, the protocolOp with the
 * parts a login trace needs (bind names and mechanisms, search base/scope/filter, entries, every
 * LDAPResult), and the controls' OIDs. Bounds-checked throughout; never throws.
 */

import {
  readBerBoolean,
  readBerElement,
  readBerInteger,
  readPlainBerElement,
  type BerElement,
  type BerSpan,
} from '../ber.js';
import type { Anomaly, DecodeOptions, FieldValue } from '../types.js';
import {
  LDAP_DEREF_NAMES,
  LDAP_MODIFY_OPERATION_NAMES,
  LDAP_OID_NAMES,
  LDAP_OP_NAMES,
  LDAP_SCOPE_NAMES,
  ldapResultCodeName,
  OP_ABANDON_REQUEST,
  OP_ADD_REQUEST,
  OP_BIND_REQUEST,
  OP_BIND_RESPONSE,
  OP_COMPARE_REQUEST,
  OP_DEL_REQUEST,
  OP_EXTENDED_REQUEST,
  OP_EXTENDED_RESPONSE,
  OP_INTERMEDIATE_RESPONSE,
  OP_MODDN_REQUEST,
  OP_MODIFY_REQUEST,
  OP_SEARCH_REQUEST,
  OP_SEARCH_RES_ENTRY,
  OP_SEARCH_RES_REF,
  OP_UNBIND_REQUEST,
  RESULT_OPS,
} from './constants.js';
import { renderLdapFilter } from './filter.js';

/** Bounds on what a searchResEntry reports, so one huge entry cannot flood the output. */
const MAX_ATTRIBUTES = 64;
const MAX_VALUES_PER_ATTRIBUTE = 32;
const MAX_VALUE_TEXT = 256;
const MAX_VALUE_HEX_BYTES = 64;
const MAX_LIST = 256;

export interface LdapMessage {
  messageId: number | null;
  /** [APPLICATION n] number of the protocolOp; -1 when it could not be read. */
  op: number;
  /** protocolOp name as tshark shows it, or `UNKNOWN_<n>`. */
  type: string;
  /** Bytes the outer SEQUENCE covers (header included). */
  length: number;
  fields: Record<string, FieldValue>;
  summary: string;
  anomalies: Anomaly[];
}

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Names (DNs, attribute types, filters' strings) longer than this are cut, with their length said: a real DN is
 * a few hundred bytes, and a 30 MB one would otherwise be held as a 30 MB string by every message that names it.
 */
export const MAX_NAME_BYTES = 64 * 1024;

/** UTF-8 text of a name, bounded by MAX_NAME_BYTES ("…" and the length in bytes after a cut). */
function nameText(bytes: Uint8Array): string {
  if (bytes.length <= MAX_NAME_BYTES) return utf8.decode(bytes);
  return `${utf8.decode(bytes.subarray(0, MAX_NAME_BYTES))}… (${bytes.length} bytes)`;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** Attribute values: UTF-8 text when they are printable text, else hex (both bounded). */
export function formatLdapValue(bytes: Uint8Array): string {
  let text: string | null = null;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = null;
  }
  if (text !== null && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    return text.length > MAX_VALUE_TEXT ? text.slice(0, MAX_VALUE_TEXT) + '…' : text;
  }
  const shown = bytes.length > MAX_VALUE_HEX_BYTES ? bytes.subarray(0, MAX_VALUE_HEX_BYTES) : bytes;
  return `0x${hex(shown)}${bytes.length > MAX_VALUE_HEX_BYTES ? `… (${bytes.length} bytes)` : ''}`;
}

/** Reads the children of one constructed element in order, recording the first problem. */
class Reader {
  pos: number;
  failed = false;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    private readonly out: LdapMessage,
    private readonly context: string,
  ) {
    this.pos = start;
  }

  get more(): boolean {
    return !this.failed && this.pos < this.end;
  }

  problem(code: string, message: string): void {
    if (!this.failed) this.out.anomalies.push({ code, message, offset: this.pos });
    this.failed = true;
  }

  /** The next element; when `identifier` is given it must match (else null, unless optional). */
  next(what: string, identifier?: number, optional = false): BerElement | null {
    if (this.failed) return null;
    if (this.pos >= this.end) {
      if (!optional) this.problem('truncated', `${this.context}: ${what} is missing`);
      return null;
    }
    const el = readBerElement(this.buf, this.pos, this.end);
    if (el.error) {
      this.problem(el.error === 'past-end' || el.error === 'truncated-header' ? 'truncated' : el.error, `${this.context}: ${what}: ${describeBerError(el.error)}`);
      return null;
    }
    if (identifier !== undefined && el.identifier !== identifier) {
      if (optional) return null;
      this.problem('unexpected-tag', `${this.context}: ${what} has tag 0x${el.identifier.toString(16)}, expected 0x${identifier.toString(16)}`);
      return null;
    }
    this.pos = el.end;
    return el;
  }

  bytes(what: string, identifier = 0x04, optional = false): Uint8Array | null {
    const el = this.next(what, identifier, optional);
    return el ? this.buf.subarray(el.contentStart, el.end) : null;
  }

  string(what: string, identifier = 0x04, optional = false): string | null {
    const b = this.bytes(what, identifier, optional);
    return b ? nameText(b) : null;
  }

  integer(what: string, identifier = 0x02): number | null {
    const el = this.next(what, identifier);
    if (!el) return null;
    const v = readBerInteger(this.buf, el.contentStart, el.end);
    if (v === null) this.problem('bad-integer', `${this.context}: ${what} is not a valid INTEGER`);
    return v;
  }

  boolean(what: string): boolean | null {
    const el = this.next(what, 0x01);
    if (!el) return null;
    const v = readBerBoolean(this.buf, el.contentStart, el.end);
    if (v === null) this.problem('bad-boolean', `${this.context}: ${what} is not a valid BOOLEAN`);
    return v;
  }

  /** A child reader over a constructed element's content. */
  into(el: BerElement, context: string): Reader {
    return new Reader(this.buf, el.contentStart, el.end, this.out, context);
  }

  /** Propagates a child's failure. */
  absorb(child: Reader): void {
    if (child.failed) this.failed = true;
  }
}

function describeBerError(e: string): string {
  switch (e) {
    case 'indefinite-length':
      return 'indefinite length, which LDAP does not allow';
    case 'past-end':
      return 'length runs past the end of its container';
    case 'truncated-header':
      return 'header cut short';
    case 'length-too-long':
      return 'length of more than 4 bytes';
    case 'tag-too-long':
      return 'tag number too long';
    case 'reserved-length':
      return 'reserved length octet 0xff';
    default:
      return e;
  }
}

function nameOf(names: readonly string[], v: number): string {
  return names[v] ?? `unknown(${v})`;
}

/** Decodes the LDAPMessage at the start of `bytes` (extra bytes after it are ignored). */
export function decodeLdapMessage(bytes: Uint8Array, opts: DecodeOptions = {}): LdapMessage {
  const m: LdapMessage = { messageId: null, op: -1, type: 'UNKNOWN', length: 0, fields: {}, summary: '', anomalies: [] };
  const top = readBerElement(bytes, 0, bytes.length);
  m.length = top.end - top.start;
  if (top.error) {
    m.anomalies.push({
      code: top.error === 'past-end' || top.error === 'truncated-header' ? 'truncated' : top.error,
      message: `LDAPMessage: ${describeBerError(top.error)}`,
      offset: 0,
    });
    if (top.error !== 'past-end') {
      m.summary = 'LDAP (unreadable)';
      return m;
    }
  }
  if (top.identifier !== 0x30) {
    m.anomalies.push({ code: 'not-ldap', message: `LDAPMessage must be a SEQUENCE (0x30), found 0x${top.identifier.toString(16)}`, offset: 0 });
    m.summary = 'not LDAP';
    return m;
  }
  const r = new Reader(bytes, top.contentStart, top.end, m, 'LDAPMessage');
  const id = r.integer('messageID');
  if (id !== null) {
    m.messageId = id;
    m.fields.messageId = id;
    if (id < 0 || id > 2147483647) m.anomalies.push({ code: 'bad-message-id', message: `messageID ${id} is outside 0..2^31-1` });
  }
  const opEl = r.next('protocolOp');
  if (opEl) {
    if (opEl.tagClass !== 1) {
      m.anomalies.push({ code: 'unexpected-tag', message: `protocolOp has tag 0x${opEl.identifier.toString(16)}, not an [APPLICATION n] tag` });
    } else {
      m.op = opEl.tagNumber;
      m.type = LDAP_OP_NAMES[m.op] ?? `UNKNOWN_${m.op}`;
      m.fields.protocolOp = m.op;
      if (!LDAP_OP_NAMES[m.op]) m.anomalies.push({ code: 'unknown-operation', message: `protocolOp [APPLICATION ${m.op}] is not an LDAP operation` });
      else decodeOp(r, opEl, m, opts);
    }
  }
  if (r.more) {
    const controls = r.next('controls', 0xa0, true);
    if (controls) decodeControls(r.into(controls, 'controls'), m);
    else if (r.more) m.anomalies.push({ code: 'trailing-data', message: 'unexpected data after the protocolOp' });
  }
  m.summary = summarize(m);
  return m;
}

function decodeOp(parent: Reader, el: BerElement, m: LdapMessage, opts: DecodeOptions): void {
  const f = m.fields;
  const name = m.type;
  const buf = parent.buf;
  // Primitive operations: their content is the value itself.
  if (m.op === OP_UNBIND_REQUEST) return;
  if (m.op === OP_DEL_REQUEST) {
    f.objectName = nameText(buf.subarray(el.contentStart, el.end));
    return;
  }
  if (m.op === OP_ABANDON_REQUEST) {
    const v = readBerInteger(buf, el.contentStart, el.end);
    if (v === null) m.anomalies.push({ code: 'bad-integer', message: 'abandonRequest: messageID is not a valid INTEGER' });
    else f.abandonId = v;
    return;
  }
  if (!el.constructed) {
    m.anomalies.push({ code: 'unexpected-tag', message: `${name} must be constructed` });
    return;
  }
  const r = parent.into(el, name);
  if (RESULT_OPS.has(m.op)) {
    decodeResult(r, m);
    if (m.op === OP_BIND_RESPONSE) {
      const creds = r.next('serverSaslCreds', 0x87, true);
      if (creds) f.serverSaslCreds = true;
    } else if (m.op === OP_EXTENDED_RESPONSE) {
      const rn = r.string('responseName', 0x8a, true);
      if (rn !== null) {
        f.responseName = rn;
        if (LDAP_OID_NAMES[rn]) f.responseNameName = LDAP_OID_NAMES[rn];
      }
      const rv = r.bytes('responseValue', 0x8b, true);
      if (rv) f.responseValue = formatLdapValue(rv);
    }
    parent.absorb(r);
    return;
  }
  switch (m.op) {
    case OP_BIND_REQUEST: {
      const version = r.integer('version');
      if (version !== null) f.version = version;
      const dn = r.string('name');
      if (dn !== null) f.name = dn;
      const auth = r.next('authentication');
      if (!auth) break;
      if (auth.identifier === 0x80) {
        f.authentication = 'simple';
        const pw = buf.subarray(auth.contentStart, auth.end);
        // An empty password is an anonymous or unauthenticated bind: worth seeing, nothing to hide.
        f.password = pw.length === 0 ? '' : opts.showSecrets ? nameText(pw) : '<redacted>';
      } else if (auth.identifier === 0xa3) {
        const s = r.into(auth, 'SaslCredentials');
        const mech = s.string('mechanism');
        if (mech !== null) {
          f.authentication = `sasl:${mech}`;
          f.saslMechanism = mech;
        }
        f.saslCredentials = s.next('credentials', 0x04, true) !== null;
        r.absorb(s);
      } else {
        f.authentication = `unknown(0x${auth.identifier.toString(16)})`;
        m.anomalies.push({ code: 'unknown-authentication', message: `bindRequest authentication choice 0x${auth.identifier.toString(16)}` });
      }
      break;
    }
    case OP_SEARCH_REQUEST: {
      const base = r.string('baseObject');
      if (base !== null) f.baseObject = base;
      const scopeEl = r.next('scope', 0x0a);
      if (scopeEl) {
        const v = readBerInteger(buf, scopeEl.contentStart, scopeEl.end) ?? -1;
        f.scope = v;
        f.scopeName = nameOf(LDAP_SCOPE_NAMES, v);
      }
      const derefEl = r.next('derefAliases', 0x0a);
      if (derefEl) {
        const v = readBerInteger(buf, derefEl.contentStart, derefEl.end) ?? -1;
        f.derefAliases = v;
        f.derefAliasesName = nameOf(LDAP_DEREF_NAMES, v);
      }
      const size = r.integer('sizeLimit');
      if (size !== null) f.sizeLimit = size;
      const time = r.integer('timeLimit');
      if (time !== null) f.timeLimit = time;
      const typesOnly = r.boolean('typesOnly');
      if (typesOnly !== null) f.typesOnly = typesOnly;
      const filterEl = r.next('filter');
      if (filterEl) {
        const rendered = renderLdapFilter(buf, filterEl.start, filterEl.end);
        f.filter = rendered.text;
        if (rendered.error) m.anomalies.push({ code: 'bad-filter', message: rendered.error });
      }
      const attrsEl = r.next('attributes', 0x30);
      if (attrsEl) f.attributes = stringList(r.into(attrsEl, 'attributes'), r, 'attribute');
      break;
    }
    case OP_SEARCH_RES_ENTRY: {
      const dn = r.string('objectName');
      if (dn !== null) f.objectName = dn;
      const attrsEl = r.next('attributes', 0x30);
      if (attrsEl) f.attributes = partialAttributes(r.into(attrsEl, 'attributes'), r, f);
      break;
    }
    case OP_SEARCH_RES_REF:
      f.uris = stringList(r, parent, 'URI');
      break;
    case OP_MODIFY_REQUEST: {
      const dn = r.string('object');
      if (dn !== null) f.objectName = dn;
      const changesEl = r.next('changes', 0x30);
      if (!changesEl) break;
      const c = r.into(changesEl, 'changes');
      const changes: FieldValue[] = [];
      while (c.more) {
        const changeEl = c.next('change', 0x30);
        if (!changeEl) break;
        const ch = c.into(changeEl, 'change');
        const opEl = ch.next('operation', 0x0a);
        const opNo = opEl ? readBerInteger(buf, opEl.contentStart, opEl.end) ?? -1 : -1;
        const modEl = ch.next('modification', 0x30);
        let type = '';
        if (modEl) {
          const mod = ch.into(modEl, 'modification');
          type = mod.string('type') ?? '';
          ch.absorb(mod);
        }
        c.absorb(ch);
        if (changes.length < MAX_LIST) changes.push({ operation: nameOf(LDAP_MODIFY_OPERATION_NAMES, opNo), type });
      }
      r.absorb(c);
      f.changes = changes;
      break;
    }
    case OP_ADD_REQUEST: {
      const dn = r.string('entry');
      if (dn !== null) f.objectName = dn;
      const attrsEl = r.next('attributes', 0x30);
      if (attrsEl) f.attributes = partialAttributes(r.into(attrsEl, 'attributes'), r, f);
      break;
    }
    case OP_MODDN_REQUEST: {
      const dn = r.string('entry');
      if (dn !== null) f.objectName = dn;
      const rdn = r.string('newrdn');
      if (rdn !== null) f.newRdn = rdn;
      const del = r.boolean('deleteoldrdn');
      if (del !== null) f.deleteOldRdn = del;
      const sup = r.string('newSuperior', 0x80, true);
      if (sup !== null) f.newSuperior = sup;
      break;
    }
    case OP_COMPARE_REQUEST: {
      const dn = r.string('entry');
      if (dn !== null) f.objectName = dn;
      const avaEl = r.next('ava', 0x30);
      if (avaEl) {
        const a = r.into(avaEl, 'ava');
        const desc = a.string('attributeDesc');
        const value = a.bytes('assertionValue');
        if (desc !== null) f.attribute = desc;
        if (value) f.value = formatLdapValue(value);
        r.absorb(a);
      }
      break;
    }
    case OP_EXTENDED_REQUEST: {
      const oid = r.string('requestName', 0x80);
      if (oid !== null) {
        f.requestName = oid;
        if (LDAP_OID_NAMES[oid]) f.requestNameName = LDAP_OID_NAMES[oid];
      }
      const value = r.next('requestValue', 0x81, true);
      if (value) f.requestValue = true;
      break;
    }
    case OP_INTERMEDIATE_RESPONSE: {
      const oid = r.string('responseName', 0x80, true);
      if (oid !== null) {
        f.responseName = oid;
        if (LDAP_OID_NAMES[oid]) f.responseNameName = LDAP_OID_NAMES[oid];
      }
      break;
    }
  }
  parent.absorb(r);
}

function decodeResult(r: Reader, m: LdapMessage): void {
  const f = m.fields;
  const codeEl = r.next('resultCode', 0x0a);
  if (codeEl) {
    const code = readBerInteger(r.buf, codeEl.contentStart, codeEl.end);
    if (code === null) r.problem('bad-integer', `${m.type}: resultCode is not a valid ENUMERATED`);
    else {
      f.resultCode = code;
      f.resultCodeName = ldapResultCodeName(code);
    }
  }
  const matched = r.string('matchedDN');
  if (matched !== null) f.matchedDN = matched;
  const diag = r.string('diagnosticMessage');
  // Active Directory ends its diagnostic text with a NUL; tshark does not show it and neither do we.
  if (diag !== null) f.diagnosticMessage = diag.replace(/\0+$/, '');
  const referral = r.next('referral', 0xa3, true);
  if (referral) f.referral = stringList(r.into(referral, 'referral'), r, 'URI');
}

function stringList(list: Reader, parent: Reader, what: string): string[] {
  const out: string[] = [];
  while (list.more) {
    const s = list.string(what);
    if (s === null) break;
    if (out.length < MAX_LIST) out.push(s);
  }
  parent.absorb(list);
  return out;
}

/** False only inside decodeLdapMessageGeneral. */
let shortcuts = true;

/** decodeLdapMessage without the shortcut for well-formed attribute lists (tests compare the two). */
export function decodeLdapMessageGeneral(bytes: Uint8Array, opts: DecodeOptions = {}): LdapMessage {
  shortcuts = false;
  try {
    return decodeLdapMessage(bytes, opts);
  } finally {
    shortcuts = true;
  }
}

/** The element readPlainBerElement read last (plainAttributes copies what it needs before the next read). */
const SPAN: BerSpan = { start: 0, end: 0 };

/**
 * partialAttributes for a list that is well formed throughout, read in one pass without Reader or element
 * objects: entries are most of a directory download's bytes. Null when anything is off (a tag, a length,
 * more than MAX_ATTRIBUTES); the Reader path then reads the list and names the problem.
 */
export function plainAttributes(buf: Uint8Array, start: number, end: number): { [k: string]: FieldValue } | null {
  if (end > buf.length) return null;
  const out: { [k: string]: FieldValue } = {};
  let count = 0;
  let pos = start;
  while (pos < end) {
    if (!readPlainBerElement(buf, pos, end, 0x30, SPAN)) return null;
    const attrEnd = SPAN.end;
    if (!readPlainBerElement(buf, SPAN.start, attrEnd, 0x04, SPAN)) return null;
    const typeAt = SPAN.start;
    const typeEnd = SPAN.end;
    if (!readPlainBerElement(buf, typeEnd, attrEnd, 0x31, SPAN)) return null;
    const valsEnd = SPAN.end;
    if (++count > MAX_ATTRIBUTES) return null;
    const type = nameText(buf.subarray(typeAt, typeEnd));
    const values: string[] = [];
    let total = 0;
    let v = SPAN.start;
    while (v < valsEnd) {
      if (!readPlainBerElement(buf, v, valsEnd, 0x04, SPAN)) return null;
      total++;
      if (values.length < MAX_VALUES_PER_ATTRIBUTE) values.push(formatLdapValue(buf.subarray(SPAN.start, SPAN.end)));
      v = SPAN.end;
    }
    if (total > values.length) values.push(`… (${total} values)`);
    // A repeated attribute name keeps all its values.
    const prior = out[type];
    out[type] = Array.isArray(prior) ? prior.concat(values) : values;
    pos = attrEnd;
  }
  return out;
}

/** PartialAttributeList / AttributeList as { name: [values] }, bounded. */
function partialAttributes(list: Reader, parent: Reader, f: Record<string, FieldValue>): { [k: string]: FieldValue } {
  if (shortcuts) {
    const plain = plainAttributes(list.buf, list.pos, list.end);
    if (plain !== null) {
      // Read cleanly: the list is done and has nothing to pass on to its parent.
      list.pos = list.end;
      return plain;
    }
  }
  const out: { [k: string]: FieldValue } = {};
  let count = 0;
  while (list.more) {
    const attrEl = list.next('attribute', 0x30);
    if (!attrEl) break;
    const a = list.into(attrEl, 'attribute');
    const type = a.string('type');
    const valsEl = a.next('vals', 0x31);
    const values: string[] = [];
    let total = 0;
    if (valsEl) {
      const v = a.into(valsEl, 'vals');
      while (v.more) {
        const b = v.bytes('value');
        if (!b) break;
        total++;
        if (values.length < MAX_VALUES_PER_ATTRIBUTE) values.push(formatLdapValue(b));
      }
      a.absorb(v);
    }
    list.absorb(a);
    if (type === null) break;
    count++;
    if (count <= MAX_ATTRIBUTES) {
      if (total > values.length) values.push(`… (${total} values)`);
      // A repeated attribute name keeps all its values.
      const prior = out[type];
      out[type] = Array.isArray(prior) ? prior.concat(values) : values;
    }
  }
  if (count > MAX_ATTRIBUTES) f.attributeCount = count;
  parent.absorb(list);
  return out;
}

function decodeControls(r: Reader, m: LdapMessage): void {
  const controls: FieldValue[] = [];
  while (r.more) {
    const cEl = r.next('control', 0x30);
    if (!cEl) break;
    const c = r.into(cEl, 'control');
    const oid = c.string('controlType');
    let critical = false;
    if (c.more) {
      const crit = c.next('criticality', 0x01, true);
      if (crit) critical = readBerBoolean(r.buf, crit.contentStart, crit.end) ?? false;
    }
    r.absorb(c);
    if (oid === null) break;
    if (controls.length < MAX_LIST) {
      const entry: Record<string, FieldValue> = { oid, critical };
      if (LDAP_OID_NAMES[oid]) entry.name = LDAP_OID_NAMES[oid];
      controls.push(entry);
    }
  }
  m.fields.controls = controls;
}

function shorten(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

function quoteDn(dn: unknown): string {
  const s = String(dn ?? '');
  return s === '' ? '""' : shorten(s, 120);
}

function summarize(m: LdapMessage): string {
  const f = m.fields;
  const head = m.messageId === null ? m.type : `${m.type} id=${m.messageId}`;
  const parts = [head];
  switch (m.op) {
    case OP_BIND_REQUEST:
      parts.push(quoteDn(f.name));
      if (f.authentication !== undefined) parts.push(String(f.authentication));
      if (f.password === '') parts.push('(empty password)');
      break;
    case OP_SEARCH_REQUEST:
      parts.push(`base=${quoteDn(f.baseObject)}`);
      if (f.scopeName !== undefined) parts.push(String(f.scopeName));
      if (f.filter !== undefined) parts.push(shorten(String(f.filter), 160));
      break;
    case OP_SEARCH_RES_ENTRY:
    case OP_DEL_REQUEST:
    case OP_MODIFY_REQUEST:
    case OP_ADD_REQUEST:
    case OP_MODDN_REQUEST:
    case OP_COMPARE_REQUEST:
      if (f.objectName !== undefined) parts.push(quoteDn(f.objectName));
      break;
    case OP_SEARCH_RES_REF:
      if (Array.isArray(f.uris)) parts.push(f.uris.slice(0, 2).join(' ') + (f.uris.length > 2 ? ' …' : ''));
      break;
    case OP_EXTENDED_REQUEST:
      if (f.requestName !== undefined) parts.push(String(f.requestName) + (f.requestNameName ? ` (${f.requestNameName})` : ''));
      break;
    case OP_ABANDON_REQUEST:
      if (f.abandonId !== undefined) parts.push(`abandon=${f.abandonId}`);
      break;
  }
  if (RESULT_OPS.has(m.op) && typeof f.resultCode === 'number') {
    let s = String(f.resultCodeName);
    if (f.resultCode !== 0) s += ` (${f.resultCode})`;
    const diag = typeof f.diagnosticMessage === 'string' ? f.diagnosticMessage.replace(/[\r\n]+$/, '') : '';
    if (diag) s += `: ${shorten(diag, 100)}`;
    parts.push(s);
    if (f.matchedDN) parts.push(`matched=${quoteDn(f.matchedDN)}`);
  }
  return parts.join(' ');
}
