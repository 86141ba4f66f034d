/**
 * What common failure codes mean for a desktop start-up, keyed by the code *names* the decoders emit.
 * (The names themselves come from the decoders' tables; this only adds the consequence in plain words.)
 */

import { humanize } from '../format.js';

/** GED-188 status (FAILURE_CONF / FAILURE_EVENT / CLOSE_REQ), keyed without the E_CTI_ prefix. */
const CTI_STATUS: Record<string, (server: string) => string> = {
  SERVER_NOT_MASTER: (s) => `the CTI server on ${s} is the standby node`,
  INVALID_VERSION: () => 'the CTI server does not support the protocol version the desktop asked for',
  INVALID_PASSWORD: () => 'the client ID or password was not accepted',
  DEVICE_IN_USE: () => 'the extension is already in use by another agent or client',
  CTI_SERVER_OFFLINE: (s) => `the CTI server on ${s} is offline`,
  INVALID_AGENT_DATA: () => 'the agent ID, extension or instrument is not known to the CTI server',
  INCONSISTENT_AGENT_DATA: () => 'the agent ID, extension and instrument do not agree',
  AGENT_NOT_LOGGED_ON: () => 'the agent is not logged on',
  TIMEOUT: () => 'the CTI server timed the request out',
  JTAPI_CCM_PROBLEM: () => 'the UCCX engine has a JTAPI/Unified CM problem',
  INVALID_PERIPHERAL_ID: () => 'the peripheral ID is wrong',
  SESSION_ALREADY_OPEN: () => 'a session is already open on this connection',
  INVALID_TIMEOUT: () => 'the IdleTimeout asked for is below 20 s',
  AUTO_CONFIG_RESET: () => 'the UCCX configuration changed; the desktop must ask again',
  INVALID_CLIENT_FOR_STANDBY: (s) => `the CTI server on ${s} is the standby node`,
  SERVER_IN_MAINTENANCE_MODE: (s) => `the CTI server on ${s} is in maintenance mode`,
};

export function explainCtiStatus(statusName: string | undefined, serverHost: string): string | undefined {
  if (!statusName) return undefined;
  const key = statusName.replace(/^E_CTI_/, '');
  return CTI_STATUS[key]?.(serverHost) ?? humanize(key);
}

/** UCCX PeripheralErrorCode names (CONTROL_FAILURE_CONF to SET_AGENT_STATE_REQ). */
const PERIPHERAL_ERRORS: Record<string, string> = {
  AGENT_DEVICE_OFF: 'agent device out of service (the phone is not registered, or not associated with the RmCm user)',
  AGENT_DEVICE_INVALID: 'the extension is not a valid agent device',
  AGENT_DEVICE_IN_USE: 'the extension is already in use',
  AGENT_NOT_FOUND: 'the agent is not configured',
  AGENT_INVALID_PASSWORD: 'the agent password is wrong',
};

export function explainPeripheralError(name: string | undefined, code: number | undefined): string | undefined {
  if (name) return PERIPHERAL_ERRORS[name] ?? humanize(name);
  if (code === 88004) return PERIPHERAL_ERRORS.AGENT_DEVICE_OFF;
  return undefined;
}

/** LDAP resultCode names (tshark spelling). */
const LDAP_RESULTS: Record<string, string> = {
  invalidCredentials: 'the DN or password the desktop binds with is wrong (the LDAP password in its site setup, or the account)',
  noSuchObject: 'the entry the desktop asked for does not exist in the directory (profile not synchronised?)',
  insufficientAccessRights: 'the bind account may not read these entries',
  busy: 'the directory server is busy',
  unavailable: 'the directory server is unavailable',
  unwillingToPerform: 'the directory server refuses the operation',
  inappropriateAuthentication: 'the directory does not accept this kind of bind',
  invalidDNSyntax: 'the DN the desktop sent is malformed',
  timeLimitExceeded: 'the search took longer than allowed',
  sizeLimitExceeded: 'the search returned more entries than allowed',
};

export function explainLdapResult(name: string | undefined): string | undefined {
  return name ? LDAP_RESULTS[name] : undefined;
}

/** TLS alert descriptions (RFC 8446 names, as tshark prints them lower-case with underscores). */
const TLS_ALERTS: Record<string, string> = {
  handshake_failure: 'the two sides share no acceptable cipher suite or version, or a required client certificate is missing',
  unknown_ca: 'the certificate was issued by a CA the peer does not trust',
  protocol_version: 'the server refuses the TLS version the client offered',
  bad_certificate: 'the certificate is corrupt or its signature does not verify',
  certificate_expired: 'the certificate has expired',
  certificate_unknown: 'the certificate was not accepted',
  certificate_revoked: 'the certificate was revoked',
  decrypt_error: 'a handshake signature or the Finished message did not verify',
  insufficient_security: 'the server requires stronger cipher suites than the client offered',
  unrecognized_name: 'the server does not know the host name sent in SNI',
  internal_error: 'the peer hit an internal error',
};

export function explainTlsAlert(description: string): string | undefined {
  return TLS_ALERTS[description.toLowerCase().replace(/\s+/g, '_')];
}

/** GIOP exception repository ids. */
export function explainGiopException(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/NoLicense/i.test(id)) return 'no licence seat is free (all in use, or the licences became invalid, e.g. after a server address change)';
  if (/TRANSIENT/.test(id)) return 'the server could not reach the object right now';
  if (/OBJECT_NOT_EXIST/.test(id)) return 'the object the desktop asked for does not exist on that server';
  if (/COMM_FAILURE/.test(id)) return 'communication with the object failed';
  if (/NO_PERMISSION/.test(id)) return 'the desktop is not allowed to call this operation';
  return undefined;
}
