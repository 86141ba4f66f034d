/**
 * GED-188 (Cisco CTI Server protocol) and Unified CCX CTI constants, as data with lookups.
 *
 * Source of truth: /work/shared/reference/ged188.md (section numbers below refer to it). Where a value comes
 * from elsewhere or is uncertain, the comment says so. Names are kept without their C prefixes where the
 * decoded-message contract asks for it (agent states, services), and with them where it does not
 * (E_CTI_*, CF_*).
 */

// ---------------------------------------------------------------------------------------------
// Message types (§2). Reserved numbers have no name; messageTypeName() answers UNKNOWN_<n>.

const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: 'FAILURE_CONF',
  2: 'FAILURE_EVENT',
  3: 'OPEN_REQ',
  4: 'OPEN_CONF',
  5: 'HEARTBEAT_REQ',
  6: 'HEARTBEAT_CONF',
  7: 'CLOSE_REQ',
  8: 'CLOSE_CONF',
  9: 'CALL_DELIVERED_EVENT',
  10: 'CALL_ESTABLISHED_EVENT',
  11: 'CALL_HELD_EVENT',
  12: 'CALL_RETRIEVED_EVENT',
  13: 'CALL_CLEARED_EVENT',
  14: 'CALL_CONNECTION_CLEARED_EVENT',
  15: 'CALL_ORIGINATED_EVENT',
  16: 'CALL_FAILED_EVENT',
  17: 'CALL_CONFERENCED_EVENT',
  18: 'CALL_TRANSFERRED_EVENT',
  19: 'CALL_DIVERTED_EVENT',
  20: 'CALL_SERVICE_INITIATED_EVENT',
  21: 'CALL_QUEUED_EVENT',
  22: 'CALL_TRANSLATION_ROUTE_EVENT',
  23: 'BEGIN_CALL_EVENT',
  24: 'END_CALL_EVENT',
  25: 'CALL_DATA_UPDATE_EVENT',
  26: 'SET_CALL_DATA_REQ',
  27: 'SET_CALL_DATA_CONF',
  28: 'RELEASE_CALL_REQ',
  29: 'RELEASE_CALL_CONF',
  30: 'AGENT_STATE_EVENT',
  31: 'SYSTEM_EVENT',
  32: 'CLIENT_EVENT_REPORT_REQ',
  33: 'CLIENT_EVENT_REPORT_CONF',
  34: 'CALL_REACHED_NETWORK_EVENT',
  35: 'CONTROL_FAILURE_CONF',
  36: 'QUERY_AGENT_STATE_REQ',
  37: 'QUERY_AGENT_STATE_CONF',
  38: 'SET_AGENT_STATE_REQ',
  39: 'SET_AGENT_STATE_CONF',
  40: 'ALTERNATE_CALL_REQ',
  41: 'ALTERNATE_CALL_CONF',
  42: 'ANSWER_CALL_REQ',
  43: 'ANSWER_CALL_CONF',
  44: 'CLEAR_CALL_REQ',
  45: 'CLEAR_CALL_CONF',
  46: 'CLEAR_CONNECTION_REQ',
  47: 'CLEAR_CONNECTION_CONF',
  48: 'CONFERENCE_CALL_REQ',
  49: 'CONFERENCE_CALL_CONF',
  50: 'CONSULTATION_CALL_REQ',
  51: 'CONSULTATION_CALL_CONF',
  52: 'DEFLECT_CALL_REQ',
  53: 'DEFLECT_CALL_CONF',
  54: 'HOLD_CALL_REQ',
  55: 'HOLD_CALL_CONF',
  56: 'MAKE_CALL_REQ',
  57: 'MAKE_CALL_CONF',
  58: 'MAKE_PREDICTIVE_CALL_REQ',
  59: 'MAKE_PREDICTIVE_CALL_CONF',
  60: 'RECONNECT_CALL_REQ',
  61: 'RECONNECT_CALL_CONF',
  62: 'RETRIEVE_CALL_REQ',
  63: 'RETRIEVE_CALL_CONF',
  64: 'TRANSFER_CALL_REQ',
  65: 'TRANSFER_CALL_CONF',
  78: 'QUERY_DEVICE_INFO_REQ',
  79: 'QUERY_DEVICE_INFO_CONF',
  82: 'SNAPSHOT_CALL_REQ',
  83: 'SNAPSHOT_CALL_CONF',
  84: 'SNAPSHOT_DEVICE_REQ',
  85: 'SNAPSHOT_DEVICE_CONF',
  86: 'CALL_DEQUEUED_EVENT',
  91: 'SEND_DTMF_SIGNAL_REQ',
  92: 'SEND_DTMF_SIGNAL_CONF',
  93: 'MONITOR_START_REQ',
  94: 'MONITOR_START_CONF',
  95: 'MONITOR_STOP_REQ',
  96: 'MONITOR_STOP_CONF',
  97: 'CHANGE_MONITOR_MASK_REQ',
  98: 'CHANGE_MONITOR_MASK_CONF',
  99: 'CLIENT_SESSION_OPENED_EVENT',
  100: 'CLIENT_SESSION_CLOSED_EVENT',
  101: 'SESSION_MONITOR_START_REQ',
  102: 'SESSION_MONITOR_START_CONF',
  103: 'SESSION_MONITOR_STOP_REQ',
  104: 'SESSION_MONITOR_STOP_CONF',
  105: 'AGENT_PRE_CALL_EVENT',
  106: 'AGENT_PRE_CALL_ABORT_EVENT',
  107: 'USER_MESSAGE_REQ',
  108: 'USER_MESSAGE_CONF',
  109: 'USER_MESSAGE_EVENT',
  110: 'REGISTER_VARIABLES_REQ',
  111: 'REGISTER_VARIABLES_CONF',
  112: 'QUERY_AGENT_STATISTICS_REQ',
  113: 'QUERY_AGENT_STATISTICS_CONF',
  114: 'QUERY_SKILL_GROUP_STATISTICS_REQ',
  115: 'QUERY_SKILL_GROUP_STATISTICS_CONF',
  116: 'RTP_STARTED_EVENT',
  117: 'RTP_STOPPED_EVENT',
  118: 'SUPERVISOR_ASSIST_REQ',
  119: 'SUPERVISOR_ASSIST_CONF',
  120: 'SUPERVISOR_ASSIST_EVENT',
  121: 'EMERGENCY_CALL_REQ',
  122: 'EMERGENCY_CALL_CONF',
  123: 'EMERGENCY_CALL_EVENT',
  124: 'SUPERVISE_CALL_REQ',
  125: 'SUPERVISE_CALL_CONF',
  126: 'AGENT_TEAM_CONFIG_REQ',
  127: 'AGENT_TEAM_CONFIG_CONF',
  128: 'AGENT_TEAM_CONFIG_EVENT',
  129: 'SET_APP_DATA_REQ',
  130: 'SET_APP_DATA_CONF',
  131: 'AGENT_DESK_SETTINGS_REQ',
  132: 'AGENT_DESK_SETTINGS_CONF',
  133: 'LIST_AGENT_TEAM_REQ',
  134: 'LIST_AGENT_TEAM_CONF',
  135: 'MONITOR_AGENT_TEAM_START_REQ',
  136: 'MONITOR_AGENT_TEAM_START_CONF',
  137: 'MONITOR_AGENT_TEAM_STOP_REQ',
  138: 'MONITOR_AGENT_TEAM_STOP_CONF',
  139: 'BAD_CALL_REQ',
  140: 'BAD_CALL_CONF',
  141: 'SET_DEVICE_ATTRIBUTES_REQ',
  142: 'SET_DEVICE_ATTRIBUTES_CONF',
  143: 'REGISTER_SERVICE_REQ',
  144: 'REGISTER_SERVICE_CONF',
  145: 'UNREGISTER_SERVICE_REQ',
  146: 'UNREGISTER_SERVICE_CONF',
  147: 'START_RECORDING_REQ',
  148: 'START_RECORDING_CONF',
  149: 'STOP_RECORDING_REQ',
  150: 'STOP_RECORDING_CONF',
  // 151–210: Agent Reporting and Management (multichannel tasks). The reference gives the two ends
  // (151 MEDIA_LOGIN_REQ … 210 TASK_INIT_RESP); the names in between follow the v2x guides' order as we
  // recall it and were not cross-checked here. They never appear on agent desktops.
  151: 'MEDIA_LOGIN_REQ',
  152: 'MEDIA_LOGIN_RESP',
  153: 'MEDIA_LOGOUT_IND',
  154: 'MAKE_AGENT_ROUTABLE_IND',
  155: 'MAKE_AGENT_NOT_ROUTABLE_REQ',
  156: 'MAKE_AGENT_NOT_ROUTABLE_RESP',
  157: 'MAKE_AGENT_READY_IND',
  158: 'MAKE_AGENT_NOT_READY_REQ',
  159: 'MAKE_AGENT_NOT_READY_RESP',
  160: 'OFFER_TASK_IND',
  161: 'OFFER_APPLICATION_TASK_REQ',
  162: 'OFFER_APPLICATION_TASK_RESP',
  163: 'START_TASK_IND',
  164: 'START_APPLICATION_TASK_REQ',
  165: 'START_APPLICATION_TASK_RESP',
  166: 'PAUSE_TASK_IND',
  167: 'RESUME_TASK_IND',
  168: 'WRAPUP_TASK_IND',
  169: 'END_TASK_IND',
  170: 'AGENT_MADE_NOT_ROUTABLE_EVENT',
  171: 'AGENT_INTERRUPT_ADVISORY_EVENT',
  172: 'AGENT_INTERRUPT_ACCEPTED_IND',
  173: 'AGENT_INTERRUPT_UNACCEPTED_IND',
  174: 'AGENT_INTERRUPT_DONE_ADVISORY_EVENT',
  175: 'AGENT_INTERRUPT_DONE_ACCEPTED_IND',
  176: 'CHANGE_MAX_TASK_LIMIT_REQ',
  177: 'CHANGE_MAX_TASK_LIMIT_RESP',
  178: 'OVERRIDE_LIMIT_REQ',
  179: 'OVERRIDE_LIMIT_RESP',
  180: 'UPDATE_TASK_CONTEXT_IND',
  181: 'BEGIN_AGENT_INIT_IND',
  182: 'AGENT_INIT_REQ',
  183: 'AGENT_INIT_RESP',
  184: 'END_AGENT_INIT_IND',
  185: 'TASK_INIT_IND',
  186: 'AGENT_INIT_READY_EVENT',
  187: 'GET_PRECALL_MESSAGES_REQ',
  188: 'GET_PRECALL_MESSAGES_RESP',
  189: 'AGENT_LEGACY_PRE_CALL_EVENT',
  190: 'FAILURE_RESP',
  191: 'BEGIN_TASK_EVENT',
  192: 'QUEUED_TASK_EVENT',
  193: 'DEQUEUED_TASK_EVENT',
  194: 'OFFER_TASK_EVENT',
  195: 'START_TASK_EVENT',
  196: 'PAUSE_TASK_EVENT',
  197: 'RESUME_TASK_EVENT',
  198: 'WRAPUP_TASK_EVENT',
  199: 'END_TASK_EVENT',
  200: 'TASK_DATA_UPDATE_EVENT',
  201: 'TASK_MONITOR_START_REQ',
  202: 'TASK_MONITOR_START_CONF',
  203: 'TASK_MONITOR_STOP_REQ',
  204: 'TASK_MONITOR_STOP_CONF',
  205: 'CHANGE_TASK_MONITOR_MASK_REQ',
  206: 'CHANGE_TASK_MONITOR_MASK_CONF',
  207: 'MAX_TASK_LIFETIME_EXCEEDED_EVENT',
  208: 'SET_APP_PATH_DATA_IND',
  209: 'TASK_INIT_REQ',
  210: 'TASK_INIT_RESP',
  211: 'ROUTE_REGISTER_EVENT',
  212: 'ROUTE_REGISTER_REPLY_EVENT',
  213: 'ROUTE_REQUEST_EVENT',
  214: 'ROUTE_SELECT_EVENT',
  215: 'ROUTE_END_EVENT',
  230: 'CONFIG_REQUEST_KEY_EVENT',
  231: 'CONFIG_KEY_EVENT',
  232: 'CONFIG_REQUEST_EVENT',
  233: 'CONFIG_BEGIN_EVENT',
  234: 'CONFIG_END_EVENT',
  235: 'CONFIG_SERVICE_EVENT',
  236: 'CONFIG_SKILL_GROUP_EVENT',
  237: 'CONFIG_AGENT_EVENT',
  238: 'CONFIG_DEVICE_EVENT',
  242: 'TEAM_CONFIG_REQ',
  243: 'TEAM_CONFIG_EVENT',
  244: 'TEAM_CONFIG_CONF',
  245: 'CONFIG_CALL_TYPE_EVENT',
  // 240 and 247 are reserved in the v24 table; the protocol-19 codec (nshimaza) and the v14 guide name them.
  240: 'CALL_ATTRIBUTE_CHANGE_EVENT',
  247: 'CALL_TERMINATION_EVENT',
  248: 'CALL_AGENT_GREETING_EVENT',
  249: 'AGENT_GREETING_CONTROL_REQ',
  250: 'AGENT_GREETING_CONTROL_CONF',
  254: 'CONFIG_MRD_EVENT',
  255: 'GET_AGENT_TASKS_REQ',
  256: 'AGENT_TASKS_RESP',
  257: 'SNAPSHOT_TASK_REQ',
  258: 'SNAPSHOT_TASK_RESP',
  260: 'CONFIG_PERIPHERAL_EVENT',
  261: 'CONFIG_AGENT_DESK_SETTINGS_EVENT',
  262: 'AGENT_TASKS_EVENT',
  263: 'SNAPSHOT_TASK_EVENT',
  264: 'AGENT_TASKS_REQUEST_EVENT',
  265: 'AGENT_TASKS_END_EVENT',
  266: 'DESKTOP_CONNECTED_IND',
  267: 'START_NETWORK_RECORDING_REQ',
  268: 'START_NETWORK_RECORDING_CONF',
  269: 'STOP_NETWORK_RECORDING_REQ',
  270: 'STOP_NETWORK_RECORDING_CONF',
  271: 'NETWORK_RECORDING_STARTED_EVENT',
  272: 'NETWORK_RECORDING_ENDED_EVENT',
  273: 'NETWORK_RECORDING_FAILED_EVENT',
  274: 'NETWORK_RECORDING_TARGET_INFO_EVENT',
  277: 'STANDBY_ACTIVE_EVENT_MSG',
  278: 'ACTIVE_MAINTENANCE_REQ',
  279: 'ACTIVE_MAINTENANCE_RESP',
  280: 'ACTIVE_MAINTENANCE_EVENT_MSG',
  281: 'STOPPING_REQUESTS_TO_THIS_SIDE_IND',
  282: 'CONFIG_AGENT_SERVICE_EVENT',
};

