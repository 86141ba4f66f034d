/**
 * GED-188 encoder: builds byte-exact messages (header + body) from the same layout tables the decoder reads.
 * Used by the capture generator and the lab's simulated CTI server. Unlike the decoder, it throws on input
 * it cannot encode (an unknown field or tag name, a value out of range): those are programming errors.
 */

import {
  AGENT_STATE_MASK_BITS,
  CALL_MSG_MASK_BITS,
  CONFIG_MSG_MASK_BITS,
  PG_STATUS_BITS,
  SERVICE_BITS,
  codeFromName,
  floatingTagNumber,
  maskFromNames,
  messageTypeName,
  messageTypeNumber,
  type BitTable,
  type CodeKind,
} from './constants.js';
import { enumValue, isEnumKind } from './enumerations.js';
import { floatingItemData, writeFloatingItem, type FloatingInputValue, type TagWidth } from './floating.js';
import { FIXED_FIELD_SIZE, fieldsForLength, layoutFor, layoutFullLength, type FixedFieldKind } from './layouts.js';

/** A fixed field's value: a number, a boolean (BOOL), a code name ("LOGIN"), or bit names for masks. */
export type FixedInputValue = number | boolean | string | readonly string[];

export interface Ged188FloatingInput {
  tag: number | string;
  value: FloatingInputValue;
}

export interface Ged188EncodeInput {
  type: number | string;
  fields?: Record<string, FixedInputValue | undefined>;
  floating?: readonly Ged188FloatingInput[];
  /** Raw bytes placed after the tabulated fixed fields (for messages whose full layout is not tabulated). */
  extraFixed?: Uint8Array;
}

export interface Ged188EncodeOptions {
  tagWidth: TagWidth;
  /**
   * Fixed-part length to write (one of the layout's lengths). Default: the shortest non-fallback length that
   * holds every field given.
   */
  fixedLength?: number;
}

const MASK_TABLES: Partial<Record<FixedFieldKind, BitTable>> = {
  services: SERVICE_BITS,
  pgStatus: PG_STATUS_BITS,
  callMsgMask: CALL_MSG_MASK_BITS,
  agentStateMask: AGENT_STATE_MASK_BITS,
  configMsgMask: CONFIG_MSG_MASK_BITS,
};

function fixedNumber(name: string, kind: FixedFieldKind | undefined, v: FixedInputValue): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`${name}: ${v} is not an integer`);
    return v;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = !kind || kind in MASK_TABLES ? undefined : isEnumKind(kind) ? enumValue(kind, v) : codeFromName(kind as CodeKind, v);
    if (n === undefined) throw new TypeError(`${name}: unknown name ${v}`);
    return n;
  }
  const bits = kind ? MASK_TABLES[kind] : undefined;
  if (!bits) throw new TypeError(`${name} is not a bit mask`);
  return maskFromNames(v, bits);
}

function writeFixed(dv: DataView, off: number, type: keyof typeof FIXED_FIELD_SIZE, name: string, n: number): void {
  const size = FIXED_FIELD_SIZE[type];
  const min = size === 4 ? -0x80000000 : 0;
  const max = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  if (n < min || n > max) throw new RangeError(`${name}: ${n} does not fit ${size} bytes`);
  if (size === 4) dv.setUint32(off, n >>> 0);
  else if (size === 2) dv.setUint16(off, n);
  else dv.setUint8(off, n);
}

