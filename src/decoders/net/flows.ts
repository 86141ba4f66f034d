/**
 * Packets → flows: the network layer's entry point.
 *
 * Each packet goes link layer → IP (fragments reassembled) → TCP/UDP, is matched to its flow by 5-tuple and
 * updates that flow's counters, handshake record and Zeek-style state; TCP payload is put back in order
 * (tcp-reassembly.ts) and handed to the flow's consumer. ICMP errors are tied to the flow they quote.
 *
 * The flow table is keyed by a numeric hash of the endpoints (no string per packet) with chaining through
 * the flows themselves. Flows that closed are finalised after a short linger, idle ones after idleTimeout
 * (both in capture time, checked at most once per second of it), so memory stays flat on long captures; a session
 * its consumer keeps while idle (a CTI session without heartbeats) waits, in a list of its own, for its close, the
 * budget or the capture's end.
 */

import type { CapturedPacket } from '../../capture/types.js';
import { ReaderPacket } from '../../capture/record-parser.js';
import type {
  ConnState,
  Direction,
  FlowConsumer,
  FlowConsumerFactory,
  FlowInfo,
  FlowRecord,
  IcmpErrorInfo,
  Transport,
} from '../types.js';
import { FragmentReassembler, type FragmentLimits, type FragmentStats } from './fragments.js';
import { decodeIcmpError, IcmpError } from './icmp.js';
import {
  decodeIpv4,
  decodeIpv6,
  formatIpAddress,
  IpPacket,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  skipIpv6ExtensionHeaders,
} from './ip.js';
import { decodeLink, LinkLayer, LinkStatus } from './link.js';
import { DuplicateFilter } from './duplicates.js';
import { TcpDirection, UNSEEN_ACK_SETTLE, type ReassemblyLimits, type SegmentStamp } from './tcp-reassembly.js';

/** IP packets looked at for copies of one another at the start, then in a window of every COPY_REPROBE. */
const COPY_FIRST = 20_000;
const COPY_WINDOW = 4_096;
const COPY_REPROBE = 65_536;

export interface FlowTrackerOptions {
  /** Creates the consumer of each new flow's payload (null: count only). */
  factory?: FlowConsumerFactory;
  /** Called once per flow when it is finalised (closed and lingered, idle, evicted, or at finish()). */
  onFlowEnd?(r: FlowRecord): void;
  /**
   * True for ports that identify a server (profile ports) on this transport, facing `peerPort`. Consulted when no
   * handshake says who is who.
   */
  isServerPort?(port: number, transport: Transport, peerPort: number): boolean;
  /** The first packet of a link type no decoder reads (its packets are counted, not read): once per link type. */
  onUnsupportedLink?(linkType: number, frame: number): void;
  /**
   * When both ports name a server and no handshake says who is who (a CTI client whose own port happens to be a
   * profile port, say 3000, talking to 42027): whether the first packet's payload is what a client of `dport` sends
   * (true) or what the server on `sport` sends (false); undefined when its content does not tell.
   */
  senderIsClientByContent?(payload: Uint8Array, sport: number, dport: number, transport: Transport): boolean | undefined;
  /** Seconds of capture time without a packet before a flow is finalised (default 300), unless its consumer keeps it while idle. */
  idleTimeout?: number;
  /**
   * Analyse copies of a packet captured twice (duplicates.ts) like any packet, as tshark counts them; by default
   * they are left out. `onCopy` is told of each one left out, and of the frame it copies.
   */
  keepCopies?: boolean;
  onCopy?(frame: number, of: number): void;
  /** Seconds of capture time a closed (FIN both ways, or RST) flow waits for stragglers (default 2). */
  closeLinger?: number;
  /**
   * The flow table's budget, in flows of bare accounting held at once (default 100 000: 26 to about 100 MB, by
   * kind). A flow counts 1, or its consumer's weight (a decoded flow several): beyond the budget the least
   * recently active flows are finalised early (FlowRecord.evictedAt), so a scan, a SPAN port or a server with more
   * flows than that stays in bounded memory.
   */
  maxFlows?: number;
  reassembly?: ReassemblyLimits;
  fragments?: FragmentLimits;
  /**
   * Sweeps (closed flows past the linger, idle flows) only when sweepAt() says, not on the packets' own
   * clock: a flow-hash shard of a parallel run sees some of the packets but must sweep when the whole
   * capture's clock would.
   */
  externalSweep?: boolean;
  /**
   * Told before a sweep or finish() ends a flow, with the flow's place in that order: `phase` 0 for a closed
   * flow (key: the frame that closed it), 1 for an idle one (key: its last frame), 2 at finish() (key: its
   * first frame). Shards of a parallel run use it to merge their flow ends in the single-threaded order.
   */
  onFlowEnding?(info: FlowInfo, phase: 0 | 1 | 2, key: number): void;
  /**
   * Makes a flow's FlowInfo and consumer only when the flow first carries payload, or when it ends (then with
   * its record as the FlowInfo): for a factory that needs nothing at a flow's start, as `flows`' classification
   * with no observer. A flow that never carries payload then holds neither, nor its endpoint texts, while open.
   */
  lazyConsumers?: boolean;
}

export interface FlowStats {
  /** Packets given to packet(). */
  packets: number;
  /** Packets with an IPv4 or IPv6 header that could be read. */
  ipPackets: number;
  /** Frames of a known link type that carry something other than IP (ARP, LLC, …). */
  nonIp: number;
  /** Packets per link type that ctiscope does not decode, keyed by LINKTYPE_* value. */
  unknownLinkTypes: Record<number, number>;
  /** Frames whose link, IP or transport header is cut or invalid. */
  malformed: number;
  /** Frames cut by the snaplen (caplen < origLen). */
  truncated: number;
  /** IP headers whose length claims more bytes than the frame holds. */
  ipLengthBeyondCapture: number;
  /** IP packets that are neither TCP, UDP nor an ICMP error (echo, IGMP, OSPF, …). */
  otherIp: number;
  fragments: FragmentStats;
  /** ICMP / ICMPv6 errors that quote a TCP or UDP packet; those quoting a flow not seen yet create it. */
  icmpErrors: number;
  /** Flows created, per transport. */
  tcpFlows: number;
  udpFlows: number;
  /** Flows finalised because they were idle for idleTimeout, or evicted by the maxFlows bound. */
  flowsExpired: number;
  flowsEvicted: number;
  /** Flows still open when finish() was called. */
  openAtEnd: number;
  /**
   * IP packets that were copies of one just before them (duplicates.ts), not analysed; the first copy's frame and
   * the frame it copies (0 when there was none).
   */
  duplicates: number;
  firstDuplicate: number;
  firstDuplicateOf: number;
}

export interface FlowTracker {
  packet(p: CapturedPacket): void;
  /** Ends every flow still held (open ones get openAtEnd = true) and returns the counters. */
  finish(): FlowStats;
  /** Flows currently held. */
  readonly activeFlows: number;
  readonly stats: FlowStats;
  /** With externalSweep: ends the closed and idle flows as a sweep at capture time `time` would. */
  sweepAt(time: number): void;
}

// TCP flags.
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** Endpoint states, after Zeek's TCP analyzer. */
const EP_INACTIVE = 0;
const EP_SYN_SENT = 1;
const EP_SYN_ACK_SENT = 2;
const EP_PARTIAL = 3;
const EP_ESTABLISHED = 4;
const EP_CLOSED = 5;
const EP_RESET = 6;

/** tshark's out-of-order window when the handshake's round trip is not known (its 3 ms default), in 0.1 ms. */
const OUT_OF_ORDER_WINDOW = 30;
/** Round trips are kept in 0.1 ms as small integers; longer ones (over 29 h) are cut to this. */
const MAX_RTT = 0x3fffffff;

/** History letters, one bit each per direction; upper case from the client. */
const HISTORY_LETTERS = 'SHADFRTGshadfrtg';
const H_SYN = 0;
const H_SYNACK = 1;
const H_ACK = 2;
const H_DATA = 3;
const H_FIN = 4;
const H_RST = 5;
const H_RETRANS = 6;
const H_GAP = 7;

