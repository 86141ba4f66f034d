/**
 * Port profiles: which server port is which desktop service, spoken in which protocol, in which login phase.
 *
 * Ports in contact-center products are configurable (RmCm TCP Port, CTI OS port, instance offsets), and the
 * CAD service port map is only partly public, so this is data a user can extend or override
 * (`--port 3016=giop:sync-service`, or a JSON profile file), and content detection covers the rest.
 * Sources: ../shared/reference/desktops.md §1 (UCCX 12.5/15.0 port guides, IPCC Express 4.x SRND).
 */

import { PROTOCOL_NAMES, type ProtocolName } from './types.js';

/** The steps of a desktop start-up, in the order a login usually runs. */
export type Phase = 'dns' | 'config' | 'licensing' | 'cti-session' | 'login' | 'services' | 'phone' | 'other';

export type DesktopKind = 'cad' | 'ctios' | 'finesse' | 'unknown';

export interface ServiceDef {
  /** Stable id used in the analysis document, e.g. 'ldap-directory', 'licensing', 'cti'. */
  service: string;
  /** What a person calls it. */
  label: string;
  protocol: ProtocolName | 'opaque';
  phase: Phase;
  ports: number[];
  /** The desktop this service tells us about, when it is specific to one. */
  desktop?: DesktopKind;
  /** Expected time for a request to be answered (seconds); slower is a `timeout` finding. */
  replyTimeout?: number;
}

