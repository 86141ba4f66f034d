/**
 * Payloads of a Windows PC's background traffic, for the synthetic captures: ARP, DHCP inform, NetBIOS
 * name-service and browser datagrams, LLMNR / mDNS / SSDP, the AD DC locator's CLDAP ping, and Kerberos
 * and SMB2 shaped enough to be what they are on the wire (ctiscope reads neither; their inner bytes are
 * random where the real ones are tickets or encrypted).
 */

import { encodeLdapSearchRequest, encodeLdapSearchResDone, encodeLdapSearchResEntry } from '../../decoders/ldap/encode.js';
import {
  BROWSER_COMMAND,
  MAILSLOT_BROWSE,
  NBDGM_FLAG_FIRST,
  NBDGM_PORT,
  NBDGM_TYPE,
  NBNS_FLAG_BROADCAST,
  NBNS_OPCODE,
  NBNS_TYPE,
  SMB_COM_TRANSACTION,
} from '../../decoders/netbios/constants.js';
import { encodeNetbiosName } from '../../decoders/netbios/names.js';
import { encodeDnsMessage, type DnsQuestionSpec, type DnsRecordSpec } from './dns.js';
import { ipv4ToNumber } from './packet.js';
import type { Rng } from './prng.js';
import { pushAll } from '../../array-loops.js';

const u16be = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const u16le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u32be = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const u32le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) & 0x7f);
const ipBytes = (ip: string): number[] => u32be(ipv4ToNumber(ip));

function randomBytes(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.int(0, 255));
  return out;
}

// ----------------------------------------------------------------------------------------------- ARP

export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** An Ethernet ARP request (broadcast) or reply, padded to the Ethernet minimum. */
export function arpFrame(op: 'request' | 'reply', senderMac: Uint8Array, senderIp: string, targetMac: Uint8Array, targetIp: string): Uint8Array {
  const dst = op === 'request' ? BROADCAST_MAC : targetMac;
  const body = [0, 1, 0x08, 0x00, 6, 4, 0, op === 'request' ? 1 : 2, ...senderMac, ...ipBytes(senderIp), ...(op === 'request' ? [0, 0, 0, 0, 0, 0] : targetMac), ...ipBytes(targetIp)];
  const frame = new Uint8Array(60);
  frame.set(dst, 0);
  frame.set(senderMac, 6);
  frame[12] = 0x08;
  frame[13] = 0x06;
  frame.set(body, 14);
  return frame;
}

// ---------------------------------------------------------------------------------------------- DHCP

const DHCP_MAGIC = [99, 130, 83, 99];
const DHCP = { inform: 8, ack: 5 } as const;

function bootp(op: 1 | 2, xid: number, ciaddr: string, mac: Uint8Array, options: number[]): Uint8Array {
  const out = [op, 1, 6, 0, ...u32be(xid), 0, 0, 0, 0, ...ipBytes(ciaddr), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...mac, ...new Array(10).fill(0)];
  for (let i = 0; i < 64 + 128; i++) out.push(0);
  pushAll(out, DHCP_MAGIC);
  pushAll(out, options);
  out.push(255);
  return Uint8Array.from(out);
}

const option = (code: number, data: number[]): number[] => [code, data.length, ...data];

/** DHCPINFORM: a configured Windows PC asking for its other options (WPAD, domain, DNS servers). */
export function dhcpInform(xid: number, ip: string, mac: Uint8Array, hostName: string): Uint8Array {
  return bootp(1, xid, ip, mac, [
    ...option(53, [DHCP.inform]),
    ...option(61, [1, ...mac]),
    ...option(12, ascii(hostName)),
    ...option(60, ascii('MSFT 5.0')),
    ...option(55, [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]),
  ]);
}

/** DHCPACK to an inform: no lease, the options only. */
export function dhcpAck(xid: number, ip: string, mac: Uint8Array, server: string, dns: string, router: string, domain: string): Uint8Array {
  return bootp(2, xid, ip, mac, [
    ...option(53, [DHCP.ack]),
    ...option(54, ipBytes(server)),
    ...option(1, [255, 255, 255, 0]),
    ...option(3, ipBytes(router)),
    ...option(6, ipBytes(dns)),
    ...option(15, ascii(domain)),
  ]);
}

// --------------------------------------------------------------------------------------------- NBNS

/** A broadcast name query (unanswered, usually: B-node resolution of a single-label name). */
export function nbnsQuery(id: number, name: string, suffix: number, broadcast = true): Uint8Array {
  const flags = (NBNS_OPCODE.query << 11) | 0x0100 | (broadcast ? NBNS_FLAG_BROADCAST : 0);
  return encodeDnsMessage({ id, flags, questions: [{ name: encodeNetbiosName(name, suffix), type: NBNS_TYPE.nb }] });
}

