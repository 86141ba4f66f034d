/**
 * A mixed SPAN-port capture for the benchmark: the bulk traffic a mirror port carries that no ctiscope decoder
 * reads. Interleaved TCP flows, ~30% HTTP/1.1 on port 80, ~40% TLS application data on 443 and ~30% opaque
 * binary on 40000–40999, with heavy-tailed response sizes (most small, a few tens of kilobytes), delayed ACKs,
 * a few retransmissions, and a few SYN-only flows (refused or unanswered): about 40,000 flows per million
 * packets. Deterministic by seed; frames are streamed to `onChunk` as pcapng, never all held in memory.
 */

import { LinkType } from '../../capture/types.js';
import { PcapngWriter } from '../../capture/writer.js';
import { encodeTcpFrame, macForIp, synOptions, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type L3Endpoints } from './packet.js';
import { Rng } from './prng.js';

export interface MixedCaptureOptions {
  /** Packets to write (the last flows are cut off where the count is reached, as on a real capture). */
  targetPackets: number;
  seed: number;
  /** Flows in progress at once (default 600). */
  concurrency?: number;
  /** Receives the pcapng file chunk by chunk. */
  onChunk: (chunk: Uint8Array) => void;
  chunkSize?: number;
}

export interface MixedCaptureResult {
  packets: number;
  bytes: number;
  /** TCP flows started (including SYN-only ones). */
  flows: number;
  firstTime: number;
  lastTime: number;
}

type Kind = 'http' | 'tls' | 'opaque';

interface Side {
  ep: L3Endpoints;
  port: number;
  seq: number;
  window: number;
}

interface MixedFlow {
  kind: Kind;
  mss: number;
  c: Side;
  s: Side;
  packets: Iterator<void>;
}

/** Capture start: 2024-01-01T00:00:00Z. */
const START = 1_704_067_200;
/** Mean gap between frames on the port (seconds): 25,000 frames per second. */
const MEAN_GAP = 40e-6;
const POOL_SIZE = 4 << 20;
const GATEWAY_MAC = Uint8Array.of(0x02, 0x00, 0x5e, 0x00, 0x00, 0x01);
const encoder = new TextEncoder();

