/**
 * SynthNet: a scripted network that produces realistic Ethernet/IPv4/TCP/UDP frames on a virtual clock.
 *
 * A script opens conversations (`net.tcp({...})`, `net.udp({...})`) and drives them step by step
 * (connect, send, close, reset, refuse, unanswered SYNs). The TCP model is the part of a real stack that
 * shows in a capture: random-but-seeded ISNs, MSS segmentation, delayed ACKs (every second segment, else after
 * a timer unless data goes back first), piggybacked ACKs, FIN/ACK teardown, RST, retransmission after an RTO.
 *
 * Times are kept in integer microseconds so that the same script always gives the same bytes, with no
 * floating-point drift. The capture is taken at one vantage point: on the client PC (`'client'`, the usual
 * Wireshark-on-the-agent-PC case) or on a SPAN port beside the servers (`'span'`). A side that is not at the
 * vantage point answers one round trip later, its frames arrive TTL-decremented and padded to 60 bytes.
 *
 * Frames go into a time-ordered heap; `drain(watermark)` hands out those older than the watermark so a long
 * capture can be streamed to a file in bounded memory (see span.ts), and `finish()` hands out the rest.
 */

import { Rng } from './prng.js';
import {
  encodeTcpFrame,
  encodeUdpFrame,
  ipv4ToNumber,
  macForIp,
  synOptions,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type L3Endpoints,
} from './packet.js';

/** Which end of a conversation sends: client to server or server to client. */
export type SynthDirection = 'c2s' | 's2c';

/** Where the capture is taken. */
export type Vantage = 'client' | 'span';

export interface SynthNetOptions {
  /** Seed of every random choice (ISNs, ports, jitter). Default 1. */
  seed?: number;
  /** Epoch seconds of time 0 (default 2024-03-12 08:00:00 UTC). */
  startTime?: number;
  /** Where the capture is taken (default 'client'). */
  vantage?: Vantage;
}

/** One frame of the synthetic capture. */
export interface SynthPacket {
  /** Seconds since the epoch. */
  time: number;
  data: Uint8Array;
}

const US = 1_000_000;
const toUs = (seconds: number): number => Math.round(seconds * US);

/** A host's per-address state: IP identification counter and next ephemeral port. */
interface HostState {
  ip: number;
  mac: Uint8Array;
  ipId: number;
  nextPort: number;
  /** Initial TTL of its stack: 128 for the Windows agent PCs, 64 for the servers. */
  ttl: number;
}

/** Pending frames ordered by (time, emission order). */
class FrameHeap {
  private times: number[] = [];
  private orders: number[] = [];
  private frames: Uint8Array[] = [];
  private counter = 0;

  get size(): number {
    return this.times.length;
  }

  get minTime(): number {
    return this.times.length ? this.times[0] : Infinity;
  }

  push(time: number, frame: Uint8Array): void {
    const order = this.counter++;
    let i = this.times.length;
    this.times.push(time);
    this.orders.push(order);
    this.frames.push(frame);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(time, order, this.times[p], this.orders[p])) break;
      this.times[i] = this.times[p];
      this.orders[i] = this.orders[p];
      this.frames[i] = this.frames[p];
      i = p;
    }
    this.times[i] = time;
    this.orders[i] = order;
    this.frames[i] = frame;
  }

  /** Removes the earliest frame; `out` receives its time. */
  pop(out: { time: number }): Uint8Array {
    const top = this.frames[0];
    out.time = this.times[0];
    const lastT = this.times.pop()!;
    const lastO = this.orders.pop()!;
    const lastF = this.frames.pop()!;
    const n = this.times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(this.times[r], this.orders[r], this.times[l], this.orders[l]) ? r : l;
        if (!this.less(this.times[c], this.orders[c], lastT, lastO)) break;
        this.times[i] = this.times[c];
        this.orders[i] = this.orders[c];
        this.frames[i] = this.frames[c];
        i = c;
      }
      this.times[i] = lastT;
      this.orders[i] = lastO;
      this.frames[i] = lastF;
    }
    return top;
  }

  private less(t1: number, o1: number, t2: number, o2: number): boolean {
    return t1 < t2 || (t1 === t2 && o1 < o2);
  }
}

/**
 * A virtual clock shared by the conversations of one actor (one workstation's desktop, say).
 * Advancing it lets the conversations send the delayed ACKs that came due meanwhile.
 */
