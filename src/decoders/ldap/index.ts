export * from './constants.js';
export * from './filter.js';
export * from './encode.js';
export { decodeLdapMessage, formatLdapValue, type LdapMessage } from './decode.js';
export { createLdapDatagramDecoder, createLdapStreamDecoder, probeLdap, plausibleLdapStart, LDAP_MAX_MESSAGE_SIZE } from './stream.js';