/** Lists in a record that could grow without bound on a pathological flow are capped; counters are not. */
const MAX_LISTED_FRAMES = 32;
const MAX_ICMP_ERRORS_PER_FLOW = 64;

/** Flow-table buckets to start with (a power of two); doubled whenever flows outnumber them. */
const INITIAL_BUCKETS = 1024;

/**
 * One flow's accounting. What only TCP needs (handshake, teardown, reassembly) is in TcpFlow: a UDP flow, the
 * bulk of a scan or a SPAN port's name chatter, is held for up to maxFlows flows later and should stay small.
 */
class Flow {
  /** Hash-chain link and LRU / closing list links. */
  bucketNext: Flow | null = null;
  prev: Flow | null = null;
  next: Flow | null = null;
  closing = false;
  /** The consumer wants no more datagrams of this UDP flow (its data() said so): they are only counted. */
  muted = false;
  /** What the flow counts against the budget (its consumer's weight, as last read). */
  weight = 1;
  /** In the kept list (its consumer's keptWhileIdle): not ended for idleness. */
  kept = false;

  /** DEFERRED until made (lazyConsumers). */
  consumer: FlowConsumer | null = null;
  /** Made at the start; with lazyConsumers when the consumer is, or never (the record makes its own texts). */
  info: FlowInfo | null = null;
  pktC2s = 0;
  pktS2c = 0;
  bytesC2s = 0;
  bytesS2c = 0;
  // Initialised here, not only in the constructor: a class field declared without a value starts as
  // undefined, and a field that once held undefined boxes every time stored into it (an allocation per packet).
  lastFrame = 0;
  lastTime = 0;
  // Stays null until used: most flows never need it, and 100k open flows should stay small.
  icmpErrors: IcmpErrorInfo[] | null = null;

  constructor(
    readonly key: number,
    /** Transport protocol and IP version together (kindOf): one comparison in the lookup. */
    readonly kind: number,
    /**
     * The client's and the server's address, their first 32 bits (all of an IPv4 address). Swapped only while
     * roleBy is 'pending' (swapRoles).
     */
    public c0: number,
    public cPort: number,
    public s0: number,
    public sPort: number,
    /** The rest of both addresses of an IPv6 flow; null for IPv4 (most flows: six fewer fields each). */
    public v6: Ipv6Rest | null,
    readonly id: number,
    /** 'pending': both ports name a server and nothing said who is who yet; the first payload may (settleRoles). */
    public roleBy: FlowInfo['roleBy'] | 'pending',
    readonly firstFrame: number,
    readonly start: number,
  ) {
    this.lastFrame = firstFrame;
    this.lastTime = start;
  }

  get isTcp(): boolean {
    return this.kind >> 3 === IPPROTO_TCP;
  }

  get version(): 4 | 6 {
    return this.v6 === null ? 4 : 6;
  }
}

function kindOf(proto: number, version: 4 | 6): number {
  return proto * 8 + version;
}

/** Words 1 to 3 of an IPv6 flow's client and server addresses. */
class Ipv6Rest {
  constructor(
    readonly c1: number,
    readonly c2: number,
    readonly c3: number,
    readonly s1: number,
    readonly s2: number,
    readonly s3: number,
  ) {}

  /** Whether the packet's words 1 to 3 are those of a packet from the client to the server. */
  forward(ip: IpPacket): boolean {
    return this.c1 === ip.src1 && this.s1 === ip.dst1 && this.c2 === ip.src2 && this.s2 === ip.dst2 && this.c3 === ip.src3 && this.s3 === ip.dst3;
  }

  /** Whether they are those of a packet from the server to the client. */
  reverse(ip: IpPacket): boolean {
    return this.c1 === ip.dst1 && this.s1 === ip.src1 && this.c2 === ip.dst2 && this.s2 === ip.src2 && this.c3 === ip.dst3 && this.s3 === ip.src3;
  }
}

function clientIpText(f: Flow): string {
  const r = f.v6;
  return r === null ? ipText(4, f.c0, 0, 0, 0) : ipText(6, f.c0, r.c1, r.c2, r.c3);
}

function serverIpText(f: Flow): string {
  const r = f.v6;
  return r === null ? ipText(4, f.s0, 0, 0, 0) : ipText(6, f.s0, r.s1, r.s2, r.s3);
}

/** A TCP flow: the handshake and teardown record, Zeek-style state and history, and both directions' reassembly. */
class TcpFlow extends Flow {
  closeTime = 0;
  /** Frame that started the closing (orders the closing list). */
  closeFrame = 0;
  /** Bits 0-15: the history letters seen (mark); LAST_IS_CLIENT_DATA: what the flow's last packet was. */
  historyBits = 0;
  history = '';
  cState = EP_INACTIVE;
  sState = EP_INACTIVE;
  syns = 0;
  firstSynTime = 0;
  lastSynTime = 0;
  // Lists stay null until used.
  synFrames: number[] | null = null;
  synAckFrame = 0;
  /** The first RST's frame, negative when the server sent it (one field for both: 10,000s of flows stay small). */
  rstAt = 0;
  /**
   * The handshake's round trip in 0.1 ms, the units TcpDirection.segment() takes its out-of-order window in (first
   * packet to the client's ACK of the SYN-ACK, as tshark's initial RTT); 0 when not seen. Bytes repeated within it of
   * the segment that last brought new ones are out of order, not retransmitted.
   */
  firstRtt = 0;
  /** When the client's ACK completed the handshake (the time firstRtt was taken, which says whether it was). */
  establishedAt = 0;
  finFrames: number[] | null = null;
  retransmissions = 0;
  c2s: TcpDirection | null = null;
  s2c: TcpDirection | null = null;
}

/**
 * A segment whose ACK covers bytes of the peer the capture has not shown yet (a reply captured before its request):
 * delivered once they come, so that a decoder reads the request before its reply.
 */
interface HeldBackSegment {
  c2s: boolean;
  seq: number;
  syn: boolean;
  fin: boolean;
  data: Uint8Array;
  missing: number;
  frame: number;
  time: number;
  ack: number;
}

/** Segments a flow holds back at most, in all, before it stops waiting for the peer's bytes. */
const MAX_HELD_BACK = 64;

/** tshark's out-of-order window for the flow's segments: the handshake's round trip, else 3 ms (0.1 ms units). */
function outOfOrderWindow(f: TcpFlow): number {
  return f.firstRtt !== 0 ? f.firstRtt : OUT_OF_ORDER_WINDOW;
}

/**
 * A TCP stack sends unacknowledged data again within this long: RFC 6298's initial retransmission timeout is 1 s,
 * and once a round trip is measured Linux waits at least 200 ms, Windows 300 ms.
 */
const RETRANSMIT_DUE = 3;

/**
 * In TcpFlow.historyBits, past the letters' 16 (a field of its own would cost every flow 4 bytes): the flow's last
 * packet is the client's and brought new data (not repeated, no FIN or RST).
 */
const LAST_IS_CLIENT_DATA = 1 << 16;

/**
 * FlowRecord.serverLostAfter: the frame of the client's data that ends the flow, when nothing of the server
 * acknowledged it yet the client never sent it again while the capture went on for RETRANSMIT_DUE or more (`now` is
 * the capture's time). Its stack had the server's ACK: the capture lost it, and what the server sent with it.
 */
function serverLostAfter(f: TcpFlow, now: number): number | undefined {
  return f.historyBits & LAST_IS_CLIENT_DATA && f.icmpErrors === null && f.pktS2c > 0 && now - f.lastTime >= RETRANSMIT_DUE ? f.lastFrame : undefined;
}

/** How the roles were chosen, as FlowInfo says it: roles still to be settled by content were chosen by the ports. */
function publicRoleBy(f: Flow): FlowInfo['roleBy'] {
  return f.roleBy === 'pending' ? 'port' : f.roleBy;
}