/** The owner's answer to a name query: one NB record with its address. */
export function nbnsQueryResponse(id: number, name: string, suffix: number, address: string, ttl = 300000): Uint8Array {
  const flags = 0x8000 | (NBNS_OPCODE.query << 11) | 0x0400 | 0x0100;
  return encodeDnsMessage({ id, flags, answers: [{ name: encodeNetbiosName(name, suffix), type: NBNS_TYPE.nb, ttl, data: Uint8Array.from([0, 0, ...ipBytes(address)]) }] });
}

/** A broadcast name registration (B-node: nobody objects, so nobody answers). */
export function nbnsRegistration(id: number, name: string, suffix: number, address: string, group = false): Uint8Array {
  const flags = (NBNS_OPCODE.registration << 11) | 0x0100 | NBNS_FLAG_BROADCAST;
  const wire = encodeNetbiosName(name, suffix);
  return encodeDnsMessage({
    id,
    flags,
    questions: [{ name: wire, type: NBNS_TYPE.nb }],
    additionals: [{ name: wire, type: NBNS_TYPE.nb, ttl: 300000, data: Uint8Array.from([group ? 0x80 : 0, 0, ...ipBytes(address)]) }],
  });
}

// -------------------------------------------------------------------------------------- browser datagram

/**
 * A NetBIOS direct_group datagram carrying a browser Host Announcement (a mailslot write to
 * \MAILSLOT\BROWSE), as Windows broadcasts it to its workgroup or domain name <1d>.
 */