export class Clock {
  /** Microseconds since the net's time 0. */
  nowUs: number;
  /** @internal conversations whose pending ACKs move with this clock */
  readonly live = new Set<TcpConversation>();

  constructor(startUs: number) {
    this.nowUs = startUs;
  }

  /** Seconds since the net's time 0. */
  get now(): number {
    return this.nowUs / US;
  }

  /** Lets `seconds` pass (think time, a timer). */
  wait(seconds: number): void {
    this.advanceTo(this.nowUs + toUs(seconds));
  }

  /** Moves to `seconds` since time 0 (never backwards). */
  at(seconds: number): void {
    this.advanceTo(toUs(seconds));
  }

  /** @internal */
  advanceTo(us: number): void {
    if (us <= this.nowUs) return;
    this.nowUs = us;
    for (const c of this.live) c.settle(us);
  }
}

export interface TcpOptions {
  client: string;
  /** Default: the client host's next ephemeral port (49152 and up, per host). */
  clientPort?: number;
  server: string;
  serverPort: number;
  /** MSS both ends announce (default 1460). */
  mss?: number;
  /** Round-trip time in seconds (default 0.002). */
  rtt?: number;
  /** Clock to run on (default the net's main clock). */
  clock?: Clock;
  /** Delayed-ACK timer in seconds (default 0.04). */
  delayedAck?: number;
  /** Retransmission timeout in seconds (default 0.3). */
  rto?: number;
  /**
   * The end of this connection the capture is taken at, when it differs from the net's vantage: a capture on a
   * host that is a server for some connections and a client for others (a CTI OS server) sees both ways.
   */
  capturedAt?: 'client' | 'server';
}

export interface SendOptions {
  /** Seconds before the sender starts (processing or think time), after it has seen the previous packet. */
  delay?: number;
  /** With several messages: put them in one send (one or more full segments), as Nagle would, instead of one push each. */
  coalesce?: boolean;
  /** Seconds between messages of an array sent without coalescing (default 50 µs). */
  spacing?: number;
  /**
   * Retransmit the last segment after the RTO. When the sender is at the vantage point the first copy is lost
   * after the capture point; otherwise the receiver's ACK is lost and the sender retransmits spuriously.
   */
  retransmit?: boolean;
}

export interface CloseOptions {
  delay?: number;
  /** What the other end does: close too (default), only ACK (half-close), or nothing more is captured. */
  peer?: 'fin' | 'ack' | 'none';
  /** Seconds the other end takes before its FIN (default 0.0002). */
  peerDelay?: number;
}

interface Side {
  host: HostState;
  port: number;
  isn: number;
  /** Next sequence number to send (mod 2^32). */
  sndNext: number;
  /** Next byte expected from the peer (mod 2^32). */
  rcvNext: number;
  window: number;
  /** Time (µs) by which the delayed ACK is sent, or -1 when nothing is waiting for an ACK. */
  ackDeadline: number;
  /** Full segments received since the last ACK sent. */
  unacked: number;
  ep: L3Endpoints;
  /** True when this side is at the vantage point (its frames are seen as sent). */
  local: boolean;
  /** Time (µs) of this side's latest frame: its next frame is never earlier, so its sequence numbers only grow in time. */
  lastEmit: number;
}

const SEQ_MOD = 0x1_0000_0000;
const seqAdd = (s: number, n: number): number => (s + n) % SEQ_MOD;

/** One TCP connection, driven step by step. */
export class TcpConversation {
  readonly clientIp: string;
  readonly serverIp: string;
  readonly clientPort: number;
  readonly serverPort: number;
  readonly mss: number;
  readonly clock: Clock;
  /** True once closed, reset or refused: later steps throw. */
  done = false;

  private readonly c: Side;
  private readonly s: Side;
  private readonly rttUs: number;
  private readonly delAckUs: number;
  private readonly rtoUs: number;
  private lastSender: Side | null = null;
  private established = false;

  /** @internal use SynthNet.tcp */
  constructor(
    private readonly net: SynthNet,
    opts: TcpOptions,
  ) {
    this.clock = opts.clock ?? net.clock;
    this.clientIp = opts.client;
    this.serverIp = opts.server;
    const ch = net.host(opts.client, 128);
    const sh = net.host(opts.server, 64);
    this.clientPort = opts.clientPort ?? net.ephemeralPort(ch);
    this.serverPort = opts.serverPort;
    this.mss = opts.mss ?? 1460;
    this.rttUs = toUs(opts.rtt ?? 0.002);
    this.delAckUs = toUs(opts.delayedAck ?? 0.04);
    this.rtoUs = toUs(opts.rto ?? 0.3);
    const clientLocal = opts.capturedAt ? opts.capturedAt === 'client' : net.vantage === 'client';
    this.c = this.side(ch, sh, this.clientPort, clientLocal);
    this.s = this.side(sh, ch, this.serverPort, !clientLocal);
    this.c.rcvNext = this.s.sndNext;
    this.s.rcvNext = this.c.sndNext;
    this.clock.live.add(this);
  }