/** Every named message type number, ascending. */
export const MESSAGE_TYPE_NUMBERS: readonly number[] = Object.keys(MESSAGE_TYPE_NAMES)
  .map(Number)
  .sort((a, b) => a - b);

export const MESSAGE_TYPE: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(MESSAGE_TYPE_NAMES).map(([n, name]) => [name, Number(n)])),
);

/** Highest message type number the framer accepts; anything above is taken as desynchronisation. */
export const MAX_MESSAGE_TYPE = 400;
/** Largest body the framer accepts (12500 is v24's largest message, header included; see §1.2). */
export const MAX_BODY_LENGTH = 12500;

export function messageTypeName(n: number): string {
  return MESSAGE_TYPE_NAMES[n] ?? `UNKNOWN_${n}`;
}

export function isKnownMessageType(n: number): boolean {
  return MESSAGE_TYPE_NAMES[n] !== undefined;
}

/** Accepts a number or a name ("OPEN_REQ"); undefined when the name is not known. */
export function messageTypeNumber(t: number | string): number | undefined {
  if (typeof t === 'number') return t;
  const m = /^UNKNOWN_(\d+)$/.exec(t);
  if (m) return Number(m[1]);
  return MESSAGE_TYPE[t];
}

// ---------------------------------------------------------------------------------------------
// Floating-field tags (§4).

/**
 * How a floating item's data is read.
 * 'string' NUL-terminated text (UTF-8); 'secret' a string that is redacted; 'unspec' opaque bytes (hex);
 * 'uint'/'int' 4 bytes, 'ushort' 2 bytes, 'time' 4-byte seconds since 1970; 'namedvar' name\0value\0;
 * 'namedarray' index name\0value\0; 'taskid' three INTs; 'auto' the type is not known to us, so the value
 * is shown as text when it looks like a NUL-terminated string, else as a number or hex, and it never counts
 * against a parse.
 */
