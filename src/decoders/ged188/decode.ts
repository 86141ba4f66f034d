/**
 * Decodes one GED-188 message (8-byte header + body) into typed fields, never throwing on bad bytes.
 *
 * Two things are not self-describing on the wire and are inferred here:
 * - the floating-field tag width (1+1 bytes before protocol 20, 2+2 from 20 on), and
 * - the fixed-part length of messages that newer versions extended (OPEN_CONF, AGENT_STATE_EVENT,
 *   QUERY_AGENT_STATE_CONF, …).
 * Both are chosen by trying the candidates on the floating part (see `chooseParse`).
 */

import type { Anomaly, FieldValue } from '../types.js';
import {
  AGENT_STATE_MASK_BITS,
  CALL_MSG_MASK_BITS,
  CONFIG_MSG_MASK_BITS,
  MAX_BODY_LENGTH,
  MAX_MESSAGE_TYPE,
  PG_STATUS_BITS,
  SERVICE_BITS,
  agentStateName,
  bitNames,
  isKnownFloatingTag,
  controlFailureCodeDescription,
  controlFailureCodeName,
  eventReasonCodeName,
  messageTypeName,
  peripheralErrorCodeDescription,
  peripheralErrorCodeName,
  isUntabulatedName,
  untabulatedName,
  peripheralTypeName,
  statusDescription,
  statusName,
  systemEventIdDescription,
  systemEventIdName,
} from './constants.js';
import { enumName, isEnumKind } from './enumerations.js';
import { decodeFloating, scanFloating, type Ged188FloatingField, type TagWidth } from './floating.js';
import {
  fieldsForLength,
  layoutFor,
  layoutFullLength,
  variantFitsVersions,
  type FixedFieldKind,
  type FixedFieldType,
  type FloatingGroup,
  type LayoutConfidence,
  type LayoutVariant,
  type MessageLayout,
} from './layouts.js';

export interface Ged188DecodeOptions {
  /** Floating-field tag width; 'auto' (default) tries both unless `version` decides it. */
  tagWidth?: TagWidth | 'auto';
  showSecrets?: boolean;
  /** Protocol version of the session (OPEN_REQ VersionNumber), when known. */
  version?: number;
}

/**
 * Why a tag width was used: 'given' by the caller; 'version' from the protocol version; 'only-fit' only that
 * width parses the floating part cleanly; 'no-floating' the message has no floating part (width irrelevant,
 * 1 reported); 'ambiguous' both widths parse cleanly; 'no-fit' neither does (the one with fewer problems won).
 */
export type TagWidthEvidence = 'given' | 'version' | 'only-fit' | 'no-floating' | 'ambiguous' | 'no-fit';

