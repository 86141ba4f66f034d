/**
 * Fixed-part layouts of GED-188 messages, as data. The decoder and the encoder both read these tables, so a
 * layout is written once and used both ways.
 *
 * Body offsets exclude the 8-byte header; fields are packed with no padding (§1.3). Newer protocol versions
 * append fields, so a layout lists the fixed-part lengths it is known to have (`variants`), each with the
 * protocol version from which it can appear.
 */

import { MESSAGE_TYPE, messageTypeName } from './constants.js';

export type FixedFieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'bool' | 'time';

/**
 * How a fixed field's number is named in DecodedMessage.fields: `<field>Name` for enumerations,
 * `<field>Names` (string[]) for bit masks.
 */
export type FixedFieldKind =
  | 'status'
  | 'failureCode'
  | 'peripheralErrorCode'
  | 'agentState'
  | 'services'
  | 'pgStatus'
  | 'callMsgMask'
  | 'agentStateMask'
  | 'configMsgMask'
  | 'peripheralType'
  | 'systemEventId'
  | 'eventReasonCode';

export interface FixedField {
  /** camelCase, as it appears in DecodedMessage.fields. */
  name: string;
  type: FixedFieldType;
  kind?: FixedFieldKind;
}

export interface LayoutVariant {
  /** Fixed-part length in bytes: the fields that fit in it, in order. */
  length: number;
  /** Lowest protocol version that sends this variant [?: where the reference is unsure, our best reading]. */
  minVersion?: number;
  /** Only considered when no preferred variant parses (an older or guessed shape). */
  fallback?: boolean;
}

/**
 * 'doc' the reference gives the layout; 'recalled' the layout follows the Cisco guides as we recall them and is
 * not in the reference (the floating-part check catches a wrong guess); 'prefix' only the leading fields are
 * known and the rest of the body is left undecoded.
 */
export type LayoutConfidence = 'doc' | 'recalled' | 'prefix';

export interface MessageLayout {
  fields: readonly FixedField[];
  variants: readonly LayoutVariant[];
  confidence: LayoutConfidence;
}

export const FIXED_FIELD_SIZE: Record<FixedFieldType, number> = { u8: 1, u16: 2, bool: 2, u32: 4, i32: 4, time: 4 };

const u32 = (name: string, kind?: FixedFieldKind): FixedField => ({ name, type: 'u32', kind });
const i32 = (name: string): FixedField => ({ name, type: 'i32' });
const u16 = (name: string, kind?: FixedFieldKind): FixedField => ({ name, type: 'u16', kind });
const u8 = (name: string): FixedField => ({ name, type: 'u8' });
const bool = (name: string): FixedField => ({ name, type: 'bool' });
const time = (name: string): FixedField => ({ name, type: 'time' });

function fieldsLength(fields: readonly FixedField[]): number {
  let n = 0;
  for (const f of fields) n += FIXED_FIELD_SIZE[f.type];
  return n;
}

function layout(
  fields: FixedField[],
  confidence: LayoutConfidence = 'doc',
  variants?: LayoutVariant[],
): MessageLayout {
  return { fields, variants: variants ?? [{ length: fieldsLength(fields) }], confidence };
}

const invokeOnly = (): MessageLayout => layout([u32('invokeId')]);

/** The common start of call events: MonitorID, PeripheralID, PeripheralType (UCCX fills them 0, 1, 21). */
const CALL_EVENT_PREFIX = (): FixedField[] => [u32('monitorId'), u32('peripheralId'), u16('peripheralType', 'peripheralType')];

const T = MESSAGE_TYPE;

