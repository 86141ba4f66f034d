/**
 * The background of a real Windows agent PC, for the synthetic captures: everything a capture taken on the PC
 * shows besides the contact-center desktop. Given the PC's address, a time window and a seed, it writes, at
 * the rates an idle domain-joined Windows 10/11 PC shows them:
 *
 * - link-local chatter: ARP (the gateway and neighbours asking, the PC answering), NetBIOS name queries
 *   (broadcast, three tries, unanswered but for one NAS) and name registrations, browser host announcements,
 *   LLMNR queries (two tries, unanswered), mDNS queries and a printer's announcement, SSDP M-SEARCH bursts and
 *   a device's answer, a DHCPINFORM and its ACK;
 * - name lookups: the DC locator's SRV lookup, web hosts (A and AAAA, some behind a CNAME), and the Windows
 *   suffix search of single-label names and WPAD (name.corp.example.com, then the devolved name.example.com:
 *   NXDOMAIN, as normal);
 * - the domain: CLDAP pings to two DCs, Kerberos TGS exchanges, an LDAP session on 389 (rootDSE, a SASL
 *   GSS-SPNEGO bind, a subtree search answered with continuation references, a noSuchObject with its matchedDN,
 *   a referral), an SMB2 session to SYSVOL;
 * - HTTPS to a dozen web hosts (TLS 1.3, with SNI), each right after its lookup;
 * - traffic that meets the desktop's ports by chance: an intranet wallboard on port 3000 (the CAD licensing port,
 *   a web app's default too) polled over HTTP, and a push channel the PC opened before the capture began, whose
 *   own end is 59004 (in the CAD services' range, as a Windows PC's ephemeral port can be).
 *
 * The frames come from their own SynthNet, so merged (`mergeCaptures`) into a scenario they change none of
 * the desktop's own bytes or timings. On a SPAN port (`vantage: 'span'`) only the PC's unicast traffic to the
 * site's servers is kept (DNS and the domain), as a port mirroring the server segment would see it.
 */

import { NBDGM_PORT, NBNS_PORT } from '../../decoders/netbios/constants.js';
import { encodeDnsMessage, DNS_TYPE, rdataA, rdataAaaa, rdataName, rdataSoa, rdataSrv, rdataTxt, type DnsRecordSpec } from './dns.js';
import { encodeUdpFrame, ipv4ToNumber, macForIp, type L3Endpoints } from './packet.js';
import { Rng } from './prng.js';
import { SynthNet, type SynthPacket, type Vantage } from './tcp.js';
import {
  tlsApplicationData,
  tlsClientFinished,
  tlsClientHello,
  tlsClientKeyExchange12,
  tlsEncryptedAlert,
  tlsServerFinished12,
  tlsServerHello12,
  tlsServerHello13,
  x509Certificate,
} from './tls.js';
import {
  arpFrame,
  browserHostAnnouncement,
  cldapPing,
  cldapPingResponse,
  dhcpAck,
  dhcpInform,
  kerberosTcp,
  llmnrQuery,
  mdnsAnnouncement,
  mdnsQuery,
  nbnsQuery,
  nbnsQueryResponse,
  nbnsRegistration,
  smb2,
  SMB2,
  ssdpMSearch,
  ssdpSearchResponse,
} from './windows-wire.js';
import {
  encodeLdapBindRequest,
  encodeLdapBindResponse,
  encodeLdapSearchRequest,
  encodeLdapSearchResDone,
  encodeLdapSearchResEntry,
  encodeLdapSearchResRef,
  encodeLdapUnbindRequest,
} from '../../decoders/ldap/encode.js';

/** The Active Directory site the agent PCs belong to (none of it is a contact-center server). */
export const WINDOWS_SITE = {
  domain: 'corp.example.com',
  /** What suffix devolution leaves of the primary DNS suffix. */
  devolved: 'example.com',
  netbiosDomain: 'CORP',
  adSite: 'Default-First-Site-Name',
  domainDn: 'DC=corp,DC=example,DC=com',
  dcs: [
    { ip: '10.1.0.10', name: 'dc01' },
    { ip: '10.1.0.11', name: 'dc02' },
  ],
  dhcp: '10.1.0.20',
  /** Hosts on the PC's own /24, by last octet. */
  lan: { gateway: 254, printer: 250, nas: 240, tv: 245, neighbours: [201, 202, 203, 205, 208, 212] },
  /** An intranet wallboard, a web app on port 3000. */
  wallboard: { ip: '10.1.0.30', name: 'wallboard.corp.example.com' },
  /** Single-label names users and old mappings make Windows look for (none exists but the NAS). */
  singleLabel: ['FILESRV01', 'PRINTSRV', 'SCANNER-3F', 'NAS01'],
} as const;

