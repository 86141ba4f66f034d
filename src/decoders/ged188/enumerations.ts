/**
 * GED-188 enumerations carried in fixed fields beyond the login flow (call events, call control, recording,
 * supervisor and configuration messages), as data: value -> name, without the C prefixes.
 *
 * Sources: the reference (§6.8: DeviceIDType, LocalConnectionState, ConnectionDeviceIDType, LineType, the
 * EventCause / CallType numbering), cross-checked with the nshimaza table-driven codec (its constants for
 * protocol 19), from which the long lists (EventCause, CallType, …) are taken as values and names. The UCCX
 * guide's CONFIG_KEY_EVENT and TEAM_CONFIG_EVENT pages give the configuration enumerations.
 */

export type EnumKind =
  | 'callType'
  | 'eventCause'
  | 'lineType'
  | 'deviceIdType'
  | 'connectionDeviceIdType'
  | 'localConnectionState'
  | 'agentWorkMode'
  | 'configOperation'
  | 'rtpDirection'
  | 'rtpType'
  | 'supervisoryAction'
  | 'agentAvailabilityStatus'
  | 'distribution'
  | 'callPlacementType'
  | 'callMannerType'
  | 'consultType'
  | 'callOption'
  | 'serverMode'
  | 'clientEventReportState'
  | 'typeOfDevice'
  | 'agentGreetingAction'
  | 'eventCode'
  | 'configStatus'
  | 'configType'
  | 'teamOperation'
  | 'sessionType';

type Entries = ReadonlyArray<readonly [number, string]>;