const LAYOUTS: Record<number, MessageLayout> = {
  // Session (§3).
  [T.FAILURE_CONF]: layout([u32('invokeId'), u32('status', 'status')]),
  [T.FAILURE_EVENT]: layout([u32('status', 'status')]),
  [T.OPEN_REQ]: layout([
    u32('invokeId'),
    u32('versionNumber'),
    u32('idleTimeout'),
    u32('peripheralId'),
    u32('servicesRequested', 'services'),
    u32('callMsgMask', 'callMsgMask'),
    u32('agentStateMask', 'agentStateMask'),
    u32('configMsgMask', 'configMsgMask'),
    u32('reserved1'),
    u32('reserved2'),
    u32('reserved3'),
  ]),
  // 26 bytes up to v19; DepartmentID appended later (v20 is our guess: absent in v19, present in v25 [?]);
  // SessionType from v24.
  [T.OPEN_CONF]: layout(
    [
      u32('invokeId'),
      u32('servicesGranted', 'services'),
      u32('monitorId'),
      u32('pgStatus', 'pgStatus'),
      time('icmCentralControllerTime'),
      bool('peripheralOnline'),
      u16('peripheralType', 'peripheralType'),
      u16('agentState', 'agentState'),
      i32('departmentId'),
      u16('sessionType'),
    ],
    'doc',
    [{ length: 26 }, { length: 30, minVersion: 20 }, { length: 32, minVersion: 24 }],
  ),
  [T.HEARTBEAT_REQ]: invokeOnly(),
  [T.HEARTBEAT_CONF]: invokeOnly(),
  [T.CLOSE_REQ]: layout([u32('invokeId'), u32('status', 'status')]),
  [T.CLOSE_CONF]: invokeOnly(),

  // Agent state.
  [T.QUERY_AGENT_STATE_REQ]: layout([u32('invokeId'), u32('peripheralId'), i32('mrdId'), i32('icmAgentId')]),
  [T.QUERY_AGENT_STATE_CONF]: layout(
    [
      u32('invokeId'),
      u16('agentState', 'agentState'),
      u16('numSkillGroups'),
      i32('mrdId'),
      u32('numTasks'),
      u16('agentMode'),
      u32('maxTaskLimit'),
      i32('icmAgentId'),
      u32('agentAvailabilityStatus'),
      i32('departmentId'),
    ],
    'doc',
    [{ length: 30 }, { length: 34, minVersion: 20 }],
  ),
  // Odd-aligned: ForcedFlag is a UCHAR (§3). AgentServiceReq ("AgentCapacity" in UCCX) came with UCCX v12;
  // the 17-byte shape without it is kept as a fallback for older peers.
  [T.SET_AGENT_STATE_REQ]: layout(
    [
      u32('invokeId'),
      u32('peripheralId'),
      u16('agentState', 'agentState'),
      u16('agentWorkMode'),
      u16('numSkillGroups'),
      u16('eventReasonCode', 'eventReasonCode'),
      u8('forcedFlag'),
      u32('agentServiceReq'),
    ],
    'doc',
    [{ length: 21 }, { length: 17, fallback: true }],
  ),
  [T.SET_AGENT_STATE_CONF]: invokeOnly(),
  [T.AGENT_STATE_EVENT]: layout(
    [
      u32('monitorId'),
      u32('peripheralId'),
      u32('sessionId'),
      u16('peripheralType', 'peripheralType'),
      u16('skillGroupState', 'agentState'),
      u32('stateDuration'),
      u32('skillGroupNumber'),
      u32('skillGroupId'),
      u16('skillGroupPriority'),
      u16('agentState', 'agentState'),
      u16('eventReasonCode', 'eventReasonCode'),
      i32('mrdId'),
      u32('numTasks'),
      u16('agentMode'),
      u32('maxTaskLimit'),
      i32('icmAgentId'),
      u32('agentAvailabilityStatus'),
      u16('numFltSkillGroups'),
      i32('departmentId'),
    ],
    'doc',
    [{ length: 58 }, { length: 62, minVersion: 20 }],
  ),
  [T.SYSTEM_EVENT]: layout([
    u32('pgStatus', 'pgStatus'),
    time('icmCentralControllerTime'),
    u32('systemEventId', 'systemEventId'),
    u32('systemEventArg1'),
    u32('systemEventArg2'),
    u32('systemEventArg3'),
    u16('eventDeviceType'),
  ]),
  [T.CONTROL_FAILURE_CONF]: layout([
    u32('invokeId'),
    u16('failureCode', 'failureCode'),
    u32('peripheralErrorCode', 'peripheralErrorCode'),
  ]),
  [T.CLIENT_EVENT_REPORT_REQ]: layout([u32('invokeId'), u16('state')]),
  [T.CLIENT_EVENT_REPORT_CONF]: invokeOnly(),

  // Call events: recalled from the Cisco guides (not in the reference), checked by the floating-part parse.
  [T.CALL_DELIVERED_EVENT]: layout(
    [
      ...CALL_EVENT_PREFIX(),
      u16('connectionDeviceIdType'),
      u32('connectionCallId'),
      u16('lineHandle'),
      u16('lineType'),
      u32('serviceNumber'),
      u32('serviceId'),
      u32('skillGroupNumber'),
      u32('skillGroupId'),
      u16('skillGroupPriority'),
      u16('alertingDeviceType'),
      u16('callingDeviceType'),
      u16('calledDeviceType'),
      u16('lastRedirectDeviceType'),
      u16('localConnectionState'),
      u16('eventCause'),
      u16('numNamedVariables'),
      u16('numNamedArrays'),
    ],
    'recalled',
  ),
  [T.CALL_ESTABLISHED_EVENT]: layout(
    [
      ...CALL_EVENT_PREFIX(),
      u16('connectionDeviceIdType'),
      u32('connectionCallId'),
      u16('lineHandle'),
      u16('lineType'),
      u32('serviceNumber'),
      u32('serviceId'),
      u32('skillGroupNumber'),
      u32('skillGroupId'),
      u16('skillGroupPriority'),
      u16('answeringDeviceType'),
      u16('callingDeviceType'),
      u16('calledDeviceType'),
      u16('lastRedirectDeviceType'),
      u16('localConnectionState'),
      u16('eventCause'),
    ],
    'recalled',
  ),
  [T.CALL_CLEARED_EVENT]: layout(
    [...CALL_EVENT_PREFIX(), u16('connectionDeviceIdType'), u32('connectionCallId'), u16('localConnectionState'), u16('eventCause')],
    'recalled',
  ),
  [T.BEGIN_CALL_EVENT]: layout(
    [
      ...CALL_EVENT_PREFIX(),
      u16('numCtiClients'),
      u16('numNamedVariables'),
      u16('numNamedArrays'),
      u16('callType'),
      u16('connectionDeviceIdType'),
      u32('connectionCallId'),
      u16('calledPartyDisposition'),
    ],
    'recalled',
    [{ length: 26 }, { length: 24 }],
  ),
  [T.END_CALL_EVENT]: layout([...CALL_EVENT_PREFIX(), u16('connectionDeviceIdType'), u32('connectionCallId')], 'recalled'),

  // Configuration events: the reference names them without layouts. InvokeID (+ a record count on the
  // record events) is our recollection; the floating-part parse decides between the candidate lengths.
  [T.CONFIG_REQUEST_KEY_EVENT]: layout([u32('invokeId')], 'recalled'),
  [T.CONFIG_REQUEST_EVENT]: layout([u32('invokeId')], 'recalled'),
  [T.CONFIG_KEY_EVENT]: layout([u32('invokeId')], 'recalled'),
  [T.CONFIG_BEGIN_EVENT]: layout([u32('invokeId')], 'recalled'),
  [T.CONFIG_END_EVENT]: layout([u32('invokeId')], 'recalled'),
};