export type FloatingValueType =
  | 'string'
  | 'secret'
  | 'unspec'
  | 'uint'
  | 'int'
  | 'ushort'
  | 'time'
  | 'namedvar'
  | 'namedarray'
  | 'taskid'
  | 'auto';

export interface FloatingTagInfo {
  name: string;
  type: FloatingValueType;
}

const S = 'string' as const;
const A = 'auto' as const;

const FLOATING_TAGS: Record<number, FloatingTagInfo> = {
  1: { name: 'CLIENT_ID', type: S },
  2: { name: 'CLIENT_PASSWORD', type: 'secret' },
  3: { name: 'CLIENT_SIGNATURE', type: S },
  4: { name: 'AGENT_EXTENSION', type: S },
  5: { name: 'AGENT_ID', type: S },
  6: { name: 'AGENT_INSTRUMENT', type: S },
  7: { name: 'TEXT', type: S },
  8: { name: 'ANI', type: S },
  9: { name: 'UUI', type: 'unspec' },
  10: { name: 'DNIS', type: S },
  11: { name: 'DIALED_NUMBER', type: S },
  12: { name: 'CED', type: S },
  13: { name: 'CALL_VAR_1', type: S },
  14: { name: 'CALL_VAR_2', type: S },
  15: { name: 'CALL_VAR_3', type: S },
  16: { name: 'CALL_VAR_4', type: S },
  17: { name: 'CALL_VAR_5', type: S },
  18: { name: 'CALL_VAR_6', type: S },
  19: { name: 'CALL_VAR_7', type: S },
  20: { name: 'CALL_VAR_8', type: S },
  21: { name: 'CALL_VAR_9', type: S },
  22: { name: 'CALL_VAR_10', type: S },
  23: { name: 'CTI_CLIENT_SIGNATURE', type: S },
  24: { name: 'CTI_CLIENT_TIMESTAMP', type: 'time' },
  25: { name: 'CONNECTION_DEVID', type: S },
  26: { name: 'ALERTING_DEVID', type: S },
  27: { name: 'CALLING_DEVID', type: S },
  28: { name: 'CALLED_DEVID', type: S },
  29: { name: 'LAST_REDIRECT_DEVID', type: S },
  30: { name: 'ANSWERING_DEVID', type: S },
  31: { name: 'HOLDING_DEVID', type: S },
  32: { name: 'RETRIEVING_DEVID', type: S },
  33: { name: 'RELEASING_DEVID', type: S },
  34: { name: 'FAILING_DEVID', type: S },
  35: { name: 'PRIMARY_DEVID', type: S },
  36: { name: 'SECONDARY_DEVID', type: S },
  37: { name: 'CONTROLLER_DEVID', type: S },
  38: { name: 'ADDED_PARTY_DEVID', type: S },
  39: { name: 'PARTY_CALLID', type: 'uint' },
  40: { name: 'PARTY_DEVID_TYPE', type: 'ushort' },
  41: { name: 'PARTY_DEVID', type: S },
  42: { name: 'TRANSFERRING_DEVID', type: S },
  43: { name: 'TRANSFERRED_DEVID', type: S },
  44: { name: 'DIVERTING_DEVID', type: S },
  45: { name: 'QUEUE_DEVID', type: S },
  46: { name: 'CALL_WRAPUP_DATA', type: S },
  47: { name: 'NEW_CONNECTION_DEVID', type: S },
  48: { name: 'TRUNK_USED_DEVID', type: S },
  49: { name: 'AGENT_PASSWORD', type: 'secret' },
  50: { name: 'ACTIVE_CONN_DEVID', type: S },
  51: { name: 'FACILITY_CODE', type: S },
  52: { name: 'OTHER_CONN_DEVID', type: S },
  53: { name: 'HELD_CONN_DEVID', type: S },
  56: { name: 'CALL_CONN_CALLID', type: 'uint' },
  57: { name: 'CALL_CONN_DEVID_TYPE', type: 'ushort' },
  58: { name: 'CALL_CONN_DEVID', type: S },
  59: { name: 'CALL_DEVID_TYPE', type: 'ushort' },
  60: { name: 'CALL_DEVID', type: S },
  61: { name: 'CALL_DEV_CONN_STATE', type: 'ushort' },
  62: { name: 'SKILL_GROUP_NUMBER', type: 'uint' },
  63: { name: 'SKILL_GROUP_ID', type: 'uint' },
  64: { name: 'SKILL_GROUP_PRIORITY', type: 'ushort' },
  65: { name: 'SKILL_GROUP_STATE', type: 'ushort' },
  66: { name: 'OBJECT_NAME', type: S },
  67: { name: 'DTMF_STRING', type: S },
  68: { name: 'POSITION_ID', type: S },
  69: { name: 'SUPERVISOR_ID', type: S },
  70: { name: 'LINE_HANDLE', type: 'ushort' },
  71: { name: 'LINE_TYPE', type: 'ushort' },
  72: { name: 'ROUTER_CALL_KEY_DAY', type: 'uint' },
  73: { name: 'ROUTER_CALL_KEY_CALLID', type: 'uint' },
  75: { name: 'CALL_STATE', type: 'ushort' },
  76: { name: 'MONITORED_DEVID', type: S },
  77: { name: 'AUTHORIZATION_CODE', type: S },
  78: { name: 'ACCOUNT_CODE', type: S },
  79: { name: 'ORIGINATING_DEVID', type: S },
  80: { name: 'ORIGINATING_LINE_ID', type: S },
  81: { name: 'CLIENT_ADDRESS', type: S },
  82: { name: 'NAMED_VARIABLE', type: 'namedvar' },
  83: { name: 'NAMED_ARRAY', type: 'namedarray' },
  84: { name: 'CALL_CONTROL_TABLE', type: A },
  85: { name: 'SUPERVISOR_INSTRUMENT', type: S },
  86: { name: 'ATC_AGENT_ID', type: S },
  87: { name: 'AGENT_FLAGS', type: 'ushort' },
  88: { name: 'ATC_AGENT_STATE', type: 'ushort' },
  89: { name: 'ATC_STATE_DURATION', type: 'uint' },
  90: { name: 'AGENT_CONNECTION_DEVID', type: S },
  91: { name: 'SUPERVISOR_CONNECTION_DEVID', type: S },
  92: { name: 'LIST_TEAM_ID', type: A },
  93: { name: 'DEFAULT_DEVICE_PORT_ADDRESS', type: A },
  94: { name: 'SERVICE_NAME', type: S },
  95: { name: 'CUSTOMER_PHONE_NUMBER', type: S },
  96: { name: 'CUSTOMER_ACCOUNT_NUMBER', type: S },
  97: { name: 'APP_PATH_ID', type: 'int' },
  99: { name: 'SCRIPT_SELECTOR', type: S },
  100: { name: 'APPLICATION_STRING1', type: S },
  101: { name: 'APPLICATION_STRING2', type: S },
  110: { name: 'ROUTER_CALL_KEY_SEQUENCE_NUM', type: 'uint' },
  121: { name: 'TRUNK_NUMBER', type: 'uint' },
  122: { name: 'TRUNK_GROUP_NUMBER', type: 'uint' },
  123: { name: 'NEXT_AGENT_STATE', type: 'ushort' },
  124: { name: 'DEQUEUE_TYPE', type: A },
  125: { name: 'SENDING_ADDRESS', type: A },
  126: { name: 'SENDING_PORT', type: A },
  129: { name: 'MAX_QUEUED', type: 'uint' },
  130: { name: 'QUEUE_ID', type: A },
  131: { name: 'CUSTOMER_ID', type: 'uint' },
  132: { name: 'SERVICE_SKILL_TARGET_ID', type: A },
  133: { name: 'PERIPHERAL_NAME', type: S },
  134: { name: 'DESCRIPTION', type: S },
  135: { name: 'SERVICE_MEMBER_ID', type: A },
  136: { name: 'SERVICE_MEMBER_PRIORITY', type: A },
  137: { name: 'FIRST_NAME', type: S },
  138: { name: 'LAST_NAME', type: S },
  139: { name: 'SKILL_GROUP', type: A },
  141: { name: 'AGENT_SKILL_TARGET_ID', type: 'uint' },
  142: { name: 'SERVICE', type: A },
  150: { name: 'DURATION', type: 'uint' },
  173: { name: 'EXTENSION', type: S },
  174: { name: 'SERVICE_LEVEL_THRESHOLD', type: A },
  175: { name: 'SERVICE_LEVEL_TYPE', type: A },
  176: { name: 'CONFIG_PARAM', type: S },
  177: { name: 'SERVICE_CONFIG_KEY', type: 'unspec' },
  178: { name: 'SKILL_GROUP_CONFIG_KEY', type: 'unspec' },
  179: { name: 'AGENT_CONFIG_KEY', type: 'unspec' },
  180: { name: 'DEVICE_CONFIG_KEY', type: 'unspec' },
  183: { name: 'RECORD_TYPE', type: 'ushort' },
  184: { name: 'PERIPHERAL_NUMBER', type: 'uint' },
  // The reference lists AGENT_SKILL_TARGET_ID under both 141 and 185; 185 keeps a distinct name here.
  185: { name: 'AGENT_SKILL_TARGET_ID_CFG', type: A },
  186: { name: 'NUM_SERVICE_MEMBERS', type: A },
  187: { name: 'SERVICE_MEMBER', type: A },
  188: { name: 'SERVICE_PRIORITY', type: A },
  189: { name: 'AGENT_TYPE', type: 'ushort' },
  190: { name: 'LOGIN_ID', type: S },
  191: { name: 'NUM_SKILLS', type: 'ushort' },
  192: { name: 'SKILL_GROUP_SKILL_TARGET_ID', type: 'uint' },
  193: { name: 'SERVICE_ID', type: A },
  194: { name: 'AGENT_ID_LONG', type: S },
  195: { name: 'DEVICE_TYPE', type: 'ushort' },
  198: { name: 'ENABLE', type: A },
  199: { name: 'DEVICEID', type: A },
  200: { name: 'TIMEOUT', type: A },
  201: { name: 'CURRENT_ROUTE', type: A },
  202: { name: 'SECONDARY_CONNECTION_CALL_ID', type: A },
  203: { name: 'PRIORITY_QUEUE_NUMBER', type: A },
  204: { name: 'TEAM_NAME', type: S },
  205: { name: 'MEMBER_TYPE', type: 'ushort' },
  206: { name: 'EVENT_DEVICE_ID', type: S },
  207: { name: 'LOGIN_NAME', type: S },
  208: { name: 'PERIPHERAL_ID', type: 'uint' },
  209: { name: 'CALL_TYPE_KEY_CONFIG', type: 'unspec' },
  210: { name: 'CALL_TYPE_ID', type: A },
  211: { name: 'CUSTOMER_DEFINITION_ID', type: A },
  212: { name: 'ENTERPRISE_NAME', type: S },
  213: { name: 'CUR_PERIPHERAL_NUMBER', type: A },
  214: { name: 'CUR_LOGIN_ID', type: A },
  215: { name: 'ANI_II', type: A },
  216: { name: 'MR_DOMAIN_ID', type: 'uint' },
  217: { name: 'CTIOS_CIL_CLIENT_ID', type: S },
  218: { name: 'SILENT_MONITOR_STATUS', type: A },
  219: { name: 'REQUESTING_DEVICE_ID', type: A },
  220: { name: 'REQUESTING_DEVICE_ID_TYPE', type: A },
  221: { name: 'PRE_CALL_INVOKE_ID', type: A },
  222: { name: 'ENTERPRISE_QUEUE_TIME', type: A },
  223: { name: 'CALL_REFERENCE_ID', type: A },
  224: { name: 'MULTI_LINE_AGENT_CONTROL', type: 'ushort' },
  225: { name: 'NETWORK_CONTROLLED', type: A },
  226: { name: 'CLIENT_ADDRESS_IPV6', type: A },
  227: { name: 'SENDING_ADDRESS_IPV6', type: A },
  228: { name: 'NUM_PERIPHERALS', type: 'ushort' },
  229: { name: 'COC_CONNECTION_CALL_ID', type: A },
  230: { name: 'COC_CONNECTION_DEVICE_ID_TYPE', type: A },
  231: { name: 'COC_CONNECTION_DEVICE_ID', type: A },
  232: { name: 'CALL_ORIGINATED_FROM', type: A },
  233: { name: 'SET_APPDATA_CALLID', type: A },
  234: { name: 'CLIENT_SHARE_KEY', type: A },
  243: { name: 'AGENT_TEAM_NAME', type: S },
  244: { name: 'DIRECTION', type: 'uint' },
  // 245–254: MRD / options / internal; only 248 is named in the reference (UCCX OPEN_CONF, from v18).
  248: { name: 'CONFIG_MSG_MASK_GRANTED', type: 'uint' },
  255: { name: 'INTERNAL_AGENT_STATE', type: 'ushort' },
  // 256–313: v2x additions, only encodable with 2-byte tags (UCCX declares 303 from v18 [?]).
  257: { name: 'SSO_ENABLED', type: A },
  266: { name: 'MAX_BEYOND_TASK_LIMIT', type: A },
  303: { name: 'FLT_TERM_DEVICE_NAME', type: S },
  309: { name: 'ENABLED_SERVICES_309', type: A },
  310: { name: 'ENABLED_SERVICES_310', type: A },
  312: { name: 'MEDIA_TYPE', type: A },
  313: { name: 'MEDIA_PROVIDER', type: A },
};