export interface PortProfile {
  name: string;
  description: string;
  services: ServiceDef[];
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Cisco Agent Desktop with Unified CCX (7.x–10.x). */
export const CAD_UCCX_PROFILE: PortProfile = {
  name: 'cad',
  description: 'Cisco Agent Desktop with Unified CCX',
  services: [
    { service: 'ldap-directory', label: 'CAD LDAP directory', protocol: 'ldap', phase: 'config', ports: [38983], desktop: 'cad', replyTimeout: 10 },
    { service: 'licensing', label: 'licensing service (LRM)', protocol: 'giop', phase: 'licensing', ports: [3000], desktop: 'cad', replyTimeout: 15 },
    { service: 'cad-service-3016', label: 'CAD service on 3016', protocol: 'giop', phase: 'services', ports: [3016], desktop: 'cad', replyTimeout: 15 },
    // 42027 is UCCX's documented default too, and UCCE's side A: the CTI OS/UCCE profile names it "CTI server".
    { service: 'cti', label: 'UCCX CTI server', protocol: 'ged188', phase: 'cti-session', ports: [12028], replyTimeout: 10 },
    {
      service: 'desktop-services',
      label: 'Cisco Desktop services',
      protocol: 'giop',
      phase: 'services',
      ports: [59000, 59002, 59003, 59004, 59010, 59011, 59020, 59021],
      desktop: 'cad',
      replyTimeout: 15,
    },
  ],
};

/** CTI OS desktops and CTI Server clients with UCCE. */
export const CTIOS_UCCE_PROFILE: PortProfile = {
  name: 'ctios',
  description: 'CTI OS desktop and CTI Server (GED-188) with UCCE',
  services: [
    { service: 'ctios', label: 'CTI OS server', protocol: 'ctios', phase: 'cti-session', ports: [42028], desktop: 'ctios', replyTimeout: 10 },
    // CTI Server side A and B, instances 0–3 (42027 + 40n / 43027 + 40n).
    {
      service: 'cti',
      label: 'CTI server',
      protocol: 'ged188',
      phase: 'cti-session',
      ports: [0, 1, 2, 3].flatMap((n) => [42027 + 40 * n, 43027 + 40 * n]),
      replyTimeout: 10,
    },
  ],
};

/** Finesse (browser desktop): only connection-level steps, the payload is TLS. */
export const FINESSE_PROFILE: PortProfile = {
  name: 'finesse',
  description: 'Cisco Finesse desktop',
  services: [
    { service: 'finesse', label: 'Finesse web desktop', protocol: 'tls', phase: 'cti-session', ports: [8445], desktop: 'finesse' },
    { service: 'finesse-notify', label: 'Finesse notifications (BOSH)', protocol: 'tls', phase: 'services', ports: [7443], desktop: 'finesse' },
  ],
};

/** Protocols every desktop leans on. */
export const COMMON_PROFILE: PortProfile = {
  name: 'common',
  description: 'DNS, phone signalling, TLS and directory ports',
  services: [
    { service: 'dns', label: 'DNS', protocol: 'dns', phase: 'dns', ports: [53], replyTimeout: 5 },
    // On UDP, 389 is connectionless LDAP (CLDAP).
    { service: 'ldap', label: 'LDAP directory', protocol: 'ldap', phase: 'config', ports: [389, 3268], replyTimeout: 10 },
    { service: 'sip', label: 'SIP', protocol: 'sip', phase: 'phone', ports: [5060], replyTimeout: 5 },
    { service: 'skinny', label: 'phone (SCCP)', protocol: 'skinny', phase: 'phone', ports: [2000] },
    // A secure softphone's signalling (Jabber, IP Communicator) is TLS: only its handshake reads, and a failed one is
    // the agent's phone's, not another program's (other-tls.ts).
    { service: 'sip-tls', label: 'SIP over TLS', protocol: 'tls', phase: 'phone', ports: [5061] },
    { service: 'skinny-tls', label: 'phone (SCCP over TLS)', protocol: 'tls', phase: 'phone', ports: [2443] },
    { service: 'tls', label: 'TLS', protocol: 'tls', phase: 'other', ports: [443, 636, 3269, 8443] },
  ],
};

/** A Windows PC's own name resolution and discovery: background to any login, never a step of one. */
export const WINDOWS_NAMES_PROFILE: PortProfile = {
  name: 'windows-names',
  description: 'NetBIOS name and datagram services, LLMNR, mDNS, SSDP',
  services: [
    { service: 'nbns', label: 'NetBIOS name service', protocol: 'nbns', phase: 'other', ports: [137] },
    { service: 'nbdgm', label: 'NetBIOS datagram service', protocol: 'nbdgm', phase: 'other', ports: [138] },
    { service: 'llmnr', label: 'LLMNR', protocol: 'llmnr', phase: 'other', ports: [5355] },
    { service: 'mdns', label: 'mDNS', protocol: 'mdns', phase: 'other', ports: [5353] },
    { service: 'ssdp', label: 'SSDP', protocol: 'ssdp', phase: 'other', ports: [1900] },
  ],
};

export const DEFAULT_PROFILES: PortProfile[] = [CAD_UCCX_PROFILE, CTIOS_UCCE_PROFILE, FINESSE_PROFILE, COMMON_PROFILE, WINDOWS_NAMES_PROFILE];

const LABEL_BY_SERVICE = new Map<string, string>();
/** By service and port: one service id ('cti') stands for UCCX's port and UCCE's sides alike. */
const LABEL_BY_SERVICE_PORT = new Map<string, string>();
for (const profile of DEFAULT_PROFILES) {
  for (const s of profile.services) {
    if (!LABEL_BY_SERVICE.has(s.service)) LABEL_BY_SERVICE.set(s.service, s.label);
    for (const port of s.ports) if (!LABEL_BY_SERVICE_PORT.has(`${s.service}:${port}`)) LABEL_BY_SERVICE_PORT.set(`${s.service}:${port}`, s.label);
  }
}

/** The default profiles' label of a service, on its server's port when given ("ip:port"); undefined for a service they lack. */
export function defaultServiceLabel(service: string, server?: string): string | undefined {
  const port = server ? server.slice(server.lastIndexOf(':') + 1) : undefined;
  return (port !== undefined ? LABEL_BY_SERVICE_PORT.get(`${service}:${port}`) : undefined) ?? LABEL_BY_SERVICE.get(service);
}

/** Where the dynamic (ephemeral) ports begin: Windows gives its clients' own ends 49152–65535. */
export const DYNAMIC_PORTS_FROM = 49152;

/**
 * True when a profile port may name the server of a flow whose handshake was not captured: always, but for a
 * port in the dynamic range facing one below it. A PC's own end of any connection can be 59004 (in the CAD
 * services' range) while the server's is, say, 5223; a desktop's own connection to a CAD service has its client
 * end in the dynamic range too.
 */
export function portCanNameServer(port: number, peerPort: number): boolean {
  return port < DYNAMIC_PORTS_FROM || peerPort >= DYNAMIC_PORTS_FROM;
}

/** How a flow's service was decided. */
export type DetectedBy = 'port' | 'content' | 'user';

/** The service a flow talks to, as the dispatcher decided it. */
export interface FlowClassification {
  flowId: number;
  service: string;
  label: string;
  protocol: ProtocolName | 'opaque' | 'unknown';
  phase: Phase;
  detectedBy: DetectedBy;
  desktop?: DesktopKind;
  replyTimeout?: number;
}

/** A port table built from profiles; later entries (user overrides) win over earlier ones. */
export class PortMap {
  private readonly byPort = new Map<number, ServiceDef & { detectedBy: DetectedBy }>();

  constructor(profiles: PortProfile[] = DEFAULT_PROFILES, overrides: ServiceDef[] = []) {
    for (const p of profiles) for (const s of p.services) for (const port of s.ports) this.byPort.set(port, { ...s, detectedBy: 'port' });
    for (const s of overrides) for (const port of s.ports) this.byPort.set(port, { ...s, detectedBy: 'user' });
  }

