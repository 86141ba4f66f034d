/**
 * Frame encoders for synthetic captures: Ethernet II + IPv4 + TCP or UDP, with correct IPv4 header,
 * TCP and UDP checksums.
 */

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const ETH_HEADER = 14;
const IP_HEADER = 20;
const TCP_HEADER = 20;
const UDP_HEADER = 8;
/** Shortest Ethernet frame without FCS; a NIC pads shorter frames with zeros. */
const ETH_MIN_FRAME = 60;

/** Parses a dotted IPv4 address into a 32-bit unsigned number. Throws on anything else (addresses here are ours). */
export function ipv4ToNumber(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${text}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new RangeError(`not an IPv4 address: ${text}`);
    n = n * 256 + v;
  }
  return n;
}

/**
 * A MAC address derived from an IPv4 address: locally administered (02:…) followed by the four address bytes,
 * so a reader of the capture can tell the hosts apart at a glance.
 */
export function macForIp(ip: number): Uint8Array {
  return Uint8Array.of(0x02, 0x00, (ip >>> 24) & 0xff, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff);
}

/** Ones' complement sum of 16-bit words of bytes[from, to), added to `sum` (not folded). */
function sum16(bytes: Uint8Array, from: number, to: number, sum: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < to) sum += bytes[i] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

export interface L3Endpoints {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  ipId: number;
  ttl: number;
  /** Pad to the Ethernet minimum (frames received from the wire are padded, frames sent by the capturing host are not). */
  pad: boolean;
}

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** TCP options, already padded to a multiple of 4 bytes. */
  options?: Uint8Array;
  payload?: Uint8Array;
}

function writeEthIp(frame: Uint8Array, ep: L3Endpoints, protocol: number, ipTotal: number): void {
  frame.set(ep.dstMac, 0);
  frame.set(ep.srcMac, 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  const o = ETH_HEADER;
  frame[o] = 0x45;
  frame[o + 1] = 0;
  frame[o + 2] = ipTotal >>> 8;
  frame[o + 3] = ipTotal & 0xff;
  frame[o + 4] = (ep.ipId >>> 8) & 0xff;
  frame[o + 5] = ep.ipId & 0xff;
  frame[o + 6] = 0x40; // DF
  frame[o + 7] = 0;
  frame[o + 8] = ep.ttl;
  frame[o + 9] = protocol;
  frame[o + 10] = 0;
  frame[o + 11] = 0;
  frame[o + 12] = ep.srcIp >>> 24;
  frame[o + 13] = (ep.srcIp >>> 16) & 0xff;
  frame[o + 14] = (ep.srcIp >>> 8) & 0xff;
  frame[o + 15] = ep.srcIp & 0xff;
  frame[o + 16] = ep.dstIp >>> 24;
  frame[o + 17] = (ep.dstIp >>> 16) & 0xff;
  frame[o + 18] = (ep.dstIp >>> 8) & 0xff;
  frame[o + 19] = ep.dstIp & 0xff;
  const ck = ~fold(sum16(frame, o, o + IP_HEADER, 0)) & 0xffff;
  frame[o + 10] = ck >>> 8;
  frame[o + 11] = ck & 0xff;
}

/** Sum of the IPv4 pseudo-header used by TCP and UDP checksums. */
function pseudoHeaderSum(ep: L3Endpoints, protocol: number, l4Length: number): number {
  return (
    (ep.srcIp >>> 16) +
    (ep.srcIp & 0xffff) +
    (ep.dstIp >>> 16) +
    (ep.dstIp & 0xffff) +
    protocol +
    l4Length
  );
}

/** One Ethernet II + IPv4 + TCP frame. */
export function encodeTcpFrame(ep: L3Endpoints, tcp: TcpFields): Uint8Array {
  const optLen = tcp.options ? tcp.options.length : 0;
  const payLen = tcp.payload ? tcp.payload.length : 0;
  const tcpLen = TCP_HEADER + optLen + payLen;
  const ipTotal = IP_HEADER + tcpLen;
  const wireLen = ETH_HEADER + ipTotal;
  const frame = new Uint8Array(ep.pad && wireLen < ETH_MIN_FRAME ? ETH_MIN_FRAME : wireLen);
  writeEthIp(frame, ep, 6, ipTotal);
  const t = ETH_HEADER + IP_HEADER;
  frame[t] = tcp.srcPort >>> 8;
  frame[t + 1] = tcp.srcPort & 0xff;
  frame[t + 2] = tcp.dstPort >>> 8;
  frame[t + 3] = tcp.dstPort & 0xff;
  const seq = tcp.seq >>> 0;
  const ack = tcp.ack >>> 0;
  frame[t + 4] = seq >>> 24;
  frame[t + 5] = (seq >>> 16) & 0xff;
  frame[t + 6] = (seq >>> 8) & 0xff;
  frame[t + 7] = seq & 0xff;
  frame[t + 8] = ack >>> 24;
  frame[t + 9] = (ack >>> 16) & 0xff;
  frame[t + 10] = (ack >>> 8) & 0xff;
  frame[t + 11] = ack & 0xff;
  frame[t + 12] = ((TCP_HEADER + optLen) / 4) << 4;
  frame[t + 13] = tcp.flags;
  frame[t + 14] = tcp.window >>> 8;
  frame[t + 15] = tcp.window & 0xff;
  // checksum at t+16 stays 0 while summing; urgent pointer 0
  if (tcp.options) frame.set(tcp.options, t + TCP_HEADER);
  if (tcp.payload) frame.set(tcp.payload, t + TCP_HEADER + optLen);
  const ck = ~fold(sum16(frame, t, t + tcpLen, pseudoHeaderSum(ep, 6, tcpLen))) & 0xffff;
  frame[t + 16] = ck >>> 8;
  frame[t + 17] = ck & 0xff;
  return frame;
}

/** One Ethernet II + IPv4 + UDP frame. */
export function encodeUdpFrame(ep: L3Endpoints, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const udpLen = UDP_HEADER + payload.length;
  const ipTotal = IP_HEADER + udpLen;
  const wireLen = ETH_HEADER + ipTotal;
  const frame = new Uint8Array(ep.pad && wireLen < ETH_MIN_FRAME ? ETH_MIN_FRAME : wireLen);
  writeEthIp(frame, ep, 17, ipTotal);
  const u = ETH_HEADER + IP_HEADER;
  frame[u] = srcPort >>> 8;
  frame[u + 1] = srcPort & 0xff;
  frame[u + 2] = dstPort >>> 8;
  frame[u + 3] = dstPort & 0xff;
  frame[u + 4] = udpLen >>> 8;
  frame[u + 5] = udpLen & 0xff;
  frame.set(payload, u + UDP_HEADER);
  let ck = ~fold(sum16(frame, u, u + udpLen, pseudoHeaderSum(ep, 17, udpLen))) & 0xffff;
  if (ck === 0) ck = 0xffff; // 0 means "no checksum" in UDP over IPv4
  frame[u + 6] = ck >>> 8;
  frame[u + 7] = ck & 0xff;
  return frame;
}

/** SYN options: MSS, NOP, NOP, SACK permitted (no window scaling, so the window field is the window). */
export function synOptions(mss: number): Uint8Array {
  return Uint8Array.of(2, 4, mss >>> 8, mss & 0xff, 1, 1, 4, 2);
}