const FLOATING_TAG_BY_NAME: Record<string, number> = Object.fromEntries(
  Object.entries(FLOATING_TAGS).map(([n, info]) => [info.name, Number(n)]),
);

/** Tag ranges the reference documents without naming each tag (MRD/options 245–254, the v2x additions 256–313). */
export const UNNAMED_KNOWN_TAG_RANGES: ReadonlyArray<readonly [number, number]> = [
  [245, 254],
  [256, 313],
];

function inUnnamedKnownRange(tag: number): boolean {
  for (const [lo, hi] of UNNAMED_KNOWN_TAG_RANGES) if (tag >= lo && tag <= hi) return true;
  return false;
}

export function floatingTagInfo(tag: number): FloatingTagInfo | undefined {
  const info = FLOATING_TAGS[tag];
  if (info) return info;
  if (inUnnamedKnownRange(tag)) return { name: `TAG_${tag}`, type: A };
  return undefined;
}

export function floatingTagName(tag: number): string {
  return FLOATING_TAGS[tag]?.name ?? `TAG_${tag}`;
}

export function isKnownFloatingTag(tag: number): boolean {
  return FLOATING_TAGS[tag] !== undefined || inUnnamedKnownRange(tag);
}

/** Accepts a number or a tag name ("CLIENT_ID"); undefined when the name is not known. */
export function floatingTagNumber(t: number | string): number | undefined {
  if (typeof t === 'number') return t;
  const m = /^TAG_(\d+)$/.exec(t);
  if (m) return Number(m[1]);
  return FLOATING_TAG_BY_NAME[t];
}

export const TAG = Object.freeze({
  CLIENT_ID: 1,
  CLIENT_PASSWORD: 2,
  CLIENT_SIGNATURE: 3,
  AGENT_EXTENSION: 4,
  AGENT_ID: 5,
  AGENT_INSTRUMENT: 6,
  TEXT: 7,
  AGENT_PASSWORD: 49,
  NAMED_VARIABLE: 82,
  NAMED_ARRAY: 83,
  AGENT_ID_LONG: 194,
  PERIPHERAL_ID: 208,
  MULTI_LINE_AGENT_CONTROL: 224,
  NUM_PERIPHERALS: 228,
} as const);

// ---------------------------------------------------------------------------------------------
// Code tables with descriptions.

export interface CodeInfo {
  name: string;
  description: string;
}

function table(entries: Array<[number, string, string?]>): Map<number, CodeInfo> {
  const m = new Map<number, CodeInfo>();
  for (const [n, name, description] of entries) m.set(n, { name, description: description ?? '' });
  return m;
}