export interface Ged188Message {
  messageType: number;
  /** Message name, or UNKNOWN_<n>. */
  name: string;
  /** MessageLength from the header (body bytes). */
  bodyLength: number;
  invokeId?: number;
  /** Length of the fixed part used, and how sure the layout is ('none': no layout known). */
  fixedLength: number;
  layoutConfidence: LayoutConfidence | 'none';
  /** Fixed fields by name, as raw numbers. */
  fixed: Record<string, number>;
  floating: Ged188FloatingField[];
  tagWidth: TagWidth;
  tagWidthEvidence: TagWidthEvidence;
  /** True when the evidence settles the width for the rest of the stream. */
  tagWidthDecisive: boolean;
  /** Body bytes after the known fixed fields that were not decoded (layout only partly known). */
  undecodedBytes: number;
  /** The DecodedMessage.fields view (docs/messages.md). */
  fields: Record<string, FieldValue>;
  summary: string;
  anomalies: Anomaly[];
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

interface Candidate {
  width: TagWidth;
  variant: LayoutVariant;
  clean: boolean;
  preferred: boolean;
  items: number;
  problems: number;
}

/** Higher is better: clean, then preferred (fits the version, not a fallback), then items, then length. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.clean !== b.clean) return a.clean;
  if (!a.clean && a.problems !== b.problems) return a.problems < b.problems;
  if (a.preferred !== b.preferred) return a.preferred;
  // More items first: a fixed part that is too long swallows items, one that is too short turns fixed
  // bytes into items that rarely parse cleanly.
  if (a.items !== b.items) return a.items > b.items;
  if (a.variant.length !== b.variant.length) return a.variant.length > b.variant.length;
  return a.width < b.width;
}

function versionRange(width: TagWidth, version: number | undefined): [number, number] {
  if (version !== undefined) return [version, version];
  return width === 1 ? [0, 19] : [20, Infinity];
}

/** The body is bytes[start, start+n). */
function bestFor(
  bytes: Uint8Array,
  start: number,
  n: number,
  layout: MessageLayout,
  width: TagWidth,
  version: number | undefined,
): Candidate | undefined {
  const [lo, hi] = versionRange(width, version);
  let best: Candidate | undefined;
  for (const variant of layout.variants) {
    if (variant.length > n) continue;
    const scan = scanFloating(bytes, start + variant.length, start + n, width);
    const c: Candidate = {
      width,
      variant,
      clean: scan.exact && scan.problems === 0,
      preferred: !variant.fallback && variantFitsVersions(variant, lo, hi),
      items: scan.items,
      problems: scan.problems,
    };
    if (!best || better(c, best)) best = c;
  }
  return best;
}

interface ParseChoice {
  width: TagWidth;
  evidence: TagWidthEvidence;
  decisive: boolean;
  fixedLength: number;
}

/** Picks the tag width and fixed-part length (body bytes[start, start+n) long enough for at least one variant). */
/** chooseParse's answer: one object, overwritten by each call (read at once by the caller). */
const CHOICE: ParseChoice = { width: 1, evidence: 'given', decisive: true, fixedLength: 0 };

function choice(width: TagWidth, evidence: TagWidthEvidence, decisive: boolean, fixedLength: number): ParseChoice {
  CHOICE.width = width;
  CHOICE.evidence = evidence;
  CHOICE.decisive = decisive;
  CHOICE.fixedLength = fixedLength;
  return CHOICE;
}

function chooseParse(bytes: Uint8Array, start: number, n: number, layout: MessageLayout, opts: Ged188DecodeOptions): ParseChoice | undefined {
  let width: TagWidth | undefined;
  let evidence: TagWidthEvidence | undefined;
  if (opts.tagWidth === 1 || opts.tagWidth === 2) {
    width = opts.tagWidth;
    evidence = 'given';
  } else if (opts.version !== undefined) {
    width = opts.version >= 20 ? 2 : 1;
    evidence = 'version';
  }
  if (width !== undefined) {
    // One variant that fits: it wins whatever the floating part looks like, so there is nothing to try.
    if (layout.variants.length === 1 && layout.variants[0].length <= n) {
      return choice(width, evidence!, true, layout.variants[0].length);
    }
    const c = bestFor(bytes, start, n, layout, width, opts.version);
    if (!c) return undefined;
    return choice(width, evidence!, true, c.variant.length);
  }
  const c1 = bestFor(bytes, start, n, layout, 1, opts.version);
  const c2 = bestFor(bytes, start, n, layout, 2, opts.version);
  if (!c1 || !c2) return undefined;
  const win = better(c2, c1) ? c2 : c1;
  let ev: TagWidthEvidence;
  if (c1.items === 0 && c2.items === 0 && c1.clean && c2.clean) ev = 'no-floating';
  else if (c1.clean !== c2.clean) ev = 'only-fit';
  else if (c1.clean) ev = 'ambiguous';
  else ev = 'no-fit';
  // With no floating part both widths read the same; report 1 and leave the question open.
  const chosen = ev === 'no-floating' ? c1 : win;
  return choice(ev === 'no-floating' ? 1 : win.width, ev, ev === 'only-fit', chosen.variant.length);
}

const MASK_TABLES: Partial<Record<FixedFieldKind, typeof SERVICE_BITS>> = {
  services: SERVICE_BITS,
  pgStatus: PG_STATUS_BITS,
  callMsgMask: CALL_MSG_MASK_BITS,
  agentStateMask: AGENT_STATE_MASK_BITS,
  configMsgMask: CONFIG_MSG_MASK_BITS,
};

/** One fixed field at its offset, with the names of the keys it adds to `fields` (built once). */
interface FieldAt {
  name: string;
  type: FixedFieldType;
  kind: FixedFieldKind | undefined;
  offset: number;
  isInvokeId: boolean;
  /** `<name>Names`, `<name>Name`, `<name>Description`. */
  namesKey: string;
  nameKey: string;
  descriptionKey: string;
}

/** What decoding needs to know about a layout, computed on first use instead of per message. */
interface LayoutPlan {
  /** Shortest and longest variant. */
  shortest: number;
  longest: number;
  /** Fields that fit a fixed part of a given length (keyed by length). */
  byLength: Map<number, FieldAt[]>;
  /** The last length asked for and its fields: nearly always the same length again. */
  lastLength: number;
  lastFields: FieldAt[];
}

const PLANS = new Map<MessageLayout, LayoutPlan>();

function planOf(layout: MessageLayout): LayoutPlan {
  let plan = PLANS.get(layout);
  if (!plan) {
    let shortest = Infinity;
    let longest = 0;
    for (const v of layout.variants) {
      if (v.length < shortest) shortest = v.length;
      if (v.length > longest) longest = v.length;
    }
    plan = { shortest, longest, byLength: new Map(), lastLength: -1, lastFields: [] };
    PLANS.set(layout, plan);
  }
  return plan;
}

/** Layout and plan per message type, looked up by index (types beyond the table go through layoutFor). */
const TYPE_TABLE_SIZE = MAX_MESSAGE_TYPE + 1;
const LAYOUT_BY_TYPE: Array<MessageLayout | undefined> = [];
const NAME_BY_TYPE: string[] = [];
const PLAN_BY_TYPE: Array<LayoutPlan | undefined> = [];
for (let t = 0; t < TYPE_TABLE_SIZE; t++) {
  const l = layoutFor(t);
  LAYOUT_BY_TYPE.push(l);
  NAME_BY_TYPE.push(messageTypeName(t));
  PLAN_BY_TYPE.push(l ? planOf(l) : undefined);
}

/** Message names with a summary of their own (see summarize); the others read `NAME invoke=N …`. */
const OWN_SUMMARY = new Set([
  'OPEN_REQ',
  'OPEN_CONF',
  'FAILURE_CONF',
  'FAILURE_EVENT',
  'CLOSE_REQ',
  'CONTROL_FAILURE_CONF',
  'SET_AGENT_STATE_REQ',
  'QUERY_AGENT_STATE_CONF',
  'AGENT_STATE_EVENT',
  'SYSTEM_EVENT',
]);

/**
 * Per message type: the summary prefix (`HEARTBEAT_REQ invoke=`) when a 4-byte body is the whole message, a
 * plain u32 InvokeID and nothing else, in every protocol version; else undefined. Heartbeats and most
 * confirmations are such messages, and heartbeats are nearly all of a long capture's GED-188 traffic: the
 * stream decoder builds them without trying layouts and tag widths, to the same result as decodeGed188Message
 * (a test compares the two).
 */
const INVOKE_ONLY_PREFIX: Array<string | undefined> = [];
for (let t = 0; t < TYPE_TABLE_SIZE; t++) {
  const l = LAYOUT_BY_TYPE[t];
  const only =
    l !== undefined &&
    // A guessed layout marks its messages (layoutGuessed): those take the general path.
    l.confidence !== 'guessed' &&
    l.variants.length === 1 &&
    l.variants[0].length === 4 &&
    !l.variants[0].fallback &&
    l.fields.length === 1 &&
    l.fields[0].name === 'invokeId' &&
    l.fields[0].type === 'u32' &&
    l.fields[0].kind === undefined &&
    !OWN_SUMMARY.has(NAME_BY_TYPE[t]);
  INVOKE_ONLY_PREFIX.push(only ? `${NAME_BY_TYPE[t]} invoke=` : undefined);
}

/**
 * The summary prefix of a message of this type whose 4-byte body is its InvokeID alone, or undefined when
 * such a message has more to say (see INVOKE_ONLY_PREFIX).
 */
export function invokeOnlyPrefix(messageType: number): string | undefined {
  return messageType < TYPE_TABLE_SIZE ? INVOKE_ONLY_PREFIX[messageType] : undefined;
}

/** The fields of an InvokeID-only message read with this tag width (see invokeOnlyPrefix), as finish() builds them. */
export function invokeOnlyFields(messageType: number, invokeId: number, width: TagWidth): Record<string, FieldValue> {
  // Built from an empty literal: room for the properties the stream decoder adds (see finish).
  const fields: Record<string, FieldValue> = {};
  fields.messageType = messageType;
  fields.invokeId = invokeId;
  fields.tagWidth = width;
  return fields;
}

/** Message types the stream decoder builds from their InvokeID alone (for tests). */
export function invokeOnlyMessageTypes(): number[] {
  const out: number[] = [];
  for (let t = 0; t < TYPE_TABLE_SIZE; t++) if (INVOKE_ONLY_PREFIX[t] !== undefined) out.push(t);
  return out;
}

function layoutOfType(t: number): MessageLayout | undefined {
  return t < TYPE_TABLE_SIZE ? LAYOUT_BY_TYPE[t] : layoutFor(t);
}

function fieldsAt(layout: MessageLayout, plan: LayoutPlan, length: number): FieldAt[] {
  if (plan.lastLength === length) return plan.lastFields;
  let list = plan.byLength.get(length);
  if (!list) {
    list = fieldsForLength(layout, length).map(({ field, offset }) => ({
      name: field.name,
      type: field.type,
      kind: field.kind,
      offset,
      isInvokeId: field.name === 'invokeId',
      namesKey: `${field.name}Names`,
      nameKey: `${field.name}Name`,
      descriptionKey: `${field.name}Description`,
    }));
    plan.byLength.set(length, list);
  }
  plan.lastLength = length;
  plan.lastFields = list;
  return list;
}

/**
 * Reads the fixed fields of `list` (a prefix of the layout, in its order) from the body at bytes[start] into
 * `fields` (with their names) and, when given, `fixed` (raw numbers). Returns the InvokeID if it was read.
 */
function readFixed(
  body: Uint8Array,
  start: number,
  list: FieldAt[],
  fields: Record<string, FieldValue>,
  fixed: Record<string, number> | undefined,
): number | undefined {
  if (list.length === 1 && list[0].isInvokeId && list[0].type === 'u32' && list[0].kind === undefined) {
    // The commonest fixed part by far (heartbeats, confirmations, prefixes): a named store is several
    // times cheaper than the keyed one below, which sees every layout's field names.
    const v = readU32(body, start + list[0].offset);
    if (fixed) fixed.invokeId = v;
    fields.invokeId = v;
    return v;
  }
  let invokeId: number | undefined;
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    const o = start + f.offset;
    let v: number;
    switch (f.type) {
      case 'u8':
        v = body[o];
        break;
      case 'u16':
      case 'bool':
        v = (body[o] << 8) | body[o + 1];
        break;
      case 'i32':
        v = readU32(body, o) | 0;
        break;
      default:
        v = readU32(body, o);
    }
    if (fixed) fixed[f.name] = v;
    if (f.isInvokeId) invokeId = v;
    fields[f.name] = f.type === 'bool' && (v === 0 || v === 1) ? v === 1 : v;
    if (f.kind) nameFixedField(fields, f, f.kind, v);
  }
  return invokeId;
}

