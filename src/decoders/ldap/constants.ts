/** LDAPv3 numbering (RFC 4511), names as tshark prints them. */

/** protocolOp names by [APPLICATION n] tag number. */
export const LDAP_OP_NAMES: Record<number, string> = {
  0: 'bindRequest',
  1: 'bindResponse',
  2: 'unbindRequest',
  3: 'searchRequest',
  4: 'searchResEntry',
  5: 'searchResDone',
  6: 'modifyRequest',
  7: 'modifyResponse',
  8: 'addRequest',
  9: 'addResponse',
  10: 'delRequest',
  11: 'delResponse',
  12: 'modDNRequest',
  13: 'modDNResponse',
  14: 'compareRequest',
  15: 'compareResponse',
  16: 'abandonRequest',
  19: 'searchResRef',
  23: 'extendedReq',
  24: 'extendedResp',
  25: 'intermediateResponse',
};

export const OP_BIND_REQUEST = 0;
export const OP_BIND_RESPONSE = 1;
export const OP_UNBIND_REQUEST = 2;
export const OP_SEARCH_REQUEST = 3;
export const OP_SEARCH_RES_ENTRY = 4;
export const OP_SEARCH_RES_DONE = 5;
export const OP_MODIFY_REQUEST = 6;
export const OP_MODIFY_RESPONSE = 7;
export const OP_ADD_REQUEST = 8;
export const OP_ADD_RESPONSE = 9;
export const OP_DEL_REQUEST = 10;
export const OP_DEL_RESPONSE = 11;
export const OP_MODDN_REQUEST = 12;
export const OP_MODDN_RESPONSE = 13;
export const OP_COMPARE_REQUEST = 14;
export const OP_COMPARE_RESPONSE = 15;
export const OP_ABANDON_REQUEST = 16;
export const OP_SEARCH_RES_REF = 19;
export const OP_EXTENDED_REQUEST = 23;
export const OP_EXTENDED_RESPONSE = 24;
export const OP_INTERMEDIATE_RESPONSE = 25;

/** Operations whose body is an LDAPResult (possibly extended). */
export const RESULT_OPS = new Set([1, 5, 7, 9, 11, 13, 15, 24]);

/** The request each response answers (by op number), for pairing. */
export const REQUEST_OF_RESPONSE: Record<number, number> = {
  1: 0,
  4: 3,
  5: 3,
  19: 3,
  7: 6,
  9: 8,
  11: 10,
  13: 12,
  15: 14,
  24: 23,
  25: 23,
};

export const LDAP_RESULT_CODE_NAMES: Record<number, string> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  5: 'compareFalse',
  6: 'compareTrue',
  7: 'authMethodNotSupported',
  8: 'strongAuthRequired',
  10: 'referral',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  14: 'saslBindInProgress',
  16: 'noSuchAttribute',
  17: 'undefinedAttributeType',
  18: 'inappropriateMatching',
  19: 'constraintViolation',
  20: 'attributeOrValueExists',
  21: 'invalidAttributeSyntax',
  32: 'noSuchObject',
  33: 'aliasProblem',
  34: 'invalidDNSyntax',
  36: 'aliasDereferencingProblem',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  54: 'loopDetect',
  64: 'namingViolation',
  65: 'objectClassViolation',
  66: 'notAllowedOnNonLeaf',
  67: 'notAllowedOnRDN',
  68: 'entryAlreadyExists',
  69: 'objectClassModsProhibited',
  71: 'affectsMultipleDSAs',
  80: 'other',
  118: 'canceled',
  119: 'noSuchOperation',
  120: 'tooLate',
  121: 'cannotCancel',
  // Later RFCs (4528, 4370, 4533); tshark 4.0 has no names for these.
  122: 'assertionFailed',
  123: 'authorizationDenied',
  4096: 'e-syncRefreshRequired',
};

export function ldapResultCodeName(code: number): string {
  return LDAP_RESULT_CODE_NAMES[code] ?? `unknown(${code})`;
}

export const LDAP_SCOPE_NAMES = ['baseObject', 'singleLevel', 'wholeSubtree'] as const;
export const LDAP_DEREF_NAMES = ['neverDerefAliases', 'derefInSearching', 'derefFindingBaseObj', 'derefAlways'] as const;
export const LDAP_MODIFY_OPERATION_NAMES = ['add', 'delete', 'replace'] as const;

export const OID_START_TLS = '1.3.6.1.4.1.1466.20037';
export const OID_WHO_AM_I = '1.3.6.1.4.1.4203.1.11.3';

/** Names of extended operations and controls a login trace is likely to show. */
export const LDAP_OID_NAMES: Record<string, string> = {
  [OID_START_TLS]: 'StartTLS',
  [OID_WHO_AM_I]: 'Who-am-I',
  '1.3.6.1.4.1.4203.1.11.1': 'Password Modify',
  '1.3.6.1.1.8': 'Cancel',
  '1.3.6.1.4.1.1466.20036': 'Notice of Disconnection',
  '1.2.840.113556.1.4.319': 'Paged Results',
  '1.2.840.113556.1.4.473': 'Server Side Sort',
  '1.2.840.113556.1.4.417': 'Show Deleted',
  '1.2.840.113556.1.4.801': 'SD Flags',
  '1.2.840.113556.1.4.1339': 'Domain Scope',
  '1.2.840.113556.1.4.1340': 'Search Options',
  '1.2.840.113556.1.4.1413': 'Permissive Modify',
  '1.2.840.113556.1.4.528': 'Notification',
  '1.2.840.113556.1.4.529': 'Extended DN',
  '1.2.840.113556.1.4.1781': 'Fast Concurrent Bind',
  '2.16.840.1.113730.3.4.2': 'ManageDsaIT',
  '2.16.840.1.113730.3.4.18': 'Proxied Authorization v2',
  '1.3.6.1.4.1.4203.1.9.1.1': 'Sync Request',
  '1.3.6.1.4.1.42.2.27.8.5.1': 'Password Policy',
};