/** Web hosts a Windows PC with Edge, Office and Teams talks to; addresses from the documentation ranges. */
export const WEB_HOSTS: readonly { name: string; address: string; cname?: string }[] = [
  { name: 'www.msftconnecttest.com', address: '203.0.113.10', cname: 'www-msftconnecttest-com.s-0001.example.net' },
  { name: 'login.microsoftonline.com', address: '203.0.113.21', cname: 'login.mso.msidentity.example.net' },
  { name: 'outlook.office365.com', address: '203.0.113.32' },
  { name: 'teams.microsoft.com', address: '203.0.113.43', cname: 'teams-office-com.s-0005.example.net' },
  { name: 'settings-win.data.microsoft.com', address: '203.0.113.54' },
  { name: 'v10.events.data.microsoft.com', address: '203.0.113.65' },
  { name: 'ctldl.windowsupdate.com', address: '203.0.113.76', cname: 'ctldl.wu.example.net' },
  { name: 'ocsp.digicert.com', address: '198.51.100.17' },
  { name: 'www.google.com', address: '198.51.100.28' },
  { name: 'clients2.google.com', address: '198.51.100.39' },
  { name: 'update.googleapis.com', address: '198.51.100.50' },
  { name: 'fonts.gstatic.com', address: '198.51.100.61' },
  { name: 'edge.microsoft.com', address: '198.51.100.72', cname: 'edge-microsoft-com.dual-a-0036.example.net' },
  { name: 'nav.smartscreen.microsoft.com', address: '198.51.100.83' },
];

export interface WindowsNoiseOptions {
  /** The agent PC's IPv4 address (its /24 is the LAN). */
  host: string;
  /** The window, in seconds since the scenario's time 0; `from` may be negative (noise before the desktop starts). */
  from: number;
  to: number;
  seed: number;
  /** The site's DNS server (the one the desktop uses too). */
  dnsServer: string;
  /** The PC's computer name (NetBIOS and DNS). */
  pcName: string;
  /** Epoch seconds of the scenario's time 0 (its SynthNet's startTime). */
  startTime: number;
  vantage?: Vantage;
  /** UDP source ports the scenario already uses on this PC: the noise takes others. */
  busyPorts?: ReadonlySet<number>;
}