/** Encodes one message, header included. */
export function encodeGed188(msg: Ged188EncodeInput, opts: Ged188EncodeOptions): Uint8Array {
  const type = messageTypeNumber(msg.type);
  if (type === undefined) throw new TypeError(`unknown message type ${String(msg.type)}`);
  const layout = layoutFor(type);
  const given = Object.entries(msg.fields ?? {}).filter(([, v]) => v !== undefined) as Array<[string, FixedInputValue]>;

  // Fixed-part length.
  let fixedLength = 0;
  if (layout) {
    let needed = 0;
    let off = 0;
    const endOf: Record<string, number> = {};
    for (const f of layout.fields) {
      off += FIXED_FIELD_SIZE[f.type];
      endOf[f.name] = off;
    }
    for (const [name] of given) {
      if (endOf[name] === undefined) throw new TypeError(`${messageTypeName(type)} has no fixed field ${name}`);
      needed = Math.max(needed, endOf[name]);
    }
    if (opts.fixedLength !== undefined) {
      if (opts.fixedLength < needed || opts.fixedLength > layoutFullLength(layout)) {
        throw new RangeError(`fixedLength ${opts.fixedLength} does not hold the given fields`);
      }
      fixedLength = opts.fixedLength;
    } else {
      const lengths = layout.variants
        .filter((v) => !v.fallback && v.length >= needed)
        .map((v) => v.length)
        .sort((a, b) => a - b);
      fixedLength = lengths.length ? lengths[0] : layoutFullLength(layout);
    }
  } else if (given.length) {
    throw new TypeError(`${messageTypeName(type)} has no tabulated fixed fields`);
  }

  // Floating items.
  const items: Array<{ tag: number; data: Uint8Array }> = [];
  for (const it of msg.floating ?? []) {
    const tag = floatingTagNumber(it.tag);
    if (tag === undefined) throw new TypeError(`unknown floating tag ${String(it.tag)}`);
    const maxTag = opts.tagWidth === 1 ? 0xff : 0xffff;
    if (tag < 0 || tag > maxTag) throw new RangeError(`tag ${tag} cannot be written with ${opts.tagWidth}-byte tags`);
    const data = floatingItemData(tag, it.value);
    if (data.length > maxTag) throw new RangeError(`tag ${tag}: ${data.length} bytes exceed the length field`);
    items.push({ tag, data });
  }

  const extra = msg.extraFixed ?? new Uint8Array(0);
  let bodyLength = fixedLength + extra.length;
  for (const it of items) bodyLength += opts.tagWidth * 2 + it.data.length;
  const out = new Uint8Array(8 + bodyLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, bodyLength);
  dv.setUint32(4, type);

  if (layout) {
    const values = new Map(given);
    for (const { field, offset } of fieldsForLength(layout, fixedLength)) {
      const v = values.get(field.name);
      const n = v === undefined ? 0 : fixedNumber(field.name, field.kind, v);
      writeFixed(dv, 8 + offset, field.type, field.name, n);
    }
  }
  out.set(extra, 8 + fixedLength);
  let pos = 8 + fixedLength + extra.length;
  for (const it of items) pos = writeFloatingItem(out, pos, it.tag, it.data, opts.tagWidth);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builders for the login flow. Each takes fixed fields by name plus the usual floating fields by name, and
// `floating` for anything else (appended after the named ones, in order).

export interface BuilderOptions {
  /** Default 1 (protocol < 20); openReq defaults from its versionNumber. */
  tagWidth?: TagWidth;
  fixedLength?: number;
}

interface AgentFloating {
  agentExtension?: string;
  /** Sent in tag 5 (UCCE) unless agentIdTag says 194 (UCCX AGENT_ID_LONG). */
  agentId?: string;
  agentIdTag?: 5 | 194;
  agentInstrument?: string;
  floating?: readonly Ged188FloatingInput[];
}

type Fixed = Record<string, FixedInputValue | undefined>;

/** Named floating parameters a builder accepts, in the order they are written. */
type FloatingSpec = ReadonlyArray<readonly [param: string, tag: number]>;

function build(
  type: string,
  params: object,
  spec: FloatingSpec,
  opts: BuilderOptions | undefined,
  defaultWidth: TagWidth = 1,
): Uint8Array {
  const p = params as Record<string, unknown>;
  const fields: Fixed = {};
  const floating: Ged188FloatingInput[] = [];
  const specParams = new Set(spec.map((s) => s[0]));
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || k === 'floating' || k === 'agentIdTag' || specParams.has(k)) continue;
    fields[k] = v as FixedInputValue;
  }
  for (const [param, tag] of spec) {
    const v = p[param];
    if (v === undefined) continue;
    const t = param === 'agentId' ? ((p.agentIdTag as number | undefined) ?? tag) : tag;
    floating.push({ tag: t, value: v as FloatingInputValue });
  }
  for (const f of (p.floating as Ged188FloatingInput[] | undefined) ?? []) floating.push(f);
  return encodeGed188({ type, fields, floating }, { tagWidth: opts?.tagWidth ?? defaultWidth, fixedLength: opts?.fixedLength });
}