/** E_CTI_* status codes (§6.4): FAILURE_CONF, FAILURE_EVENT, CLOSE_REQ. */
const STATUS_CODES = table([
  [0, 'E_CTI_NO_ERROR', 'no error'],
  [1, 'E_CTI_INVALID_VERSION', 'the server does not support the requested protocol version'],
  // v25 prints INVALID_MESSAGE_LENGTH for 2; UCCX and implementations say MESSAGE_TYPE [?].
  [2, 'E_CTI_INVALID_MESSAGE_TYPE', 'the server received a message type it does not know'],
  [3, 'E_CTI_INVALID_FIELD_TAG', 'the server received an unknown floating-field tag'],
  [4, 'E_CTI_SESSION_NOT_OPEN', 'no session is open on this connection'],
  [5, 'E_CTI_SESSION_ALREADY_OPEN', 'a session is already open on this connection'],
  [6, 'E_CTI_REQUIRED_DATA_MISSING', 'a required field (e.g. agent ID, extension or instrument) was missing'],
  [7, 'E_CTI_INVALID_PERIPHERAL_ID', 'the PeripheralID (or a reserved field) is wrong'],
  [8, 'E_CTI_INVALID_AGENT_DATA', 'the agent data (ID, extension or instrument) is not valid'],
  [9, 'E_CTI_AGENT_NOT_LOGGED_ON', 'the agent is not logged on'],
  [10, 'E_CTI_DEVICE_IN_USE', 'the agent phone is already in use by another client'],
  [11, 'E_CTI_NEW_SESSION_OPENED', 'the session was replaced by a new session from the same client'],
  [12, 'E_CTI_FUNCTION_NOT_AVAILABLE', 'the requested function or service was not granted'],
  [13, 'E_CTI_INVALID_CALLID', 'the CallID is not valid'],
  [14, 'E_CTI_PROTECTED_VARIABLE', 'the client may not update this variable'],
  [15, 'E_CTI_CTI_SERVER_OFFLINE', 'the CTI server is offline; the client should close the session'],
  [16, 'E_CTI_TIMEOUT', 'request timed out, or the client was idle longer than IdleTimeout'],
  [17, 'E_CTI_UNSPECIFIED_FAILURE', 'unspecified failure'],
  [18, 'E_CTI_INVALID_TIMEOUT', 'IdleTimeout is below the minimum (20 s)'],
  [19, 'E_CTI_INVALID_SERVICE_MASK', 'ServicesRequested has unused bits set'],
  [20, 'E_CTI_INVALID_CALL_MSG_MASK', 'CallMsgMask has unused bits set'],
  [21, 'E_CTI_INVALID_AGENT_STATE_MASK', 'AgentStateMask has unused bits set'],
  [22, 'E_CTI_INVALID_RESERVED_FIELD', 'a reserved field is not zero'],
  [23, 'E_CTI_INVALID_FIELD_LENGTH', 'a floating field is longer than allowed'],
  [24, 'E_CTI_INVALID_DIGITS', 'a digits string contains non-digits'],
  [25, 'E_CTI_BAD_MESSAGE_FORMAT', 'the message is malformed (fixed fields missing or mis-sized)'],
  [26, 'E_CTI_INVALID_TAG_FOR_MSG_TYPE', 'a floating field does not belong in this message type'],
  [27, 'E_CTI_INVALID_DEVICE_ID_TYPE'],
  [28, 'E_CTI_INVALID_LCL_CONN_STATE'],
  [29, 'E_CTI_INVALID_EVENT_CAUSE'],
  [30, 'E_CTI_INVALID_NUM_PARTIES', 'more than 16 parties'],
  [31, 'E_CTI_INVALID_SYS_EVENT_ID'],
  [32, 'E_CTI_INCONSISTENT_AGENT_DATA', 'agent extension, agent ID and instrument do not agree'],
  [33, 'E_CTI_INVALID_CONNECTION_ID_TYPE'],
  [34, 'E_CTI_INVALID_CALL_TYPE'],
  [35, 'E_CTI_NOT_CALL_PARTY', 'the client is not a party to the call'],
  [36, 'E_CTI_INVALID_PASSWORD', 'the ClientID or client password is wrong'],
  [37, 'E_CTI_CLIENT_DISCONNECTED', 'the client dropped the TCP connection without CLOSE_REQ'],
  [38, 'E_CTI_INVALID_OBJECT_STATE'],
  [39, 'E_CTI_INVALID_NUM_SKILL_GROUPS'],
  [40, 'E_CTI_INVALID_NUM_LINES'],
  [41, 'E_CTI_INVALID_LINE_TYPE'],
  [42, 'E_CTI_INVALID_ALLOCATION_STATE'],
  [43, 'E_CTI_INVALID_ANSWERING_MACHINE'],
  [44, 'E_CTI_INVALID_CALL_MANNER_TYPE'],
  [45, 'E_CTI_INVALID_CALL_PLACEMENT_TYPE'],
  [46, 'E_CTI_INVALID_CONSULT_TYPE'],
  [47, 'E_CTI_INVALID_FACILITY_TYPE'],
  [48, 'E_CTI_INVALID_MSG_TYPE_FOR_VERSION', 'message type not valid in the negotiated protocol version'],
  [49, 'E_CTI_INVALID_TAG_FOR_VERSION', 'floating tag not valid in the negotiated protocol version'],
  [50, 'E_CTI_INVALID_AGENT_WORK_MODE'],
  [51, 'E_CTI_INVALID_CALL_OPTION'],
  [52, 'E_CTI_INVALID_DESTINATION_COUNTRY'],
  [53, 'E_CTI_INVALID_ANSWER_DETECT_MODE'],
  [54, 'E_CTI_MUTUALLY_EXCLUS_DEVICEID_TYPES'],
  [55, 'E_CTI_INVALID_MONITORID'],
  [56, 'E_CTI_SESSION_MONITOR_ALREADY_EXISTS'],
  [57, 'E_CTI_SESSION_MONITOR_IS_CLIENTS'],
  [58, 'E_CTI_INVALID_CALL_CONTROL_MASK'],
  [59, 'E_CTI_INVALID_FEATURE_MASK'],
  [60, 'E_CTI_INVALID_TRANSFER_CONFERENCE_SETUP_MASK'],
  [61, 'E_CTI_INVALID_ARRAY_INDEX'],
  [62, 'E_CTI_INVALID_CHARACTER'],
  [63, 'E_CTI_CLIENT_NOT_FOUND'],
  [64, 'E_CTI_SUPERVISOR_NOT_FOUND'],
  [65, 'E_CTI_TEAM_NOT_FOUND', 'the agent is not a member of a team'],
  [66, 'E_CTI_NO_CALL_ACTIVE'],
  [67, 'E_CTI_NAMED_VARIABLE_NOT_CONFIGURED'],
  [68, 'E_CTI_NAMED_ARRAY_NOT_CONFIGURED'],
  [69, 'E_CTI_INVALID_CALL_VARIABLE_MASK'],
  [70, 'E_CTI_ELEMENT_NOT_FOUND'],
  [71, 'E_CTI_INVALID_DISTRIBUTION_TYPE'],
  [72, 'E_CTI_INVALID_SKILL_GROUP'],
  [73, 'E_CTI_TOO_MUCH_DATA', 'named variables and arrays exceed 2000 bytes'],
  [74, 'E_CTI_VALUE_TOO_LONG'],
  [75, 'E_CTI_SCALAR_FUNCTION_ON_ARRAY'],
  [76, 'E_CTI_ARRAY_FUNCTION_ON_SCALAR'],
  [77, 'E_CTI_INVALID_NUM_NAMED_VARIABLES'],
  [78, 'E_CTI_INVALID_NUM_NAMED_ARRAYS'],
  [79, 'E_CTI_INVALID_RTP_DIRECTION'],
  [80, 'E_CTI_INVALID_RTP_TYPE'],
  [81, 'E_CTI_CALLED_PARTY_DISPOSITION'],
  [82, 'E_CTI_INVALID_SUPERVISORY_ACTION'],
  [83, 'E_CTI_AGENT_TEAM_MONITOR_ALREADY_EXISTS'],
  [84, 'E_CTI_INVALID_SERVICE'],
  [85, 'E_CTI_SERVICE_CONFLICT'],
  [86, 'E_CTI_SKILL_GROUP_CONFLICT'],
  [87, 'E_CTI_INVALID_DEVICE'],
  [88, 'E_CTI_INVALID_MR_DOMAIN'],
  [89, 'E_CTI_MONITOR_ALREADY_EXISTS'],
  [90, 'E_CTI_MONITOR_TERMINATED'],
  [91, 'E_CTI_INVALID_TASK_MSG_MASK'],
  [92, 'E_CTI_SERVER_NOT_MASTER', 'this CTI server is the standby node'],
  // UCCE calls 93 INVALID_CSD, UCCX INVALID_CSQ (same number).
  [93, 'E_CTI_INVALID_CSQ', 'the CSQ (UCCX) / CSD is not valid'],
  [94, 'E_CTI_JTAPI_CCM_PROBLEM', 'JTAPI or Unified CM problem (UCCX)'],
  [95, 'E_CTI_INVALID_CONFIG_MSG_MASK', 'bad ConfigMsgMask in OPEN_REQ'],
  [96, 'E_CTI_AUTO_CONFIG_RESET', 'configuration changed; the client must request it again (UCCX)'],
  [97, 'E_CTI_INVALID_MONITOR_STATUS'],
  [98, 'E_CTI_INVALID_REQUEST_TYPE'],
  [107, 'E_CTI_INVALID_CLIENT_FOR_STANDBY', 'this client type may not connect to the standby CTI server'],
  [108, 'E_CTI_INVALID_UNIQUE_INSTANCE_ID'],
  [109, 'E_CTI_DUPLICATE_UNIQUE_INSTANCE_ID'],
  [110, 'E_CTI_SERVER_IN_MAINTENANCE_MODE', 'the CTI server is in maintenance mode'],
]);