  lookup(port: number): (ServiceDef & { detectedBy: DetectedBy }) | undefined {
    return this.byPort.get(port);
  }

  has(port: number): boolean {
    return this.byPort.has(port);
  }
}

const PROTOCOLS: ReadonlySet<string> = new Set([...PROTOCOL_NAMES, 'opaque']);
const PHASE_OF: Record<ProtocolName | 'opaque', Phase> = {
  ldap: 'config',
  giop: 'services',
  ged188: 'cti-session',
  ctios: 'cti-session',
  dns: 'dns',
  sip: 'phone',
  skinny: 'phone',
  tls: 'other',
  nbns: 'other',
  nbdgm: 'other',
  llmnr: 'other',
  mdns: 'other',
  ssdp: 'other',
  opaque: 'other',
};

/**
 * Parses a `--port` option: `PORT[,PORT…|FROM-TO]=PROTOCOL[:SERVICE[:PHASE]]`,
 * e.g. `3016=giop:sync-service`, `12029=ged188:cti`, `3000=giop:licensing:licensing`.
 * Returns an error message instead of throwing so the CLI can name the bad option.
 */
export function parsePortOption(text: string): ServiceDef | string {
  const m = /^([\d,\-]+)=([a-z0-9]+)(?::([A-Za-z0-9_.\-]+))?(?::([a-z\-]+))?$/.exec(text.trim());
  if (!m) return `--port ${text}: expected PORT=PROTOCOL[:SERVICE[:PHASE]], e.g. 3016=giop:sync-service`;
  const ports: number[] = [];
  for (const part of m[1].split(',')) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!r) return `--port ${text}: bad port list '${m[1]}'`;
    const from = Number(r[1]);
    const to = r[2] ? Number(r[2]) : from;
    if (from < 1 || to > 65535 || to < from || to - from > 4096) return `--port ${text}: port range out of bounds`;
    for (const port of range(from, to)) ports.push(port);
  }
  const protocol = m[2];
  if (!PROTOCOLS.has(protocol)) return `--port ${text}: unknown protocol '${protocol}' (one of ${[...PROTOCOLS].join(', ')})`;
  const known = DEFAULT_PROFILES.flatMap((p) => p.services).find((s) => s.service === m[3]);
  const phase = (m[4] as Phase | undefined) ?? known?.phase ?? PHASE_OF[protocol as ProtocolName];
  const phases: Phase[] = ['dns', 'config', 'licensing', 'cti-session', 'login', 'services', 'phone', 'other'];
  if (!phases.includes(phase)) return `--port ${text}: unknown phase '${phase}' (one of ${phases.join(', ')})`;
  const service = m[3] ?? `${protocol}-${ports[0]}`;
  return {
    service,
    label: known?.label ?? service,
    protocol: protocol as ServiceDef['protocol'],
    phase,
    ports,
    desktop: known?.desktop,
    replyTimeout: known?.replyTimeout,
  };
}

/**
 * Reads a profile file's JSON text: `{ "name": "...", "services": [ { "service", "protocol", "ports", "phase"?, "label"? } ] }`.
 * (YAML users can convert with any YAML-to-JSON tool; keeping JSON avoids a parser dependency in the browser.)
 */
export function parseProfileJson(text: string, file = 'profile'): PortProfile | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `${file}: not valid JSON (${(e as Error).message})`;
  }
  const obj = data as { name?: unknown; description?: unknown; services?: unknown };
  if (!obj || typeof obj !== 'object' || !Array.isArray(obj.services)) return `${file}: expected an object with a "services" array`;
  const services: ServiceDef[] = [];
  for (const [i, s] of (obj.services as Record<string, unknown>[]).entries()) {
    const ports = Array.isArray(s.ports) ? (s.ports as unknown[]).map(Number) : [];
    if (typeof s.service !== 'string' || typeof s.protocol !== 'string' || ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
      return `${file}: services[${i}] needs "service" (text), "protocol" (text) and "ports" (numbers 1–65535)`;
    if (!PROTOCOLS.has(s.protocol)) return `${file}: services[${i}]: unknown protocol '${s.protocol}'`;
    services.push({
      service: s.service,
      label: typeof s.label === 'string' ? s.label : s.service,
      protocol: s.protocol as ServiceDef['protocol'],
      phase: (typeof s.phase === 'string' ? s.phase : PHASE_OF[s.protocol as ProtocolName]) as Phase,
      ports,
      desktop: typeof s.desktop === 'string' ? (s.desktop as DesktopKind) : undefined,
      replyTimeout: typeof s.replyTimeout === 'number' ? s.replyTimeout : undefined,
    });
  }
  return { name: typeof obj.name === 'string' ? obj.name : file, description: typeof obj.description === 'string' ? obj.description : '', services };
}