const AGENT_SPEC: FloatingSpec = [
  ['agentExtension', 4],
  ['agentId', 5],
  ['agentInstrument', 6],
];

export interface OpenReqParams extends AgentFloating {
  invokeId: number;
  versionNumber: number;
  idleTimeout?: number;
  peripheralId?: number;
  servicesRequested: number | readonly string[];
  callMsgMask?: number | readonly string[];
  agentStateMask?: number | readonly string[];
  configMsgMask?: number | readonly string[];
  clientId: string;
  clientPassword?: string | Uint8Array;
  clientSignature?: string;
}

export function openReq(p: OpenReqParams, opts?: BuilderOptions): Uint8Array {
  const spec: FloatingSpec = [['clientId', 1], ['clientPassword', 2], ['clientSignature', 3], ...AGENT_SPEC];
  return build('OPEN_REQ', p, spec, opts, p.versionNumber >= 20 ? 2 : 1);
}

export interface OpenConfParams extends AgentFloating {
  invokeId: number;
  servicesGranted: number | readonly string[];
  monitorId?: number;
  pgStatus?: number | readonly string[];
  icmCentralControllerTime?: number;
  peripheralOnline?: boolean | number;
  peripheralType?: number | string;
  agentState?: number | string;
  departmentId?: number;
  sessionType?: number;
  /** UCCE: NumPeripherals (228) then FltPeripheralID (208) / MultilineAgentControl (224) pairs. */
  peripherals?: Array<{ peripheralId: number; multilineAgentControl?: number }>;
}

export function openConf(p: OpenConfParams, opts?: BuilderOptions): Uint8Array {
  const { peripherals, ...rest } = p;
  const extra: Ged188FloatingInput[] = [];
  if (peripherals) {
    extra.push({ tag: 228, value: peripherals.length });
    for (const per of peripherals) {
      extra.push({ tag: 208, value: per.peripheralId });
      extra.push({ tag: 224, value: per.multilineAgentControl ?? 0 });
    }
  }
  return build('OPEN_CONF', { ...rest, floating: [...extra, ...(p.floating ?? [])] }, AGENT_SPEC, opts);
}

export function failureConf(p: { invokeId: number; status: number | string; text?: string }, opts?: BuilderOptions): Uint8Array {
  return build('FAILURE_CONF', p, [['text', 7]], opts);
}

export function failureEvent(p: { status: number | string; text?: string }, opts?: BuilderOptions): Uint8Array {
  return build('FAILURE_EVENT', p, [['text', 7]], opts);
}

export function heartbeatReq(p: { invokeId: number }, opts?: BuilderOptions): Uint8Array {
  return build('HEARTBEAT_REQ', p, [], opts);
}

export function heartbeatConf(p: { invokeId: number }, opts?: BuilderOptions): Uint8Array {
  return build('HEARTBEAT_CONF', p, [], opts);
}

export function closeReq(p: { invokeId: number; status?: number | string }, opts?: BuilderOptions): Uint8Array {
  return build('CLOSE_REQ', { status: 0, ...p }, [], opts);
}

export function closeConf(p: { invokeId: number }, opts?: BuilderOptions): Uint8Array {
  return build('CLOSE_CONF', p, [], opts);
}

