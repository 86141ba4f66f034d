/**
 * Link layer: from a captured frame, find where the network layer starts and what it is.
 *
 * Called once per packet on the hot path, so it writes into a caller-owned LinkLayer struct instead of
 * returning a fresh object.
 */

import { LinkType } from '../../capture/types.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ outer tag some switches still emit. */
const ETHERTYPE_QINQ_OLD = 0x9100;

/** What decodeLink found. */
export const LinkStatus = {
  /** IPv4 starts at `offset`. */
  IPV4: 4,
  /** IPv6 starts at `offset`. */
  IPV6: 6,
  /** A known link type carrying something that is not IP (ARP, 802.3/LLC, LLDP…). */
  NOT_IP: 0,
  /** The link type is not one ctiscope decodes. */
  UNKNOWN_LINK: -1,
  /** The frame is too short for its own link header. */
  TRUNCATED: -2,
} as const;
export type LinkStatusCode = (typeof LinkStatus)[keyof typeof LinkStatus];

/** Reused per packet: the result of decodeLink. */
export class LinkLayer {
  status: LinkStatusCode = LinkStatus.NOT_IP;
  /** Offset of the network-layer header in the frame. */
  offset = 0;
  /** Ethertype (or the Ethertype equivalent of a loopback address family); 0 when there is none. */
  etherType = 0;
  /** Innermost VLAN ID (0 for a priority tag or no tag) and the number of tags crossed. */
  vlanId = 0;
  vlanDepth = 0;
}

/** Address families as BSD loopback headers carry them: AF_INET everywhere, AF_INET6 per OS. */
function addressFamilyToStatus(af: number): LinkStatusCode | undefined {
  switch (af) {
    case 2:
      return LinkStatus.IPV4;
    case 10: // Linux
    case 24: // OpenBSD, NetBSD
    case 28: // FreeBSD
    case 30: // macOS
      return LinkStatus.IPV6;
    default:
      return undefined;
  }
}

function etherTypeToStatus(t: number): LinkStatusCode {
  return t === ETHERTYPE_IPV4 ? LinkStatus.IPV4 : t === ETHERTYPE_IPV6 ? LinkStatus.IPV6 : LinkStatus.NOT_IP;
}

/** Follows an Ethertype through any number of 802.1Q / 802.1ad tags, starting at `typeOffset`; the frame ends at `len`. */
function decodeEtherType(data: Uint8Array, typeOffset: number, end: number, out: LinkLayer): LinkStatusCode {
  let pos = typeOffset;
  if (pos + 2 > end) return (out.status = LinkStatus.TRUNCATED);
  let t = (data[pos] << 8) | data[pos + 1];
  while (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD) {
    if (pos + 6 > end) return (out.status = LinkStatus.TRUNCATED);
    out.vlanId = ((data[pos + 2] << 8) | data[pos + 3]) & 0x0fff;
    out.vlanDepth++;
    pos += 4;
    t = (data[pos] << 8) | data[pos + 1];
  }
  out.offset = pos + 2;
  // Values up to 1500 are 802.3 lengths (an LLC frame follows), not Ethertypes.
  out.etherType = t > 1500 ? t : 0;
  return (out.status = etherTypeToStatus(t));
}

function fromIpVersionNibble(data: Uint8Array, offset: number, end: number, out: LinkLayer): LinkStatusCode {
  out.offset = offset;
  if (end <= offset) return (out.status = LinkStatus.TRUNCATED);
  const v = data[offset] >> 4;
  out.etherType = v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
  return (out.status = v === 4 ? LinkStatus.IPV4 : v === 6 ? LinkStatus.IPV6 : LinkStatus.NOT_IP);
}

function fromAddressFamily(status: LinkStatusCode | undefined, out: LinkLayer): LinkStatusCode {
  if (status === undefined) {
    out.etherType = 0;
    return (out.status = LinkStatus.NOT_IP);
  }
  out.etherType = status === LinkStatus.IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  return (out.status = status);
}

/**
 * Finds the network layer of one frame, the bytes from `start` to `end` of `data` (by default all of it: the
 * reader hands the buffer a packet lies in, to spare a view per packet). Returns (and stores in out.status) a
 * LinkStatus code; on IPV4 / IPV6, `out.offset` is where the IP header starts, in `data`.
 */
export function decodeLink(linkType: number, data: Uint8Array, out: LinkLayer, start = 0, end = data.length): LinkStatusCode {
  out.offset = start;
  out.etherType = 0;
  out.vlanId = 0;
  out.vlanDepth = 0;
  const len = end - start;
  const s = start;
  switch (linkType) {
    case LinkType.ETHERNET:
      // destination(6) source(6) type(2)
      return decodeEtherType(data, s + 12, end, out);
    case LinkType.LINUX_SLL:
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
      if (len < 16) return (out.status = LinkStatus.TRUNCATED);
      return decodeEtherType(data, s + 14, end, out);
    case LinkType.LINUX_SLL2:
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8)
      if (len < 20) return (out.status = LinkStatus.TRUNCATED);
      out.etherType = (data[s] << 8) | data[s + 1];
      out.offset = s + 20;
      return (out.status = etherTypeToStatus(out.etherType));
    case LinkType.RAW:
      return fromIpVersionNibble(data, s, end, out);
    case LinkType.IPV4:
      out.etherType = ETHERTYPE_IPV4;
      return (out.status = len > 0 ? LinkStatus.IPV4 : LinkStatus.TRUNCATED);
    case LinkType.IPV6:
      out.etherType = ETHERTYPE_IPV6;
      return (out.status = len > 0 ? LinkStatus.IPV6 : LinkStatus.TRUNCATED);
    case LinkType.NULL: {
      if (len < 4) return (out.status = LinkStatus.TRUNCATED);
      out.offset = s + 4;
      // Host byte order of the machine that captured, which the file does not say: try both.
      const le = data[s] | (data[s + 1] << 8) | (data[s + 2] << 16) | (data[s + 3] << 24);
      const be = (data[s] << 24) | (data[s + 1] << 16) | (data[s + 2] << 8) | data[s + 3];
      const byAf = addressFamilyToStatus(le) ?? addressFamilyToStatus(be);
      if (byAf !== undefined) return fromAddressFamily(byAf, out);
      // Some stacks put an Ethertype in the low 16 bits (seen as `0f 00 08 00`).
      const et = (data[s + 2] << 8) | data[s + 3];
      if (et === ETHERTYPE_IPV4 || et === ETHERTYPE_IPV6) {
        out.etherType = et;
        return (out.status = etherTypeToStatus(et));
      }
      return fromAddressFamily(undefined, out);
    }
    case LinkType.LOOP: {
      if (len < 4) return (out.status = LinkStatus.TRUNCATED);
      out.offset = s + 4;
      const be = (data[s] << 24) | (data[s + 1] << 16) | (data[s + 2] << 8) | data[s + 3];
      return fromAddressFamily(addressFamilyToStatus(be), out);
    }
    case LinkType.NON_PACKET:
      return (out.status = LinkStatus.NOT_IP);
    default:
      return (out.status = LinkStatus.UNKNOWN_LINK);
  }
}