export function buildMixedCapture(opts: MixedCaptureOptions): MixedCaptureResult {
  const rng = new Rng(opts.seed);
  const concurrency = opts.concurrency ?? 600;
  // Payload bytes are slices of one pool of noise: TLS and opaque payloads look random, as they are on a wire.
  const pool = new Uint8Array(POOL_SIZE);
  const poolView = new DataView(pool.buffer);
  for (let i = 0; i < POOL_SIZE; i += 4) poolView.setUint32(i, rng.nextUint32());
  const slice = (n: number): Uint8Array => {
    const at = rng.int(0, POOL_SIZE - n - 1);
    return pool.subarray(at, at + n);
  };
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += (rng.nextUint32() & 0xff).toString(16).padStart(2, '0');
    return s;
  };
  // Servers in the documentation ranges, clients anywhere in 10.0.0.0/8.
  const servers: number[] = [];
  const nets = [0xc0000200, 0xc6336400, 0xcb007100];
  for (let i = 0; i < 300; i++) servers.push(nets[i % 3] + 1 + (i % 250));

  const w = new PcapngWriter({
    tsResolution: 'us',
    comment: `Synthetic ctiscope mixed SPAN capture: HTTP, TLS and opaque TCP bulk traffic, seed ${opts.seed}. Made by ctiscope's generator, not captured.`,
    application: 'ctiscope sample generator',
    onChunk: opts.onChunk,
    chunkSize: opts.chunkSize,
  });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'span0' });

  let time = START;
  let packets = 0;
  let firstTime = NaN;
  let ipId = rng.int(0, 0xffff);
  const send = (f: MixedFlow, fromClient: boolean, flags: number, payload?: Uint8Array, seq?: number): void => {
    const me = fromClient ? f.c : f.s;
    const peer = fromClient ? f.s : f.c;
    time += Math.max(1e-6, -Math.log(1 - rng.next()) * MEAN_GAP);
    ipId = (ipId + 1) & 0xffff;
    me.ep.ipId = ipId;
    const frame = encodeTcpFrame(me.ep, {
      srcPort: me.port,
      dstPort: peer.port,
      seq: seq ?? me.seq,
      ack: flags & TCP_ACK ? peer.seq : 0,
      flags,
      window: me.window,
      options: flags & TCP_SYN ? synOptions(f.mss) : undefined,
      payload,
    });
    const t = Math.round(time * 1e6) / 1e6;
    if (packets === 0) firstTime = t;
    w.writePacket(iface, t, frame);
    packets++;
    if (seq === undefined) me.seq = (me.seq + (payload ? payload.length : 0) + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
  };

  const httpRequest = (i: number): Uint8Array => {
    const cookie = rng.next() < 0.5 ? `Cookie: session=${hex(rng.int(16, 150))}\r\n` : '';
    return encoder.encode(
      `GET /api/v1/items/${rng.int(1, 1e6)}?page=${i}&q=${hex(rng.int(4, 40))} HTTP/1.1\r\nHost: www.example.test\r\n` +
        `User-Agent: ctiscope-synth/1.0\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n${cookie}Connection: keep-alive\r\n\r\n`,
    );
  };
  const httpResponse = (bodyLength: number): Uint8Array => {
    const head = encoder.encode(
      `HTTP/1.1 200 OK\r\nServer: ctiscope-synth\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyLength}\r\nCache-Control: no-cache\r\n\r\n`,
    );
    const out = new Uint8Array(head.length + bodyLength);
    out.set(head);
    out.set(slice(bodyLength), head.length);
    return out;
  };
  const tlsRecords = (length: number): Uint8Array => {
    const records = Math.ceil(length / 16384);
    const out = new Uint8Array(length + 5 * records);
    let at = 0;
    for (let left = length; left > 0; ) {
      const n = Math.min(left, 16384);
      out.set([23, 3, 3, n >>> 8, n & 0xff], at);
      out.set(slice(n), at + 5);
      at += 5 + n;
      left -= n;
    }
    return out;
  };
  /** Heavy-tailed: 80% under 1.2 kB, 17.5% log-uniform to 12 kB, 2.5% log-uniform to 80 kB. */
  const logUniform = (lo: number, hi: number): number => Math.floor(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))));
  const responseSize = (): number => {
    const r = rng.next();
    if (r < 0.8) return rng.int(40, 1200);
    if (r < 0.975) return logUniform(1200, 12000);
    return logUniform(12000, 80000);
  };
  const request = (f: MixedFlow, i: number): Uint8Array =>
    f.kind === 'http' ? httpRequest(i) : f.kind === 'tls' ? tlsRecords(rng.int(30, 900)) : slice(rng.int(8, 600));
  const response = (f: MixedFlow): Uint8Array => {
    const n = responseSize();
    return f.kind === 'http' ? httpResponse(n) : f.kind === 'tls' ? tlsRecords(n) : slice(n);
  };

  /** One message cut into MSS segments; the receiver ACKs every second segment and most last ones. */
  function* message(f: MixedFlow, fromClient: boolean, msg: Uint8Array): Generator<void> {
    let segments = 0;
    for (let off = 0; off < msg.length; off += f.mss) {
      const seg = msg.subarray(off, Math.min(msg.length, off + f.mss));
      const last = off + f.mss >= msg.length;
      const seqBefore = (fromClient ? f.c : f.s).seq;
      const flags = TCP_ACK | (last ? TCP_PSH : 0);
      send(f, fromClient, flags, seg);
      yield;
      if (rng.next() < 0.003) {
        send(f, fromClient, flags, seg, seqBefore);
        yield;
      }
      segments++;
      if (segments % 2 === 0 || (last && rng.next() < 0.6)) {
        send(f, !fromClient, TCP_ACK);
        yield;
      }
    }
  }

  function* conversation(f: MixedFlow): Generator<void> {
    if (rng.next() < 0.03) {
      // Refused (RST) or unanswered (SYN retransmitted).
      const isn = f.c.seq;
      send(f, true, TCP_SYN, undefined, isn);
      yield;
      if (rng.next() < 0.5) {
        f.c.seq = (isn + 1) >>> 0;
        send(f, false, TCP_RST | TCP_ACK, undefined, 0);
        yield;
      } else {
        for (let k = rng.int(1, 3); k > 0; k--) {
          send(f, true, TCP_SYN, undefined, isn);
          yield;
        }
      }
      return;
    }
    send(f, true, TCP_SYN);
    yield;
    send(f, false, TCP_SYN | TCP_ACK);
    yield;
    send(f, true, TCP_ACK);
    yield;
    let rounds = 1;
    while (rounds < 40 && rng.next() < 0.72) rounds++;
    for (let i = 0; i < rounds; i++) {
      yield* message(f, true, request(f, i));
      yield* message(f, false, response(f));
    }
    if (rng.next() < 0.05) {
      send(f, rng.next() < 0.5, TCP_RST | TCP_ACK);
      yield;
      return;
    }
    send(f, true, TCP_FIN | TCP_ACK);
    yield;
    send(f, false, TCP_FIN | TCP_ACK);
    yield;
    send(f, true, TCP_ACK);
    yield;
  }

  const newFlow = (): MixedFlow => {
    const r = rng.next();
    const kind: Kind = r < 0.3 ? 'http' : r < 0.7 ? 'tls' : 'opaque';
    const cip = (0x0a000000 + rng.int(1, 0xfffffe)) >>> 0;
    const sip = servers[rng.int(0, servers.length - 1)] >>> 0;
    const cMac = macForIp(cip);
    const f: MixedFlow = {
      kind,
      mss: rng.next() < 0.7 ? 1448 : 1460,
      c: { ep: { srcMac: cMac, dstMac: GATEWAY_MAC, srcIp: cip, dstIp: sip, ipId: 0, ttl: 64, pad: true }, port: rng.int(32768, 60999), seq: rng.nextUint32(), window: rng.int(500, 4000) },
      s: { ep: { srcMac: GATEWAY_MAC, dstMac: cMac, srcIp: sip, dstIp: cip, ipId: 0, ttl: rng.int(40, 60), pad: true }, port: kind === 'http' ? 80 : kind === 'tls' ? 443 : 40000 + rng.int(0, 999), seq: rng.nextUint32(), window: rng.int(200, 2000) },
      packets: undefined as unknown as Iterator<void>,
    };
    f.packets = conversation(f);
    return f;
  };

  const active: MixedFlow[] = [];
  let flows = 0;
  while (packets < opts.targetPackets) {
    while (active.length < concurrency) {
      active.push(newFlow());
      flows++;
    }
    const i = rng.int(0, active.length - 1);
    if (active[i].packets.next().done) {
      active[i] = active[active.length - 1];
      active.pop();
    }
  }
  w.end();
  return { packets, bytes: w.bytesWritten, flows, firstTime, lastTime: Math.round(time * 1e6) / 1e6 };
}