export interface QueryAgentStateReqParams extends AgentFloating {
  invokeId: number;
  peripheralId?: number;
  mrdId?: number;
  icmAgentId?: number;
}

export function queryAgentStateReq(p: QueryAgentStateReqParams, opts?: BuilderOptions): Uint8Array {
  return build('QUERY_AGENT_STATE_REQ', p, AGENT_SPEC, opts);
}

export interface QueryAgentStateConfParams extends AgentFloating {
  invokeId: number;
  agentState: number | string;
  numSkillGroups?: number;
  mrdId?: number;
  numTasks?: number;
  agentMode?: number;
  maxTaskLimit?: number;
  icmAgentId?: number;
  agentAvailabilityStatus?: number;
  departmentId?: number;
}

export function queryAgentStateConf(p: QueryAgentStateConfParams, opts?: BuilderOptions): Uint8Array {
  // The recorded UCCE example sends AgentID first, then extension and instrument.
  const spec: FloatingSpec = [['agentId', 5], ['agentExtension', 4], ['agentInstrument', 6]];
  return build('QUERY_AGENT_STATE_CONF', p, spec, opts);
}

export interface SetAgentStateReqParams extends AgentFloating {
  invokeId: number;
  peripheralId?: number;
  agentState: number | string;
  agentWorkMode?: number;
  numSkillGroups?: number;
  eventReasonCode?: number;
  forcedFlag?: number;
  agentServiceReq?: number;
  agentPassword?: string;
  positionId?: string;
  supervisorId?: string;
}

export function setAgentStateReq(p: SetAgentStateReqParams, opts?: BuilderOptions): Uint8Array {
  const spec: FloatingSpec = [
    ['agentInstrument', 6],
    ['agentId', 5],
    ['agentPassword', 49],
    ['agentExtension', 4],
    ['positionId', 68],
    ['supervisorId', 69],
  ];
  return build('SET_AGENT_STATE_REQ', p, spec, opts);
}

export function setAgentStateConf(p: { invokeId: number }, opts?: BuilderOptions): Uint8Array {
  return build('SET_AGENT_STATE_CONF', p, [], opts);
}

export interface AgentStateEventParams extends AgentFloating {
  monitorId?: number;
  peripheralId?: number;
  sessionId?: number;
  peripheralType?: number | string;
  skillGroupState?: number | string;
  stateDuration?: number;
  skillGroupNumber?: number;
  skillGroupId?: number;
  skillGroupPriority?: number;
  agentState: number | string;
  eventReasonCode?: number;
  mrdId?: number;
  numTasks?: number;
  agentMode?: number;
  maxTaskLimit?: number;
  icmAgentId?: number;
  agentAvailabilityStatus?: number;
  numFltSkillGroups?: number;
  departmentId?: number;
  clientSignature?: string;
}

export function agentStateEvent(p: AgentStateEventParams, opts?: BuilderOptions): Uint8Array {
  const spec: FloatingSpec = [['clientSignature', 3], ['agentId', 5], ['agentExtension', 4], ['agentInstrument', 6]];
  return build('AGENT_STATE_EVENT', p, spec, opts);
}

export function controlFailureConf(
  p: { invokeId: number; failureCode: number | string; peripheralErrorCode: number | string; text?: string },
  opts?: BuilderOptions,
): Uint8Array {
  return build('CONTROL_FAILURE_CONF', p, [['text', 7]], opts);
}

export interface SystemEventParams {
  pgStatus?: number | readonly string[];
  icmCentralControllerTime?: number;
  systemEventId: number | string;
  systemEventArg1?: number;
  systemEventArg2?: number;
  systemEventArg3?: number;
  eventDeviceType?: number;
  text?: string;
  eventDeviceId?: string;
  floating?: readonly Ged188FloatingInput[];
}

export function systemEvent(p: SystemEventParams, opts?: BuilderOptions): Uint8Array {
  return build('SYSTEM_EVENT', p, [['text', 7], ['eventDeviceId', 206]], opts);
}
