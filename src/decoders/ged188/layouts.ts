/**
 * The GED-188 message catalog: the fixed part of every message type, as data. The decoder, the encoder and
 * the generated Wireshark dissector (lua-dissector.ts) all read these tables, so a layout is written once.
 *
 * Body offsets exclude the 8-byte header; fields are packed with no padding (§1.3). Newer protocol versions
 * append fields, so a layout lists the fixed-part lengths it is known to have (`variants`), each with the
 * protocol version from which it can appear; the decoder also tolerates a fixed part longer than every
 * variant (a field appended by a version we do not know) and says so.
 *
 * A field is written `'<type> <name>[:<kind>]'`: type u8 / u16 / u32 / i32 / bool / time, name as it appears
 * in DecodedMessage.fields, kind the enumeration or mask that names its value.
 */

import { MESSAGE_TYPE_NUMBERS, messageTypeName } from './constants.js';
import { isEnumKind, type EnumKind } from './enumerations.js';

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
  | 'eventReasonCode'
  | EnumKind;

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
 * Where a layout comes from:
 * - 'doc': documented (Cisco's CTI Server guides or the UCCX CTI developer guide, as the reference and the
 *   guide pages give them), and where implementations or recorded bytes exist they agree;
 * - 'impl': agreed by public implementations (the nshimaza table-driven codec for protocol 19, the
 *   KryvkoSergii message classes) and, where there are some, recorded bytes, without a guide page read here;
 * - 'guessed': no source gives the layout; the leading fields follow the message family's pattern (InvokeID
 *   first for requests and replies). When a guessed layout does not fit the body, the rest of the body is
 *   left undecoded rather than read wrongly.
 */
export type LayoutConfidence = 'doc' | 'impl' | 'guessed';

/**
 * A repeated group of floating items (the count is a fixed field): each group starts at `startTag` and holds
 * the items of `tags` that follow it, until the next `startTag`. Decoded into `fields[key]` as an array of
 * objects keyed by the tag's camelCase name.
 */
export interface FloatingGroup {
  key: string;
  startTag: number;
  tags: readonly number[];
}

export interface MessageLayout {
  fields: readonly FixedField[];
  variants: readonly LayoutVariant[];
  confidence: LayoutConfidence;
  groups?: readonly FloatingGroup[];
}

export const FIXED_FIELD_SIZE: Record<FixedFieldType, number> = { u8: 1, u16: 2, bool: 2, u32: 4, i32: 4, time: 4 };

const FIXED_TYPES = new Set<string>(['u8', 'u16', 'u32', 'i32', 'bool', 'time']);
const MASK_OR_CODE_KINDS = new Set<string>([
  'status',
  'failureCode',
  'peripheralErrorCode',
  'agentState',
  'services',
  'pgStatus',
  'callMsgMask',
  'agentStateMask',
  'configMsgMask',
  'peripheralType',
  'systemEventId',
  'eventReasonCode',
]);

/** Parses `'u16 peripheralType:peripheralType'`; throws on a typo (at load time, so every test sees it). */
function field(spec: string): FixedField {
  const m = /^(\w+) (\w+)(?::(\w+))?$/.exec(spec);
  if (!m || !FIXED_TYPES.has(m[1])) throw new Error(`bad field spec ${spec}`);
  const kind = m[3];
  if (kind !== undefined && !MASK_OR_CODE_KINDS.has(kind) && !isEnumKind(kind)) throw new Error(`unknown kind in ${spec}`);
  return { name: m[2], type: m[1] as FixedFieldType, kind: kind as FixedFieldKind | undefined };
}

function fieldsLength(fields: readonly FixedField[]): number {
  let n = 0;
  for (const f of fields) n += FIXED_FIELD_SIZE[f.type];
  return n;
}

interface Extra {
  variants?: LayoutVariant[];
  groups?: FloatingGroup[];
}

function layout(confidence: LayoutConfidence, specs: readonly string[], extra: Extra = {}): MessageLayout {
  const fields = specs.map(field);
  return { fields, variants: extra.variants ?? [{ length: fieldsLength(fields) }], confidence, groups: extra.groups };
}

/**
 * Agreed by implementations: the nshimaza protocol-19 codec's fixed-part table (field order and widths),
 * with our field names. Types 236–238 are left out: that codec (and the v15 guide's type table) numbers
 * TEAM_CONFIG_* there, where the v24 guide has the configuration events; recorded UCCE CTI Server -> CTI OS
 * Server bytes (protocol 15) use 230–238 for the configuration events, as the v24 table does.
 */
