/** The network layer: packets → link → IP → TCP/UDP → flows with ordered byte streams. */

export { createFlowTracker } from './flows.js';
export type { FlowTracker, FlowStats, FlowTrackerOptions } from './flows.js';
export { decodeLink, LinkLayer, LinkStatus, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './link.js';
export type { LinkStatusCode } from './link.js';
export {
  IpPacket,
  decodeIpv4,
  decodeIpv6,
  formatIpv4,
  formatIpv6,
  formatIpAddress,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
} from './ip.js';
export { FragmentReassembler } from './fragments.js';
export type { FragmentLimits, FragmentStats, ReassembledDatagram } from './fragments.js';
export { decodeIcmpError, IcmpError, icmpKindName, icmpCodeName } from './icmp.js';
export { TcpDirection } from './tcp-reassembly.js';
export type { StreamSink, ReassemblyLimits } from './tcp-reassembly.js';