  private side(host: HostState, peer: HostState, port: number, local: boolean): Side {
    const isn = this.net.rng.nextUint32();
    return { host, port, isn, sndNext: isn, rcvNext: 0, window: 65535, ackDeadline: -1, unacked: 0, local, lastEmit: 0, ep: this.net.endpoints(host, peer, local) };
  }

  /** Initial sequence numbers (for tests). */
  get isn(): { c2s: number; s2c: number } {
    return { c2s: this.c.isn, s2c: this.s.isn };
  }

  /** Three-way handshake. */
  connect(opts: { delay?: number } = {}): this {
    this.assertOpen();
    let t = this.clock.nowUs + toUs(opts.delay ?? 0);
    this.emit(this.c, t, TCP_SYN, undefined, synOptions(this.mss), this.c.isn, 0);
    this.c.sndNext = seqAdd(this.c.isn, 1);
    this.s.rcvNext = this.c.sndNext;
    t += this.reactUs(this.s) + 60;
    this.emit(this.s, t, TCP_SYN | TCP_ACK, undefined, synOptions(this.mss), this.s.isn, this.s.rcvNext);
    this.s.sndNext = seqAdd(this.s.isn, 1);
    this.c.rcvNext = this.s.sndNext;
    t += this.reactUs(this.c) + 25;
    this.emit(this.c, t, TCP_ACK, undefined, undefined, this.c.sndNext, this.c.rcvNext);
    this.established = true;
    this.lastSender = this.c;
    this.clock.advanceTo(t);
    return this;
  }

  /** The client's SYN is answered by RST/ACK (nothing listens, or a firewall rejects). */
  refuse(opts: { delay?: number } = {}): this {
    this.assertOpen();
    let t = this.clock.nowUs + toUs(opts.delay ?? 0);
    this.emit(this.c, t, TCP_SYN, undefined, synOptions(this.mss), this.c.isn, 0);
    t += this.reactUs(this.s) + 40;
    this.s.window = 0;
    this.emit(this.s, t, TCP_RST | TCP_ACK, undefined, undefined, 0, seqAdd(this.c.isn, 1));
    this.clock.advanceTo(t);
    this.finishConversation();
    return this;
  }

  /**
   * SYNs (one first try plus retransmissions) at these offsets in seconds from now, none answered
   * (a host that is down or filtered). The clock moves to the last SYN.
   */
  synUnanswered(offsets: number[]): this {
    this.assertOpen();
    const t0 = this.clock.nowUs;
    let last = t0;
    for (const off of offsets) {
      last = t0 + toUs(off);
      this.emit(this.c, last, TCP_SYN, undefined, synOptions(this.mss), this.c.isn, 0);
    }
    this.clock.advanceTo(last);
    this.finishConversation();
    return this;
  }

  /** Sends application bytes (one message, or several). Returns the time (s) of the last data segment. */
  send(dir: SynthDirection, data: Uint8Array | Uint8Array[], opts: SendOptions = {}): number {
    this.assertOpen();
    if (!this.established) throw new Error('send before connect');
    const from = dir === 'c2s' ? this.c : this.s;
    const to = dir === 'c2s' ? this.s : this.c;
    let t = this.startTime(from, opts.delay);
    const messages = Array.isArray(data) ? (opts.coalesce ? [concat(data)] : data) : [data];
    const spacingUs = toUs(opts.spacing ?? 0.00005);
    let lastT = t;
    for (let m = 0; m < messages.length; m++) {
      if (m > 0) t += spacingUs;
      const bytes = messages[m];
      const last = m === messages.length - 1;
      for (let off = 0; off < bytes.length; off += this.mss) {
        const seg = bytes.subarray(off, Math.min(bytes.length, off + this.mss));
        const lastSeg = off + this.mss >= bytes.length;
        this.settle(t);
        if (lastSeg && last && opts.retransmit) {
          t = this.sendWithRetransmission(from, to, seg, t);
        } else {
          this.dataSegment(from, to, seg, t, lastSeg, true);
        }
        lastT = t;
        t += wireUs(seg.length);
      }
    }
    this.lastSender = from;
    this.clock.advanceTo(lastT);
    return lastT / US;
  }