const IMPL: Record<number, readonly string[]> = {
  9: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 alertingDeviceType:deviceIdType', 'u16 callingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 lastRedirectDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause', 'u16 numNamedVariables', 'u16 numNamedArrays'], // CALL_DELIVERED_EVENT
  10: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 answeringDeviceType:deviceIdType', 'u16 callingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 lastRedirectDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_ESTABLISHED_EVENT
  11: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 holdingDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_HELD_EVENT
  12: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 retrievingDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_RETRIEVED_EVENT
  13: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_CLEARED_EVENT
  14: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 releasingDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_CONNECTION_CLEARED_EVENT
  15: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 callingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_ORIGINATED_EVENT
  16: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 failingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_FAILED_EVENT
  17: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 primaryDeviceIdType:connectionDeviceIdType', 'u32 primaryCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 numParties', 'u16 secondaryDeviceIdType:connectionDeviceIdType', 'u32 secondaryCallId', 'u16 controllerDeviceType:deviceIdType', 'u16 addedPartyDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_CONFERENCED_EVENT
  18: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 primaryDeviceIdType:connectionDeviceIdType', 'u32 primaryCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 numParties', 'u16 secondaryDeviceIdType:connectionDeviceIdType', 'u32 secondaryCallId', 'u16 transferringDeviceType:deviceIdType', 'u16 transferredDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_TRANSFERRED_EVENT
  19: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u32 serviceNumber', 'u32 serviceId', 'u16 divertingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_DIVERTED_EVENT
  20: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 callingDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_SERVICE_INITIATED_EVENT
  21: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u32 serviceNumber', 'u32 serviceId', 'u16 queueDeviceType:deviceIdType', 'u16 callingDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 lastRedirectDeviceType:deviceIdType', 'u16 numQueued', 'u16 numSkillGroups', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_QUEUED_EVENT
  22: ['u16 numNamedVariables', 'u16 numNamedArrays'], // CALL_TRANSLATION_ROUTE_EVENT
  23: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 numCtiClients', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u16 callType:callType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 calledPartyDisposition'], // BEGIN_CALL_EVENT
  24: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId'], // END_CALL_EVENT
  25: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 numCtiClients', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u16 callType:callType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u32 newConnectionCallId', 'u16 calledPartyDisposition', 'u32 campaignId', 'u32 queryRuleId'], // CALL_DATA_UPDATE_EVENT
  26: ['u32 invokeId', 'u32 peripheralId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u16 callType:callType', 'u16 calledPartyDisposition', 'u32 campaignId', 'u32 queryRuleId'], // SET_CALL_DATA_REQ
  27: ['u32 invokeId'], // SET_CALL_DATA_CONF
  28: ['u32 invokeId', 'u32 peripheralId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId'], // RELEASE_CALL_REQ
  29: ['u32 invokeId'], // RELEASE_CALL_CONF
  34: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 lineHandle', 'u16 lineType:lineType', 'u16 trunkUsedDeviceType:deviceIdType', 'u16 calledDeviceType:deviceIdType', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_REACHED_NETWORK_EVENT
  40: ['u32 invokeId', 'u32 peripheralId', 'u32 activeConnectionCallId', 'u32 otherConnectionCallId', 'u16 activeConnectionDeviceIdType:connectionDeviceIdType', 'u16 otherConnectionDeviceIdType:connectionDeviceIdType'], // ALTERNATE_CALL_REQ
  41: ['u32 invokeId'], // ALTERNATE_CALL_CONF
  42: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // ANSWER_CALL_REQ
  43: ['u32 invokeId'], // ANSWER_CALL_CONF
  44: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // CLEAR_CALL_REQ
  45: ['u32 invokeId'], // CLEAR_CALL_CONF
  46: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // CLEAR_CONNECTION_REQ
  47: ['u32 invokeId'], // CLEAR_CONNECTION_CONF
  48: ['u32 invokeId', 'u32 peripheralId', 'u32 heldConnectionCallId', 'u32 activeConnectionCallId', 'u16 heldConnectionDeviceIdType:connectionDeviceIdType', 'u16 activeConnectionDeviceIdType:connectionDeviceIdType', 'u16 callPlacementType:callPlacementType', 'u16 callMannerType:callMannerType', 'u16 alertRings', 'u16 callOption:callOption', 'u16 facilityType', 'u16 answeringMachine', 'bool priority', 'bool postRoute', 'u16 numNamedVariables', 'u16 numNamedArrays'], // CONFERENCE_CALL_REQ
  49: ['u32 invokeId', 'u32 newConnectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u16 numParties', 'u16 lineHandle', 'u16 lineType:lineType'], // CONFERENCE_CALL_CONF
  50: ['u32 invokeId', 'u32 peripheralId', 'u32 activeConnectionCallId', 'u16 activeConnectionDeviceIdType:connectionDeviceIdType', 'u16 callPlacementType:callPlacementType', 'u16 callMannerType:callMannerType', 'u16 consultType:consultType', 'u16 alertRings', 'u16 callOption:callOption', 'u16 facilityType', 'u16 answeringMachine', 'bool priority', 'bool postRoute', 'u16 numNamedVariables', 'u16 numNamedArrays'], // CONSULTATION_CALL_REQ
  51: ['u32 invokeId', 'u32 newConnectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u16 lineHandle', 'u16 lineType:lineType'], // CONSULTATION_CALL_CONF
  52: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 calledDeviceType:deviceIdType'], // DEFLECT_CALL_REQ
  53: ['u32 invokeId'], // DEFLECT_CALL_CONF
  54: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'bool reservation'], // HOLD_CALL_REQ
  55: ['u32 invokeId'], // HOLD_CALL_CONF
  56: ['u32 invokeId', 'u32 peripheralId', 'u16 callPlacementType:callPlacementType', 'u16 callMannerType:callMannerType', 'u16 alertRings', 'u16 callOption:callOption', 'u16 facilityType', 'u16 answeringMachine', 'bool priority', 'bool postRoute', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u32 skillGroupNumber'], // MAKE_CALL_REQ
  57: ['u32 invokeId', 'u32 newConnectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u16 lineHandle', 'u16 lineType:lineType'], // MAKE_CALL_CONF
  58: ['u32 invokeId', 'u32 peripheralId', 'u16 callPlacementType:callPlacementType', 'u16 callMannerType:callMannerType', 'u16 alertRings', 'u16 callOption:callOption', 'u16 facilityType', 'u16 answeringMachine', 'bool priority', 'u16 allocationState', 'u16 destinationCountry', 'u16 answerDetectMode', 'u16 answerDetectTime', 'u32 answerDetectControl1', 'u32 answerDetectControl2', 'u16 numNamedVariables', 'u16 numNamedArrays'], // MAKE_PREDICTIVE_CALL_REQ
  59: ['u32 invokeId', 'u32 newConnectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u16 lineHandle', 'u16 lineType:lineType'], // MAKE_PREDICTIVE_CALL_CONF
  60: ['u32 invokeId', 'u32 peripheralId', 'u32 activeConnectionCallId', 'u32 heldConnectionCallId', 'u16 activeConnectionDeviceIdType:connectionDeviceIdType', 'u16 heldConnectionDeviceIdType:connectionDeviceIdType'], // RECONNECT_CALL_REQ
  61: ['u32 invokeId'], // RECONNECT_CALL_CONF
  62: ['u32 invokeId', 'u32 peripheralId', 'u32 heldConnectionCallId', 'u16 heldConnectionDeviceIdType:connectionDeviceIdType'], // RETRIEVE_CALL_REQ
  63: ['u32 invokeId'], // RETRIEVE_CALL_CONF
  64: ['u32 invokeId', 'u32 peripheralId', 'u32 activeConnectionCallId', 'u32 heldConnectionCallId', 'u16 activeConnectionDeviceIdType:connectionDeviceIdType', 'u16 heldConnectionDeviceIdType:connectionDeviceIdType', 'u16 callPlacementType:callPlacementType', 'u16 callMannerType:callMannerType', 'u16 alertRings', 'u16 callOption:callOption', 'u16 facilityType', 'u16 answeringMachine', 'bool priority', 'bool postRoute', 'u16 numNamedVariables', 'u16 numNamedArrays'], // TRANSFER_CALL_REQ
  65: ['u32 invokeId', 'u32 newConnectionCallId', 'u16 newConnectionDeviceIdType:connectionDeviceIdType', 'u16 numParties', 'u16 lineHandle', 'u16 lineType:lineType'], // TRANSFER_CALL_CONF
  78: ['u32 invokeId', 'u32 peripheralId', 'u32 reserved1'], // QUERY_DEVICE_INFO_REQ
  79: ['u32 invokeId', 'u16 peripheralType:peripheralType', 'u16 typeOfDevice:typeOfDevice', 'u16 classOfDevice', 'u16 numLines', 'u16 reserved', 'u16 maxActiveCalls', 'u16 maxHeldCalls', 'u16 maxDeviceInConference', 'u32 makeCallSetup', 'u32 transferConferenceSetup', 'u32 callEventsSupported', 'u32 callControlSupported', 'u32 otherFeaturesSupported', 'u32 supervisionServiceSupported'], // QUERY_DEVICE_INFO_CONF
  82: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // SNAPSHOT_CALL_REQ
  83: ['u32 invokeId', 'u16 callType:callType', 'u16 numCtiClients', 'u16 numCallDevices', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u16 calledPartyDisposition'], // SNAPSHOT_CALL_CONF
  84: ['u32 invokeId', 'u32 peripheralId', 'u16 snapshotDeviceType:deviceIdType'], // SNAPSHOT_DEVICE_REQ
  85: ['u32 invokeId', 'u16 numCalls'], // SNAPSHOT_DEVICE_CONF
  86: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 queueDeviceType:deviceIdType', 'u32 serviceNumber', 'u32 serviceId', 'u16 numQueued', 'u16 numSkillGroups', 'u16 localConnectionState:localConnectionState', 'u16 eventCause:eventCause'], // CALL_DEQUEUED_EVENT
  91: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 toneDuration', 'u32 pauseDuration'], // SEND_DTMF_SIGNAL_REQ
  92: ['u32 invokeId'], // SEND_DTMF_SIGNAL_CONF
  93: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u32 callMsgMask:callMsgMask', 'u32 agentStateMask:agentStateMask', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 monitoredDeviceType:deviceIdType'], // MONITOR_START_REQ
  94: ['u32 invokeId', 'u32 monitorId'], // MONITOR_START_CONF
  95: ['u32 invokeId', 'u32 monitorId'], // MONITOR_STOP_REQ
  96: ['u32 invokeId'], // MONITOR_STOP_CONF
  97: ['u32 invokeId', 'u32 monitorId', 'u32 callMsgMask:callMsgMask', 'u32 agentStateMask:agentStateMask'], // CHANGE_MONITOR_MASK_REQ
  98: ['u32 invokeId'], // CHANGE_MONITOR_MASK_CONF
  99: ['u32 sessionId', 'u32 peripheralId', 'u32 servicesGranted:services', 'u32 callMsgMask:callMsgMask', 'u32 agentStateMask:agentStateMask', 'u32 clientPort'], // CLIENT_SESSION_OPENED_EVENT
  100: ['u32 sessionId', 'u32 peripheralId', 'u32 status:status', 'u32 clientPort'], // CLIENT_SESSION_CLOSED_EVENT
  101: ['u32 invokeId', 'u32 sessionId'], // SESSION_MONITOR_START_REQ
  102: ['u32 invokeId', 'u32 monitorId'], // SESSION_MONITOR_START_CONF
  103: ['u32 invokeId', 'u32 sessionId'], // SESSION_MONITOR_STOP_REQ
  104: ['u32 invokeId'], // SESSION_MONITOR_STOP_CONF
  105: ['u32 monitorId', 'u16 numNamedVariables', 'u16 numNamedArrays', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'i32 mrdId'], // AGENT_PRE_CALL_EVENT
  106: ['u32 monitorId', 'i32 mrdId'], // AGENT_PRE_CALL_ABORT_EVENT
  107: ['u32 invokeId', 'u32 peripheralId', 'u16 distribution:distribution'], // USER_MESSAGE_REQ
  108: ['u32 invokeId'], // USER_MESSAGE_CONF
  109: ['time icmCentralControllerTime', 'u16 distribution:distribution'], // USER_MESSAGE_EVENT
  110: ['u32 invokeId', 'u16 callVariableMask', 'u16 numNamedVariables', 'u16 numNamedArrays'], // REGISTER_VARIABLES_REQ
  111: ['u32 invokeId'], // REGISTER_VARIABLES_CONF
  112: ['u32 invokeId', 'u32 peripheralId'], // QUERY_AGENT_STATISTICS_REQ
  113: ['u32 invokeId', 'u32 peripheralId', 'u32 loggedOnTimeSession', 'u32 notReadyTimeSession', 'u32 icmAvailableTimeSession', 'u32 routableTimeSession', 'u32 agentOutCallsSession', 'u32 agentOutCallsTalkTimeSession', 'u32 agentOutCallsTimeSession', 'u32 agentOutCallsHeldSession', 'u32 agentOutCallsHeldTimeSession', 'u32 handledCallsTalkTimeSession', 'u32 handledCallsAfterCallTimeSession', 'u32 handledCallsTimeSession', 'u32 incomingCallsHeldSession', 'u32 incomingCallsHeldTimeSession', 'u32 internalCallsSession', 'u32 internalCallsTimeSession', 'u32 internalCallsRcvdSession', 'u32 internalCallsRcvdTimeSession', 'u32 internalCallsHeldTimeSession', 'u32 autoOutCallsSession', 'u32 autoOutCallsTalkTimeSession', 'u32 autoOutCallsTimeSession', 'u32 autoOutCallsHeldSession', 'u32 autoOutCallsHeldTimeSession', 'u32 previewCallsSession', 'u32 previewCallsTalkTimeSession', 'u32 previewCallsTimeSession', 'u32 previewCallsHeldTimeSession', 'u32 reservationCallsSession', 'u32 reservationCallsTalkTimeSession', 'u32 reservationCallsTimeSession', 'u32 reservationCallsHeldSession', 'u32 reservationCallsHeldTimeSession', 'u32 bargeInCallsSession', 'u32 interceptCallsSession', 'u32 monitorCallsSession', 'u32 emergencyCallsSession', 'u32 availTimeToday', 'u32 loggedOnTimeToday', 'u32 notReadyTimeToday', 'u32 icmAvailableTimeToday', 'u32 routableTimeToday', 'u32 agentOutCallsToday', 'u32 agentOutCallsTalkTimeToday', 'u32 agentOutCallsTimeToday', 'u32 agentOutCallsHeldTimeToday', 'u32 handledCallsToday', 'u32 handledCallsTalkTimeToday', 'u32 handledCallsAfterCallTimeToday', 'u32 handledCallsTimeToday', 'u32 incomingCallsHeldToday', 'u32 incomingCallsHeldTimeToday', 'u32 internalCallsToday', 'u32 internalCallsTimeToday', 'u32 internalCallsRcvdTimeToday', 'u32 internalCallsHeldToday', 'u32 internalCallsHeldTimeToday', 'u32 autoOutCallsToday', 'u32 autoOutCallsTalkTimeToday', 'u32 autoOutCallsTimeToday', 'u32 autoOutCallsHeldToday', 'u32 autoOutCallsHeldTimeToday', 'u32 previewCallsToday', 'u32 previewCallsTimeToday', 'u32 previewCallsHeldToday', 'u32 previewCallsHeldTimeToday', 'u32 reservationCallsToday', 'u32 reservationCallsTalkTimeToday', 'u32 reservationCallsTimeToday', 'u32 reservationCallsHeldToday', 'u32 reservationCallsHeldTimeToday', 'u32 bargeInCallsToday', 'u32 monitorCallsToday', 'u32 whisperCallsToday', 'u32 emergencyCallsToday'], // QUERY_AGENT_STATISTICS_CONF
  114: ['u32 invokeId', 'u32 peripheralId', 'u32 skillGroupNumber', 'u32 skillGroupId'], // QUERY_SKILL_GROUP_STATISTICS_REQ
  115: ['u32 invokeId', 'u32 peripheralId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u32 agentsAvail', 'u32 agentsNotReady', 'u32 agentsReady', 'u32 agentsTalkingIn', 'u32 agentsTalkingOut', 'u32 agentsTalkingOther', 'u32 agentsWorkNotReady', 'u32 agentsWorkReady', 'u32 agentsBusyOther', 'u32 agentsHold', 'u32 agentsIcmAvailable', 'u32 agentsApplicationAvailable', 'u32 agentsTalkingAutoOut', 'u32 agentsTalkingPreview', 'u32 agentsTalkingReservation', 'u32 routerCallsQNow', 'u32 longestRouterCallQNow', 'u32 callsQNow', 'u32 longestCallQNow', 'u32 availTimeTo5', 'u32 loggedOnTimeTo5', 'u32 notReadyTimeTo5', 'u32 agentOutCallsTo5', 'u32 agentOutCallsTalkTimeTo5', 'u32 agentOutCallsTimeTo5', 'u32 agentOutCallsHeldTo5', 'u32 agentOutCallsHeldTimeTo5', 'u32 handledCallsTalkTimeTo5', 'u32 handledCallsAfterCallTimeTo5', 'u32 handledCallsTimeTo5', 'u32 incomingCallsHeldTo5', 'u32 incomingCallsHeldTimeTo5', 'u32 internalCallsRcvdTo5', 'u32 internalCallsRcvdTimeTo5', 'u32 internalCallsHeldTo5', 'u32 internalCallsHeldTimeTo5', 'u32 autoOutCallsTalkTimeTo5', 'u32 autoOutCallsTimeTo5', 'u32 autoOutCallsHeldTo5', 'u32 autoOutCallsHeldTimeTo5', 'u32 previewCallsTo5', 'u32 previewCallsTalkTimeTo5', 'u32 previewCallsTimeTo5', 'u32 previewCallsHeldTo5', 'u32 previewCallsHeldTimeTo5', 'u32 reservationCallsTalkTimeTo5', 'u32 reservationCallsTimeTo5', 'u32 reservationCallsHeldTo5', 'u32 reservationCallsHeldTimeTo5', 'u32 bargeInCallsTo5', 'u32 interceptCallsTo5', 'u32 monitorCallsTo5', 'u32 whisperCallsTo5', 'u32 emergencyCallsTo5', 'u32 callsQTime5', 'u32 longestCallQ5', 'u32 availTimeToHalf', 'u32 loggedOnTimeToHalf', 'u32 notReadyTimeToHalf', 'u32 agentOutCallsToHalf', 'u32 agentOutCallsTalkTimeToHalf', 'u32 agentOutCallsTimeToHalf', 'u32 agentOutCallsHeldToHalf', 'u32 handledCallsToHalf', 'u32 handledCallsTalkTimeToHalf', 'u32 handledCallsAfterCallTimeToHalf', 'u32 handledCallsTimeToHalf', 'u32 incomingCallsHeldToHalf', 'u32 incomingCallsHeldTimeToHalf', 'u32 internalCallsRcvdToHalf', 'u32 internalCallsRcvdTimeToHalf', 'u32 internalCallsHeldToHalf', 'u32 autoOutCallsToHalf', 'u32 autoOutCallsTalkTimeToHalf', 'u32 autoOutCallsTimeToHalf', 'u32 autoOutCallsHeldToHalf', 'u32 autoOutCallsHeldTimeToHalf', 'u32 previewCallsToHalf', 'u32 previewCallsTalkTimeToHalf', 'u32 previewCallsTimeToHalf', 'u32 previewCallsHeldToHalf', 'u32 reservationCallsToHalf', 'u32 reservationCallsTalkTimeToHalf', 'u32 reservationCallsTimeToHalf', 'u32 reservationCallsHeldToHalf', 'u32 reservationCallsHeldTimeToHalf', 'u32 bargeInCallsToHalf', 'u32 interceptCallsToHalf', 'u32 monitorCallsToHalf', 'u32 whisperCallsToHalf', 'u32 callsQHalf', 'u32 callsQTimeHalf', 'u32 longestCallQHalf', 'u32 availTimeToday', 'u32 loggedOnTimeToday', 'u32 notReadyTimeToday', 'u32 agentOutCallsToday', 'u32 agentOutCallsTalkTimeToday', 'u32 agentOutCallsTimeToday', 'u32 agentOutCallsHeldTimeToday', 'u32 handledCallsToday', 'u32 handledCallsTalkTimeToday', 'u32 handledCallsAfterCallTimeToday', 'u32 handledCallsTimeToday', 'u32 incomingCallsHeldToday', 'u32 incomingCallsHeldTimeToday', 'u32 internalCallsRcvdToday', 'u32 internalCallsRcvdTimeToday', 'u32 internalCallsHeldTimeToday', 'u32 autoOutCallsToday', 'u32 autoOutCallsTalkTimeToday', 'u32 autoOutCallsTimeToday', 'u32 autoOutCallsHeldToday', 'u32 autoOutCallsHeldTimeToday', 'u32 previewCallsToday', 'u32 previewCallsTalkTimeToday', 'u32 previewCallsTimeToday', 'u32 previewCallsHeldTimeToday', 'u32 reservationCallsToday', 'u32 reservationCallsTalkTimeToday', 'u32 reservationCallsTimeToday', 'u32 reservationCallsHeldToday', 'u32 reservationCallsHeldTimeToday', 'u32 bargeInCallsToday', 'u32 interceptCallsToday', 'u32 monitorCallsToday', 'u32 emergencyCallsToday', 'u32 callsQToday', 'u32 callsQTimeToday', 'u32 longestCallQToday'], // QUERY_SKILL_GROUP_STATISTICS_CONF
  116: ['u32 monitorId', 'u32 peripheralId', 'u32 clientPort', 'u16 rtpDirection:rtpDirection', 'u16 rtpType:rtpType', 'u32 bitRate', 'bool echoCancellation', 'u32 packetSize', 'u16 payloadType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId'], // RTP_STARTED_EVENT
  117: ['u32 monitorId', 'u32 peripheralId', 'u32 clientPort', 'u16 rtpDirection:rtpDirection', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId'], // RTP_STOPPED_EVENT
  118: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // SUPERVISOR_ASSIST_REQ
  119: ['u32 invokeId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 lineHandle', 'u16 lineType:lineType'], // SUPERVISOR_ASSIST_CONF
  121: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // EMERGENCY_CALL_REQ
  122: ['u32 invokeId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 lineHandle', 'u16 lineType:lineType'], // EMERGENCY_CALL_CONF
  123: ['u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 sessionId'], // EMERGENCY_CALL_EVENT
  124: ['u32 invokeId', 'u32 peripheralId', 'u32 agentConnectionCallId', 'u32 supervisorConnectionCallId', 'u16 agentConnectionDeviceIdType:connectionDeviceIdType', 'u16 supervisorConnectionDeviceIdType:connectionDeviceIdType', 'u16 supervisoryAction:supervisoryAction'], // SUPERVISE_CALL_REQ
  125: ['u32 invokeId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType'], // SUPERVISE_CALL_CONF
  129: ['u32 invokeId'], // SET_APP_DATA_REQ
  130: ['u32 invokeId'], // SET_APP_DATA_CONF
  131: ['u32 invokeId', 'u32 peripheralId'], // AGENT_DESK_SETTINGS_REQ
  132: ['u32 invokeId', 'u32 peripheralId', 'u32 deskSettingsMask', 'u32 wrapupDataIncomingMode', 'u32 wrapupDataOutgoingMode', 'u32 logoutNonActivityTime', 'u32 qualityRecordingRate', 'u32 ringNoAnswerTime', 'u32 silentMonitorWarningMessage', 'u32 silentMonitorAudibleIndication', 'u32 supervisorAssistCallMethod', 'u32 emergencyCallMethod', 'u32 autoRecordOnEmergency', 'u32 recordingMode', 'u32 workModeTimer', 'u32 ringNoAnswerDn'], // AGENT_DESK_SETTINGS_CONF
  133: ['u32 invokeId', 'u32 supervisorId'], // LIST_AGENT_TEAM_REQ
  134: ['u32 invokeId', 'u16 numberOfAgentTeams', 'u16 segmentNumber', 'bool more'], // LIST_AGENT_TEAM_CONF
  135: ['u32 invokeId', 'u32 teamId'], // MONITOR_AGENT_TEAM_START_REQ
  136: ['u32 invokeId', 'u32 monitorId'], // MONITOR_AGENT_TEAM_START_CONF
  137: ['u32 invokeId', 'u32 monitorId'], // MONITOR_AGENT_TEAM_STOP_REQ
  138: ['u32 invokeId'], // MONITOR_AGENT_TEAM_STOP_CONF
  139: ['u32 invokeId', 'u32 peripheralId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId'], // BAD_CALL_REQ
  140: ['u32 invokeId'], // BAD_CALL_CONF
  141: ['u32 invokeId', 'u32 peripheralId', 'u32 serviceNumber', 'u32 serviceId', 'u32 skillGroupNumber', 'u32 skillGroupId', 'u16 skillGroupPriority', 'u16 callType:callType', 'u16 callingDeviceType:deviceIdType'], // SET_DEVICE_ATTRIBUTES_REQ
  142: ['u32 invokeId'], // SET_DEVICE_ATTRIBUTES_CONF
  143: ['u32 invokeId', 'u16 serverMode:serverMode'], // REGISTER_SERVICE_REQ
  144: ['u32 invokeId', 'u32 registeredServiceId'], // REGISTER_SERVICE_CONF
  145: ['u32 invokeId', 'u32 registeredServiceId'], // UNREGISTER_SERVICE_REQ
  146: ['u32 invokeId'], // UNREGISTER_SERVICE_CONF
  147: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u32 clientPort', 'u32 bitRate', 'u32 packetSize', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 rtpDirection:rtpDirection', 'u16 rtpType:rtpType', 'bool echoCancellation', 'u16 payloadType'], // START_RECORDING_REQ
  148: ['u32 invokeId', 'u32 sessionId', 'u32 serverData'], // START_RECORDING_CONF
  149: ['u32 invokeId', 'u32 peripheralId', 'u32 connectionCallId', 'u32 clientPort', 'u32 sessionId', 'u32 serverData', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u16 rtpDirection:rtpDirection'], // STOP_RECORDING_REQ
  150: ['u32 invokeId'], // STOP_RECORDING_CONF
  240: ['u32 monitorId', 'u32 peripheralId', 'u16 peripheralType:peripheralType', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 callTypeId', 'u32 serviceNumber'], // CALL_ATTRIBUTE_CHANGE_EVENT
  248: ['u32 monitorId', 'u32 peripheralId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 connectionCallId', 'u16 eventCode:eventCode', 'u32 peripheralErrorCode:peripheralErrorCode'], // CALL_AGENT_GREETING_EVENT
  249: ['u32 invokeId', 'u32 peripheralId', 'u16 agentAction:agentGreetingAction'], // AGENT_GREETING_CONTROL_REQ
  250: ['u32 invokeId'], // AGENT_GREETING_CONTROL_CONF
};

const INVOKE = 'u32 invokeId';
/** Configuration records: each starts with RecordType (183) and runs to the next. */
const CONFIG_RECORDS: FloatingGroup = { key: 'records', startTag: 183, tags: [] };

/** Shapes seen besides the full one: BEGIN_CALL_EVENT without CalledPartyDisposition (older peers). */
const IMPL_VARIANTS: Record<number, LayoutVariant[]> = {
  23: [{ length: 26 }, { length: 24, fallback: true }],
  // QUERY_DEVICE_INFO_CONF: the v9 guide ends with SupervisionServiceSupported, the protocol-19 codec without it.
  79: [{ length: 44 }, { length: 40 }],
};

/**
 * IMPL layouts whose guide table was read here and agrees field for field (v9, v14 or v15 guide pages), so
 * they count as documented.
 */
const IMPL_CONFIRMED_BY_GUIDE = [15, 23, 24, 101, 102, 108, 109, 117, 118, 135, 136, 144, 145];

/** Documented layouts (the reference §3 and the guide pages); they take precedence over IMPL. */
const DOC: Record<number, MessageLayout> = {
  1: layout('doc', [INVOKE, 'u32 status:status']), // FAILURE_CONF
  2: layout('doc', ['u32 status:status']), // FAILURE_EVENT
  3: layout('doc', [
    INVOKE,
    'u32 versionNumber',
    'u32 idleTimeout',
    'u32 peripheralId',
    'u32 servicesRequested:services',
    'u32 callMsgMask:callMsgMask',
    'u32 agentStateMask:agentStateMask',
    'u32 configMsgMask:configMsgMask',
    'u32 reserved1',
    'u32 reserved2',
    'u32 reserved3',
  ]),
  // 26 bytes up to v19; DepartmentID appended later (v20 is our guess: absent in v19, present in v25 [?]);
  // SessionType from v24.
  4: layout(
    'doc',
    [
      INVOKE,
      'u32 servicesGranted:services',
      'u32 monitorId',
      'u32 pgStatus:pgStatus',
      'time icmCentralControllerTime',
      'bool peripheralOnline',
      'u16 peripheralType:peripheralType',
      'u16 agentState:agentState',
      'i32 departmentId',
      'u16 sessionType:sessionType',
    ],
    { variants: [{ length: 26 }, { length: 30, minVersion: 20 }, { length: 32, minVersion: 24 }] },
  ),
  5: layout('doc', [INVOKE]), // HEARTBEAT_REQ
  6: layout('doc', [INVOKE]), // HEARTBEAT_CONF
  7: layout('doc', [INVOKE, 'u32 status:status']), // CLOSE_REQ
  8: layout('doc', [INVOKE]), // CLOSE_CONF
  30: layout(
    'doc',
    [
      'u32 monitorId',
      'u32 peripheralId',
      'u32 sessionId',
      'u16 peripheralType:peripheralType',
      'u16 skillGroupState:agentState',
      'u32 stateDuration',
      'u32 skillGroupNumber',
      'u32 skillGroupId',
      'u16 skillGroupPriority',
      'u16 agentState:agentState',
      'u16 eventReasonCode:eventReasonCode',
      'i32 mrdId',
      'u32 numTasks',
      'u16 agentMode',
      'u32 maxTaskLimit',
      'i32 icmAgentId',
      'u32 agentAvailabilityStatus',
      'u16 numFltSkillGroups',
      'i32 departmentId',
    ],
    { variants: [{ length: 58 }, { length: 62, minVersion: 20 }] },
  ),
  31: layout('doc', [
    'u32 pgStatus:pgStatus',
    'time icmCentralControllerTime',
    'u32 systemEventId:systemEventId',
    'u32 systemEventArg1',
    'u32 systemEventArg2',
    'u32 systemEventArg3',
    'u16 eventDeviceType:deviceIdType',
  ]),
  32: layout('doc', [INVOKE, 'u16 state']), // CLIENT_EVENT_REPORT_REQ
  33: layout('doc', [INVOKE]),
  35: layout('doc', [INVOKE, 'u16 failureCode:failureCode', 'u32 peripheralErrorCode:peripheralErrorCode']),
  36: layout('doc', [INVOKE, 'u32 peripheralId', 'i32 mrdId', 'i32 icmAgentId']),
  37: layout(
    'doc',
    [
      INVOKE,
      'u16 agentState:agentState',
      'u16 numSkillGroups',
      'i32 mrdId',
      'u32 numTasks',
      'u16 agentMode',
      'u32 maxTaskLimit',
      'i32 icmAgentId',
      'u32 agentAvailabilityStatus',
      'i32 departmentId',
    ],
    { variants: [{ length: 30 }, { length: 34, minVersion: 20 }] },
  ),
  // Odd-aligned: ForcedFlag is a UCHAR (§3). AgentServiceReq ("AgentCapacity" in UCCX) came with UCCX v12;
  // the 17-byte shape without it is kept as a fallback for older peers.
  38: layout(
    'doc',
    [
      INVOKE,
      'u32 peripheralId',
      'u16 agentState:agentState',
      'u16 agentWorkMode',
      'u16 numSkillGroups',
      'u16 eventReasonCode:eventReasonCode',
      'u8 forcedFlag',
      'u32 agentServiceReq',
    ],
    { variants: [{ length: 21 }, { length: 17, fallback: true }] },
  ),
  39: layout('doc', [INVOKE]), // SET_AGENT_STATE_CONF
  // UCCX guide: PeripheralID (reserved, 1), CallID, ConnectionDeviceType, SessionID (reserved, 0), the shape
  // of EMERGENCY_CALL_EVENT (123).
  120: layout('doc', ['u32 peripheralId', 'u32 connectionCallId', 'u16 connectionDeviceIdType:connectionDeviceIdType', 'u32 sessionId']),
  // The v9 and v15 guides: PeripheralID, TeamID, NumberOfAgents, ConfigOperation, then NumberOfAgents groups
  // of ATCAgentID (86), AgentFlags (87), ATCAgentState (88), ATCStateDuration (89).
  128: layout('doc', ['u32 peripheralId', 'u32 teamId', 'u16 numberOfAgents', 'u16 configOperation:configOperation'], {
    groups: [{ key: 'members', startTag: 86, tags: [86, 87, 88, 89] }],
  }),
  // Configuration events. The UCCX guide documents each; the UCCE shapes agree with recorded CTI Server ->
  // CTI OS Server bytes: CONFIG_REQUEST_KEY_EVENT and CONFIG_REQUEST_EVENT carry the PeripheralID where UCCX
  // has a reserved UINT (UCCX sends 0 there, UCCE the peripheral).
  230: layout('doc', ['u32 peripheralId']), // CONFIG_REQUEST_KEY_EVENT; floating CUSTOMER_ID (131)
  231: layout('doc', ['u32 status:configStatus']), // CONFIG_KEY_EVENT; floating keys 177–180, 209
  232: layout('doc', ['u32 configInformation:configMsgMask', 'u32 peripheralId']), // CONFIG_REQUEST_EVENT
  233: layout('doc', ['u16 configType:configType', 'u32 configInformation:configMsgMask']), // CONFIG_BEGIN_EVENT
  234: layout('doc', ['u32 status:configStatus']), // CONFIG_END_EVENT
  235: layout('doc', ['u16 numRecords'], { groups: [CONFIG_RECORDS] }), // CONFIG_SERVICE_EVENT (UCCX: application)
  236: layout('doc', ['u16 numRecords'], { groups: [CONFIG_RECORDS] }), // CONFIG_SKILL_GROUP_EVENT (UCCX: CSQ)
  237: layout('doc', ['u16 numRecords'], { groups: [CONFIG_RECORDS] }), // CONFIG_AGENT_EVENT
  238: layout('doc', ['u16 numRecords'], { groups: [CONFIG_RECORDS] }), // CONFIG_DEVICE_EVENT
  // UCCX: TEAM_CONFIG_REQ InvokeID, ConfigParam, 8 reserved bytes; TEAM_CONFIG_EVENT TeamID, NumRecords,
  // Operation, 8 reserved bytes, then TeamName (204) and member groups; TEAM_CONFIG_CONF InvokeID, Status.
  242: layout('doc', [INVOKE, 'u16 configParam', 'u32 reserved1', 'u32 reserved2']),
  243: layout('doc', ['u32 teamId', 'u16 numRecords', 'u16 operation:teamOperation', 'u32 reserved1', 'u32 reserved2'], {
    groups: [{ key: 'members', startTag: 194, tags: [194, 87, 183, 205] }],
  }),
  244: layout('doc', [INVOKE, 'u32 status']),
};

/** Record-style configuration events whose pages were not read: the NumRecords shape of their family. */
const GUESSED_CONFIG_RECORD_EVENTS = [245, 254, 260, 261, 282];

/**
 * The layout guessed for a named type no source describes: InvokeID first for requests, replies and
 * responses (every documented one has it), MRDID + ICMAgentID for the ARM indications, MonitorID +
 * PeripheralID for events. The floating part, when these leading fields leave one, decides whether the guess
 * is used (see the decoder).
 */
function guessedLayout(name: string): MessageLayout | undefined {
  if (/_(REQ|CONF|RESP)$/.test(name)) return layout('guessed', [INVOKE]);
  if (/_IND$/.test(name)) return layout('guessed', ['i32 mrdId', 'i32 icmAgentId']);
  if (/_EVENT(_MSG)?$/.test(name)) return layout('guessed', ['u32 monitorId', 'u32 peripheralId']);
  return undefined;
}

const LAYOUTS: Record<number, MessageLayout> = {};
for (const [t, specs] of Object.entries(IMPL)) {
  const type = Number(t);
  LAYOUTS[type] = layout(IMPL_CONFIRMED_BY_GUIDE.includes(type) ? 'doc' : 'impl', specs, { variants: IMPL_VARIANTS[type] });
}
for (const [t, l] of Object.entries(DOC)) LAYOUTS[Number(t)] = l;
for (const t of GUESSED_CONFIG_RECORD_EVENTS) LAYOUTS[t] = layout('guessed', ['u16 numRecords'], { groups: [CONFIG_RECORDS] });
for (const t of MESSAGE_TYPE_NUMBERS) {
  if (LAYOUTS[t]) continue;
  const g = guessedLayout(messageTypeName(t));
  if (g) LAYOUTS[t] = g;
}

/** True for message names that carry an InvokeID first: requests, confirmations and ARM responses. */
export function isInvokeMessageName(name: string): boolean {
  return /_(REQ|CONF|RESP)$/.test(name);
}

/** The layout for a message type, or undefined (an unnamed type: the body is left undecoded). */
export function layoutFor(messageType: number): MessageLayout | undefined {
  return LAYOUTS[messageType];
}

/** Every message type with a layout, and how sure it is (for coverage reports and generated artefacts). */
export function catalog(): Array<{ type: number; name: string; layout: MessageLayout }> {
  return Object.keys(LAYOUTS)
    .map(Number)
    .sort((a, b) => a - b)
    .map((type) => ({ type, name: messageTypeName(type), layout: LAYOUTS[type] }));
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
