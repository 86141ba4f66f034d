/**
 * ICMP and ICMPv6 error messages: their names, and the IP + transport header they quote, so the error
 * can be tied to the flow whose packet provoked it.
 */

import { decodeIpv4, decodeIpv6, IpPacket, IPPROTO_TCP, IPPROTO_UDP } from './ip.js';

const ICMP4_KINDS: Record<number, string> = {
  3: 'destination-unreachable',
  4: 'source-quench',
  5: 'redirect',
  11: 'time-exceeded',
  12: 'parameter-problem',
};

const ICMP4_CODES: Record<number, readonly string[]> = {
  3: [
    'net-unreachable',
    'host-unreachable',
    'protocol-unreachable',
    'port-unreachable',
    'fragmentation-needed',
    'source-route-failed',
    'destination-network-unknown',
    'destination-host-unknown',
    'source-host-isolated',
    'network-admin-prohibited',
    'host-admin-prohibited',
    'network-unreachable-for-tos',
    'host-unreachable-for-tos',
    'admin-prohibited',
    'host-precedence-violation',
    'precedence-cutoff',
  ],
  4: ['source-quench'],
  5: ['redirect-network', 'redirect-host', 'redirect-tos-network', 'redirect-tos-host'],
  11: ['ttl-exceeded', 'reassembly-time-exceeded'],
  12: ['pointer-indicates-error', 'missing-required-option', 'bad-length'],
};

const ICMP6_KINDS: Record<number, string> = {
  1: 'destination-unreachable',
  2: 'packet-too-big',
  3: 'time-exceeded',
  4: 'parameter-problem',
};

const ICMP6_CODES: Record<number, readonly string[]> = {
  1: [
    'no-route',
    'admin-prohibited',
    'beyond-scope-of-source',
    'address-unreachable',
    'port-unreachable',
    'source-address-failed-policy',
    'reject-route',
    'source-routing-header-error',
  ],
  2: ['packet-too-big'],
  3: ['hop-limit-exceeded', 'reassembly-time-exceeded'],
  4: ['erroneous-header-field', 'unrecognized-next-header', 'unrecognized-ipv6-option'],
};

/** Name of an ICMP (v4) or ICMPv6 error type, or undefined when the type is not an error that quotes a packet. */
export function icmpKindName(v6: boolean, type: number): string | undefined {
  return (v6 ? ICMP6_KINDS : ICMP4_KINDS)[type];
}

/** Name of an error code, e.g. 'port-unreachable'; `code-N` when the code is not assigned. */
export function icmpCodeName(v6: boolean, type: number, code: number): string {
  return (v6 ? ICMP6_CODES : ICMP4_CODES)[type]?.[code] ?? `code-${code}`;
}

/** Reused per ICMP error: what it says and which packet it quotes. */
export class IcmpError {
  v6 = false;
  type = 0;
  code = 0;
  kind = '';
  codeName = '';
  /** The quoted IP header (addresses as the original packet had them: src is its sender). */
  readonly quoted = new IpPacket();
  /** Transport ports of the quoted packet, when its first 4 transport bytes were quoted (TCP/UDP only). */
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
}

/**
 * Decodes an ICMP/ICMPv6 message at buf[offset, end). Returns true when it is an error message that quotes
 * an IP header (written into `out`); false for other messages (echo, neighbour discovery…) or bad bytes.
 */
export function decodeIcmpError(buf: Uint8Array, offset: number, end: number, v6: boolean, out: IcmpError): boolean {
  if (end - offset < 8) return false;
  const type = buf[offset];
  const kind = icmpKindName(v6, type);
  if (kind === undefined) return false;
  out.v6 = v6;
  out.type = type;
  out.code = buf[offset + 1];
  out.kind = kind;
  out.codeName = icmpCodeName(v6, type, out.code);
  out.hasPorts = false;
  // type(1) code(1) checksum(2) then 4 bytes (unused / MTU / pointer), then the quoted packet.
  const q = offset + 8;
  const ok = v6 ? decodeIpv6(buf, q, end, out.quoted) : decodeIpv4(buf, q, end, out.quoted);
  if (!ok) return false;
  const t = out.quoted;
  if ((t.protocol === IPPROTO_TCP || t.protocol === IPPROTO_UDP) && t.fragOffset === 0 && t.payloadEnd - t.payloadOffset >= 4) {
    const p = t.payloadOffset;
    out.srcPort = (buf[p] << 8) | buf[p + 1];
    out.dstPort = (buf[p + 2] << 8) | buf[p + 3];
    out.hasPorts = true;
  }
  return true;
}
