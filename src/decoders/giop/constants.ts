/** GIOP numbering (CORBA 3.x, chapter "General Inter-ORB Protocol"). */

export const GIOP_HEADER_SIZE = 12;
/** 'G' 'I' 'O' 'P' */
export const GIOP_MAGIC = [0x47, 0x49, 0x4f, 0x50] as const;
/** 'Z' 'I' 'O' 'P': ZIOP (compressed GIOP) shares GIOP's header layout. */
export const ZIOP_MAGIC = [0x5a, 0x49, 0x4f, 0x50] as const;

export type GiopVersion = '1.0' | '1.1' | '1.2';

export const GIOP_MESSAGE_TYPES = [
  'Request',
  'Reply',
  'CancelRequest',
  'LocateRequest',
  'LocateReply',
  'CloseConnection',
  'MessageError',
  'Fragment',
] as const;
export type GiopMessageTypeName = (typeof GIOP_MESSAGE_TYPES)[number];

export const MSG_REQUEST = 0;
export const MSG_REPLY = 1;
export const MSG_CANCEL_REQUEST = 2;
export const MSG_LOCATE_REQUEST = 3;
export const MSG_LOCATE_REPLY = 4;
export const MSG_CLOSE_CONNECTION = 5;
export const MSG_MESSAGE_ERROR = 6;
export const MSG_FRAGMENT = 7;

export const REPLY_STATUS_NAMES = [
  'NO_EXCEPTION',
  'USER_EXCEPTION',
  'SYSTEM_EXCEPTION',
  'LOCATION_FORWARD',
  'LOCATION_FORWARD_PERM',
  'NEEDS_ADDRESSING_MODE',
] as const;
export type ReplyStatusName = (typeof REPLY_STATUS_NAMES)[number];

export const LOCATE_STATUS_NAMES = [
  'UNKNOWN_OBJECT',
  'OBJECT_HERE',
  'OBJECT_FORWARD',
  'OBJECT_FORWARD_PERM',
  'LOC_SYSTEM_EXCEPTION',
  'LOC_NEEDS_ADDRESSING_MODE',
] as const;
export type LocateStatusName = (typeof LOCATE_STATUS_NAMES)[number];

export const COMPLETION_STATUS_NAMES = ['COMPLETED_YES', 'COMPLETED_NO', 'COMPLETED_MAYBE'] as const;
export type CompletionStatusName = (typeof COMPLETION_STATUS_NAMES)[number];

export const ADDRESSING_DISPOSITION_NAMES = ['KeyAddr', 'ProfileAddr', 'ReferenceAddr'] as const;

/** Vendor minor code id of the OMG ("OM" << 20): standard minor codes are 0x4f4d0000 | n. */
export const OMG_VMCID = 0x4f4d0000;

/** Well-known service context ids, for display. */
export const SERVICE_CONTEXT_NAMES: Record<number, string> = {
  0: 'TransactionService',
  1: 'CodeSets',
  2: 'ChainBypassCheck',
  3: 'ChainBypassInfo',
  4: 'LogicalThreadId',
  5: 'BI_DIR_IIOP',
  6: 'SendingContextRunTime',
  7: 'INVOCATION_POLICIES',
  8: 'FORWARDED_IDENTITY',
  9: 'UnknownExceptionInfo',
  10: 'RTCorbaPriority',
  11: 'RTCorbaPriorityRange',
  12: 'FT_GROUP_VERSION',
  13: 'FT_REQUEST',
  14: 'ExceptionDetailMessage',
  15: 'SecurityAttributeService',
  16: 'ActivityService',
  17: 'RMICustomMaxStreamFormat',
  18: 'ACCESS_SESSION_ID',
  19: 'SERVICE_SESSION_ID',
  20: 'FIREWALL_PATH',
  21: 'FIREWALL_PATH_RESP',
};

export function versionOf(major: number, minor: number): string {
  return `${major}.${minor}`;
}