/** Adds `<name>Name(s)` and, for failure codes, `<name>Description` next to a fixed field. */
function nameFixedField(fields: Record<string, FieldValue>, f: FieldAt, kind: FixedFieldKind, v: number): void {
  const mask = MASK_TABLES[kind];
  if (mask) {
    fields[f.namesKey] = bitNames(v, mask);
    return;
  }
  let n: string | undefined;
  let d = '';
  switch (kind) {
    case 'status':
      n = statusName(v);
      d = statusDescription(v);
      break;
    case 'failureCode':
      n = controlFailureCodeName(v);
      d = controlFailureCodeDescription(v);
      break;
    case 'peripheralErrorCode':
      n = peripheralErrorCodeName(v) ?? untabulatedName(v);
      d = peripheralErrorCodeDescription(v);
      break;
    case 'agentState':
      n = agentStateName(v);
      break;
    case 'peripheralType':
      n = peripheralTypeName(v);
      break;
    case 'systemEventId':
      n = systemEventIdName(v);
      d = systemEventIdDescription(v);
      break;
    case 'eventReasonCode':
      n = eventReasonCodeName(v);
      break;
    default:
      if (isEnumKind(kind)) n = enumName(kind, v);
  }
  if (n !== undefined) fields[f.nameKey] = n;
  if (d) fields[f.descriptionKey] = d;
}

