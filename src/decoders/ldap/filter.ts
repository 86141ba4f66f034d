/**
 * LDAP search filters: the string form of RFC 4515 and the BER form of RFC 4511 §4.5.1.
 * parseLdapFilter (text → object) and encodeLdapFilter (object → BER) serve the encoders;
 * renderLdapFilter (BER → text) serves the decoder and never throws.
 */

import {
  berBoolean,
  berConstructed,
  berOctetString,
  readBerElement,
  utf8Bytes,
} from '../ber.js';

export type LdapFilterValue = string | Uint8Array;

export type LdapFilter =
  | { op: 'and' | 'or'; filters: LdapFilter[] }
  | { op: 'not'; filter: LdapFilter }
  | { op: 'equalityMatch' | 'greaterOrEqual' | 'lessOrEqual' | 'approxMatch'; attribute: string; value: LdapFilterValue }
  | { op: 'present'; attribute: string }
  | {
      op: 'substrings';
      attribute: string;
      initial?: LdapFilterValue;
      any?: LdapFilterValue[];
      final?: LdapFilterValue;
    }
  | { op: 'extensibleMatch'; matchingRule?: string; attribute?: string; value: LdapFilterValue; dnAttributes?: boolean };

// ------------------------------------------------------------------------------------------------
// Text → object (RFC 4515). Throws SyntaxError: it parses what a person or the generator wrote.

export function parseLdapFilter(text: string): LdapFilter {
  let s = text.trim();
  // Accept the common shorthand without the outer parentheses: "objectClass=*".
  if (!s.startsWith('(')) s = `(${s})`;
  const p = { s, i: 0 };
  const f = parseFilter(p);
  if (p.i !== s.length) throw new SyntaxError(`unexpected text after filter at ${p.i}: ${s.slice(p.i)}`);
  return f;
}

interface Cursor {
  s: string;
  i: number;
}

function parseFilter(p: Cursor): LdapFilter {
  if (p.s[p.i] !== '(') throw new SyntaxError(`expected '(' at ${p.i}`);
  p.i++;
  let f: LdapFilter;
  const c = p.s[p.i];
  if (c === '&' || c === '|') {
    p.i++;
    const filters: LdapFilter[] = [];
    while (p.s[p.i] === '(') filters.push(parseFilter(p));
    f = { op: c === '&' ? 'and' : 'or', filters };
  } else if (c === '!') {
    p.i++;
    f = { op: 'not', filter: parseFilter(p) };
  } else {
    f = parseItem(p);
  }
  if (p.s[p.i] !== ')') throw new SyntaxError(`expected ')' at ${p.i}`);
  p.i++;
  return f;
}

function parseItem(p: Cursor): LdapFilter {
  const close = findItemEnd(p.s, p.i);
  const item = p.s.slice(p.i, close);
  p.i = close;
  const eq = item.indexOf('=');
  if (eq <= 0 && !item.startsWith(':')) throw new SyntaxError(`not a filter item: ${item}`);
  const before = item[eq - 1];
  const valueText = item.slice(eq + 1);
  if (before === ':') {
    // extensible: attr[:dn][:rule]:=value  or  [:dn]:rule:=value
    const left = item.slice(0, eq - 1);
    const parts = left.split(':');
    const attribute = parts[0] || undefined;
    let dnAttributes = false;
    let matchingRule: string | undefined;
    for (const part of parts.slice(1)) {
      if (part.toLowerCase() === 'dn') dnAttributes = true;
      else if (part) matchingRule = part;
    }
    if (!attribute && !matchingRule) throw new SyntaxError(`extensible match needs a type or a rule: ${item}`);
    const f: LdapFilter = { op: 'extensibleMatch', value: unescapeValue(valueText) };
    if (matchingRule) f.matchingRule = matchingRule;
    if (attribute) f.attribute = attribute;
    if (dnAttributes) f.dnAttributes = true;
    return f;
  }
  if (before === '~' || before === '>' || before === '<') {
    const attribute = item.slice(0, eq - 1);
    checkAttribute(attribute);
    const op = before === '~' ? 'approxMatch' : before === '>' ? 'greaterOrEqual' : 'lessOrEqual';
    return { op, attribute, value: unescapeValue(valueText) };
  }
  const attribute = item.slice(0, eq);
  checkAttribute(attribute);
  if (valueText === '*') return { op: 'present', attribute };
  if (valueText.includes('*')) {
    const pieces = valueText.split('*');
    const f: LdapFilter = { op: 'substrings', attribute };
    const first = pieces[0];
    const last = pieces[pieces.length - 1];
    if (first) f.initial = unescapeValue(first);
    const middle = pieces.slice(1, -1).filter((x) => x.length > 0);
    if (middle.length) f.any = middle.map(unescapeValue);
    if (last) f.final = unescapeValue(last);
    return f;
  }
  return { op: 'equalityMatch', attribute, value: unescapeValue(valueText) };
}

function findItemEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === ')') return i;
    if (c === '(') throw new SyntaxError(`unescaped '(' in filter value at ${i}`);
  }
  throw new SyntaxError('filter not closed');
}

function checkAttribute(a: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9.;-]*$/.test(a)) throw new SyntaxError(`bad attribute description: ${a}`);
}

/** RFC 4515 values escape with backslash + two hex digits; the result is bytes when not valid UTF-8 text. */
function unescapeValue(v: string): LdapFilterValue {
  if (!v.includes('\\')) return v;
  const out: number[] = [];
  const utf8 = utf8Bytes(v);
  for (let i = 0; i < utf8.length; i++) {
    const b = utf8[i];
    if (b === 0x5c) {
      const hex = String.fromCharCode(utf8[i + 1] ?? 0, utf8[i + 2] ?? 0);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SyntaxError(`bad escape in filter value: ${v}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(b);
  }
  const bytes = Uint8Array.from(out);
  const text = decodeUtf8Strict(bytes);
  return text ?? bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------
// Object → BER

const FILTER_TAGS = {
  and: 0xa0,
  or: 0xa1,
  not: 0xa2,
  equalityMatch: 0xa3,
  substrings: 0xa4,
  greaterOrEqual: 0xa5,
  lessOrEqual: 0xa6,
  present: 0x87,
  approxMatch: 0xa8,
  extensibleMatch: 0xa9,
} as const;

export function encodeLdapFilter(f: LdapFilter): Uint8Array {
  switch (f.op) {
    case 'and':
    case 'or':
      return berConstructed(FILTER_TAGS[f.op], f.filters.map(encodeLdapFilter));
    case 'not':
      return berConstructed(FILTER_TAGS.not, [encodeLdapFilter(f.filter)]);
    case 'equalityMatch':
    case 'greaterOrEqual':
    case 'lessOrEqual':
    case 'approxMatch':
      return berConstructed(FILTER_TAGS[f.op], [berOctetString(f.attribute), berOctetString(f.value)]);
    case 'present':
      return berOctetString(f.attribute, FILTER_TAGS.present);
    case 'substrings': {
      const subs: Uint8Array[] = [];
      if (f.initial !== undefined) subs.push(berOctetString(f.initial, 0x80));
      for (const a of f.any ?? []) subs.push(berOctetString(a, 0x81));
      if (f.final !== undefined) subs.push(berOctetString(f.final, 0x82));
      return berConstructed(FILTER_TAGS.substrings, [berOctetString(f.attribute), berConstructed(0x30, subs)]);
    }
    case 'extensibleMatch': {
      const parts: Uint8Array[] = [];
      if (f.matchingRule !== undefined) parts.push(berOctetString(f.matchingRule, 0x81));
      if (f.attribute !== undefined) parts.push(berOctetString(f.attribute, 0x82));
      parts.push(berOctetString(f.value, 0x83));
      if (f.dnAttributes) parts.push(berBoolean(true, 0x84));
      return berConstructed(FILTER_TAGS.extensibleMatch, parts);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// BER → text

const utf8 = new TextDecoder('utf-8');

/** Nesting beyond this is refused: real filters are shallow, and recursion must stay bounded. */
const MAX_FILTER_DEPTH = 32;
/** Rendered text beyond this is cut with "…". */
const MAX_FILTER_TEXT = 4096;

export interface RenderedFilter {
  text: string;
  /** Set when the BER did not parse as a filter; `text` holds what could be rendered. */
  error?: string;
}

/** Renders the filter element at buf[start, end) as RFC 4515 text. */
export function renderLdapFilter(buf: Uint8Array, start: number, end: number): RenderedFilter {
  const state = { error: undefined as string | undefined };
  let text = renderAt(buf, start, end, 0, state);
  if (text.length > MAX_FILTER_TEXT) text = text.slice(0, MAX_FILTER_TEXT) + '…';
  return state.error ? { text, error: state.error } : { text };
}

function renderAt(buf: Uint8Array, start: number, end: number, depth: number, state: { error?: string }): string {
  const el = readBerElement(buf, start, end);
  if (el.error) {
    state.error ??= `filter: ${el.error}`;
    return '(?)';
  }
  if (depth > MAX_FILTER_DEPTH) {
    state.error ??= 'filter nested too deeply';
    return '(…)';
  }
  if (el.tagClass !== 2) {
    state.error ??= `filter: unexpected tag 0x${el.identifier.toString(16)}`;
    return '(?)';
  }
  const a = el.contentStart;
  const b = el.end;
  switch (el.tagNumber) {
    case 0:
    case 1: {
      let out = el.tagNumber === 0 ? '(&' : '(|';
      let p = a;
      while (p < b) {
        const child = readBerElement(buf, p, b);
        out += renderAt(buf, p, b, depth + 1, state);
        if (child.error || child.end <= p) break;
        p = child.end;
        if (out.length > MAX_FILTER_TEXT) break;
      }
      return out + ')';
    }
    case 2:
      return `(!${renderAt(buf, a, b, depth + 1, state)})`;
    case 3:
    case 5:
    case 6:
    case 8: {
      const op = el.tagNumber === 3 ? '=' : el.tagNumber === 5 ? '>=' : el.tagNumber === 6 ? '<=' : '~=';
      const attr = readString(buf, a, b, state);
      const value = readValue(buf, attr.next, b, state);
      return `(${attr.text}${op}${value.text})`;
    }
    case 4: {
      const attr = readString(buf, a, b, state);
      const seq = readBerElement(buf, attr.next, b);
      if (seq.error) {
        state.error ??= `filter substrings: ${seq.error}`;
        return `(${attr.text}=*)`;
      }
      let initial = '';
      let final = '';
      const anys: string[] = [];
      let p = seq.contentStart;
      while (p < seq.end) {
        const s = readBerElement(buf, p, seq.end);
        if (s.error) {
          state.error ??= `filter substrings: ${s.error}`;
          break;
        }
        const v = escapeValue(buf, s.contentStart, s.end);
        if (s.tagNumber === 0) initial = v;
        else if (s.tagNumber === 2) final = v;
        else anys.push(v);
        p = s.end;
      }
      return `(${attr.text}=${initial}*${anys.map((x) => x + '*').join('')}${final})`;
    }
    case 7:
      return `(${utf8.decode(buf.subarray(a, b))}=*)`;
    case 9: {
      let rule = '';
      let type = '';
      let value = '';
      let dn = false;
      let p = a;
      while (p < b) {
        const s = readBerElement(buf, p, b);
        if (s.error) {
          state.error ??= `filter extensibleMatch: ${s.error}`;
          break;
        }
        if (s.tagNumber === 1) rule = utf8.decode(buf.subarray(s.contentStart, s.end));
        else if (s.tagNumber === 2) type = utf8.decode(buf.subarray(s.contentStart, s.end));
        else if (s.tagNumber === 3) value = escapeValue(buf, s.contentStart, s.end);
        else if (s.tagNumber === 4) dn = s.length === 1 && buf[s.contentStart] !== 0;
        p = s.end;
      }
      return `(${type}${dn ? ':dn' : ''}${rule ? ':' + rule : ''}:=${value})`;
    }
    default:
      state.error ??= `filter: unknown choice [${el.tagNumber}]`;
      return '(?)';
  }
}

function readString(buf: Uint8Array, start: number, end: number, state: { error?: string }): { text: string; next: number } {
  const el = readBerElement(buf, start, end);
  if (el.error) {
    state.error ??= `filter: ${el.error}`;
    return { text: '?', next: end };
  }
  return { text: utf8.decode(buf.subarray(el.contentStart, el.end)), next: el.end };
}

function readValue(buf: Uint8Array, start: number, end: number, state: { error?: string }): { text: string; next: number } {
  const el = readBerElement(buf, start, end);
  if (el.error) {
    state.error ??= `filter: ${el.error}`;
    return { text: '?', next: end };
  }
  return { text: escapeValue(buf, el.contentStart, el.end), next: el.end };
}

/** RFC 4515 escaping: '*', '(', ')', '\', NUL and other control characters; bytes that are not UTF-8 text as \XX too. */
function escapeValue(buf: Uint8Array, start: number, end: number): string {
  const bytes = buf.subarray(start, end);
  const text = decodeUtf8Strict(bytes);
  if (text !== null) {
    // Control characters are escaped too, so the text stays on one line and round-trips.
    return text.replace(/[*()\\\u0000-\u001f\u007f]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
  }
  let out = '';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x2a && b !== 0x28 && b !== 0x29 && b !== 0x5c) out += String.fromCharCode(b);
    else out += '\\' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/** The filter as text from the object form (for summaries and tests). */
export function formatLdapFilter(f: LdapFilter): string {
  const bytes = encodeLdapFilter(f);
  return renderLdapFilter(bytes, 0, bytes.length).text;
}