/** Client becomes server and server client, with every per-direction count and state (settleRoles). */
function swapRoles(f: TcpFlow): void {
  const c0 = f.c0;
  const cPort = f.cPort;
  f.c0 = f.s0;
  f.cPort = f.sPort;
  f.s0 = c0;
  f.sPort = cPort;
  const r = f.v6;
  if (r !== null) f.v6 = new Ipv6Rest(r.s1, r.s2, r.s3, r.c1, r.c2, r.c3);
  const pkt = f.pktC2s;
  f.pktC2s = f.pktS2c;
  f.pktS2c = pkt;
  const bytes = f.bytesC2s;
  f.bytesC2s = f.bytesS2c;
  f.bytesS2c = bytes;
  const dir = f.c2s;
  f.c2s = f.s2c;
  f.s2c = dir;
  if (f.c2s !== null) f.c2s.dir = 'c2s';
  if (f.s2c !== null) f.s2c.dir = 's2c';
  const state = f.cState;
  f.cState = f.sState;
  f.sState = state;
  // History: the client's letters are upper case and in the low 8 bits, the server's lower case and in the high.
  f.historyBits = ((f.historyBits & 0xff) << 8) | ((f.historyBits >> 8) & 0xff);
  let h = '';
  for (const ch of f.history) h += ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase();
  f.history = h;
  f.rstAt = -f.rstAt;
}

/** Stands for a consumer not made yet (lazyConsumers); never called. */
const DEFERRED: FlowConsumer = {
  data() {},
  gap() {},
  end() {},
};

/** Mixes one endpoint (address words and port) into 32 bits. */
function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ w1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ w2, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ w3, 0x165667b1);
  h = Math.imul(h ^ (h >>> 13) ^ port, 0x2c1b3c6d);
  return h ^ (h >>> 16);
}

/**
 * Address and endpoint texts of recent IPv4 flows, direct-mapped by a hash: the many flows of a scan or of a busy
 * server share one string for the address and the endpoint they have in common instead of holding a copy each.
 */
const TEXT_CACHE_SLOTS = 1024;
const ipCacheKeys = new Float64Array(TEXT_CACHE_SLOTS).fill(-1);
const ipCacheTexts: string[] = new Array<string>(TEXT_CACHE_SLOTS).fill('');
const endpointCacheKeys = new Float64Array(TEXT_CACHE_SLOTS).fill(-1);
const endpointCacheTexts: string[] = new Array<string>(TEXT_CACHE_SLOTS).fill('');

function ipText(v: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  if (v === 6) return formatIpAddress(v, w0, w1, w2, w3);
  const key = w0 >>> 0;
  const slot = Math.imul(key, 0x9e3779b1) >>> 22;
  if (ipCacheKeys[slot] === key) return ipCacheTexts[slot];
  const text = formatIpAddress(v, w0, w1, w2, w3);
  ipCacheKeys[slot] = key;
  ipCacheTexts[slot] = text;
  return text;
}

function endpointText(v: 4 | 6, w0: number, ip: string, port: number): string {
  if (v === 6) return formatEndpoint(v, ip, port);
  const key = (w0 >>> 0) * 65536 + port;
  const slot = (Math.imul(w0 >>> 0, 0x9e3779b1) ^ Math.imul(port, 0x85ebca6b)) >>> 22;
  if (endpointCacheKeys[slot] === key) return endpointCacheTexts[slot];
  const text = formatEndpoint(v, ip, port);
  endpointCacheKeys[slot] = key;
  endpointCacheTexts[slot] = text;
  return text;
}

/**
 * "ip:port" as one flat string: join() makes a flat copy where concatenation would keep a rope of the parts
 * (two more strings per endpoint held for the flow's life).
 */
function formatEndpoint(version: 4 | 6, ip: string, port: number): string {
  return version === 6 ? ['[', ip, ']:', port].join('') : [ip, ':', port].join('');
}