  private dataSegment(from: Side, to: Side, seg: Uint8Array, t: number, push: boolean, deliver: boolean): void {
    this.emit(from, t, TCP_ACK | (push ? TCP_PSH : 0), seg, undefined, from.sndNext, from.rcvNext);
    from.ackDeadline = -1;
    from.unacked = 0;
    from.sndNext = seqAdd(from.sndNext, seg.length);
    if (deliver) this.receive(to, seg.length, t + this.reactUs(to));
  }

  private sendWithRetransmission(from: Side, to: Side, seg: Uint8Array, t: number): number {
    const seq = from.sndNext;
    if (from.local) {
      // First copy lost beyond the capture point: the receiver never sees it.
      this.dataSegment(from, to, seg, t, true, false);
      const again = t + this.rtoUs;
      this.settle(again);
      this.emit(from, again, TCP_ACK | TCP_PSH, seg, undefined, seq, from.rcvNext);
      this.receive(to, seg.length, again + this.reactUs(to), true);
      return again;
    }
    // Remote sender: the segment arrives, our ACK is lost on the way back, the sender repeats it, we ACK again.
    this.dataSegment(from, to, seg, t, true, true);
    const arrival = t + this.reactUs(to);
    if (to.ackDeadline >= 0) this.pureAck(to, Math.min(to.ackDeadline, arrival + 200));
    const again = t + this.rtoUs;
    this.settle(again);
    this.emit(from, again, TCP_ACK | TCP_PSH, seg, undefined, seq, from.rcvNext);
    const dupAck = again + this.reactUs(to) + 30;
    this.pureAck(to, dupAck);
    return dupAck;
  }

  /** Data of `len` bytes reached `to` at time `at`: ACK every second segment at once, else start the delayed-ACK timer. */
  private receive(to: Side, len: number, at: number, immediate = false): void {
    to.rcvNext = seqAdd(to.rcvNext, len);
    to.unacked++;
    if (to.unacked >= 2 || immediate) {
      this.pureAck(to, at + 30);
    } else if (to.ackDeadline < 0) {
      to.ackDeadline = at + this.delAckUs;
    }
  }

  private pureAck(side: Side, t: number): void {
    this.emit(side, t, TCP_ACK, undefined, undefined, side.sndNext, side.rcvNext);
    side.ackDeadline = -1;
    side.unacked = 0;
  }

  /** @internal Sends the delayed ACKs due by `us`. */
  settle(us: number): void {
    if (this.c.ackDeadline >= 0 && this.c.ackDeadline <= us) this.pureAck(this.c, this.c.ackDeadline);
    if (this.s.ackDeadline >= 0 && this.s.ackDeadline <= us) this.pureAck(this.s, this.s.ackDeadline);
  }

  /** Orderly close started by `dir`'s sender: FIN/ACK, the peer's FIN/ACK (by default), last ACK. */
  close(dir: SynthDirection, opts: CloseOptions = {}): this {
    this.assertOpen();
    const from = dir === 'c2s' ? this.c : this.s;
    const to = dir === 'c2s' ? this.s : this.c;
    let t = this.startTime(from, opts.delay);
    this.settle(t);
    this.emit(from, t, TCP_FIN | TCP_ACK, undefined, undefined, from.sndNext, from.rcvNext);
    from.sndNext = seqAdd(from.sndNext, 1);
    from.ackDeadline = -1;
    to.rcvNext = seqAdd(to.rcvNext, 1);
    const peer = opts.peer ?? 'fin';
    if (peer !== 'none') {
      t += this.reactUs(to);
      if (peer === 'fin') {
        t += toUs(opts.peerDelay ?? 0.0002);
        this.settle(t);
        this.emit(to, t, TCP_FIN | TCP_ACK, undefined, undefined, to.sndNext, to.rcvNext);
        to.sndNext = seqAdd(to.sndNext, 1);
        to.ackDeadline = -1;
        from.rcvNext = seqAdd(from.rcvNext, 1);
        t += this.reactUs(from) + 30;
        this.emit(from, t, TCP_ACK, undefined, undefined, from.sndNext, from.rcvNext);
      } else {
        t += 30;
        this.settle(t);
        this.pureAck(to, t);
      }
    }
    this.clock.advanceTo(t);
    this.finishConversation();
    return this;
  }

