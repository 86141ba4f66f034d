/** Hand-built packets for the network-layer tests (checksums are left zero: nothing here verifies them). */

import type { CapturedPacket } from '../../../src/capture/types.js';
import type { Direction, FlowConsumer, FlowInfo, FlowRecord } from '../../../src/decoders/types.js';
import { createFlowTracker, type FlowTracker, type FlowTrackerOptions } from '../../../src/decoders/net/index.js';

export function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function v4(addr: string): number[] {
  return addr.split('.').map(Number);
}

function v6(addr: string): number[] {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out: number[] = [];
  for (const g of groups) {
    const n = parseInt(g, 16);
    out.push(n >> 8, n & 255);
  }
  return out;
}

const u16 = (n: number) => [(n >> 8) & 255, n & 255];
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  id?: number;
  moreFragments?: boolean;
  /** In bytes (multiple of 8). */
  fragOffset?: number;
  options?: number[];
  /** Overrides the total length field. */
  totalLength?: number;
  ttl?: number;
}

/** IPv4 IDs as a sender gives them, one per packet: a packet sent again is a new packet, not a copy of the first. */
let nextIpId = 1;

export function ipv4(o: Ipv4Options): Uint8Array {
  const opts = o.options ?? [];
  const ihl = 20 + opts.length;
  const total = o.totalLength ?? ihl + o.payload.length;
  const ff = (o.moreFragments ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8);
  return bytes(
    [0x40 | (ihl / 4), 0, ...u16(total), ...u16(o.id ?? (nextIpId = (nextIpId % 0xffff) + 1)), ...u16(ff), o.ttl ?? 64, o.proto, 0, 0, ...v4(o.src), ...v4(o.dst)],
    opts,
    o.payload,
  );
}

export interface Ipv6Options {
  src: string;
  dst: string;
  /** Next header of the last extension header (or of the fixed header when there are none). */
  proto: number;
  payload: Uint8Array;
  /** Extension headers in order: type and full bytes (their own next-header byte is filled in). */
  ext?: { type: number; body: number[] }[];
  payloadLength?: number;
}

export function ipv6(o: Ipv6Options): Uint8Array {
  const ext = o.ext ?? [];
  const chain: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    const body = ext[i].body.slice();
    body[0] = i + 1 < ext.length ? ext[i + 1].type : o.proto;
    chain.push(...body);
  }
  const first = ext.length ? ext[0].type : o.proto;
  const plen = o.payloadLength ?? chain.length + o.payload.length;
  return bytes([0x60, 0, 0, 0, ...u16(plen), first, 64, ...v6(o.src), ...v6(o.dst)], chain, o.payload);
}

/** IPv6 fragment extension header. */
export function fragmentHeader(offset: number, more: boolean, id: number): { type: number; body: number[] } {
  return { type: 44, body: [0, 0, ...u16(offset | (more ? 1 : 0)), ...u32(id)] };
}

export const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export interface TcpOptions {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  payload?: Uint8Array;
  options?: number[];
}

export function tcp(o: TcpOptions): Uint8Array {
  const opts = o.options ?? [];
  const hl = 20 + opts.length;
  return bytes(
    [...u16(o.sport), ...u16(o.dport), ...u32(o.seq >>> 0), ...u32((o.ack ?? 0) >>> 0), (hl / 4) << 4, o.flags, 0xff, 0xff, 0, 0, 0, 0],
    opts,
    o.payload ?? new Uint8Array(0),
  );
}

export function udp(sport: number, dport: number, payload: Uint8Array, length?: number): Uint8Array {
  return bytes([...u16(sport), ...u16(dport), ...u16(length ?? payload.length + 8), 0, 0], payload);
}

export function ether(payload: Uint8Array, etherType: number, tags: { tpid: number; vid: number }[] = []): Uint8Array {
  const hdr = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
  for (const t of tags) hdr.push(...u16(t.tpid), ...u16(t.vid));
  hdr.push(...u16(etherType));
  return bytes(hdr, payload);
}

export function packet(frame: number, time: number, data: Uint8Array, linkType = 1, origLen = data.length): CapturedPacket {
  return { frame, time, linkType, interfaceId: 0, caplen: data.length, origLen, data };
}

/** An Ethernet frame carrying IPv4/TCP between two hosts. */
export function tcpFrame(
  frame: number,
  time: number,
  src: string,
  dst: string,
  t: TcpOptions,
): CapturedPacket {
  return packet(frame, time, ether(ipv4({ src, dst, proto: 6, payload: tcp(t) }), 0x0800));
}

export function udpFrame(frame: number, time: number, src: string, dst: string, sport: number, dport: number, payload: Uint8Array): CapturedPacket {
  return packet(frame, time, ether(ipv4({ src, dst, proto: 17, payload: udp(sport, dport, payload) }), 0x0800));
}

export type StreamEvent =
  | { kind: 'data'; dir: Direction; text: string; frame: number }
  | { kind: 'gap'; dir: Direction; length: number; frame: number };

/** A consumer that records what it was given (copying, as data() bytes are only valid during the call). */
export class RecordingConsumer implements FlowConsumer {
  events: StreamEvent[] = [];
  record: FlowRecord | null = null;
  constructor(readonly info: FlowInfo) {}
  data(dir: Direction, b: Uint8Array, frame: number): void {
    this.events.push({ kind: 'data', dir, text: new TextDecoder('latin1').decode(b.slice()), frame });
  }
  gap(dir: Direction, length: number, frame: number): void {
    this.events.push({ kind: 'gap', dir, length, frame });
  }
  end(record: FlowRecord): void {
    this.record = record;
  }
  /** The stream of one direction as text, gaps shown as `[gap N]`. */
  stream(dir: Direction): string {
    return this.events
      .filter((e) => e.dir === dir)
      .map((e) => (e.kind === 'data' ? e.text : `[gap ${e.length}]`))
      .join('');
  }
}

/** A flow tracker whose every flow gets a RecordingConsumer, with the records of the flows it ended. */
export function recordingTracker(opts: Partial<FlowTrackerOptions> = {}): { tracker: FlowTracker; records: FlowRecord[]; consumers: RecordingConsumer[] } {
  const records: FlowRecord[] = [];
  const consumers: RecordingConsumer[] = [];
  const tracker = createFlowTracker({
    factory: (info) => {
      const c = new RecordingConsumer(info);
      consumers.push(c);
      return c;
    },
    onFlowEnd: (r) => records.push(r),
    ...opts,
  });
  return { tracker, records, consumers };
}