/** Zeek's conn_state, from the two endpoint states and whether any payload was seen. */
function connState(os: number, rs: number, anyPayload: boolean): ConnState {
  const oInactive = os === EP_INACTIVE || os === EP_PARTIAL;
  const rInactive = rs === EP_INACTIVE || rs === EP_PARTIAL;
  if (rs === EP_RESET) {
    if (os === EP_SYN_SENT || os === EP_SYN_ACK_SENT || (os === EP_RESET && !anyPayload)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === EP_RESET) return rInactive ? 'RSTOS0' : 'RSTO';
  if (os === EP_CLOSED && rs === EP_CLOSED) return 'SF';
  if (os === EP_CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === EP_CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === EP_SYN_SENT && rs === EP_INACTIVE) return 'S0';
  if (os === EP_ESTABLISHED && rs === EP_ESTABLISHED) return 'S1';
  return 'OTH';
}

/** Next endpoint state of the sender of a segment with `flags`. */
function nextEndpointState(state: number, flags: number): number {
  if (flags & RST) return EP_RESET;
  if (state === EP_RESET) return state;
  if (flags & SYN) {
    if (flags & ACK) return state === EP_INACTIVE || state === EP_SYN_SENT || state === EP_PARTIAL ? EP_SYN_ACK_SENT : state;
    return state === EP_INACTIVE || state === EP_PARTIAL ? EP_SYN_SENT : state;
  }
  if (flags & FIN) return EP_CLOSED;
  if (state === EP_INACTIVE) return EP_PARTIAL;
  return state;
}

export function createFlowTracker(opts: FlowTrackerOptions = {}): FlowTracker {
  return new FlowTrackerImpl(opts);
}

class FlowTrackerImpl implements FlowTracker {
  readonly stats: FlowStats;
  /**
   * Hash buckets (chained through Flow.bucketNext), indexed by key & mask: an array, not a Map, because the
   * 32-bit keys are not small integers and would be boxed on every lookup.
   */
  private buckets: Array<Flow | null> = new Array<Flow | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  private count = 0;
  /** Sum of the held flows' weights, against maxFlows. */
  private weight = 0;
  /** Active flows, least recently active first. */
  private lruHead: Flow | null = null;
  private lruTail: Flow | null = null;
  /** Active flows kept while idle (Flow.kept), least recently active first: evicted after every other, never expired. */
  private keptHead: Flow | null = null;
  private keptTail: Flow | null = null;
  /** Closed flows waiting out the linger. */
  private closingHead: TcpFlow | null = null;
  private closingTail: TcpFlow | null = null;
  private now = -Infinity;
  private lastSweep = -Infinity;
  private nextTcpId = 0;
  private nextUdpId = 0;
  private readonly link = new LinkLayer();
  private readonly ip = new IpPacket();
  private readonly copies: DuplicateFilter | undefined;
  /** IP packets still to look at for copies in the present window (COPY_FIRST at the start). */
  private copyProbe = COPY_FIRST;
  private readonly onCopy: ((frame: number, of: number) => void) | undefined;
  private readonly icmp = new IcmpError();
  private readonly fragments: FragmentReassembler;
  private readonly idleTimeout: number;
  private readonly closeLinger: number;
  private readonly maxFlows: number;
  private readonly factory: FlowConsumerFactory | undefined;
  private readonly onFlowEnd: ((r: FlowRecord) => void) | undefined;
  private readonly isServerPort: ((port: number, transport: Transport, peerPort: number) => boolean) | undefined;
  private readonly senderIsClientByContent: FlowTrackerOptions['senderIsClientByContent'];
  private readonly onUnsupportedLink: FlowTrackerOptions['onUnsupportedLink'];
  private readonly reassemblyLimits: ReassemblyLimits;
  private readonly externalSweep: boolean;
  private readonly onFlowEnding: FlowTrackerOptions['onFlowEnding'];
  private readonly lazyConsumers: boolean;
  /**
   * Segments held back until the peer's bytes they acknowledge are seen (holdBack), by flow: a map beside the flows,
   * not a field of each, as nearly no flow ever needs it.
   */
  private readonly heldBack = new Map<TcpFlow, HeldBackSegment[]>();
  /** The packet's segment, where and when, reused for every TCP packet (SegmentStamp says why). */
  private readonly segmentAt: SegmentStamp = { seq: 0, frame: 0, time: 0 };

  constructor(opts: FlowTrackerOptions) {
    this.externalSweep = opts.externalSweep ?? false;
    this.onFlowEnding = opts.onFlowEnding;
    this.lazyConsumers = opts.lazyConsumers ?? false;
    this.factory = opts.factory;
    this.onFlowEnd = opts.onFlowEnd;
    this.isServerPort = opts.isServerPort;
    this.senderIsClientByContent = opts.senderIsClientByContent;
    this.onUnsupportedLink = opts.onUnsupportedLink;
    this.idleTimeout = opts.idleTimeout ?? 300;
    this.copies = opts.keepCopies ? undefined : new DuplicateFilter();
    this.onCopy = opts.onCopy;
    this.closeLinger = opts.closeLinger ?? 2;
    this.maxFlows = opts.maxFlows ?? 100_000;
    this.reassemblyLimits = opts.reassembly ?? {};
    this.fragments = new FragmentReassembler(opts.fragments);
    this.stats = {
      packets: 0,
      ipPackets: 0,
      nonIp: 0,
      unknownLinkTypes: {},
      malformed: 0,
      truncated: 0,
      ipLengthBeyondCapture: 0,
      otherIp: 0,
      fragments: this.fragments.stats,
      icmpErrors: 0,
      tcpFlows: 0,
      udpFlows: 0,
      flowsExpired: 0,
      flowsEvicted: 0,
      openAtEnd: 0,
      duplicates: 0,
      firstDuplicate: 0,
      firstDuplicateOf: 0,
    };
  }

  get activeFlows(): number {
    return this.count;
  }

  packet(p: CapturedPacket): void {
    const stats = this.stats;
    stats.packets++;
    if (p.caplen < p.origLen) stats.truncated++;
    const time = p.time;
    if (time > this.now) {
      this.now = time;
      if (time - this.lastSweep >= 1 && !this.externalSweep) this.sweep(time);
    }
    // A reader's packet is read in place, in the chunk it lies in (no view made per packet); others by their bytes.
    const inPlace = p instanceof ReaderPacket;
    const data = inPlace ? p.buffer : p.data;
    const start = inPlace ? p.start : 0;
    const end = inPlace ? p.end : data.length;
    const link = this.link;
    const status = decodeLink(p.linkType, data, link, start, end);
    const ip = this.ip;
    let ok: boolean;
    if (status === LinkStatus.IPV4) ok = decodeIpv4(data, link.offset, end, ip);
    else if (status === LinkStatus.IPV6) ok = decodeIpv6(data, link.offset, end, ip);
    else {
      if (status === LinkStatus.NOT_IP) stats.nonIp++;
      else if (status === LinkStatus.UNKNOWN_LINK) {
        const seen = stats.unknownLinkTypes[p.linkType] ?? 0;
        stats.unknownLinkTypes[p.linkType] = seen + 1;
        if (seen === 0) this.onUnsupportedLink?.(p.linkType, p.frame);
      }
      else stats.malformed++;
      return;
    }
    if (!ok) {
      stats.malformed++;
      return;
    }
    stats.ipPackets++;
    // Copies are how a capture was taken, not a packet's fault: looked for in the first IP packets and in a window
    // of every COPY_REPROBE after, and in every packet once one is found, so that a capture without any pays for
    // the looking on a few per cent of its packets only.
    if (this.copies !== undefined) {
      if (this.copyProbe > 0 || stats.duplicates > 0) {
        this.copyProbe--;
        if (this.copies.isCopy(data, end, ip, p)) {
          this.countCopy(p.frame);
          return;
        }
      } else if (stats.ipPackets % COPY_REPROBE === 0) this.copyProbe = COPY_WINDOW;
    }
    if (ip.lengthBeyondCapture) stats.ipLengthBeyondCapture++;
    if (ip.isFragment && !this.reassemble(ip, time)) return;
    const proto = ip.protocol;
    if (proto === IPPROTO_TCP) this.tcpPacket(p, ip);
    else if (proto === IPPROTO_UDP) this.udpPacket(p, ip);
    else if ((proto === IPPROTO_ICMP && ip.version === 4) || (proto === IPPROTO_ICMPV6 && ip.version === 6)) this.icmpPacket(p, ip);
    else stats.otherIp++;
  }

  /** A packet left out as a copy of one before it (duplicates.ts). */
  private countCopy(frame: number): void {
    const stats = this.stats;
    const of = this.copies!.copied;
    if (stats.duplicates++ === 0) {
      stats.firstDuplicate = frame;
      stats.firstDuplicateOf = of;
    }
    this.onCopy?.(frame, of);
  }

  finish(): FlowStats {
    this.fragments.finish();
    const all: Flow[] = [];
    for (let f: Flow | null = this.closingHead; f; f = f.next) all.push(f);
    for (let f = this.lruHead; f; f = f.next) all.push(f);
    for (let f = this.keptHead; f; f = f.next) all.push(f);
    // Deterministic order for the caller: by first frame.
    all.sort((a, b) => a.firstFrame - b.firstFrame || a.id - b.id);
    for (let i = 0; i < all.length; i++) {
      const f = all[i];
      // Let each flow go as soon as it is ended: the list would keep them all alive to the last.
      all[i] = undefined!;
      const open = !f.closing;
      if (open) this.stats.openAtEnd++;
      if (this.onFlowEnding) this.onFlowEnding(this.infoOf(f), 2, f.firstFrame);
      this.endFlow(f, open);
    }
    return this.stats;
  }

  // ---- IP ----------------------------------------------------------------------------------------------

  /** Feeds a fragment; on completion rewrites `ip` to describe the whole datagram and returns true. */
  private reassemble(ip: IpPacket, time: number): boolean {
    const done = this.fragments.add(ip, time);
    if (!done) return false;
    const payload = done.payload;
    ip.buf = payload;
    ip.isFragment = false;
    ip.lengthBeyondCapture = false;
    if (ip.version === 6) {
      const upper = skipIpv6ExtensionHeaders(payload, 0, payload.length, done.protocol);
      if (!upper) {
        this.stats.malformed++;
        return false;
      }
      ip.protocol = upper.protocol;
      ip.payloadOffset = upper.offset;
    } else {
      ip.protocol = done.protocol;
      ip.payloadOffset = 0;
    }
    ip.payloadEnd = payload.length;
    ip.payloadLength = payload.length - ip.payloadOffset;
    return true;
  }

  // ---- TCP ---------------------------------------------------------------------------------------------

  private tcpPacket(p: CapturedPacket, ip: IpPacket): void {
    const buf = ip.buf;
    const t = ip.payloadOffset;
    const avail = ip.payloadEnd - t;
    if (avail < 20) {
      this.stats.malformed++;
      return;
    }
    const sport = (buf[t] << 8) | buf[t + 1];
    const dport = (buf[t + 2] << 8) | buf[t + 3];
    const seq = ((buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7]) | 0;
    const ackNum = ((buf[t + 8] << 24) | (buf[t + 9] << 16) | (buf[t + 10] << 8) | buf[t + 11]) | 0;
    const headerLength = (buf[t + 12] >> 4) * 4;
    const flags = buf[t + 13];
    if (headerLength < 20) {
      this.stats.malformed++;
      return;
    }
    const captured = avail > headerLength ? avail - headerLength : 0;
    const declaredTotal = ip.payloadLength - headerLength;
    const declared = declaredTotal > captured ? declaredTotal : captured;
    const missing = declared - captured;

    // Only TCP flows are found under IPPROTO_TCP.
    let f = this.lookup(IPPROTO_TCP, ip, sport, dport) as TcpFlow | null;
    let c2s = this.lookupDirC2s;
    const synOnly = (flags & (SYN | ACK)) === SYN;
    if (f && synOnly && this.isNewConnection(f, c2s, seq)) {
      this.endFlow(f, false);
      f = null;
    }
    if (!f) {
      f = this.createFlow(IPPROTO_TCP, ip, sport, dport, flags, p.frame, p.time, t + headerLength) as TcpFlow;
      c2s = this.lookupDirC2s;
    } else this.touch(f, p);
    if (f.roleBy === 'pending' && captured > 0 && !(flags & RST)) c2s = this.settleRoles(f, c2s, buf.subarray(t + headerLength, t + headerLength + captured), sport, dport);

    // Segments held back for bytes the peer acknowledged: once a packet comes this long after them, those bytes are lost.
    const waiting = this.heldBackOf(f);
    if (waiting !== null && p.time - waiting[0].time >= UNSEEN_ACK_SETTLE) this.releaseHeldBack(f, true);

    // A direction's reassembly state is made when that side first sends: a scan's SYN costs one, not two.
    const me = c2s ? (f.c2s ??= new TcpDirection('c2s', this.reassemblyLimits)) : (f.s2c ??= new TcpDirection('s2c', this.reassemblyLimits));
    // A SYN-ACK acknowledges the peer's initial sequence number: its stream starts there, even when its SYN is captured
    // later (two taps' clocks apart) or not at all, so that bytes this side acknowledges are known to be the peer's.
    const synAck = (flags & (SYN | ACK)) === (SYN | ACK);
    // The client's ACK after its SYN acknowledges the server's initial sequence number too: with the SYN-ACK lost from
    // the capture, the server's stream still starts there, so that its first bytes, lost as well, are a gap.
    const handshakeAck = c2s && (flags & (SYN | ACK)) === ACK && f.syns > 0 && (f.s2c === null || !f.s2c.started);
    const startsPeer = synAck || handshakeAck;
    const peer = startsPeer ? (c2s ? (f.s2c ??= new TcpDirection('s2c', this.reassemblyLimits)) : (f.c2s ??= new TcpDirection('c2s', this.reassemblyLimits))) : c2s ? f.s2c : f.c2s;
    if (startsPeer) peer!.startAt(ackNum);
    const shift = c2s ? 0 : 8;
    if (c2s) {
      f.pktC2s++;
      f.bytesC2s += declared;
    } else {
      f.pktS2c++;
      f.bytesS2c += declared;
    }

    // Handshake and teardown record.
    if (flags & SYN) {
      if (flags & ACK) {
        this.mark(f, H_SYNACK + shift);
        if (!c2s && f.synAckFrame === 0) f.synAckFrame = p.frame;
      } else {
        this.mark(f, H_SYN + shift);
        if (c2s) {
          if (f.syns === 0) f.firstSynTime = p.time;
          f.syns++;
          f.lastSynTime = p.time;
          // A list of one to start with (most flows have one SYN): push() on [] would reserve 17 slots.
          if (!f.synFrames) f.synFrames = [p.frame];
          else if (f.synFrames.length < MAX_LISTED_FRAMES) f.synFrames.push(p.frame);
        }
      }
    }
    if (declared > 0 && !(flags & RST)) this.mark(f, H_DATA + shift);
    if (flags & FIN) {
      this.mark(f, H_FIN + shift);
      if (!f.finFrames) f.finFrames = [p.frame];
      else if (f.finFrames.length < MAX_LISTED_FRAMES) f.finFrames.push(p.frame);
    }
    if (flags & RST) {
      this.mark(f, H_RST + shift);
      if (f.rstAt === 0) f.rstAt = c2s ? p.frame : -p.frame;
    }
    if ((flags & (ACK | SYN | FIN | RST)) === ACK && declared === 0) this.mark(f, H_ACK + shift);

    // Endpoint states (Zeek's): an ACK completes the handshake for both sides.
    const before = c2s ? f.cState : f.sState;
    let after = nextEndpointState(before, flags);
    if (!(flags & (SYN | FIN | RST)) && flags & ACK) {
      const peerState = c2s ? f.sState : f.cState;
      if ((after === EP_SYN_SENT || after === EP_SYN_ACK_SENT) && (peerState === EP_SYN_ACK_SENT || peerState === EP_SYN_SENT || peerState === EP_ESTABLISHED)) {
        after = EP_ESTABLISHED;
        if (c2s && peerState === EP_SYN_ACK_SENT && f.syns > 0 && f.firstRtt === 0) {
          f.firstRtt = Math.min(MAX_RTT, Math.max(1, Math.round((p.time - f.start) * 1e4)));
          f.establishedAt = p.time;
        }
        if (peerState !== EP_ESTABLISHED) {
          if (c2s) f.sState = EP_ESTABLISHED;
          else f.cState = EP_ESTABLISHED;
        }
      } else if (after === EP_PARTIAL && peerState === EP_SYN_ACK_SENT) {
        // The SYN was not captured but the SYN-ACK was: this side's ACK still completes the handshake.
        after = EP_ESTABLISHED;
        if (c2s) f.sState = EP_ESTABLISHED;
        else f.cState = EP_ESTABLISHED;
      }
    }
    if (c2s) f.cState = after;
    else f.sState = after;

    // Payload, in order. Data carried by a RST is counted but not part of the stream.
    const gapsBefore = me.gapBytes;
    const peerGapsBefore = peer !== null ? peer.gapBytes : 0;
    let retransmission: boolean;
    // A deferred consumer is made by the first payload; until then nothing is held that a call could deliver.
    let consumer = f.consumer;
    if (consumer === DEFERRED) consumer = declared > 0 && !(flags & RST) ? this.openConsumer(f) : null;
    // The ACK first: the sender had the peer's bytes it acknowledges before it sent this segment's.
    // acked() only when it has work (acksAhead, inlined): its call would box the numbers it takes (SegmentStamp).
    if (flags & ACK && peer !== null && peer.acksAhead(ackNum)) peer.acked(ackNum, p.frame, p.time, consumer);
    const at = this.segmentAt;
    at.seq = seq;
    at.frame = p.frame;
    at.time = p.time;
    if (flags & RST) retransmission = me.segment(at, (flags & SYN) !== 0, false, buf, t + headerLength, 0, 0, null);
    else if (declared === 0 && !(flags & (SYN | FIN))) {
      // A bare ACK is nothing in this side's stream: segment() would only drop acknowledged bytes seen since.
      me.dropSeenUnseen();
      retransmission = false;
    } else {
      const held = this.heldBackOf(f);
      if ((held !== null && held[0].c2s === c2s) || (held === null && declared > 0 && flags & ACK && peer !== null && peer.waitsFor(ackNum))) {
        // This side had the peer's bytes when it sent these: they come later in the capture (or not at all).
        this.holdBack(f, { c2s, seq, syn: (flags & SYN) !== 0, fin: (flags & FIN) !== 0, data: buf.slice(t + headerLength, t + headerLength + captured), missing, frame: p.frame, time: p.time, ack: ackNum });
        retransmission = false;
      } else {
        // The peer sending past the bytes the held-back segments acknowledged: those were lost (proven now, or already
        // by a later ACK of theirs), so the held-back segments came before this one.
        if (held !== null && declared > 0 && ((seq - held[0].ack) | 0) >= 0) this.releaseHeldBack(f, true);
        retransmission = me.segment(at, (flags & SYN) !== 0, (flags & FIN) !== 0, buf, t + headerLength, captured, missing, consumer, outOfOrderWindow(f));
        if (held !== null && this.heldBack.has(f)) this.releaseHeldBack(f, false);
      }
    }
    if (consumer !== null) this.weigh(f, consumer);
    if (retransmission) this.countRetransmission(f, shift);
    f.historyBits = c2s && declared > 0 && !retransmission && !(flags & (FIN | RST)) ? f.historyBits | LAST_IS_CLIENT_DATA : f.historyBits & ~LAST_IS_CLIENT_DATA;
    this.markGaps(f, shift, me, peer, gapsBefore, peerGapsBefore);

    if (!f.closing && (flags & RST || (f.c2s !== null && f.s2c !== null && f.c2s.finSeen && f.s2c.finSeen))) this.startClosing(f, p.time);
  }

  private holdBack(f: TcpFlow, seg: HeldBackSegment): void {
    let list = this.heldBack.get(f);
    if (list === undefined) this.heldBack.set(f, (list = []));
    list.push(seg);
    if (list.length >= MAX_HELD_BACK) this.releaseHeldBack(f, true);
  }

  /**
   * Delivers the held-back segments once the peer's bytes they acknowledge have been seen, or, `lost`, at once: the
   * peer's missing bytes are then a gap, reported before them (a reply whose request the capture lost).
   */
  private releaseHeldBack(f: TcpFlow, lost: boolean): void {
    const list = this.heldBack.get(f)!;
    const c2s = list[0].c2s;
    const me = c2s ? f.c2s! : f.s2c!;
    const peer = c2s ? f.s2c : f.c2s;
    // Each segment waits for what it acknowledges: the first ones may go while later ones still wait.
    let ready = 0;
    if (lost) ready = list.length;
    else while (ready < list.length && (peer === null || !peer.waitsFor(list[ready].ack))) ready++;
    if (ready === 0) return;
    if (ready < list.length) this.heldBack.set(f, list.slice(ready));
    else this.heldBack.delete(f);
    let consumer = f.consumer;
    if (consumer === DEFERRED) consumer = this.openConsumer(f);
    const shift = c2s ? 0 : 8;
    const gapsBefore = me.gapBytes;
    const peerGapsBefore = peer !== null ? peer.gapBytes : 0;
    if (lost && peer !== null) peer.settleUnseenNow(consumer);
    const window = outOfOrderWindow(f);
    for (let i = 0; i < ready; i++) {
      const h = list[i];
      if (me.segment(h, h.syn, h.fin, h.data, 0, h.data.length, h.missing, consumer, window)) this.countRetransmission(f, shift);
    }
    if (consumer !== null) this.weigh(f, consumer);
    this.markGaps(f, shift, me, peer, gapsBefore, peerGapsBefore);
  }

  /** Segments of `f` held back for the peer's bytes, or null (nearly always: the map is then not even looked in). */
  private heldBackOf(f: TcpFlow): HeldBackSegment[] | null {
    return this.heldBack.size === 0 ? null : (this.heldBack.get(f) ?? null);
  }

  private countRetransmission(f: TcpFlow, shift: number): void {
    f.retransmissions++;
    this.mark(f, H_RETRANS + shift);
  }

  /** Marks a gap in the history of each direction whose gap count grew past the one taken before (`shift`: the sender's). */
  private markGaps(f: TcpFlow, shift: number, me: TcpDirection, peer: TcpDirection | null, gapsBefore: number, peerGapsBefore: number): void {
    if (me.gapBytes !== gapsBefore) this.mark(f, H_GAP + shift);
    if (peer !== null && peer.gapBytes !== peerGapsBefore) this.mark(f, H_GAP + 8 - shift);
  }

  /**
   * The first payload of a flow whose roles were only guessed from two server ports: when its content says the
   * sender is the other side, client and server are swapped (nothing was delivered or named yet). Returns whether
   * the sender is now the client.
   */
  private settleRoles(f: TcpFlow, c2s: boolean, payload: Uint8Array, sport: number, dport: number): boolean {
    f.roleBy = 'port';
    if (f.info !== null || f.syns !== 0 || f.synAckFrame !== 0) return c2s;
    const senderIsClient = this.senderIsClientByContent!(payload, sport, dport, 'tcp');
    if (senderIsClient === undefined || senderIsClient === c2s) return c2s;
    swapRoles(f);
    if (this.lastFlow === f) this.lookupDirC2s = !c2s;
    return !c2s;
  }

  /**
   * A SYN on a known 4-tuple starts a new connection when the old one is over, or when it carries a new
   * initial sequence number (a retransmitted SYN carries the same one).
   */
  private isNewConnection(f: TcpFlow, c2s: boolean, seq: number): boolean {
    const dir = c2s ? f.c2s : f.s2c;
    if (dir !== null && dir.synSeen) return seq !== dir.isn;
    return f.closing;
  }

  private mark(f: TcpFlow, bit: number): void {
    const m = 1 << bit;
    if (f.historyBits & m) return;
    f.historyBits |= m;
    f.history += HISTORY_LETTERS[bit];
  }

  // ---- UDP ---------------------------------------------------------------------------------------------

  private udpPacket(p: CapturedPacket, ip: IpPacket): void {
    const buf = ip.buf;
    const u = ip.payloadOffset;
    const avail = ip.payloadEnd - u;
    if (avail < 8) {
      this.stats.malformed++;
      return;
    }
    const sport = (buf[u] << 8) | buf[u + 1];
    const dport = (buf[u + 2] << 8) | buf[u + 3];
    const udpLength = (buf[u + 4] << 8) | buf[u + 5];
    // tshark's account is udp.length − 8; length 0 (jumbogram) falls back to the IP length.
    const declared = udpLength >= 8 ? udpLength - 8 : Math.max(0, ip.payloadLength - 8);
    const capturedEnd = Math.min(ip.payloadEnd, u + 8 + declared);
    let f = this.lookup(IPPROTO_UDP, ip, sport, dport);
    let c2s = this.lookupDirC2s;
    if (!f) {
      f = this.createFlow(IPPROTO_UDP, ip, sport, dport, 0, p.frame, p.time, u + 8);
      c2s = this.lookupDirC2s;
    } else this.touch(f, p);
    if (c2s) {
      f.pktC2s++;
      f.bytesC2s += declared;
    } else {
      f.pktS2c++;
      f.bytesS2c += declared;
    }
    if (capturedEnd > u + 8 && !f.muted) {
      const consumer = f.consumer === DEFERRED ? this.openConsumer(f) : f.consumer;
      if (consumer && consumer.data(c2s ? 'c2s' : 's2c', buf.subarray(u + 8, capturedEnd), p.frame, p.time) === false) f.muted = true;
      if (consumer !== null) this.weigh(f, consumer);
    }
  }

  // ---- ICMP --------------------------------------------------------------------------------------------

  private icmpPacket(p: CapturedPacket, ip: IpPacket): void {
    const e = this.icmp;
    if (!decodeIcmpError(ip.buf, ip.payloadOffset, ip.payloadEnd, ip.version === 6, e)) {
      this.stats.otherIp++;
      return;
    }
    const q = e.quoted;
    if (!e.hasPorts || (q.protocol !== IPPROTO_TCP && q.protocol !== IPPROTO_UDP)) {
      this.stats.otherIp++;
      return;
    }
    this.stats.icmpErrors++;
    let f = this.lookup(q.protocol, q, e.srcPort, e.dstPort);
    // A flow known only from the error (its packets were not captured) still gets a record, with no
    // packets: tshark likewise gives the quoted header a stream of its own.
    if (!f) f = this.createFlow(q.protocol, q, e.srcPort, e.dstPort, -1, p.frame, p.time);
    if (!f.icmpErrors) f.icmpErrors = [];
    if (f.icmpErrors.length < MAX_ICMP_ERRORS_PER_FLOW) {
      f.icmpErrors.push({
        frame: p.frame,
        time: p.time,
        kind: e.kind,
        type: e.type,
        code: e.code,
        codeName: e.codeName,
        from: formatIpAddress(ip.version, ip.src0, ip.src1, ip.src2, ip.src3),
      });
    }
  }

  // ---- flow table --------------------------------------------------------------------------------------

  /** Set by lookup() and createFlow(): whether the packet's sender is the flow's client. */
  private lookupDirC2s = true;
  /** The flow of the previous lookup (still in the table): a reply or the next segment often follows at once. */
  private lastFlow: Flow | null = null;

  private lookup(proto: number, ip: IpPacket, sport: number, dport: number): Flow | null {
    const kind = kindOf(proto, ip.version);
    const last = this.lastFlow;
    if (last !== null && last.kind === kind) {
      if (last.cPort === sport && last.sPort === dport && last.c0 === ip.src0 && last.s0 === ip.dst0 && (last.v6 === null || last.v6.forward(ip))) {
        this.lookupDirC2s = true;
        return last;
      }
      if (last.cPort === dport && last.sPort === sport && last.c0 === ip.dst0 && last.s0 === ip.src0 && (last.v6 === null || last.v6.reverse(ip))) {
        this.lookupDirC2s = false;
        return last;
      }
    }
    const key = this.keyOf(proto, ip, sport, dport);
    for (let f = this.buckets[key & this.mask]; f; f = f.bucketNext) {
      if (f.key !== key || f.kind !== kind) continue;
      if (f.cPort === sport && f.sPort === dport && f.c0 === ip.src0 && f.s0 === ip.dst0 && (f.v6 === null || f.v6.forward(ip))) {
        this.lookupDirC2s = true;
        this.lastFlow = f;
        return f;
      }
      if (f.cPort === dport && f.sPort === sport && f.c0 === ip.dst0 && f.s0 === ip.src0 && (f.v6 === null || f.v6.reverse(ip))) {
        this.lookupDirC2s = false;
        this.lastFlow = f;
        return f;
      }
    }
    return null;
  }

  private keyOf(proto: number, ip: IpPacket, sport: number, dport: number): number {
    // Symmetric in the two endpoints, so both directions land in the same bucket.
    const a = endpointHash(ip.src0, ip.src1, ip.src2, ip.src3, sport);
    const b = endpointHash(ip.dst0, ip.dst1, ip.dst2, ip.dst3, dport);
    return (a + b + proto) | 0;
  }

  /**
   * Chooses client and server: the SYN sender is the client and the SYN-ACK sender the server; else a
   * server port (profile, or below 1024) names the server; else the first packet's sender is the client.
   * When both ports are server ports, the first payload's content may tell (senderIsClientByContent; it starts at
   * `payloadAt` in ip.buf), else the lower port is the server's.
   * `flags` -1 means the flow is known only from a quoted header (its sender is treated as the first).
   */
  private createFlow(proto: number, ip: IpPacket, sport: number, dport: number, flags: number, frame: number, time: number, payloadAt = -1): Flow {
    while (this.weight >= this.maxFlows && this.evictOne(null));
    let senderIsClient = true;
    let roleBy: Flow['roleBy'] = 'first-packet';
    if (proto === IPPROTO_TCP && flags >= 0 && flags & SYN) {
      roleBy = 'syn';
      senderIsClient = !(flags & ACK);
    } else {
      const isServer = this.isServerPort;
      const t: Transport = proto === IPPROTO_TCP ? 'tcp' : 'udp';
      const dServer = isServer ? isServer(dport, t, sport) : false;
      const sServer = isServer ? isServer(sport, t, dport) : false;
      const byContent =
        dServer && sServer && payloadAt >= 0 && payloadAt < ip.payloadEnd && this.senderIsClientByContent
          ? this.senderIsClientByContent(ip.buf.subarray(payloadAt, ip.payloadEnd), sport, dport, t)
          : undefined;
      if (byContent !== undefined) {
        roleBy = 'port';
        senderIsClient = byContent;
      } else if (dServer !== sServer) {
        roleBy = 'port';
        senderIsClient = dServer;
      } else if (sport !== dport) {
        const low = sport < dport ? sport : dport;
        if (low < 1024 || (dServer && sServer)) {
          // Both profile ports and no payload yet (a pure ACK of a connection picked up mid-stream): the lower port
          // for now, and the first payload may still tell otherwise.
          roleBy = dServer && sServer && proto === IPPROTO_TCP && payloadAt >= ip.payloadEnd && this.senderIsClientByContent ? 'pending' : 'port';
          senderIsClient = dport === low;
        }
      }
    }
    const v = ip.version;
    const key = this.keyOf(proto, ip, sport, dport);
    const transport: Transport = proto === IPPROTO_TCP ? 'tcp' : 'udp';
    const id = transport === 'tcp' ? this.nextTcpId++ : this.nextUdpId++;
    if (transport === 'tcp') this.stats.tcpFlows++;
    else this.stats.udpFlows++;
    const Kind = transport === 'tcp' ? TcpFlow : Flow;
    const kind = kindOf(proto, v);
    const f = senderIsClient
      ? new Kind(key, kind, ip.src0, sport, ip.dst0, dport, v === 6 ? new Ipv6Rest(ip.src1, ip.src2, ip.src3, ip.dst1, ip.dst2, ip.dst3) : null, id, roleBy, frame, time)
      : new Kind(key, kind, ip.dst0, dport, ip.src0, sport, v === 6 ? new Ipv6Rest(ip.dst1, ip.dst2, ip.dst3, ip.src1, ip.src2, ip.src3) : null, id, roleBy, frame, time);
    // A flow whose roles may still change makes its FlowInfo (and consumer) at its first payload.
    if (!this.lazyConsumers && roleBy !== 'pending') this.infoOf(f);
    this.count++;
    this.weight++;
    if (this.count > this.buckets.length) this.growBuckets();
    const b = key & this.mask;
    f.bucketNext = this.buckets[b];
    this.buckets[b] = f;
    this.lastFlow = f;
    this.lruAppend(f);
    this.lookupDirC2s = senderIsClient;
    if (this.factory) {
      const consumer = f.info === null ? DEFERRED : this.factory(f.info);
      f.consumer = consumer;
      if (consumer !== null) this.weigh(f, consumer);
    }
    return f;
  }

  /** After a delivery to `f`'s consumer: takes up a change of its weight, evicting others beyond the budget. */
  private weigh(f: Flow, consumer: FlowConsumer): void {
    // A consumer without a weight counts 1, as every flow does from the start. A session is kept from its first
    // payload, not its start, so that it is kept alike whether its consumer was made at its start or then (lazyConsumers).
    if (consumer.keptWhileIdle === true && !f.kept && !f.closing && f.bytesC2s + f.bytesS2c > 0) {
      this.lruUnlink(f);
      f.kept = true;
      this.lruAppend(f);
    }
    const w = consumer.weight;
    if (w === undefined || w === f.weight) return;
    this.weight += w - f.weight;
    f.weight = w;
    while (this.weight > this.maxFlows && this.evictOne(f));
  }

  /** The flow's FlowInfo, made now if it was not yet. */
  private infoOf(f: Flow): FlowInfo {
    if (f.info !== null) return f.info;
    const v = f.version;
    const clientIp = clientIpText(f);
    const serverIp = serverIpText(f);
    const info: FlowInfo = {
      id: f.id,
      transport: f.isTcp ? 'tcp' : 'udp',
      clientIp,
      clientPort: f.cPort,
      serverIp,
      serverPort: f.sPort,
      client: endpointText(v, f.c0, clientIp, f.cPort),
      server: endpointText(v, f.s0, serverIp, f.sPort),
      roleBy: publicRoleBy(f),
      firstFrame: f.firstFrame,
      start: f.start,
    };
    f.info = info;
    return info;
  }

  /** Makes a deferred consumer (lazyConsumers), at the flow's first payload. */
  private openConsumer(f: Flow): FlowConsumer | null {
    const consumer = this.factory!(this.infoOf(f));
    f.consumer = consumer;
    return consumer;
  }

  /** A packet of `f`: updates its last activity and its place in the LRU list. */
  private touch(f: Flow, p: CapturedPacket): void {
    f.lastFrame = p.frame;
    if (p.time > f.lastTime) f.lastTime = p.time;
    if (!f.closing && f !== this.lruTail && f !== this.keptTail) {
      this.lruUnlink(f);
      this.lruAppend(f);
    }
  }

  private startClosing(f: TcpFlow, time: number): void {
    this.lruUnlink(f);
    f.closing = true;
    f.closeTime = time;
    f.closeFrame = f.lastFrame;
    f.prev = this.closingTail;
    f.next = null;
    if (this.closingTail) this.closingTail.next = f;
    else this.closingHead = f;
    this.closingTail = f;
  }

  sweepAt(time: number): void {
    this.sweep(time);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    const onEnding = this.onFlowEnding;
    for (let f = this.closingHead; f; ) {
      const next = f.next as TcpFlow | null;
      if (now - f.lastTime >= this.closeLinger && now - f.closeTime >= this.closeLinger) {
        if (onEnding) onEnding(this.infoOf(f), 0, f.closeFrame);
        this.endFlow(f, false);
      }
      f = next;
    }
    while (this.lruHead && now - this.lruHead.lastTime >= this.idleTimeout) {
      this.stats.flowsExpired++;
      if (onEnding) onEnding(this.infoOf(this.lruHead), 1, this.lruHead.lastFrame);
      this.endFlow(this.lruHead, false);
    }
  }

  /** Finalises the flow that is least missed (a closed one lingering, else the least recently active), never `keep`; false when there is none. */
  private evictOne(keep: Flow | null): boolean {
    const victim = this.closingHead ?? this.lruHead ?? this.keptHead;
    if (!victim || victim === keep) return false;
    const evicted = !victim.closing;
    if (evicted) this.stats.flowsEvicted++;
    this.endFlow(victim, false, evicted ? this.now : undefined);
    return true;
  }

  /** Appends `f` to its activity list: the kept one (Flow.kept) or the LRU list. */
  private lruAppend(f: Flow): void {
    if (f.kept) {
      f.prev = this.keptTail;
      f.next = null;
      if (this.keptTail) this.keptTail.next = f;
      else this.keptHead = f;
      this.keptTail = f;
      return;
    }
    f.prev = this.lruTail;
    f.next = null;
    if (this.lruTail) this.lruTail.next = f;
    else this.lruHead = f;
    this.lruTail = f;
  }

  private lruUnlink(f: Flow): void {
    if (f.kept) {
      if (f.prev) f.prev.next = f.next;
      else if (this.keptHead === f) this.keptHead = f.next;
      if (f.next) f.next.prev = f.prev;
      else if (this.keptTail === f) this.keptTail = f.prev;
    } else {
      if (f.prev) f.prev.next = f.next;
      else if (this.lruHead === f) this.lruHead = f.next;
      if (f.next) f.next.prev = f.prev;
      else if (this.lruTail === f) this.lruTail = f.prev;
    }
    f.prev = f.next = null;
  }

  private closingUnlink(f: Flow): void {
    if (f.prev) f.prev.next = f.next;
    else if (this.closingHead === f) this.closingHead = f.next as TcpFlow | null;
    if (f.next) f.next.prev = f.prev;
    else if (this.closingTail === f) this.closingTail = f.prev as TcpFlow | null;
    f.prev = f.next = null;
  }

  private growBuckets(): void {
    const old = this.buckets;
    const size = old.length * 2;
    this.buckets = new Array<Flow | null>(size).fill(null);
    this.mask = size - 1;
    for (let head of old) {
      while (head) {
        const next: Flow | null = head.bucketNext;
        const b = head.key & this.mask;
        head.bucketNext = this.buckets[b];
        this.buckets[b] = head;
        head = next;
      }
    }
  }

  private removeFromTable(f: Flow): void {
    if (this.lastFlow === f) this.lastFlow = null;
    const b = f.key & this.mask;
    const head = this.buckets[b];
    if (head === f) {
      this.buckets[b] = f.bucketNext;
    } else {
      for (let g = head; g; g = g.bucketNext) {
        if (g.bucketNext === f) {
          g.bucketNext = f.bucketNext;
          break;
        }
      }
    }
    f.bucketNext = null;
  }

  /** Finalises a flow: flushes reassembly, reports the record, forgets the flow. */
  private endFlow(f: Flow, openAtEnd: boolean, evictedAt: number | undefined = undefined): void {
    // Segments still held back for the peer's bytes: those will not come (delivered while the flow still counts).
    if (f instanceof TcpFlow && this.heldBackOf(f) !== null) this.releaseHeldBack(f, true);
    if (f.closing) this.closingUnlink(f);
    else this.lruUnlink(f);
    this.removeFromTable(f);
    this.count--;
    this.weight -= f.weight;
    // A consumer still deferred means no payload: nothing is held for it to flush.
    let consumer = f.consumer;
    if (f instanceof TcpFlow) {
      const sink = consumer === DEFERRED ? null : consumer;
      if (f.c2s) {
        const gc = f.c2s.gapBytes;
        f.c2s.flush(sink);
        if (f.c2s.gapBytes !== gc) this.mark(f, H_GAP);
      }
      if (f.s2c) {
        const gs = f.s2c.gapBytes;
        f.s2c.flush(sink);
        if (f.s2c.gapBytes !== gs) this.mark(f, H_GAP + 8);
      }
    }
    const record = this.recordOf(f, openAtEnd, evictedAt);
    // Made now, the consumer takes the record, which carries everything a FlowInfo does.
    if (consumer === DEFERRED) consumer = this.factory!(record);
    if (consumer) consumer.end(record);
    if (this.onFlowEnd) this.onFlowEnd(record);
  }

  private recordOf(f: Flow, openAtEnd: boolean, evictedAt: number | undefined): FlowRecord {
    const t = f instanceof TcpFlow ? f : null;
    // A flow that never made its FlowInfo gets its texts now, for the record only.
    const info = f.info;
    const v = f.version;
    const clientIp = info !== null ? info.clientIp : clientIpText(f);
    const serverIp = info !== null ? info.serverIp : serverIpText(f);
    // Fields listed one by one (not spread): object spread here showed up as a hot spot.
    const record: FlowRecord = {
      id: f.id,
      transport: f.isTcp ? 'tcp' : 'udp',
      clientIp,
      clientPort: f.cPort,
      serverIp,
      serverPort: f.sPort,
      client: info !== null ? info.client : endpointText(v, f.c0, clientIp, f.cPort),
      server: info !== null ? info.server : endpointText(v, f.s0, serverIp, f.sPort),
      roleBy: publicRoleBy(f),
      firstFrame: f.firstFrame,
      start: f.start,
      state: t ? connState(t.cState, t.sState, f.bytesC2s + f.bytesS2c > 0) : 'OTH',
      history: t ? t.history : '',
      packets: { c2s: f.pktC2s, s2c: f.pktS2c },
      payloadBytes: { c2s: f.bytesC2s, s2c: f.bytesS2c },
      lastFrame: f.lastFrame,
      end: f.lastTime,
      syns: t ? t.syns : 0,
      synSpan: t && t.syns > 1 ? t.lastSynTime - t.firstSynTime : 0,
      synFrames: (t && t.synFrames) ?? [],
      finFrames: (t && t.finFrames) ?? [],
      retransmissions: t ? t.retransmissions : 0,
      gapBytes: { c2s: t && t.c2s ? t.c2s.gapBytes : 0, s2c: t && t.s2c ? t.s2c.gapBytes : 0 },
      icmpErrors: f.icmpErrors ?? [],
      openAtEnd,
      evictedAt,
      synAckFrame: (t && t.synAckFrame) || undefined,
      // From the last SYN: a retransmitted SYN's wait is no round trip of the path.
      handshakeRtt: t && t.firstRtt !== 0 ? Math.max(0, t.establishedAt - t.lastSynTime) : undefined,
      rstFrame: t && t.rstAt !== 0 ? Math.abs(t.rstAt) : undefined,
      rstBy: t && t.rstAt !== 0 ? (t.rstAt > 0 ? 'c2s' : 's2c') : undefined,
      serverLostAfter: t ? serverLostAfter(t, this.now) : undefined,
    };
    return record;
  }
}