  /** `dir`'s sender aborts the connection with RST/ACK. */
  reset(dir: SynthDirection, opts: { delay?: number } = {}): this {
    this.assertOpen();
    const from = dir === 'c2s' ? this.c : this.s;
    const t = this.startTime(from, opts.delay);
    this.settle(t);
    from.window = 0;
    this.emit(from, t, TCP_RST | TCP_ACK, undefined, undefined, from.sndNext, from.rcvNext);
    this.clock.advanceTo(t);
    this.finishConversation();
    return this;
  }

  /** Sends what is still due (delayed ACKs) and stops tracking the conversation. */
  private finishConversation(): void {
    this.done = true;
    this.clock.live.delete(this);
  }

  /** @internal The capture ends: delayed ACKs still pending go out at their deadline. */
  flushPending(): void {
    this.settle(Infinity);
  }

  /**
   * When `from` starts its next step: after the delay, one round trip later when it answers the other end from
   * afar, and never before its own latest frame.
   */
  private startTime(from: Side, delay: number | undefined): number {
    const t = this.clock.nowUs + toUs(delay ?? 0) + (this.lastSender && this.lastSender !== from ? this.reactUs(from) : 0);
    return Math.max(t, from.lastEmit);
  }

  private reactUs(side: Side): number {
    return side.local ? 0 : this.rttUs;
  }

  private assertOpen(): void {
    if (this.done) throw new Error(`conversation ${this.clientIp}:${this.clientPort} → ${this.serverIp}:${this.serverPort} is over`);
  }

  private emit(from: Side, t: number, flags: number, payload: Uint8Array | undefined, options: Uint8Array | undefined, seq: number, ack: number): void {
    if (t > from.lastEmit) from.lastEmit = t;
    from.ep.ipId = from.host.ipId;
    from.host.ipId = (from.host.ipId + 1) & 0xffff;
    const frame = encodeTcpFrame(from.ep, {
      srcPort: from.port,
      dstPort: from === this.c ? this.s.port : this.c.port,
      seq,
      ack: flags & TCP_ACK ? ack : 0,
      flags,
      window: from.window,
      options,
      payload,
    });
    this.net.push(t, frame);
  }
}