/**
 * ControlFailureCode (CF_*), CONTROL_FAILURE_CONF. 0–19, 21, 22 from the UCCX "Control Failure (CF) Values"
 * page; 78, 79 and 256–271 from the v15 guide's table; the rest follow the CSTA error numbering the guides
 * copy, as we recall it (not cross-checked here).
 */
const CONTROL_FAILURE_CODES = table([
  [0, 'CF_GENERIC_UNSPECIFIED', 'unspecified failure'],
  [1, 'CF_GENERIC_OPERATION', 'operation error (no details)'],
  [2, 'CF_REQUEST_INCOMPATIBLE_WITH_OBJECT', 'the request is not compatible with the object'],
  [3, 'CF_VALUE_OUT_OF_RANGE', 'a parameter is out of range'],
  [4, 'CF_OBJECT_NOT_KNOWN', 'a parameter names an object the server does not know'],
  [5, 'CF_INVALID_CALLING_DEVICE', 'the calling device is not valid'],
  [6, 'CF_INVALID_CALLED_DEVICE', 'the called device is not valid'],
  [7, 'CF_INVALID_FORWARDING_DESTINATION'],
  [8, 'CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE', 'the device is not authorised for this service'],
  [9, 'CF_PRIVILEGE_VIOLATION_ON_CALLED_DEVICE'],
  [10, 'CF_PRIVILEGE_VIOLATION_ON_CALLING_DEVICE'],
  [11, 'CF_INVALID_CSTA_CALL_ID'],
  [12, 'CF_INVALID_CSTA_DEVICE_ID', 'the device ID is not valid'],
  [13, 'CF_INVALID_CSTA_CONNECTION_ID'],
  [14, 'CF_INVALID_DESTINATION'],
  [15, 'CF_INVALID_FEATURE'],
  [16, 'CF_INVALID_ALLOCATION_STATE'],
  [17, 'CF_INVALID_CROSS_REF_ID'],
  [18, 'CF_INVALID_OBJECT_TYPE'],
  [19, 'CF_SECURITY_VIOLATION'],
  [21, 'CF_GENERIC_STATE_INCOMPATIBILITY', 'the request is not compatible with a related device'],
  [22, 'CF_INVALID_OBJECT_STATE', 'the object is in the wrong state for this request'],
  [23, 'CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL'],
  [24, 'CF_NO_ACTIVE_CALL', 'there is no active call'],
  [25, 'CF_NO_HELD_CALL'],
  [26, 'CF_NO_CALL_TO_CLEAR'],
  [27, 'CF_NO_CONNECTION_TO_CLEAR'],
  [28, 'CF_NO_CALL_TO_ANSWER'],
  [29, 'CF_NO_CALL_TO_COMPLETE'],
  [31, 'CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY'],
  [32, 'CF_SERVICE_BUSY', 'the service is busy'],
  [33, 'CF_RESOURCE_BUSY'],
  [34, 'CF_RESOURCE_OUT_OF_SERVICE', 'a resource is out of service'],
  [35, 'CF_NETWORK_BUSY'],
  [36, 'CF_NETWORK_OUT_OF_SERVICE'],
  [37, 'CF_OVERALL_MONITOR_LIMIT_EXCEEDED'],
  [38, 'CF_CONFERENCE_MEMBER_LIMIT_EXCEEDED'],
  [41, 'CF_GENERIC_SUBSCRIBED_RESOURCE_AVAILABILITY'],
  [42, 'CF_OBJECT_MONITOR_LIMIT_EXCEEDED'],
  [43, 'CF_EXTERNAL_TRUNK_LIMIT_EXCEEDED'],
  [44, 'CF_OUTSTANDING_REQUEST_LIMIT_EXCEEDED'],
  [51, 'CF_GENERIC_PERFORMANCE_MANAGEMENT'],
  [52, 'CF_PERFORMANCE_LIMIT_EXCEEDED'],
  [61, 'CF_SEQUENCE_NUMBER_VIOLATED'],
  [62, 'CF_TIME_STAMP_VIOLATED'],
  [63, 'CF_PAC_VIOLATED'],
  [64, 'CF_SEAL_VIOLATED'],
  [78, 'CF_REQUEST_TIMEOUT_REJECTION', 'the request timed out'],
  [79, 'CF_REQUESTS_ON_DEVICE_EXCEEDED_REJECTION'],
  [256, 'CF_INVALID_AGENT_ID_SPECIFIED', 'invalid agent ID'],
  [257, 'CF_INVALID_PASSWORD_SPECIFIED', 'invalid agent password'],
  [258, 'CF_INVALID_AGENT_ID_OR_PASSWORD_SPECIFIED', 'invalid agent ID or password'],
  [259, 'CF_SPECIFIED_AGENT_ALREADY_SIGNED_ON', 'the agent is already logged in'],
  [260, 'CF_INVALID_LOGON_DEVICE_SPECIFIED', 'invalid logon device'],
  [261, 'CF_INVALID_ANSWERING_DEVICE_SPECIFIED'],
  [262, 'CF_INVALID_SKILL_GROUP_SPECIFIED'],
  [263, 'CF_INVALID_CLASS_OF_SERVICE_SPECIFIED'],
  [264, 'CF_INVALID_TEAM_SPECIFIED'],
  [265, 'CF_INVALID_AGENT_WORKMODE'],
  [266, 'CF_INVALID_AGENT_REASON_CODE'],
  [267, 'CF_ADJUNCT_SWITCH_COMM_ERROR'],
  [268, 'CF_AGENT_NOT_PARTY_ON_CALL'],
  [269, 'CF_INTERNAL_PROCESSING_ERROR'],
  [270, 'CF_TAKE_CALL_CONTROL_REJECTION'],
  [271, 'CF_TAKE_DOMAIN_CONTROL_REJECTION'],
]);

/**
 * UCCX PeripheralErrorCode ("Unified CCX ErrorCode") in CONTROL_FAILURE_CONF. 88001–88017 are from the UCCX
 * "Unified CCX Error Code Values" page (names without their CCX_ prefix); the page continues past 88017
 * (CALL_CONTROL_MASK_NOT_ON …) but those values could not be read here, so they decode as numbers only.
 */
const PERIPHERAL_ERROR_CODES = table([
  [0, 'DEFAULT_ERROR_CODE', 'unknown problem'],
  [88001, 'JTAPI_CCM_PROBLEM', 'JTAPI / Unified CM problem'],
  [88002, 'LOOKUP_FAILURE', 'UCCX lookup failure'],
  [88003, 'AGENT_DN_NOT_ASSIGNED', 'agent DN not assigned (the extension is not the agent\'s IPCC extension)'],
  [88004, 'AGENT_DEVICE_OFF', 'agent device out of service'],
  [88005, 'AGENT_DEVICE_BUSY', 'agent device busy'],
  [88006, 'RMCM_CONTACT_NULL', 'no RmCm contact'],
  [88007, 'RMCM_CONTACT_INVALID', 'RmCm contact invalid'],
  [88008, 'AGENT_NULL', 'no such agent'],
  [88009, 'AGENT_INVALID', 'agent invalid'],
  [88010, 'INVALID_ARGUMENT', 'invalid command argument'],
  [88011, 'NO_CALLBACK_FROM_AGENT', 'no callback from the agent'],
  [88012, 'CALL_ID_NULL', 'no call ID'],
  [88013, 'CALL_OBJECT_NULL', 'no call object'],
  [88014, 'JTAPI_PROVIDER_NULL', 'no JTAPI provider'],
  [88015, 'DIALED_NUMBER_NULL', 'no dialed number'],
  [88016, 'DEVICE_ID_NULL', 'no device ID'],
  [88017, 'TERMINAL_CONNECTION_NULL', 'no terminal connection'],
]);