export function browserHostAnnouncement(id: number, sourceIp: string, computer: string, domain: string, comment = ''): Uint8Array {
  const announce = [
    BROWSER_COMMAND.hostAnnouncement,
    1,
    ...u32le(720000),
    ...ascii(computer.toUpperCase().slice(0, 15)).concat(new Array(16).fill(0)).slice(0, 16),
    10,
    0,
    ...u32le(0x00051003),
    15,
    1,
    ...u16le(0xaa55),
    ...ascii(comment),
    0,
  ];
  const mailslot = [...ascii(MAILSLOT_BROWSE), 0];
  const words = 17;
  const dataOffset = 32 + 1 + 2 * words + 2 + mailslot.length;
  const smb = [
    0xff, 0x53, 0x4d, 0x42, SMB_COM_TRANSACTION, 0, 0, 0, 0, 0, 0, 0, ...new Array(8).fill(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    words,
    ...u16le(0), ...u16le(announce.length), ...u16le(0), ...u16le(0), 0, 0, ...u16le(0), ...u32le(0), ...u16le(0),
    ...u16le(0), ...u16le(dataOffset), ...u16le(announce.length), ...u16le(dataOffset), 3, 0,
    ...u16le(1), ...u16le(1), ...u16le(2),
    ...u16le(mailslot.length + announce.length),
    ...mailslot,
    ...announce,
  ];
  const names = [...encodeNetbiosName(computer, 0x20), ...encodeNetbiosName(domain, 0x1d)];
  const body = [...names, ...smb];
  return Uint8Array.from([NBDGM_TYPE.directGroup, NBDGM_FLAG_FIRST, ...u16be(id), ...ipBytes(sourceIp), ...u16be(NBDGM_PORT), ...u16be(body.length), ...u16be(0), ...body]);
}

// ------------------------------------------------------------------------------------- LLMNR, mDNS

/** An LLMNR query (RFC 4795): one question, no flags set. */
export function llmnrQuery(id: number, name: string, type: number): Uint8Array {
  return encodeDnsMessage({ id, flags: 0, questions: [{ name, type }] });
}

/** An mDNS query (id 0), its questions asking for unicast answers ("QU") when `unicast`. */
export function mdnsQuery(questions: { name: string; type: number }[], unicast = false): Uint8Array {
  const q: DnsQuestionSpec[] = questions.map((x) => ({ ...x, class: unicast ? 0x8001 : 1 }));
  return encodeDnsMessage({ id: 0, flags: 0, questions: q });
}

/** An unsolicited mDNS announcement (authoritative response, cache-flush records). */
export function mdnsAnnouncement(records: DnsRecordSpec[]): Uint8Array {
  return encodeDnsMessage({ id: 0, flags: 0x8400, answers: records.map((r) => ({ ...r, class: 0x8001 })) });
}

// --------------------------------------------------------------------------------------------- SSDP

const CRLF = '\r\n';

/** An SSDP M-SEARCH for `target`, as Windows' discovery services send it. */
export function ssdpMSearch(target: string, userAgent: string): Uint8Array {
  const text = ['M-SEARCH * HTTP/1.1', 'HOST: 239.255.255.250:1900', 'MAN: "ssdp:discover"', 'MX: 1', `ST: ${target}`, `USER-AGENT: ${userAgent}`, '', ''].join(CRLF);
  return Uint8Array.from(ascii(text));
}

/** A device's unicast answer to an M-SEARCH. */
export function ssdpSearchResponse(target: string, location: string, usn: string, server: string): Uint8Array {
  const text = ['HTTP/1.1 200 OK', 'CACHE-CONTROL: max-age=1800', 'EXT:', `LOCATION: ${location}`, `SERVER: ${server}`, `ST: ${target}`, `USN: ${usn}::${target}`, '', ''].join(CRLF);
  return Uint8Array.from(ascii(text));
}

// ---------------------------------------------------------------------------------------- CLDAP ping

/** The DC locator's CLDAP ping (MS-ADTS §6.3.3): a base search of the rootDSE for Netlogon. */
export function cldapPing(messageId: number, domain: string, host: string): Uint8Array {
  return encodeLdapSearchRequest({
    messageId,
    baseObject: '',
    scope: 'baseObject',
    filter: `(&(DnsDomain=${domain})(Host=${host})(NtVer=\\16\\00\\00\\00))`,
    attributes: ['Netlogon'],
  });
}

function dnsLabels(name: string): number[] {
  return [...name.split('.').flatMap((l) => [l.length, ...ascii(l)]), 0];
}

/** The DC's answer: a searchResEntry with a NETLOGON_SAM_LOGON_RESPONSE_EX and the searchResDone, in one datagram. */
export function cldapPingResponse(rng: Rng, messageId: number, domain: string, dcHost: string, netbiosDomain: string, dcNetbios: string, site: string): Uint8Array {
  const netlogon = Uint8Array.from([
    ...u16le(23),
    ...u16le(0),
    ...u32le(0x0003f3fd),
    ...randomBytes(rng, 16),
    ...dnsLabels(domain),
    ...dnsLabels(domain),
    ...dnsLabels(dcHost),
    ...dnsLabels(netbiosDomain),
    ...dnsLabels(dcNetbios),
    0,
    ...dnsLabels(site),
    ...dnsLabels(site),
    ...u32le(5),
    ...u16le(0xffff),
    ...u16le(0xffff),
  ]);
  const entry = encodeLdapSearchResEntry({ messageId, objectName: '', attributes: { netlogon: [netlogon] } });
  const done = encodeLdapSearchResDone({ messageId, resultCode: 0 });
  const out = new Uint8Array(entry.length + done.length);
  out.set(entry, 0);
  out.set(done, entry.length);
  return out;
}

// ----------------------------------------------------------------------------------------- Kerberos

/** A Kerberos message over TCP (RFC 4120 §7.2.2: a 4-byte length, then the DER message); pvno 5 and the type in the clear. */
export function kerberosTcp(rng: Rng, msgType: 10 | 11 | 12 | 13 | 30, size: number): Uint8Array {
  // [APPLICATION msgType] SEQUENCE { [1] pvno 5, [2] msg-type, … }; the rest stands for the ticket and encrypted parts.
  const fill = randomBytes(rng, Math.max(0, size - 18));
  const inner = [0xa1, 0x03, 0x02, 0x01, 0x05, 0xa2, 0x03, 0x02, 0x01, msgType, 0xa3, 0x82, ...u16be(fill.length), ...fill];
  const seq = [0x30, 0x82, ...u16be(inner.length), ...inner];
  const app = [0x60 | msgType, 0x82, ...u16be(seq.length), ...seq];
  return Uint8Array.from([...u32be(app.length), ...app]);
}

// ---------------------------------------------------------------------------------------------- SMB2

export const SMB2 = { negotiate: 0, sessionSetup: 1, treeConnect: 3, create: 5, close: 6, read: 8, ioctl: 0x0b } as const;

/**
 * One SMB2 message over direct TCP (445): the 4-byte session header, the 64-byte SMB2 header, then a body of
 * `bodySize` bytes (the command's StructureSize, then zeros: the fields are not what a reader of the sample looks at).
 */
export function smb2(rng: Rng, command: number, response: boolean, messageId: number, sessionId: number, treeId: number, bodySize: number, status = 0): Uint8Array {
  const header = [
    0xfe, 0x53, 0x4d, 0x42, ...u16le(64), ...u16le(1), ...u32le(status), ...u16le(command), ...u16le(response ? 1 : 31),
    ...u32le(response ? 1 : 0), ...u32le(0), ...u32le(messageId), ...u32le(0), ...u32le(0xfeff), ...u32le(treeId),
    ...u32le(sessionId), ...u32le(0), ...new Array(16).fill(0),
  ];
  const body = [...u16le(Math.min(bodySize, 0xffff) | 1), ...new Array(Math.max(0, bodySize - 2)).fill(0)];
  const msg = [...header, ...body];
  return Uint8Array.from([0, (msg.length >>> 16) & 0xff, (msg.length >>> 8) & 0xff, msg.length & 0xff, ...msg]);
}