/** Time a segment of `len` payload bytes takes on a 1 Gbit/s link, in µs (at least 1). */
function wireUs(len: number): number {
  return Math.max(1, Math.round(((len + 54) * 8) / 1000));
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface UdpOptions {
  client: string;
  clientPort?: number;
  server: string;
  serverPort: number;
  rtt?: number;
  clock?: Clock;
}

/** A UDP exchange (DNS), datagram by datagram. */
export class UdpConversation {
  readonly clientPort: number;
  readonly serverPort: number;
  readonly clock: Clock;
  private readonly c: { host: HostState; ep: L3Endpoints; local: boolean };
  private readonly s: { host: HostState; ep: L3Endpoints; local: boolean };
  private readonly rttUs: number;
  private lastDir: SynthDirection | null = null;

  /** @internal use SynthNet.udp */
  constructor(
    private readonly net: SynthNet,
    opts: UdpOptions,
  ) {
    this.clock = opts.clock ?? net.clock;
    const ch = net.host(opts.client, 128);
    const sh = net.host(opts.server, 64);
    this.clientPort = opts.clientPort ?? net.rng.int(49152, 65535);
    this.serverPort = opts.serverPort;
    this.rttUs = toUs(opts.rtt ?? 0.002);
    const clientLocal = net.vantage === 'client';
    this.c = { host: ch, local: clientLocal, ep: net.endpoints(ch, sh, clientLocal) };
    this.s = { host: sh, local: !clientLocal, ep: net.endpoints(sh, ch, !clientLocal) };
  }

  /** Sends one datagram; a reply from the remote side comes one round trip after the request. Returns its time (s). */
  send(dir: SynthDirection, payload: Uint8Array, opts: { delay?: number } = {}): number {
    const from = dir === 'c2s' ? this.c : this.s;
    const react = this.lastDir && this.lastDir !== dir && !from.local ? this.rttUs : 0;
    const t = this.clock.nowUs + toUs(opts.delay ?? 0) + react;
    from.ep.ipId = from.host.ipId;
    from.host.ipId = (from.host.ipId + 1) & 0xffff;
    const frame =
      dir === 'c2s'
        ? encodeUdpFrame(from.ep, this.clientPort, this.serverPort, payload)
        : encodeUdpFrame(from.ep, this.serverPort, this.clientPort, payload);
    this.net.push(t, frame);
    this.lastDir = dir;
    this.clock.advanceTo(t);
    return t / US;
  }
}

/** The network: hosts, clocks, conversations and the frames they produced. */
export class SynthNet {
  readonly rng: Rng;
  readonly startTime: number;
  readonly vantage: Vantage;
  /** The main clock (scripts with one actor need no other). */
  readonly clock: Clock;
  /** Frames produced so far (including those already drained). */
  packetCount = 0;

  private readonly hosts = new Map<string, HostState>();
  private readonly clocks = new Set<Clock>();
  private readonly heap = new FrameHeap();
  private readonly popped = { time: 0 };

  constructor(opts: SynthNetOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.startTime = opts.startTime ?? 1710230400;
    this.vantage = opts.vantage ?? 'client';
    this.clock = this.newClock(0);
  }

  /** A clock for another actor, starting `startSeconds` after time 0. */
  newClock(startSeconds: number): Clock {
    const c = new Clock(toUs(startSeconds));
    this.clocks.add(c);
    return c;
  }

  /** Forgets a clock whose actor is finished (its pending ACKs are sent first). */
  retireClock(clock: Clock): void {
    for (const c of clock.live) c.flushPending();
    this.clocks.delete(clock);
  }

  tcp(opts: TcpOptions): TcpConversation {
    return new TcpConversation(this, opts);
  }

  udp(opts: UdpOptions): UdpConversation {
    return new UdpConversation(this, opts);
  }

  /** @internal */
  host(ip: string, ttl: number): HostState {
    let h = this.hosts.get(ip);
    if (!h) {
      const n = ipv4ToNumber(ip);
      h = { ip: n, mac: macForIp(n), ipId: this.rng.int(0, 0xffff), nextPort: 49152 + this.rng.int(0, 4000), ttl };
      this.hosts.set(ip, h);
    }
    return h;
  }

  /** Default gateway MAC of the subnet of `host` (its /24, host .254). */
  private gatewayMac(host: HostState): Uint8Array {
    return macForIp(((host.ip & 0xffffff00) | 0xfe) >>> 0);
  }

  /**
   * @internal Link and IP header values of frames from `host` to `peer`. A sender at the vantage point is seen
   * as it sends (to its gateway, full TTL, unpadded unless on a SPAN port); the other end's frames come from
   * the router: gateway MAC, TTL less two hops, padded to the Ethernet minimum.
   */
  endpoints(host: HostState, peer: HostState, local: boolean): L3Endpoints {
    return {
      srcMac: local ? host.mac : this.gatewayMac(peer),
      dstMac: local ? this.gatewayMac(host) : peer.mac,
      srcIp: host.ip,
      dstIp: peer.ip,
      ipId: 0,
      ttl: local ? host.ttl : host.ttl - 2,
      pad: this.vantage === 'span' || !local,
    };
  }

  /** @internal */
  ephemeralPort(h: HostState): number {
    const p = h.nextPort;
    h.nextPort = h.nextPort >= 65535 ? 49152 : h.nextPort + 1;
    return p;
  }

  /** @internal */
  push(us: number, frame: Uint8Array): void {
    this.heap.push(us, frame);
    this.packetCount++;
  }

  /** Hands out, in time order, the frames earlier than `watermarkSeconds` (since time 0). */
  drain(watermarkSeconds: number, sink: (time: number, data: Uint8Array) => void): void {
    const limit = toUs(watermarkSeconds);
    while (this.heap.size > 0 && this.heap.minTime < limit) {
      const data = this.heap.pop(this.popped);
      sink(this.startTime + this.popped.time / US, data);
    }
  }

  /** The capture ends: pending delayed ACKs go out, then every remaining frame in time order. */
  finish(sink: (time: number, data: Uint8Array) => void): void {
    for (const clock of this.clocks) for (const c of clock.live) c.flushPending();
    while (this.heap.size > 0) {
      const data = this.heap.pop(this.popped);
      sink(this.startTime + this.popped.time / US, data);
    }
  }

  /** finish() into an array. */
  collect(): SynthPacket[] {
    const out: SynthPacket[] = [];
    this.finish((time, data) => out.push({ time, data }));
    return out;
  }
}