const ENUM_ENTRIES: Record<EnumKind, Entries> = {
  callType: [[1, 'ACD_IN'], [2, 'PREROUTE_ACD_IN'], [3, 'PREROUTE_DIRECT_AGENT'], [4, 'TRANSFER_IN'], [5, 'OVERFLOW_IN'], [6, 'OTHER_IN'], [7, 'AUTO_OUT'], [8, 'AGENT_OUT'], [9, 'OUT'], [10, 'AGENT_INSIDE'], [11, 'OFFERED'], [12, 'CONSULT'], [13, 'CONSULT_OFFERRED'], [14, 'CONSULT_CONFERENCE'], [15, 'CONFERENCE'], [16, 'UNMONITORED'], [17, 'PREVIEW'], [18, 'RESERVATION'], [19, 'ASSIST'], [20, 'EMERGENCY'], [21, 'SUPERVISOR_MONITOR'], [22, 'SUPERVISOR_WHISPER'], [23, 'SUPERVISOR_BARGEIN'], [24, 'SUPERVISOR_INTERCEPT'], [25, 'TASK_ROUTED_BY_ICM'], [26, 'TASK_ROUTED_BY_APPLICATION'], [27, 'RESERVATION_PREVIEW'], [28, 'RESERVATION_PREVIEW_DIRECT'], [29, 'RESERVATION_PREDICTIVE'], [30, 'RESERVATION_CALLBACK'], [31, 'RESERVATION_PERSONAL_CALLBACK'], [32, 'CUSTOMER_PREVIEW'], [33, 'CUSTOMER_PREVIEW_DIRECT'], [34, 'CUSTOMER_PREDICTIVE'], [35, 'CUSTOMER_CALLBACK'], [36, 'CUSTOMER_PERSONAL'], [37, 'CUSTOMER_IVR'], [38, 'NON_ACD'], [39, 'PLAY_AGENT_GREETING'], [40, 'RECORD_AGENT_GREETING'], [41, 'VOICE_CALL_BACK'], [65535, 'NONE']],
  eventCause: [[1, 'ACTIVE_MONITOR'], [2, 'ALTERNATE'], [3, 'BUSY'], [4, 'CALL_BACK'], [5, 'CALL_CANCELLED'], [6, 'CALL_FORWARD_ALWAYS'], [7, 'CALL_FORWARD_BUSY'], [8, 'CALL_FORWARD_NO_ANSWER'], [9, 'CALL_FORWARD'], [10, 'CALL_NOT_ANSWERED'], [11, 'CALL_PICKUP'], [12, 'CAMP_ON'], [13, 'DEST_NOT_OBTAINABLE'], [14, 'DO_NOT_DISTURB'], [15, 'INCOMPATIBLE_DESTINATION'], [16, 'INVALID_ACCOUNT_CODE'], [17, 'KEY_CONFERENCE'], [18, 'LOCKOUT'], [19, 'MAINTENANCE'], [20, 'NETWORK_CONGESTION'], [21, 'NETWORK_NOT_OBTAINABLE'], [22, 'NEW_CALL'], [23, 'NO_AVAILABLE_AGENTS'], [24, 'OVERRIDE'], [25, 'PARK'], [26, 'OVERFLOW'], [27, 'RECALL'], [28, 'REDIRECTED'], [29, 'REORDER_TONE'], [30, 'RESOURCES_NOT_AVAILABLE'], [31, 'SILENT_MONITOR'], [32, 'TRANSFER'], [33, 'TRUNKS_BUSY'], [34, 'VOICE_UNIT_INITIATOR'], [35, 'TIME_OUT'], [36, 'NEW_CALL_INTERFLOW'], [37, 'SIMULATION_INIT_REQUEST'], [38, 'SIMULATION_RESET_REQUEST'], [39, 'CTI_LINK_DOWN'], [40, 'PERIPHERAL_RESET_REQUEST'], [41, 'MD110_CONFERENCE_TRANSFER'], [42, 'REMAINS_IN_Q'], [43, 'SUPERVISOR_ASSIST'], [44, 'EMERGENCY_CALL'], [45, 'SUPERVISOR_CLEAR'], [46, 'SUPERVISOR_MONITOR'], [47, 'SUPERVISOR_WHISPER'], [48, 'SUPERVISOR_BARGE_IN'], [49, 'SUPERVISOR_INTERCEPT'], [50, 'CALL_PARTY_UPDATE_IND'], [51, 'CONSULT'], [52, 'NIC_CALL_CLEAR'], [1001, 'ABAND_NETWORK'], [1002, 'ABAND_LOCAL_QUEUE'], [1003, 'ABAND_RING'], [1004, 'ABAND_DELAY'], [1005, 'ABAND_INTERFLOW'], [1006, 'ABAND_AGENT_TERMINAL'], [1007, 'SHORT'], [1008, 'CECX_BUSY'], [1009, 'FORCED_BUSY'], [1010, 'DROP_NO_ANSWER'], [1011, 'DROP_BUSY'], [1012, 'DROP_REORDER'], [1013, 'DROP_HANDLED_PRIMARY_ROUTE'], [1014, 'DROP_HANDLED_OTHER'], [1015, 'CECX_REDIRECTED'], [1016, 'CUT_THROUGH'], [1017, 'INTRAFLOW'], [1018, 'INTERFLOW'], [1019, 'RING_NO_ANSWER'], [1020, 'INTERCEPT_REORDER'], [1021, 'INTERCEPT_DENIAL'], [1022, 'CECX_TIME_OUT'], [1023, 'VOICE_ENERGY'], [1024, 'NONCLASSIFIED_ENERGY_DETECT'], [1025, 'NO_CUT_THROUGH'], [1026, 'UABORT'], [1027, 'FAILED_SOFTWARE'], [1028, 'BLIND_TRANSFER'], [1029, 'ANNOUNCED_TRANSFER'], [1030, 'CONFERENCED'], [1031, 'DUPLICATE_TRANSFER'], [1032, 'UNMONITORED_DEVICE'], [1033, 'ANSWERING_MACHINE'], [1034, 'NETWORK_BLIND_TRANSFER'], [1035, 'TASK_ABANDONED_IN_ROUTER'], [1036, 'TASK_ABANDONED_BEFORE_OFFERED'], [1037, 'TASK_ABANDONED_WHILE_OFFERED'], [1038, 'NORMAL_END_TASK'], [1039, 'CANT_OBTAIN_TASK_ID'], [1040, 'AGENT_LOGGED_OUT_DURING_TASK'], [1041, 'MAX_TASK_LIFETIME_EXCEEDED'], [1042, 'APPLICATION_PATH_WENT_DOWN'], [1043, 'ICM_ROUTING_COMPLETE'], [1044, 'ICM_ROUTING_DISABLED'], [1045, 'APPL_INVALID_MRD_ID'], [1046, 'APPL_INVALID_DIALOGUE_ID'], [1047, 'APPL_DUPLICATE_DIALOGUE_ID'], [1048, 'APPL_INVALID_INVOKE_ID'], [1049, 'APPL_INVALID_SCRIPT_SELECTOR'], [1050, 'APPL_TERMINATE_DIALOGUE'], [1051, 'TASK_ENDED_DURING_APP_INIT'], [1052, 'CALLED_PARTY_DISCONNECTED'], [1053, 'PARTIAL_CALL'], [1054, 'DROP_NETWORK_CONSULT'], [1055, 'NETWORK_CONSULT_TRANSFER'], [1056, 'NETWORK_CONFERENCE'], [1057, 'ABAND_NETWORK_CONSULT'], [65535, 'NONE']],
  lineType: [[0, 'INBOUND_ACD'], [1, 'OUTBOUND_ACD'], [2, 'INSIDE'], [3, 'UNKNOWN'], [4, 'SUPERVISOR'], [5, 'MESSAGE'], [6, 'HELP'], [7, 'OUTBOUND'], [8, 'DID'], [9, 'SILENT_MONITOR'], [10, 'NON_ACD_IN'], [11, 'NON_ACD_OUT']],
  deviceIdType: [[0, 'DEVICE_IDENTIFIER'], [70, 'TRUNK_IDENTIFIER'], [71, 'TRUNK_GROUP_IDENTIFIER'], [72, 'IP_PHONE_MAC_IDENTIFIER'], [73, 'CTI_PORT'], [74, 'ROUTE_POINT'], [75, 'EXTERNAL'], [76, 'AGENT_DEVICE'], [77, 'QUEUE'], [78, 'NON_ACD_DEVICE_IDENTIFIER'], [79, 'SHARED_DEVICE_IDENTIFIER'], [65535, 'NONE']],
  connectionDeviceIdType: [[0, 'STATIC'], [1, 'DYNAMIC'], [65535, 'NONE']],
  localConnectionState: [[0, 'NULL'], [1, 'INITIATE'], [2, 'ALERTING'], [3, 'CONNECT'], [4, 'HOLD'], [5, 'QUEUED'], [6, 'FAIL'], [65535, 'NONE']],
  agentWorkMode: [[0, 'UNSPECIFIED'], [1, 'AUTO_IN'], [2, 'MANUAL_IN'], [3, 'RA_CALL_BY_CALL'], [4, 'RA_NAILED_CONNECTION']],
  configOperation: [[0, 'RESTORE_PERMANENT_CONFIG'], [1, 'ADD_AGENT'], [2, 'REMOVE_AGENT']],
  rtpDirection: [[0, 'INPUT'], [1, 'OUTPUT'], [2, 'BI_DIRECTIONAL']],
  rtpType: [[0, 'AUDIO'], [1, 'VIDEO'], [2, 'DATA']],
  supervisoryAction: [[0, 'CLEAR'], [1, 'MONITOR'], [2, 'WHISPER'], [3, 'BARGE_IN'], [4, 'INTERCEPT']],
  agentAvailabilityStatus: [[0, 'NOT_AVAILABLE'], [1, 'ICM_AVAILABLE'], [2, 'APPLICATION_AVAILABLE']],
  distribution: [[0, 'CLIENT'], [1, 'SUPERVISOR'], [2, 'TEAM'], [3, 'ALL']],
  callPlacementType: [[0, 'UNSPECIFIED'], [1, 'LINE_CALL'], [2, 'OUTBOUND'], [3, 'OUTBOUND_NO_ACCESS_CODE'], [4, 'DIRECT_POSITION'], [5, 'DIRECT_AGENT'], [6, 'SUPERVISOR_ASSIST']],
  callMannerType: [[0, 'UNSPECIFIED'], [1, 'POLITE'], [2, 'BELLIGERENT'], [3, 'SEMI_POLITE'], [4, 'RESERVED']],
  consultType: [[0, 'UNSPECIFIED'], [1, 'TRANSFER'], [2, 'CONFERENCE']],
  callOption: [[0, 'UNSPECIFIED'], [1, 'CALLING_AGENT_ONLINE'], [2, 'CALLING_AGENT_RESERVED'], [3, 'CALLING_AGENT_NOT_RESERVED'], [4, 'CALLING_AGENT_BUZZ_BASE'], [5, 'CALLING_AGENT_BEEP_HSET'], [6, 'SERVIE_CIRCUIT_ON']],
  serverMode: [[0, 'EXCLUSIVE'], [1, 'ROUND_ROBIN'], [2, 'PARALLEL']],
  clientEventReportState: [[0, 'NORMAL'], [1, 'WARNING'], [2, 'ERROR']],
  typeOfDevice: [[0, 'STATION'], [1, 'LINE'], [2, 'BUTTON'], [3, 'ACD'], [4, 'TRUNK'], [5, 'OPERATOR'], [16, 'STATION_GROUP'], [17, 'LINE_GROUP'], [18, 'BUTTON_GROUP'], [19, 'ACD_GROUP'], [20, 'TRUNK_GROUP'], [21, 'OPERATOR_GROUP'], [22, 'CTI_PORT_SCCP'], [23, 'CTI_PORT_SIP'], [255, 'OTHER']],
  agentGreetingAction: [[0, 'STOP_GREETING'], [1, 'DISABLE'], [2, 'ENABLE']],
  eventCode: [[0, 'GREETING_HAS_STARTED'], [1, 'GREETING_HAS_ENDED_WITH_SUCCESS'], [2, 'FAILED_TO_PLAY_GREETING']],
  // CONFIG_KEY_EVENT / CONFIG_END_EVENT Status (UCCX guide, CONFIG_KEY_EVENT page).
  configStatus: [[0, 'CONFIG_SUCCESS'], [1, 'CONFIG_SERVICE_PROVIDER'], [2, 'CONFIG_NO_KEY_SUPPORT'], [3, 'CONFIG_UNKNOWN_DATA']],
  // CONFIG_BEGIN_EVENT ConfigType (UCCX guide).
  configType: [[1, 'INITIAL'], [2, 'UPDATE']],
  // TEAM_CONFIG_EVENT Operation (UCCX guide).
  teamOperation: [[1, 'ADD_TEAM'], [2, 'REMOVE_TEAM'], [3, 'CHANGE_TEAM']],
  // OPEN_CONF SessionType (v24+, reference §3).
  sessionType: [[0, 'UNKNOWN'], [1, 'ACTIVE'], [2, 'STANDBY']],
};

const ENUMS: Record<EnumKind, Map<number, string>> = Object.fromEntries(
  Object.entries(ENUM_ENTRIES).map(([k, entries]) => [k, new Map(entries)]),
) as Record<EnumKind, Map<number, string>>;

export const ENUM_KINDS: readonly EnumKind[] = Object.keys(ENUM_ENTRIES) as EnumKind[];

export function isEnumKind(k: string): k is EnumKind {
  return Object.prototype.hasOwnProperty.call(ENUM_ENTRIES, k);
}

/** The name of `value` in enumeration `kind`, or undefined. */
export function enumName(kind: EnumKind, value: number): string | undefined {
  return ENUMS[kind].get(value);
}

/** Value for a name (for the encoder); undefined when unknown. */
export function enumValue(kind: EnumKind, name: string): number | undefined {
  for (const [v, n] of ENUMS[kind]) if (n === name) return v;
  return undefined;
}

/** Every entry of an enumeration (for generated artefacts). */
export function enumEntries(kind: EnumKind): Entries {
  return ENUM_ENTRIES[kind];
}
