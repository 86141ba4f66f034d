/** The protocols the dispatcher can hand a flow to: decoder factories per transport and content probes. */

import type { ProtocolRegistry } from './dispatch.js';
// From the stream modules, not the protocol barrels: those also export the encoders, which decoding never loads.
import { createGed188StreamDecoder, ged188StartContradicts, probeGed188 } from './ged188/stream.js';
import { createGiopStreamDecoder, giopStartContradicts, probeGiop } from './giop/stream.js';
import { createLdapDatagramDecoder, createLdapStreamDecoder, ldapStartContradicts, probeLdap } from './ldap/stream.js';
import { createDnsDatagramDecoder, createDnsStreamDecoder, probeDns, probeDnsDatagram } from './dns/index.js';
import { createTlsStreamDecoder, probeTls, tlsStartContradicts } from './tls/index.js';
import { createSipDatagramDecoder, createSipStreamDecoder, probeSip } from './sip/index.js';
import { createSkinnyStreamDecoder, probeSkinny } from './skinny/index.js';
import { createCtiosStreamDecoder } from './ctios/index.js';
import { createNbnsDatagramDecoder } from './netbios/nbns.js';
import { createNbdgmDatagramDecoder } from './netbios/nbdgm.js';
import { createLlmnrDatagramDecoder } from './llmnr/index.js';
import { createMdnsDatagramDecoder } from './mdns/index.js';
import { createSsdpDatagramDecoder, probeSsdp } from './ssdp/index.js';

export const DEFAULT_REGISTRY: ProtocolRegistry = {
  ged188: { tcp: createGed188StreamDecoder, probeTcp: probeGed188, startContradicts: ged188StartContradicts, phase: 'cti-session', quietSessions: true },
  giop: { tcp: createGiopStreamDecoder, probeTcp: probeGiop, startContradicts: giopStartContradicts, phase: 'services', quietSessions: true },
  // UDP: connectionless LDAP (CLDAP, the AD DC locator ping), by port only.
  ldap: { tcp: createLdapStreamDecoder, udp: createLdapDatagramDecoder, probeTcp: probeLdap, startContradicts: ldapStartContradicts, phase: 'config', quietSessions: true },
  dns: { tcp: createDnsStreamDecoder, udp: createDnsDatagramDecoder, probeTcp: probeDns, probeUdp: probeDnsDatagram, phase: 'dns' },
  tls: { tcp: createTlsStreamDecoder, probeTcp: probeTls, startContradicts: tlsStartContradicts, phase: 'other' },
  sip: { tcp: createSipStreamDecoder, udp: createSipDatagramDecoder, probeTcp: probeSip, probeUdp: probeSip, phase: 'phone' },
  skinny: { tcp: createSkinnyStreamDecoder, probeTcp: probeSkinny, phase: 'phone' },
  // No public format: only by port, never by content.
  ctios: { tcp: createCtiosStreamDecoder, phase: 'cti-session', quietSessions: true },
  // A Windows PC's name and discovery chatter: by port (SSDP also by its start line), never a login step.
  nbns: { udp: createNbnsDatagramDecoder, phase: 'other' },
  nbdgm: { udp: createNbdgmDatagramDecoder, phase: 'other' },
  llmnr: { udp: createLlmnrDatagramDecoder, phase: 'other' },
  mdns: { udp: createMdnsDatagramDecoder, phase: 'other' },
  ssdp: { udp: createSsdpDatagramDecoder, probeUdp: probeSsdp, phase: 'other' },
};