/** SystemEventID (§6.5). UCCX calls 3/4 SYS_CCX_ONLINE/OFFLINE. */
const SYSTEM_EVENT_IDS = table([
  [1, 'SYS_CENTRAL_CONTROLLER_ONLINE'],
  [2, 'SYS_CENTRAL_CONTROLLER_OFFLINE'],
  [3, 'SYS_PERIPHERAL_ONLINE', 'peripheral online (UCCX: SYS_CCX_ONLINE)'],
  [4, 'SYS_PERIPHERAL_OFFLINE', 'peripheral offline (UCCX: SYS_CCX_OFFLINE)'],
  [5, 'SYS_TEXT_FYI'],
  [6, 'SYS_PERIPHERAL_GATEWAY_OFFLINE'],
  [7, 'SYS_CTI_SERVER_OFFLINE'],
  [8, 'SYS_CTI_SERVER_ONLINE'],
  [9, 'SYS_HALF_HOUR_CHANGE'],
  [10, 'SYS_INSTRUMENT_OUT_OF_SERVICE', 'the agent phone went out of service'],
  [11, 'SYS_INSTRUMENT_BACK_IN_SERVICE', 'the agent phone is back in service'],
]);

/** AgentState (§5): UCCE names, without the AGENT_STATE_ prefix. */
const AGENT_STATES = table([
  [0, 'LOGIN'],
  [1, 'LOGOUT'],
  [2, 'NOT_READY'],
  [3, 'AVAILABLE', 'UCCX: READY'],
  [4, 'TALKING'],
  [5, 'WORK_NOT_READY', 'UCCX: WORK'],
  [6, 'WORK_READY'],
  [7, 'BUSY_OTHER'],
  [8, 'RESERVED'],
  [9, 'UNKNOWN'],
  [10, 'HOLD'],
  [11, 'ACTIVE'],
  [12, 'PAUSED'],
  [13, 'INTERRUPTED'],
  [14, 'NOT_ACTIVE'],
]);

const AGENT_STATE_UCCX_ALIASES: Record<number, string> = { 3: 'READY', 5: 'WORK' };
const AGENT_STATE_BY_NAME: Record<string, number> = { READY: 3, WORK: 5 };
for (const [n, info] of AGENT_STATES) AGENT_STATE_BY_NAME[info.name] = n;

/** PeripheralType (§6.7). */
const PERIPHERAL_TYPES = table([
  [0xffff, 'PT_NONE'],
  [2, 'PT_MERIDIAN'],
  [3, 'PT_G2'],
  [4, 'PT_DEFINITY_ECS_NON_EAS'],
  [5, 'PT_DEFINITY_ECS_EAS'],
  [6, 'PT_GALAXY'],
  [7, 'PT_SPECTRUM'],
  [8, 'PT_VRU'],
  [9, 'PT_VRU_POLLED'],
  [10, 'PT_DMS100'],
  [11, 'PT_SIEMENS_9006'],
  [12, 'PT_SIEMENS_9005'],
  [13, 'PT_ALCATEL'],
  [14, 'PT_NEC_NEAX_2x00'],
  [15, 'PT_ACP_1000'],
  [17, 'PT_ENTERPRISE_AGENT'],
  [18, 'PT_MD110'],
  [19, 'PT_MEDIA_ROUTING'],
  [20, 'PT_GENERIC'],
  [21, 'PT_ACMI_CRS'],
  [22, 'PT_ACMI_IPCC'],
  [24, 'PT_ARS'],
  [25, 'PT_ACMI_ERS'],
  [26, 'PT_ACMI_EXPERT_ADVISOR'],
]);

/**
 * UCCX EventReasonCode values (system-generated, counting down from 32767; §5). Administrator-defined
 * reason codes are small numbers and have no name.
 */
const EVENT_REASON_CODES = table([
  [32767, 'AGT_RELOGON', 'the agent logged in again'],
  [32765, 'AGT_CONN_DOWN', 'the desktop or IP Phone Agent connection went down'],
  [32764, 'CCX_FAILURE', 'Unified CCX failure'],
  [32763, 'AGT_RNA', 'ring no answer'],
  [32762, 'AGT_OFFHOOK', 'the agent went off-hook'],
  [32761, 'AGT_NON_ICD', 'the agent took a non-ICD call'],
  [32760, 'AGT_LOGON', 'the agent logged in'],
  [32759, 'AGT_PHONE_DOWN', 'the agent phone is down'],
  [32758, 'AGT_WORK_TIMER_EXP', 'the work timer expired'],
  [32757, 'CM_FAILOVER', 'Unified CM failover'],
  [32756, 'AGT_PHONE_UP', 'the agent phone is up'],
  [32755, 'AGT_CALL_ENDED', 'the call ended'],
  [32754, 'AGT_DEVICE_RESTRICTED', 'the agent device is restricted'],
  [32753, 'AGT_LINE_RESTRICTED', 'the agent line is restricted'],
  [32752, 'AGT_CANCEL_RESERVATION', 'the agent cancelled an outbound reservation'],
  [32751, 'AGT_SKIPS', 'the agent skipped a preview outbound call'],
  [32750, 'AGT_ICD_EXTENSION_CHANGED', 'the agent ICD extension changed'],
  [32749, 'AGT_CANCEL_CONSULT', 'the consulting agent went Not Ready'],
]);

function lookupName(t: Map<number, CodeInfo>, n: number): string | undefined {
  return t.get(n)?.name;
}

export function statusName(n: number): string {
  return lookupName(STATUS_CODES, n) ?? `E_CTI_UNKNOWN_${n}`;
}
export function statusDescription(n: number): string {
  return STATUS_CODES.get(n)?.description ?? '';
}
export function controlFailureCodeName(n: number): string {
  return lookupName(CONTROL_FAILURE_CODES, n) ?? `CF_UNKNOWN_${n}`;
}
export function controlFailureCodeDescription(n: number): string {
  return CONTROL_FAILURE_CODES.get(n)?.description ?? '';
}
/** The name a PeripheralErrorCode gets when no table has it (UCCE's are not tabulated): UNKNOWN_<n>. */
export function untabulatedName(n: number): string {
  return `UNKNOWN_${n}`;
}
/** True for a name untabulatedName made: a number, not a name. */
export function isUntabulatedName(name: string): boolean {
  return /^UNKNOWN_\d+$/.test(name);
}
/** UCCX PeripheralErrorCode name, or undefined (UCCE peripheral error codes are not tabulated here). */
export function peripheralErrorCodeName(n: number): string | undefined {
  return lookupName(PERIPHERAL_ERROR_CODES, n);
}
export function peripheralErrorCodeDescription(n: number): string {
  return PERIPHERAL_ERROR_CODES.get(n)?.description ?? '';
}
export function systemEventIdName(n: number): string {
  return lookupName(SYSTEM_EVENT_IDS, n) ?? `SYS_UNKNOWN_${n}`;
}
export function systemEventIdDescription(n: number): string {
  return SYSTEM_EVENT_IDS.get(n)?.description ?? '';
}
export function agentStateName(n: number): string {
  return lookupName(AGENT_STATES, n) ?? `UNKNOWN_STATE_${n}`;
}
/** UCCX's name where it differs (3 READY, 5 WORK), else the UCCE name. */
export function agentStateUccxName(n: number): string {
  return AGENT_STATE_UCCX_ALIASES[n] ?? agentStateName(n);
}
/** Accepts UCCE names, UCCX aliases and AGENT_STATE_-prefixed forms. */
export function agentStateNumber(name: string): number | undefined {
  return AGENT_STATE_BY_NAME[name.replace(/^AGENT_STATE_/, '')];
}
export function peripheralTypeName(n: number): string {
  return lookupName(PERIPHERAL_TYPES, n) ?? `PT_UNKNOWN_${n}`;
}
export function eventReasonCodeName(n: number): string | undefined {
  return lookupName(EVENT_REASON_CODES, n);
}
export function eventReasonCodeDescription(n: number): string {
  return EVENT_REASON_CODES.get(n)?.description ?? '';
}

/** Enumerations that the encoder accepts by name. */
export type CodeKind =
  | 'status'
  | 'failureCode'
  | 'peripheralErrorCode'
  | 'systemEventId'
  | 'agentState'
  | 'peripheralType'
  | 'eventReasonCode';