const CONFIG_RECORD_EVENTS = [
  'CONFIG_SERVICE_EVENT',
  'CONFIG_SKILL_GROUP_EVENT',
  'CONFIG_AGENT_EVENT',
  'CONFIG_DEVICE_EVENT',
  'CONFIG_CALL_TYPE_EVENT',
  'CONFIG_MRD_EVENT',
  'CONFIG_PERIPHERAL_EVENT',
  'CONFIG_AGENT_DESK_SETTINGS_EVENT',
  'CONFIG_AGENT_SERVICE_EVENT',
];
for (const name of CONFIG_RECORD_EVENTS) {
  LAYOUTS[T[name]] = layout([u32('invokeId'), u16('numRecords')], 'recalled', [{ length: 6 }, { length: 4 }]);
}

/** Call events whose full layout is not tabulated: only the common prefix is decoded. */
const CALL_EVENTS_WITH_PREFIX = [
  'CALL_HELD_EVENT',
  'CALL_RETRIEVED_EVENT',
  'CALL_CONNECTION_CLEARED_EVENT',
  'CALL_ORIGINATED_EVENT',
  'CALL_FAILED_EVENT',
  'CALL_CONFERENCED_EVENT',
  'CALL_TRANSFERRED_EVENT',
  'CALL_DIVERTED_EVENT',
  'CALL_SERVICE_INITIATED_EVENT',
  'CALL_QUEUED_EVENT',
  'CALL_DATA_UPDATE_EVENT',
  'CALL_REACHED_NETWORK_EVENT',
  'CALL_DEQUEUED_EVENT',
];
for (const name of CALL_EVENTS_WITH_PREFIX) LAYOUTS[T[name]] = layout(CALL_EVENT_PREFIX(), 'prefix');

const GENERIC_INVOKE_PREFIX: MessageLayout = layout([u32('invokeId')], 'prefix');

/** True for message names that carry an InvokeID first: requests, confirmations and ARM responses. */
export function isInvokeMessageName(name: string): boolean {
  return /_(REQ|CONF|RESP)$/.test(name);
}

/**
 * The layout for a message type: a tabulated one, else an InvokeID prefix for requests/confirmations, else
 * undefined (the body is left undecoded).
 */
export function layoutFor(messageType: number): MessageLayout | undefined {
  const l = LAYOUTS[messageType];
  if (l) return l;
  if (isInvokeMessageName(messageTypeName(messageType))) return GENERIC_INVOKE_PREFIX;
  return undefined;
}

/** Fields that fit in a fixed part of `length` bytes, and the byte offset of each. */
export function fieldsForLength(l: MessageLayout, length: number): Array<{ field: FixedField; offset: number }> {
  const out: Array<{ field: FixedField; offset: number }> = [];
  let off = 0;
  for (const f of l.fields) {
    const size = FIXED_FIELD_SIZE[f.type];
    if (off + size > length) break;
    out.push({ field: f, offset: off });
    off += size;
  }
  return out;
}

/** Full length of a layout (every field). */
export function layoutFullLength(l: MessageLayout): number {
  return fieldsLength(l.fields);
}

/** Whether a variant fits a protocol version range [lo, hi]. */
export function variantFitsVersions(v: LayoutVariant, lo: number, hi: number): boolean {
  void lo;
  return (v.minVersion ?? 0) <= hi;
}