/**
 * Floating tags that also appear in `fields` under a fixed key (first occurrence wins). Named stores rather
 * than a key table: a store by a computed key that adds a property is several times slower.
 */
function promoteFloating(fields: Record<string, FieldValue>, tag: number, v: FieldValue): void {
  switch (tag) {
    case 1:
      if (fields.clientId === undefined) fields.clientId = v;
      break;
    case 2:
      if (fields.clientPassword === undefined) fields.clientPassword = v;
      break;
    case 3:
      if (fields.clientSignature === undefined) fields.clientSignature = v;
      break;
    case 4:
      if (fields.agentExtension === undefined) fields.agentExtension = v;
      break;
    case 5:
    case 194:
      if (fields.agentId === undefined) fields.agentId = v;
      break;
    case 6:
      if (fields.agentInstrument === undefined) fields.agentInstrument = v;
      break;
    case 7:
      if (fields.text === undefined) fields.text = v;
      break;
    case 49:
      if (fields.agentPassword === undefined) fields.agentPassword = v;
      break;
    case 206:
      if (fields.eventDeviceId === undefined) fields.eventDeviceId = v;
      break;
    case 217:
      if (fields.ctiosCilClientId === undefined) fields.ctiosCilClientId = v;
      break;
  }
}

/** Most bytes a fixed part may run past its longest known variant and still be read as a longer fixed part. */
const MAX_EXTRA_FIXED = 8;