/** Seconds to the next event of a process with the given mean interval (exponential, so bursts and lulls). */
function gap(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

const MULTICAST = { llmnr: '224.0.0.252', mdns: '224.0.0.251', ssdp: '239.255.255.250' } as const;

/** Everything the noise writes, on its own net and clock (seconds since `from`). */
class Background {
  readonly net: SynthNet;
  private readonly ipId = new Map<string, number>();
  private readonly usedPorts = new Set<number>();
  private readonly lanPrefix: string;
  readonly end: number;

  constructor(
    readonly o: WindowsNoiseOptions,
    readonly rng: Rng,
  ) {
    this.net = new SynthNet({ seed: rng.nextUint32(), startTime: o.startTime + o.from, vantage: o.vantage ?? 'client' });
    this.lanPrefix = o.host.split('.').slice(0, 3).join('.');
    this.end = o.to - o.from;
    for (const p of o.busyPorts ?? []) this.usedPorts.add(p);
  }

  lan(octet: number): string {
    return `${this.lanPrefix}.${octet}`;
  }

  get span(): boolean {
    return this.net.vantage === 'span';
  }

  /** A fresh ephemeral UDP port of the PC, never one the scenario or the noise used before. */
  port(): number {
    for (;;) {
      const p = this.rng.int(49152, 65535);
      if (!this.usedPorts.has(p)) {
        this.usedPorts.add(p);
        return p;
      }
    }
  }

  private onLan(ip: string): boolean {
    return ip.startsWith(this.lanPrefix + '.');
  }

  /** The MAC a frame to or from `ip` carries on the LAN: broadcast, IPv4 multicast, the host's own, or the gateway's. */
  private macFor(ip: string): Uint8Array {
    const n = ipv4ToNumber(ip);
    if (ip.endsWith('.255')) return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    if (n >>> 28 === 0xe) return Uint8Array.of(0x01, 0x00, 0x5e, (n >>> 16) & 0x7f, (n >>> 8) & 0xff, n & 0xff);
    return macForIp(this.onLan(ip) ? n : ipv4ToNumber(this.lan(WINDOWS_SITE.lan.gateway)));
  }

  /** One UDP datagram at `t` (seconds since the window's start), with the MACs and TTL a real LAN gives it. */
  datagram(t: number, src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array, ttl?: number): void {
    if (t < 0 || t > this.end) return;
    const fromPc = src === this.o.host;
    const id = this.ipId.get(src) ?? this.rng.int(0, 0xffff);
    this.ipId.set(src, (id + 1) & 0xffff);
    // On the PC a frame it sends is seen as sent (full TTL, unpadded); anything else arrives padded, and on a
    // SPAN port beside the servers the PC's frames have crossed the router.
    const local = fromPc && !this.span;
    const ep: L3Endpoints = {
      srcMac: this.macFor(src),
      dstMac: this.macFor(dst),
      srcIp: ipv4ToNumber(src),
      dstIp: ipv4ToNumber(dst),
      ipId: id,
      ttl: ttl ?? (this.onLan(src) ? (local ? 128 : 126) : this.span ? 64 : 62),
      pad: !local,
    };
    this.net.push(Math.round(t * 1e6), encodeUdpFrame(ep, srcPort, dstPort, payload));
  }

  /** A TCP conversation on a clock of its own starting at `t`. */
  tcp(t: number, server: string, serverPort: number, rtt: number) {
    const clock = this.net.newClock(Math.max(0, t));
    return { clock, conv: this.net.tcp({ client: this.o.host, server, serverPort, clock, rtt }) };
  }

  frame(t: number, data: Uint8Array): void {
    if (t >= 0 && t <= this.end) this.net.push(Math.round(t * 1e6), data);
  }
}

// ------------------------------------------------------------------------------------------ link-local

function arp(b: Background, rng: Rng): void {
  const pcMac = macForIp(ipv4ToNumber(b.o.host));
  const gw = b.lan(WINDOWS_SITE.lan.gateway);
  const gwMac = macForIp(ipv4ToNumber(gw));
  // The PC resolves its gateway early on; the gateway answers at once.
  const t0 = rng.between(0.05, 0.6);
  b.frame(t0, arpFrame('request', pcMac, b.o.host, gwMac, gw));
  b.frame(t0 + 0.0004, arpFrame('reply', gwMac, gw, pcMac, b.o.host));
  // The gateway and neighbours ask for hosts of the LAN every few seconds; now and then for the PC.
  for (let t = gap(rng, 3); t < b.end; t += gap(rng, 4)) {
    const askerOctet = rng.next() < 0.5 ? WINDOWS_SITE.lan.gateway : WINDOWS_SITE.lan.neighbours[rng.int(0, WINDOWS_SITE.lan.neighbours.length - 1)];
    const asker = b.lan(askerOctet);
    const forPc = rng.next() < 0.2;
    const target = forPc ? b.o.host : b.lan(rng.int(2, 230));
    const askerMac = macForIp(ipv4ToNumber(asker));
    b.frame(t, arpFrame('request', askerMac, asker, pcMac, target));
    if (forPc) b.frame(t + 0.00015, arpFrame('reply', pcMac, b.o.host, askerMac, asker));
  }
}

/** A single-label lookup as Windows runs it: DNS with the suffix search, then LLMNR and NBNS at once. */
function singleLabelLookup(b: Background, rng: Rng, t: number, name: string): void {
  const s = WINDOWS_SITE;
  let at = t;
  for (const suffix of [s.domain, s.devolved]) at = dnsLookup(b, rng, at, `${name.toLowerCase()}.${suffix}`, 'A', { rcode: 3 }) + 0.002;
  if (b.span) return;
  const llmnrPort = b.port();
  const id = rng.int(1, 0xffff);
  for (const dt of [0, 0.41]) b.datagram(at + dt, b.o.host, llmnrPort, MULTICAST.llmnr, 5355, llmnrQuery(id, name.toLowerCase(), DNS_TYPE.A), 1);
  nbnsTries(b, rng, at + 0.001, name, 0x20, name === 'NAS01' ? b.lan(s.lan.nas) : undefined);
}

/** A broadcast NBNS name query, three tries 0.75 s apart; answered by `owner` when it holds the name. */
function nbnsTries(b: Background, rng: Rng, t: number, name: string, suffix: number, owner?: string, from = b.o.host): void {
  const id = rng.int(1, 0x7fff);
  const bcast = b.lan(255);
  if (owner) {
    b.datagram(t, from, NBNS_PORT, bcast, NBNS_PORT, nbnsQuery(id, name, suffix));
    b.datagram(t + rng.between(0.0005, 0.003), owner, NBNS_PORT, from, NBNS_PORT, nbnsQueryResponse(id, name, suffix, owner));
    return;
  }
  for (let k = 0; k < 3; k++) b.datagram(t + 0.75 * k + rng.between(0, 0.01), from, NBNS_PORT, bcast, NBNS_PORT, nbnsQuery(id, name, suffix));
}

function netbios(b: Background, rng: Rng): void {
  const s = WINDOWS_SITE;
  const bcast = b.lan(255);
  // The PC (re)registers its names once in the window: computer <00> and <20>, domain <00> (group).
  const tr = rng.between(0.1, 0.5) * b.end;
  const names: [string, number, boolean][] = [
    [b.o.pcName, 0x00, false],
    [s.netbiosDomain, 0x00, true],
    [b.o.pcName, 0x20, false],
  ];
  names.forEach(([name, suffix, group], i) => {
    const id = rng.int(1, 0x7fff);
    for (let k = 0; k < 3; k++) b.datagram(tr + 0.02 * i + 0.75 * k, b.o.host, NBNS_PORT, bcast, NBNS_PORT, nbnsRegistration(id, name, suffix, b.o.host, group));
  });
  // Neighbours look names up too.
  for (let t = gap(rng, 12); t < b.end; t += gap(rng, 20)) {
    const n = s.lan.neighbours[rng.int(0, s.lan.neighbours.length - 1)];
    nbnsTries(b, rng, t, s.singleLabel[rng.int(0, s.singleLabel.length - 1)], 0x20, undefined, b.lan(n));
  }
  // Browser announcements: the PC once, the neighbours now and then.
  const dgmId = (): number => rng.int(1, 0xffff);
  b.datagram(rng.between(0.2, 0.8) * b.end, b.o.host, NBDGM_PORT, bcast, NBDGM_PORT, browserHostAnnouncement(dgmId(), b.o.host, b.o.pcName, s.netbiosDomain));
  for (let t = gap(rng, 15); t < b.end; t += gap(rng, 30)) {
    const n = s.lan.neighbours[rng.int(0, s.lan.neighbours.length - 1)];
    const ip = b.lan(n);
    b.datagram(t, ip, NBDGM_PORT, bcast, NBDGM_PORT, browserHostAnnouncement(dgmId(), ip, `PC-${n}`, s.netbiosDomain));
  }
}

function mdns(b: Background, rng: Rng): void {
  const port = 5353;
  const printer = b.lan(WINDOWS_SITE.lan.printer);
  for (let t = gap(rng, 6); t < b.end; t += gap(rng, 25)) {
    const which = rng.int(0, 2);
    const q =
      which === 0
        ? [{ name: '_googlecast._tcp.local', type: DNS_TYPE.PTR }]
        : which === 1
          ? [{ name: `${b.o.pcName.toLowerCase()}.local`, type: DNS_TYPE.A }, { name: `${b.o.pcName.toLowerCase()}.local`, type: DNS_TYPE.AAAA }]
          : [{ name: '_spotify-connect._tcp.local', type: DNS_TYPE.PTR }];
    b.datagram(t, b.o.host, port, MULTICAST.mdns, port, mdnsQuery(q, which === 0), 255);
    if (which === 0) b.datagram(t + 1.02, b.o.host, port, MULTICAST.mdns, port, mdnsQuery(q, false), 255);
  }
  const instance = 'Printer 3F._ipp._tcp.local';
  const records: DnsRecordSpec[] = [
    { name: '_ipp._tcp.local', type: DNS_TYPE.PTR, ttl: 4500, data: rdataName(instance) },
    { name: instance, type: DNS_TYPE.SRV, ttl: 120, data: rdataSrv(0, 0, 631, 'printer-3f.local') },
    { name: instance, type: DNS_TYPE.TXT, ttl: 4500, data: rdataTxt(['txtvers=1', 'rp=ipp/print', 'ty=Office Printer']) },
    { name: 'printer-3f.local', type: DNS_TYPE.A, ttl: 120, data: rdataA(printer) },
  ];
  b.datagram(rng.between(0.1, 0.9) * b.end, printer, port, MULTICAST.mdns, port, mdnsAnnouncement(records), 255);
}

function ssdp(b: Background, rng: Rng): void {
  const ua = 'Microsoft-Windows/10.0 UPnP/1.0';
  const tv = b.lan(WINDOWS_SITE.lan.tv);
  let answered = false;
  for (let t = rng.between(1, 8); t < b.end; t += rng.between(60, 120)) {
    const port = b.port();
    const target = rng.next() < 0.5 ? 'urn:dial-multiscreen-org:service:dial:1' : 'upnp:rootdevice';
    for (let k = 0; k < 4; k++) b.datagram(t + k * rng.between(0.98, 1.03), b.o.host, port, MULTICAST.ssdp, 1900, ssdpMSearch(target, ua), 2);
    if (!answered) {
      answered = true;
      b.datagram(t + rng.between(0.05, 0.4), tv, 1900, b.o.host, port, ssdpSearchResponse(target, `http://${tv}:49153/dd.xml`, 'uuid:0b5c3e0a-1d7e-4f4b-9c55-2a0b6d4e7f31', 'Linux/4.9 UPnP/1.0 Smart TV/1.0'));
    }
  }
}

function dhcp(b: Background, rng: Rng): void {
  const t = rng.between(0.15, 0.85) * b.end;
  const xid = rng.nextUint32();
  const mac = macForIp(ipv4ToNumber(b.o.host));
  b.datagram(t, b.o.host, 68, '255.255.255.255', 67, dhcpInform(xid, b.o.host, mac, b.o.pcName));
  b.datagram(t + rng.between(0.002, 0.02), WINDOWS_SITE.dhcp, 67, b.o.host, 68, dhcpAck(xid, b.o.host, mac, WINDOWS_SITE.dhcp, b.o.dnsServer, b.lan(WINDOWS_SITE.lan.gateway), WINDOWS_SITE.domain));
}

// ------------------------------------------------------------------------------------------------ DNS

interface Answer {
  /** 3 for NXDOMAIN. */
  rcode?: number;
  answers?: DnsRecordSpec[];
  additionals?: DnsRecordSpec[];
}

/** One lookup from a fresh port: query, answer 1–25 ms later. Returns the time of the answer. */
function dnsLookup(b: Background, rng: Rng, t: number, name: string, type: keyof typeof DNS_TYPE, a: Answer): number {
  const port = b.port();
  const id = rng.int(1, 0xffff);
  const qtype = DNS_TYPE[type];
  const question = [{ name, type: qtype }];
  b.datagram(t, b.o.host, port, b.o.dnsServer, 53, encodeDnsMessage({ id, flags: 0x0100, questions: question }));
  const rcode = a.rcode ?? 0;
  const negative = rcode === 3 || (a.answers ?? []).length === 0;
  const zone = name.endsWith(WINDOWS_SITE.domain) ? WINDOWS_SITE.domain : name.split('.').slice(-2).join('.');
  const authorities: DnsRecordSpec[] = negative ? [{ name: zone, type: DNS_TYPE.SOA, ttl: 3600, data: rdataSoa(`ns1.${zone}`, `hostmaster.${zone}`, 2024031201, 3600) }] : [];
  const at = t + rng.between(0.001, 0.025);
  b.datagram(at, b.o.dnsServer, 53, b.o.host, port, encodeDnsMessage({ id, flags: 0x8180 | rcode, questions: question, answers: a.answers, authorities, additionals: a.additionals }), 63);
  return at;
}

/** A web host's A and AAAA lookups (CNAME chain when it has one); returns when the A answer came. */
function webLookup(b: Background, rng: Rng, t: number, h: (typeof WEB_HOSTS)[number]): number {
  const target = h.cname ?? h.name;
  const chain = (rr: DnsRecordSpec): DnsRecordSpec[] => (h.cname ? [{ name: h.name, type: DNS_TYPE.CNAME, ttl: 300, data: rdataName(h.cname) }, rr] : [rr]);
  const aAt = dnsLookup(b, rng, t, h.name, 'A', { answers: chain({ name: target, type: DNS_TYPE.A, ttl: rng.int(20, 300), data: rdataA(h.address) }) });
  const last = Number(h.address.split('.')[3]);
  const v6 = rng.next() < 0.6 ? [{ name: target, type: DNS_TYPE.AAAA, ttl: 300, data: rdataAaaa([0x2001, 0xdb8, 0x10, 0, 0, 0, 0, last]) }] : [];
  dnsLookup(b, rng, t + 0.0003, h.name, 'AAAA', { answers: v6.length ? chain(v6[0]) : [] });
  return aAt;
}

function dcLocator(b: Background, rng: Rng, t: number): number {
  const s = WINDOWS_SITE;
  const srv = `_ldap._tcp.${s.adSite}._sites.dc._msdcs.${s.domain}`;
  const dcFqdn = (name: string): string => `${name}.${s.domain}`;
  const answers = s.dcs.map((dc, i) => ({ name: srv, type: DNS_TYPE.SRV, ttl: 600, data: rdataSrv(0, 100 - i, 389, dcFqdn(dc.name)) }));
  const additionals = s.dcs.map((dc) => ({ name: dcFqdn(dc.name), type: DNS_TYPE.A, ttl: 3600, data: rdataA(dc.ip) }));
  return dnsLookup(b, rng, t, srv, 'SRV', { answers, additionals });
}

function lookups(b: Background, rng: Rng): void {
  const s = WINDOWS_SITE;
  // WPAD, with its suffix search, early and again later.
  for (const t of [rng.between(0.1, 0.9), rng.between(0.4, 0.9) * b.end]) {
    let at = t;
    for (const suffix of [s.domain, s.devolved]) at = dnsLookup(b, rng, at, `wpad.${suffix}`, 'A', { rcode: 3 }) + 0.001;
  }
  // Single-label names now and then.
  for (let t = gap(rng, 8); t < b.end; t += gap(rng, 22)) singleLabelLookup(b, rng, t, s.singleLabel[rng.int(0, s.singleLabel.length - 1)]);
}

// --------------------------------------------------------------------------------------------- domain

function cldap(b: Background, rng: Rng, t: number): void {
  const s = WINDOWS_SITE;
  s.dcs.forEach((dc, i) => {
    const port = b.port();
    const id = rng.int(1, 0x7fff);
    const at = t + 0.0005 * i;
    b.datagram(at, b.o.host, port, dc.ip, 389, cldapPing(id, s.domain, b.o.pcName));
    b.datagram(at + rng.between(0.0008, 0.004), dc.ip, 389, b.o.host, port, cldapPingResponse(rng, id, s.domain, `${dc.name}.${s.domain}`, s.netbiosDomain, dc.name.toUpperCase(), s.adSite), 126);
  });
}

function kerberos(b: Background, rng: Rng, t: number, dc: string): void {
  const { clock, conv } = b.tcp(t, dc, 88, rng.between(0.0005, 0.0015));
  conv.connect();
  conv.send('c2s', kerberosTcp(rng, 12, rng.int(1400, 1800)));
  conv.send('s2c', kerberosTcp(rng, 13, rng.int(1500, 1900)), { delay: rng.between(0.001, 0.004) });
  conv.close('c2s', { delay: 0.0002 });
  b.net.retireClock(clock);
}

function adLdap(b: Background, rng: Rng, t: number, dc: string): void {
  const s = WINDOWS_SITE;
  const pcDn = `CN=${b.o.pcName},OU=Workstations,${s.domainDn}`;
  const { clock, conv } = b.tcp(t, dc, 389, rng.between(0.0005, 0.0015));
  const srv = (): number => rng.between(0.0005, 0.004);
  conv.connect();
  let id = 1;
  // The rootDSE, anonymously.
  conv.send('c2s', encodeLdapSearchRequest({ messageId: id, baseObject: '', scope: 'baseObject', filter: '(objectClass=*)', attributes: ['defaultNamingContext', 'dnsHostName', 'supportedSASLMechanisms', 'supportedCapabilities'] }));
  conv.send('s2c', [
    encodeLdapSearchResEntry({ messageId: id, objectName: '', attributes: { defaultNamingContext: [s.domainDn], dnsHostName: [`${s.dcs[0].name}.${s.domain}`], supportedSASLMechanisms: ['GSSAPI', 'GSS-SPNEGO', 'EXTERNAL', 'DIGEST-MD5'] } }),
    encodeLdapSearchResDone({ messageId: id, resultCode: 0 }),
  ], { delay: srv(), coalesce: true });
  // SASL bind, GSS-SPNEGO with a Kerberos token; the DC answers with its own.
  id++;
  const token = Uint8Array.from({ length: rng.int(1500, 1700) }, () => rng.int(0, 255));
  conv.send('c2s', encodeLdapBindRequest({ messageId: id, name: '', sasl: { mechanism: 'GSS-SPNEGO', credentials: token } }), { delay: 0.0004 });
  conv.send('s2c', encodeLdapBindResponse({ messageId: id, resultCode: 0, serverSaslCreds: Uint8Array.from({ length: 160 }, () => rng.int(0, 255)) }), { delay: srv() });
  // The computer's own object: found, with continuation references to the application partitions.
  id++;
  conv.send('c2s', encodeLdapSearchRequest({ messageId: id, baseObject: s.domainDn, scope: 'wholeSubtree', filter: `(&(objectCategory=computer)(sAMAccountName=${b.o.pcName}$))`, attributes: ['distinguishedName', 'dNSHostName', 'userAccountControl'] }), { delay: 0.001 });
  conv.send('s2c', [
    encodeLdapSearchResEntry({ messageId: id, objectName: pcDn, attributes: { distinguishedName: [pcDn], dNSHostName: [`${b.o.pcName.toLowerCase()}.${s.domain}`], userAccountControl: ['4096'] } }),
    encodeLdapSearchResRef({ messageId: id, uris: [`ldap://ForestDnsZones.${s.domain}/DC=ForestDnsZones,${s.domainDn}`] }),
    encodeLdapSearchResRef({ messageId: id, uris: [`ldap://DomainDnsZones.${s.domain}/DC=DomainDnsZones,${s.domainDn}`] }),
    encodeLdapSearchResRef({ messageId: id, uris: [`ldap://${s.domain}/CN=Configuration,${s.domainDn}`] }),
    encodeLdapSearchResDone({ messageId: id, resultCode: 0 }),
  ], { delay: srv(), coalesce: true });
  // Group policy looks for a per-computer container that does not exist: noSuchObject with the matched DN.
  id++;
  conv.send('c2s', encodeLdapSearchRequest({ messageId: id, baseObject: `CN=Machine,CN=${b.o.pcName},OU=Workstations,${s.domainDn}`, scope: 'baseObject', filter: '(objectClass=*)', attributes: ['gPLink', 'gPOptions'] }), { delay: 0.0008 });
  conv.send('s2c', encodeLdapSearchResDone({ messageId: id, resultCode: 32, matchedDN: pcDn, diagnosticMessage: "0000208D: NameErr: DSID-03100288, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'" + pcDn + "'\n" }), { delay: srv() });
  // A base outside this domain: a referral to the parent.
  id++;
  conv.send('c2s', encodeLdapSearchRequest({ messageId: id, baseObject: 'DC=example,DC=com', scope: 'baseObject', filter: '(objectClass=*)', attributes: ['objectGUID'] }), { delay: 0.0008 });
  conv.send('s2c', encodeLdapSearchResDone({ messageId: id, resultCode: 10, referral: [`ldap://${s.devolved}/DC=example,DC=com`], diagnosticMessage: '0000202B: RefErr: DSID-0310082F, data 0, 1 access points' }), { delay: srv() });
  conv.send('c2s', encodeLdapUnbindRequest({ messageId: id + 1 }), { delay: 0.002 });
  conv.close('c2s', { delay: 0.0002 });
  b.net.retireClock(clock);
}

function smb(b: Background, rng: Rng, t: number, dc: string, closeBy: number): void {
  const { clock, conv } = b.tcp(t, dc, 445, rng.between(0.0005, 0.0015));
  conv.connect();
  const session = rng.nextUint32();
  let mid = 0;
  const ex = (command: number, req: number, res: number, tree = 0, status = 0): void => {
    conv.send('c2s', smb2(rng, command, false, mid, session, tree, req), { delay: rng.between(0.0002, 0.002) });
    conv.send('s2c', smb2(rng, command, true, mid, session, tree, res, status), { delay: rng.between(0.0003, 0.003) });
    mid++;
  };
  ex(SMB2.negotiate, 102, 200);
  ex(SMB2.sessionSetup, 1650, 300, 0, 0xc0000016);
  ex(SMB2.sessionSetup, 200, 180);
  ex(SMB2.treeConnect, 60, 16);
  ex(SMB2.ioctl, 160, 120, 1);
  ex(SMB2.treeConnect, 68, 16);
  ex(SMB2.create, 200, 150, 5);
  ex(SMB2.read, 48, rng.int(600, 3000), 5);
  ex(SMB2.close, 24, 60, 5);
  // The session stays idle, then Windows closes it.
  const idle = Math.min(closeBy - clock.now - 0.5, rng.between(8, 20));
  if (idle > 0) {
    clock.wait(idle);
    conv.close('c2s');
  }
  b.net.retireClock(clock);
}

// ---------------------------------------------------------------------------------------------- HTTPS

function https(b: Background, rng: Rng, t: number, h: (typeof WEB_HOSTS)[number]): void {
  const { clock, conv } = b.tcp(t, h.address, 443, rng.between(0.008, 0.04));
  conv.connect();
  conv.send('c2s', tlsClientHello(rng, h.name));
  conv.send('s2c', tlsServerHello13(rng, rng.int(2500, 4200)), { delay: rng.between(0.002, 0.01) });
  conv.send('c2s', [tlsClientFinished(rng), tlsApplicationData(rng, rng.int(300, 900))], { delay: 0.0005, coalesce: true });
  conv.send('s2c', tlsApplicationData(rng, rng.int(400, 6000)), { delay: rng.between(0.01, 0.08) });
  // Keep-alive: another request or two, then the browser closes it (or it outlives the capture).
  for (let k = rng.int(0, 2); k > 0 && clock.now + 3 < b.end; k--) {
    conv.send('c2s', tlsApplicationData(rng, rng.int(200, 700)), { delay: rng.between(0.5, 3) });
    conv.send('s2c', tlsApplicationData(rng, rng.int(200, 3000)), { delay: rng.between(0.01, 0.06) });
  }
  const linger = rng.between(2, 30);
  if (clock.now + linger < b.end - 0.5) {
    clock.wait(linger);
    conv.close('c2s');
  }
  b.net.retireClock(clock);
}

/**
 * Intranet web apps an agent keeps open (workforce management, the knowledge base, the HR portal), served over
 * TLS 1.2 only: their sessions end with the encrypted close_notify alerts TLS 1.3 no longer shows.
 */
export const INTRANET_HOSTS: readonly { name: string; address: string }[] = [
  { name: 'wfm.corp.example.com', address: '10.1.0.41' },
  { name: 'kb.corp.example.com', address: '10.1.0.42' },
  { name: 'hr.corp.example.com', address: '10.1.0.43' },
];
const INTRANET_CA = 'CORP Issuing CA 01';

/** A TLS 1.2 session to an intranet app: full handshake, a few requests, then close_notify both ways and FIN. */
function intranetHttps(b: Background, rng: Rng, t: number, h: (typeof INTRANET_HOSTS)[number]): void {
  const { clock, conv } = b.tcp(t, h.address, 443, rng.between(0.0005, 0.002));
  conv.connect();
  conv.send('c2s', tlsClientHello(rng, h.name));
  const chain = [x509Certificate(rng, h.name, INTRANET_CA, '230901000000Z', '270901000000Z'), x509Certificate(rng, INTRANET_CA, 'CORP Root CA', '200101000000Z', '300101000000Z')];
  conv.send('s2c', tlsServerHello12(rng, chain), { delay: rng.between(0.001, 0.004) });
  conv.send('c2s', tlsClientKeyExchange12(rng), { delay: rng.between(0.001, 0.003) });
  conv.send('s2c', tlsServerFinished12(rng), { delay: rng.between(0.001, 0.003) });
  for (let k = rng.int(1, 3); k > 0 && clock.now + 2 < b.end; k--) {
    conv.send('c2s', tlsApplicationData(rng, rng.int(300, 900)), { delay: rng.between(0.01, 1.5) });
    conv.send('s2c', tlsApplicationData(rng, rng.int(500, 8000)), { delay: rng.between(0.005, 0.05) });
  }
  // The browser closes the idle session: its close_notify, the server's, then FIN (or it outlives the capture).
  const linger = rng.between(1, 20);
  if (clock.now + linger < b.end - 0.5) {
    clock.wait(linger);
    conv.send('c2s', tlsEncryptedAlert(rng));
    conv.send('s2c', tlsEncryptedAlert(rng), { delay: rng.between(0.0005, 0.002) });
    conv.close('c2s');
  }
  b.net.retireClock(clock);
}

// ------------------------------------------------------------------------- the desktop's ports, by chance

const text = new TextEncoder();

/** The wallboard's queue figures, polled every ten seconds or so: a connection per poll (no keep-alive). */
function wallboard(b: Background, rng: Rng): void {
  const w = WINDOWS_SITE.wallboard;
  for (let t = rng.between(0.5, 5); t < b.end - 1; t += rng.between(8, 12)) {
    const { clock, conv } = b.tcp(t, w.ip, 3000, rng.between(0.0005, 0.002));
    conv.connect();
    conv.send('c2s', text.encode(`GET /api/ds/query?from=now-5m HTTP/1.1\r\nHost: ${w.name}:3000\r\nAccept: application/json\r\n\r\n`));
    const body = `{"results":{"A":{"frames":[{"queue":"Sales","waiting":${rng.int(0, 9)},"agents":${rng.int(3, 40)}}]}}}`;
    conv.send('s2c', text.encode(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`), {
      delay: rng.between(0.005, 0.03),
    });
    conv.close('c2s', { delay: 0.001 });
    b.net.retireClock(clock);
  }
}

/** The push service the PC keeps a channel to. */
const PUSH = { name: 'push.example.net', address: '203.0.113.87', port: 5223, clientPort: 59004 } as const;

/** The push channel, opened half a minute before the window: only its keep-alives fall in it, no handshake. */
function pushChannel(o: WindowsNoiseOptions, rng: Rng): SynthPacket[] {
  const lead = 30;
  const net = new SynthNet({ seed: rng.nextUint32(), startTime: o.startTime + o.from - lead, vantage: o.vantage ?? 'client' });
  const clock = net.newClock(0);
  const conv = net.tcp({ client: o.host, clientPort: PUSH.clientPort, server: PUSH.address, serverPort: PUSH.port, clock, rtt: rng.between(0.02, 0.05) });
  conv.connect();
  conv.send('c2s', tlsClientHello(rng, PUSH.name));
  conv.send('s2c', tlsServerHello13(rng, rng.int(2500, 4200)), { delay: rng.between(0.002, 0.01) });
  conv.send('c2s', [tlsClientFinished(rng), tlsApplicationData(rng, rng.int(100, 300))], { delay: 0.0005, coalesce: true });
  while (clock.now < lead + (o.to - o.from)) {
    conv.send('c2s', tlsApplicationData(rng, rng.int(20, 60)), { delay: rng.between(10, 20) });
    conv.send('s2c', tlsApplicationData(rng, rng.int(20, 60)), { delay: rng.between(0.02, 0.05) });
  }
  return net.collect();
}

// ---------------------------------------------------------------------------------------------- all

/** The background frames of one PC over the window, in time order (times in epoch seconds). */
export function windowsNoise(o: WindowsNoiseOptions): SynthPacket[] {
  const rng = new Rng(o.seed);
  const b = new Background(o, rng.fork(1));
  if (!b.span) {
    arp(b, rng.fork(2));
    netbios(b, rng.fork(3));
    mdns(b, rng.fork(4));
    ssdp(b, rng.fork(5));
    dhcp(b, rng.fork(6));
  }
  const dns = rng.fork(7);
  lookups(b, dns);
  // The domain: DC locator, CLDAP pings, Kerberos, LDAP, SMB, soon after the window opens (a logon or a GPO refresh).
  const ad = rng.fork(8);
  const dc = WINDOWS_SITE.dcs[0].ip;
  // The DC locator opens the window (a capture started while Windows logs on or refreshes its policy).
  const tAd = ad.between(0, 0.02);
  const located = dcLocator(b, ad, tAd);
  cldap(b, ad, located + 0.001);
  kerberos(b, ad, located + 0.01, dc);
  adLdap(b, ad, located + 0.03, dc);
  // On a SPAN port, the first exchanges only (forty PCs' file sessions would drown the sample).
  if (!b.span) {
    smb(b, ad, located + 0.2, dc, b.end);
    for (let t = located + gap(ad, 25); t < b.end - 1; t += gap(ad, 40)) kerberos(b, ad, t, WINDOWS_SITE.dcs[ad.int(0, 1)].ip);
  }
  // Web hosts, each looked up then fetched over HTTPS, spread over the window: about one every 5 s (a dozen or
  // more in a minute), at least three.
  const web = rng.fork(9);
  const count = Math.min(WEB_HOSTS.length, Math.max(3, Math.round(b.end / 5)));
  const first = web.int(0, WEB_HOSTS.length - 1);
  for (let k = 0; k < count; k++) {
    const h = WEB_HOSTS[(first + k) % WEB_HOSTS.length];
    const t = web.between(0, b.end - 1);
    const answered = webLookup(b, web, t, h);
    if (!b.span) https(b, web, answered + web.between(0.0005, 0.01), h);
  }
  // What the desktop's ports meet by chance, on the PC only (none of it crosses the servers' segment).
  if (!b.span) wallboard(b, rng.fork(10));
  const push = b.span ? undefined : rng.fork(11);
  // Drawn after every other part, so adding them left the rest of the background as it was.
  if (!b.span) {
    const intranet = rng.fork(12);
    for (const h of INTRANET_HOSTS) {
      const t = intranet.between(0, b.end - 1);
      intranetHttps(b, intranet, webLookup(b, intranet, t, h) + intranet.between(0.0005, 0.005), h);
    }
  }
  const packets = push === undefined ? b.net.collect() : mergeCaptures(b.net.collect(), pushChannel(o, push));
  return packets.filter((p) => p.time <= o.startTime + o.to && p.time >= o.startTime + o.from);
}

/** Two captures' frames as one, in time order; at equal times `a`'s frame comes first. */
export function mergeCaptures(a: SynthPacket[], b: SynthPacket[]): SynthPacket[] {
  const out: SynthPacket[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].time <= b[j].time)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