const CODE_TABLES: Record<CodeKind, Map<number, CodeInfo>> = {
  status: STATUS_CODES,
  failureCode: CONTROL_FAILURE_CODES,
  peripheralErrorCode: PERIPHERAL_ERROR_CODES,
  systemEventId: SYSTEM_EVENT_IDS,
  agentState: AGENT_STATES,
  peripheralType: PERIPHERAL_TYPES,
  eventReasonCode: EVENT_REASON_CODES,
};

/** Number for a code name; the C prefix is optional (E_CTI_, CF_, CCX_, SYS_, PT_, AGENT_STATE_). */
export function codeFromName(kind: CodeKind, name: string): number | undefined {
  if (kind === 'agentState') return agentStateNumber(name);
  const bare = (s: string): string => s.replace(/^(E_CTI_|CF_|CCX_|SYS_|PT_)/, '');
  const want = bare(name);
  for (const [n, info] of CODE_TABLES[kind]) if (bare(info.name) === want) return n;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Bit masks.

export type BitTable = ReadonlyArray<readonly [number, string]>;

/** ServicesRequested / ServicesGranted (§6.1). */
export const SERVICE_BITS: BitTable = [
  [0x00000001, 'CLIENT_EVENTS'],
  [0x00000002, 'CALL_DATA_UPDATE'],
  [0x00000004, 'CLIENT_CONTROL'],
  [0x00000008, 'CONNECTION_MONITOR'],
  [0x00000010, 'ALL_EVENTS'],
  [0x00000020, 'PERIPHERAL_MONITOR'],
  [0x00000040, 'CLIENT_MONITOR'],
  [0x00000080, 'SUPERVISOR'],
  [0x00000100, 'SERVER'],
  // Sent by CTI OS Server (0x001C0296) and granted back; the guides leave 0x200 out of the table and the
  // protocol-19 codec (nshimaza) calls it unused.
  [0x00000200, 'UNUSED_0x200'],
  [0x00000400, 'AGENT_REPORTING'],
  [0x00000800, 'ALL_TASK_EVENTS'],
  [0x00001000, 'TASK_MONITOR'],
  [0x00002000, 'AGENT_STATE_CONTROL_ONLY'],
  [0x00004000, 'UNUSED_0x4000'],
  [0x00008000, 'DEVICE_STATE_CONTROL'],
  // UCCX guide, CTI Service Masks: CTI_SERVICE_CONFIG_EVENTS (configuration events).
  [0x00040000, 'CONFIG_EVENTS'],
  [0x00080000, 'UPDATE_EVENTS'],
  [0x00100000, 'IGNORE_DUPLICATE_AGENT_EVENTS'],
  [0x00200000, 'IGNORE_CONF'],
  [0x00400000, 'ACD_LINE_ONLY'],
  [0x02000000, 'ACTIVE_STANDBY'],
  [0x80000000, 'DEBUG'],
];

/** PGStatus (§6.6); 0 means normal. */
export const PG_STATUS_BITS: BitTable = [
  [0x1, 'OPC_DOWN'],
  [0x2, 'CC_DOWN'],
  [0x4, 'PERIPHERAL_OFFLINE'],
  [0x8, 'CTI_SERVER_OFFLINE'],
  [0x10, 'LIMITED_FUNCTION'],
];

/** CallMsgMask (§6.2). */
export const CALL_MSG_MASK_BITS: BitTable = [
  [0x1, 'DELIVERED'],
  [0x2, 'QUEUED'],
  [0x4, 'ESTABLISHED'],
  [0x8, 'HELD'],
  [0x10, 'RETRIEVED'],
  [0x20, 'CLEARED'],
  [0x40, 'CONNECTION_CLEARED'],
  [0x80, 'ORIGINATED'],
  [0x100, 'CONFERENCED'],
  [0x200, 'TRANSFERRED'],
  [0x400, 'DIVERTED'],
  [0x800, 'SERVICE_INITIATED'],
  [0x1000, 'TRANSLATION_ROUTE'],
  [0x2000, 'BEGIN_CALL'],
  [0x4000, 'END_CALL'],
  [0x8000, 'CALL_DATA_UPDATE'],
  [0x10000, 'FAILED'],
  [0x20000, 'REACHED_NETWORK'],
  [0x40000, 'DEQUEUED'],
  [0x80000, 'AGENT_PRE_CALL'],
  [0x100000, 'AGENT_PRE_CALL_ABORT'],
  [0x200000, 'RTP_STARTED'],
  [0x400000, 'RTP_STOPPED'],
  [0x800000, 'AGENT_TEAM_CONFIG'],
  [0x1000000, 'AGENT_LEGACY_PRE_CALL'],
  [0x2000000, 'CALL_ATTRIBUTE_CHANGE'],
  [0x4000000, 'CALL_TERMINATION'],
  [0x8000000, 'CALL_AGENT_GREETING'],
  [0x10000000, 'NETWORK_RECORDING_STARTED'],
  [0x20000000, 'NETWORK_RECORDING_ENDED'],
  [0x40000000, 'NETWORK_RECORDING_FAILED'],
  [0x80000000, 'NETWORK_RECORDING_TARGET_INFO'],
];

/** AgentStateMask (§6.3). */
export const AGENT_STATE_MASK_BITS: BitTable = [
  [0x1, 'LOGIN'],
  [0x2, 'LOGOUT'],
  [0x4, 'NOT_READY'],
  [0x8, 'AVAILABLE'],
  [0x10, 'TALKING'],
  [0x20, 'WORK_NOT_READY'],
  [0x40, 'WORK_READY'],
  [0x80, 'BUSY_OTHER'],
  [0x100, 'RESERVED'],
  [0x200, 'HOLD'],
  [0x400, 'ACTIVE'],
  [0x800, 'PAUSED'],
  [0x1000, 'INTERRUPTED'],
  [0x2000, 'NOT_ACTIVE'],
];

/** ConfigMsgMask (OPEN_REQ, §3). */
export const CONFIG_MSG_MASK_BITS: BitTable = [
  [0x1, 'SERVICE'],
  [0x2, 'SKILL_GROUP'],
  [0x4, 'AGENT'],
  [0x8, 'DEVICE'],
  [0x10, 'CALL_TYPE'],
  [0x20, 'MRD'],
  [0x100, 'TERMINAL'],
];

/** Names of the set bits, in bit order; unknown set bits appear as hex ("0x4000"). */
export function bitNames(value: number, bits: BitTable): string[] {
  const out: string[] = [];
  let rest = value >>> 0;
  for (const [bit, name] of bits) {
    if ((rest & bit) !== 0) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let b = 0; b < 32 && rest !== 0; b++) {
    const bit = (1 << b) >>> 0;
    if ((rest & bit) !== 0) {
      out.push(`0x${bit.toString(16)}`);
      rest = (rest & ~bit) >>> 0;
    }
  }
  return out;
}

export function serviceNames(mask: number): string[] {
  return bitNames(mask, SERVICE_BITS);
}
export function pgStatusNames(mask: number): string[] {
  return bitNames(mask, PG_STATUS_BITS);
}

/** Builds a mask from bit names (for the encoder and tests); throws on an unknown name. */
export function maskFromNames(names: readonly string[], bits: BitTable): number {
  let v = 0;
  for (const n of names) {
    const e = bits.find((b) => b[1] === n);
    if (!e) throw new Error(`unknown bit name ${n}`);
    v = (v | e[0]) >>> 0;
  }
  return v;
}

/** Special "none" values (§1.4). */
export const NULL_UINT = 0xffffffff;
export const NULL_USHORT = 0xffff;

/** Every entry of a code table, ascending (for generated artefacts such as the Wireshark dissector). */
export function codeEntries(kind: CodeKind): Array<[number, string]> {
  return [...CODE_TABLES[kind]].map(([n, info]) => [n, info.name] as [number, string]).sort((a, b) => a[0] - b[0]);
}

/** Every named floating tag with its value type, ascending. */
export function floatingTagEntries(): Array<[number, FloatingTagInfo]> {
  return Object.entries(FLOATING_TAGS)
    .map(([n, info]) => [Number(n), info] as [number, FloatingTagInfo])
    .sort((a, b) => a[0] - b[0]);
}

/** Every named message type, ascending. */
export function messageTypeEntries(): Array<[number, string]> {
  return MESSAGE_TYPE_NUMBERS.map((n) => [n, MESSAGE_TYPE_NAMES[n]] as [number, string]);
}
