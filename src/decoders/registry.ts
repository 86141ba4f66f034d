/** The protocols the dispatcher can hand a flow to: decoder factories per transport and content probes. */

import type { ProtocolRegistry } from './dispatch.js';
// From the stream modules, not the protocol barrels: those also export the encoders, which decoding never loads.
import { createGed188StreamDecoder, probeGed188 } from './ged188/stream.js';
import { createGiopStreamDecoder, probeGiop } from './giop/stream.js';
import { createLdapStreamDecoder, probeLdap } from './ldap/stream.js';
import { createDnsDatagramDecoder, createDnsStreamDecoder, probeDns, probeDnsDatagram } from './dns/index.js';
import { createTlsStreamDecoder, probeTls } from './tls/index.js';
import { createSipDatagramDecoder, createSipStreamDecoder, probeSip } from './sip/index.js';
import { createSkinnyStreamDecoder, probeSkinny } from './skinny/index.js';
import { createCtiosStreamDecoder } from './ctios/index.js';

export const DEFAULT_REGISTRY: ProtocolRegistry = {
  ged188: { tcp: createGed188StreamDecoder, probeTcp: probeGed188, phase: 'cti-session' },
  giop: { tcp: createGiopStreamDecoder, probeTcp: probeGiop, phase: 'services' },
  ldap: { tcp: createLdapStreamDecoder, probeTcp: probeLdap, phase: 'config' },
  dns: { tcp: createDnsStreamDecoder, udp: createDnsDatagramDecoder, probeTcp: probeDns, probeUdp: probeDnsDatagram, phase: 'dns' },
  tls: { tcp: createTlsStreamDecoder, probeTcp: probeTls, phase: 'other' },
  sip: { tcp: createSipStreamDecoder, udp: createSipDatagramDecoder, probeTcp: probeSip, probeUdp: probeSip, phase: 'phone' },
  skinny: { tcp: createSkinnyStreamDecoder, probeTcp: probeSkinny, phase: 'phone' },
  // No public format: only by port, never by content.
  ctios: { tcp: createCtiosStreamDecoder, phase: 'cti-session' },
};