/**
 * When the floating part does not parse after every known variant: the number of bytes (1..8) after the
 * longest variant from which it parses cleanly (a field appended by a newer version), or 0.
 */
function longerFixedPart(body: Uint8Array, start: number, n: number, layout: MessageLayout, width: TagWidth): number {
  const longest = planOf(layout).longest;
  // Only when the item right after the known fields cannot be one (tag 0, an unknown tag, or past the end),
  // and at least one clean item follows the skipped bytes: a bad item further on is just a bad item.
  const at = start + longest;
  if (at + width * 2 > start + n) return 0;
  const tag = width === 1 ? body[at] : (body[at] << 8) | body[at + 1];
  const len = width === 1 ? body[at + 1] : (body[at + 2] << 8) | body[at + 3];
  if (tag !== 0 && isKnownFloatingTag(tag) && at + width * 2 + len <= start + n) return 0;
  for (let k = 1; k <= MAX_EXTRA_FIXED && longest + k < n; k++) {
    const scan = scanFloating(body, at + k, start + n, width);
    if (scan.exact && scan.problems === 0 && scan.items > 0) return k;
  }
  return 0;
}

function hexOf(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** camelCase key of a floating tag inside a group object (AGENT_FLAGS -> agentFlags). */
const GROUP_KEYS = new Map<number, string>();
function groupKey(tag: number, name: string): string {
  let k = GROUP_KEYS.get(tag);
  if (k === undefined) {
    k = name.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    GROUP_KEYS.set(tag, k);
  }
  return k;
}

/**
 * The repeated groups of a floating part (team members, configuration records), as arrays of objects: a group
 * starts at its start tag and takes the following items of its tags (any tag when it lists none).
 */
function addGroups(fields: Record<string, FieldValue>, floating: Ged188FloatingField[], groups: readonly FloatingGroup[]): void {
  for (const g of groups) {
    const list: Array<Record<string, FieldValue>> = [];
    let cur: Record<string, FieldValue> | undefined;
    for (const item of floating) {
      if (item.tag === g.startTag) {
        cur = {};
        list.push(cur);
      } else if (!cur || (g.tags.length && !g.tags.includes(item.tag))) continue;
      const key = groupKey(item.tag, item.name);
      if (cur[key] === undefined) cur[key] = item.value;
      if (item.tag === 88 && typeof item.value === 'number') cur.atcAgentStateName = agentStateName(item.value);
    }
    if (list.length) fields[g.key] = list as unknown as FieldValue;
  }
}

/** Decodes one message. `bytes` starts at the header and should hold exactly one message. */
export function decodeGed188Message(bytes: Uint8Array, opts: Ged188DecodeOptions = {}): Ged188Message {
  const anomalies: Anomaly[] = [];
  const fixed: Record<string, number> = {};
  const r = decodeCore(bytes, opts, anomalies, fixed);
  return {
    messageType: r.messageType,
    name: r.name,
    bodyLength: r.bodyLength,
    invokeId: r.invokeId,
    fixedLength: r.fixedLength,
    layoutConfidence: r.layoutConfidence,
    fixed,
    floating: r.floating ? r.floating.map((f) => (f.truncated ? { tag: f.tag, name: f.name, value: f.value, truncated: true } : { tag: f.tag, name: f.name, value: f.value })) : [],
    tagWidth: r.tagWidth,
    tagWidthEvidence: r.tagWidthEvidence,
    tagWidthDecisive: r.tagWidthDecisive,
    undecodedBytes: r.undecodedBytes,
    fields: r.fields,
    summary: r.summary,
    anomalies,
  };
}

/**
 * One decoded message as the stream decoder needs it: a scratch object that the next decode overwrites
 * (no per-message object besides `fields` and `summary`, which the caller keeps).
 */
export interface Ged188Decoded {
  messageType: number;
  name: string;
  bodyLength: number;
  invokeId: number | undefined;
  fixedLength: number;
  layoutConfidence: LayoutConfidence | 'none';
  /** Null when there is no floating part. */
  floating: Ged188FloatingField[] | null;
  tagWidth: TagWidth;
  tagWidthEvidence: TagWidthEvidence;
  tagWidthDecisive: boolean;
  undecodedBytes: number;
  fields: Record<string, FieldValue>;
  summary: string;
}

const SCRATCH: Ged188Decoded = {
  messageType: 0,
  name: '',
  bodyLength: 0,
  invokeId: undefined,
  fixedLength: 0,
  layoutConfidence: 'none',
  floating: null,
  tagWidth: 1,
  tagWidthEvidence: 'no-floating',
  tagWidthDecisive: false,
  undecodedBytes: 0,
  fields: {},
  summary: '',
};

/**
 * decodeGed188Message without the Ged188Message: anomalies are appended to `anomalies`; the result is
 * shared and valid until the next call. The fields, summary and anomalies are the same as decodeGed188Message's.
 */
export function decodeGed188Scratch(bytes: Uint8Array, opts: Ged188DecodeOptions, anomalies: Anomaly[]): Ged188Decoded {
  return decodeCore(bytes, opts, anomalies, undefined);
}

function decodeCore(
  bytes: Uint8Array,
  opts: Ged188DecodeOptions,
  anomalies: Anomaly[],
  fixed: Record<string, number> | undefined,
): Ged188Decoded {
  if (bytes.length < 8) {
    anomalies.push({ code: 'truncated-header', message: `only ${bytes.length} bytes; a header needs 8`, offset: 0 });
    return finish(0, 0, bytes, 0, 0, undefined, opts, anomalies, fixed);
  }
  const bodyLength = readU32(bytes, 0);
  const messageType = readU32(bytes, 4);
  if (bodyLength > MAX_BODY_LENGTH) {
    anomalies.push({
      code: 'length-too-large',
      message: `MessageLength ${bodyLength} exceeds ${MAX_BODY_LENGTH}: the stream is probably out of step`,
      offset: 0,
    });
  }
  if (bodyLength === 0) anomalies.push({ code: 'empty-body', message: 'MessageLength is 0', offset: 0 });
  const available = bytes.length - 8;
  if (available < bodyLength) {
    anomalies.push({
      code: 'truncated-body',
      message: `MessageLength says ${bodyLength} body bytes but only ${available} are present`,
      offset: 8,
    });
  } else if (available > bodyLength) {
    anomalies.push({
      code: 'trailing-bytes',
      message: `${available - bodyLength} bytes after the end of the message were ignored`,
      offset: 8 + bodyLength,
    });
  }
  // The body is bytes[8, 8+n): read in place rather than through a subarray.
  const n = Math.min(bodyLength, available);
  return finish(messageType, bodyLength, bytes, 8, n, layoutOfType(messageType), opts, anomalies, fixed);
}

/** `body`[start, start+n) is the message body. Fills and returns SCRATCH. */
function finish(
  messageType: number,
  bodyLength: number,
  body: Uint8Array,
  start: number,
  n: number,
  layout: MessageLayout | undefined,
  opts: Ged188DecodeOptions,
  anomalies: Anomaly[],
  fixed: Record<string, number> | undefined,
): Ged188Decoded {
  const name = messageType < TYPE_TABLE_SIZE ? NAME_BY_TYPE[messageType] : messageTypeName(messageType);
  let floating: Ged188FloatingField[] | null = null;
  let fixedLength = 0;
  let undecodedBytes = 0;
  let width: TagWidth = opts.tagWidth === 2 || (opts.tagWidth !== 1 && (opts.version ?? 0) >= 20) ? 2 : 1;
  let evidence: TagWidthEvidence =
    opts.tagWidth === 1 || opts.tagWidth === 2 ? 'given' : opts.version !== undefined ? 'version' : 'no-floating';
  let decisive = evidence !== 'no-floating';
  // Built from an empty literal (room for four properties in the object itself) rather than `{ messageType }`,
  // which would leave no room and move the next properties out of line.
  const fields: Record<string, FieldValue> = {};
  fields.messageType = messageType;
  let invokeId: number | undefined;

  if (!layout) {
    undecodedBytes = n;
  } else {
    const plan = (messageType < TYPE_TABLE_SIZE ? PLAN_BY_TYPE[messageType] : undefined) ?? planOf(layout);
    const shortest = plan.shortest;
    const guessed = layout.confidence === 'guessed';
    const chosen = n >= shortest ? chooseParse(body, start, n, layout, opts) : undefined;
    if (!chosen) {
      fixedLength = n;
      invokeId = readFixed(body, start, fieldsAt(layout, plan, fixedLength), fields, fixed);
      // A guessed layout that is longer than the body was a wrong guess, not a short message.
      if (bodyLength > 0 && !guessed) shortBody(anomalies, name, n, shortest);
    } else {
      width = chosen.width;
      evidence = chosen.evidence;
      decisive = chosen.decisive;
      fixedLength = chosen.fixedLength;
      invokeId = readFixed(body, start, fieldsAt(layout, plan, fixedLength), fields, fixed);
      if (fixedLength < n) {
        const before = anomalies.length;
        // Offsets in anomalies count from the header: the body starts 8 bytes in.
        floating = decodeFloating(body, start + fixedLength, start + n, width, opts.showSecrets === true, anomalies, 8 - start);
        if (anomalies.length > before) {
          if (guessed) {
            // The guess does not fit: leave the rest of the body undecoded rather than read it wrongly.
            anomalies.length = before;
            floating = null;
            undecodedBytes = n - fixedLength;
          } else {
            const extra = longerFixedPart(body, start, n, layout, width);
            if (extra > 0) {
              anomalies.length = before;
              const at = plan.longest;
              fields.extraFixed = hexOf(body, start + at, extra);
              anomalies.push({
                code: 'long-fixed-part',
                message: `${name} fixed part is ${at + extra} bytes, longer than every known variant (${at}); ${extra} bytes after the known fields were not decoded (extraFixed)`,
                offset: 8 + at,
              });
              floating = decodeFloating(body, start + at + extra, start + n, width, opts.showSecrets === true, anomalies, 8 - start);
            }
          }
        }
      }
    }
  }

  if (floating !== null && floating.length && layout?.groups) addGroups(fields, floating, layout.groups);
  // No source gives this type's layout: say so next to the fields read with it.
  if (layout?.confidence === 'guessed') fields.layoutGuessed = true;
  if (floating !== null && floating.length) {
    for (let i = 0; i < floating.length; i++) {
      const item: Ged188FloatingField = floating[i];
      promoteFloating(fields, item.tag, item.value);
    }
    // The list itself: decodeGed188Message gives its caller a copy, so the two never alias.
    fields.floating = floating;
  }
  fields.tagWidth = width;

  const r = SCRATCH;
  r.messageType = messageType;
  r.name = name;
  r.bodyLength = bodyLength;
  r.invokeId = invokeId;
  r.fixedLength = fixedLength;
  r.layoutConfidence = layout ? layout.confidence : 'none';
  r.floating = floating;
  r.tagWidth = width;
  r.tagWidthEvidence = evidence;
  r.tagWidthDecisive = decisive;
  r.undecodedBytes = undecodedBytes;
  r.fields = fields;
  r.summary = summarize(name, fields);
  return r;
}

function shortBody(anomalies: Anomaly[], name: string, have: number, want: number): void {
  anomalies.push({
    code: 'short-fixed-part',
    message: `${name} body has ${have} bytes, shorter than its ${want}-byte fixed part; decoded the fields that fit`,
    offset: 8,
  });
}

function str(v: FieldValue | undefined): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** " agent=… ext=… inst=…": the instrument stands in for the extension when there is none. */
function agentPart(f: Record<string, FieldValue>): string {
  let s = '';
  const agent = str(f.agentId);
  const ext = str(f.agentExtension);
  const inst = str(f.agentInstrument);
  if (agent) s += ` agent=${agent}`;
  if (ext ?? inst) s += ` ext=${ext ?? inst}`;
  if (ext && inst && inst !== ext) s += ` inst=${inst}`;
  return s;
}

function summarize(name: string, f: Record<string, FieldValue>): string {
  const invoke = f.invokeId !== undefined ? ` invoke=${f.invokeId}` : '';
  const reason = (): string => {
    const code = f.eventReasonCode as number | undefined;
    if (!code) return '';
    return ` reason=${code}${f.eventReasonCodeName ? ` ${f.eventReasonCodeName}` : ''}`;
  };
  switch (name) {
    case 'OPEN_REQ': {
      const services = (f.servicesRequestedNames as string[] | undefined)?.join('|') || '0';
      return `OPEN_REQ${invoke} v=${f.versionNumber ?? '?'} services=${services}${agentPart(f)}`;
    }
    case 'OPEN_CONF': {
      const services = (f.servicesGrantedNames as string[] | undefined)?.join('|') || '0';
      const pg = (f.pgStatusNames as string[] | undefined)?.join('|') || 'OK';
      const online = f.peripheralOnline === undefined ? '' : ` peripheral=${f.peripheralOnline === true ? 'online' : 'offline'}`;
      const state = f.agentStateName ? ` state=${f.agentStateName}` : '';
      return `OPEN_CONF${invoke} services=${services} pg=${pg}${online}${state}${agentPart(f)}`;
    }
    case 'FAILURE_CONF':
    case 'FAILURE_EVENT':
    case 'CLOSE_REQ':
      return f.status === undefined ? `${name}${invoke}` : `${name}${invoke} ${f.statusName} (${f.status})`;
    case 'CONTROL_FAILURE_CONF': {
      const per = f.peripheralErrorCode as number | undefined;
      // A PG's own codes are not tabulated: their number alone says as much as UNKNOWN_10140 would.
      const perName = f.peripheralErrorCodeName as string | undefined;
      const perPart = per ? (perName === undefined || isUntabulatedName(perName) ? ` peripheral error ${per}` : ` ${per} ${perName}`) : '';
      const cf = f.failureCode === undefined ? '' : ` ${f.failureCodeName} (${f.failureCode})`;
      return `CONTROL_FAILURE_CONF${invoke}${perPart}${cf}`;
    }
    case 'SET_AGENT_STATE_REQ': {
      const forced = f.forcedFlag ? ` forced=${f.forcedFlag}` : '';
      return `SET_AGENT_STATE_REQ${invoke} ${f.agentStateName ?? '?'}${agentPart(f)}${reason()}${forced}`;
    }
    case 'QUERY_AGENT_STATE_CONF':
      return `QUERY_AGENT_STATE_CONF${invoke} ${f.agentStateName ?? '?'}${agentPart(f)}`;
    case 'AGENT_STATE_EVENT':
      return `AGENT_STATE_EVENT ${f.agentStateName ?? '?'}${agentPart(f)}${reason()}`;
    case 'SYSTEM_EVENT': {
      const id = f.systemEventId === undefined ? '' : ` ${f.systemEventIdName} (${f.systemEventId})`;
      const dev = f.eventDeviceId ? ` device=${f.eventDeviceId}` : '';
      const pg = (f.pgStatusNames as string[] | undefined)?.length ? ` pg=${(f.pgStatusNames as string[]).join('|')}` : '';
      return `SYSTEM_EVENT${id}${dev}${pg}`;
    }
    default: {
      // Call events and call control name their call; configuration and team events their record count.
      const call = f.connectionCallId !== undefined ? ` call=${f.connectionCallId}` : '';
      const members = Array.isArray(f.members) ? ` members=${f.members.length}` : Array.isArray(f.records) ? ` records=${f.records.length}` : '';
      return `${name}${invoke}${call}${agentPart(f)}${members}`;
    }
  }
}
