/**
 * Test support for the GIOP and LDAP decoders: TCP payloads extracted once from the public fixtures
 * (`tshark -T fields -e tcp.seq_raw -e tcp.payload`, stored as JSON under <proto>/vectors) are fed to a
 * stream decoder one segment at a time, at the real segment boundaries, one flow per tshark stream.
 * Retransmitted bytes are dropped and sequence holes become gap() calls, as the flow tracker does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodedMessage, Direction, FlowInfo, StreamDecoder, StreamDecoderFactory } from '../../../src/decoders/types.js';

export interface TcpVector {
  frame: number;
  time: number;
  transport: 'tcp';
  stream: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  hex: string;
}

const here = dirname(fileURLToPath(import.meta.url));

export function loadTcpVectors(proto: 'giop' | 'ldap', fixture: string): TcpVector[] {
  const path = join(here, '..', proto, 'vectors', `${fixture}.json`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { packets: TcpVector[] }).packets;
}

export type ExpectedOp = Record<string, string>;

export function loadExpectedOps(fixture: string, key: string): ExpectedOp[] {
  const path = join(here, '..', '..', 'fixtures', 'public', 'expected', `${fixture}.json`);
  const j = JSON.parse(readFileSync(path, 'utf8')) as { ops: Record<string, ExpectedOp[]> };
  return j.ops[key] ?? [];
}

export function fixturePath(fixture: string): string {
  return join(here, '..', '..', 'fixtures', 'public', fixture);
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(2 * i, 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function flowInfo(id: number, client: [string, number], server: [string, number], firstFrame = 1): FlowInfo {
  return {
    id,
    transport: 'tcp',
    clientIp: client[0],
    clientPort: client[1],
    serverIp: server[0],
    serverPort: server[1],
    client: `${client[0]}:${client[1]}`,
    server: `${server[0]}:${server[1]}`,
    roleBy: 'port',
    firstFrame,
    start: 0,
  };
}

export interface ReplayResult {
  messages: DecodedMessage[];
  /** tshark stream number of each flow id. */
  streamOf: Map<number, number>;
}

/** Replays every TCP stream of the vectors through a fresh decoder per stream. */
export function replayTcp(
  packets: TcpVector[],
  factory: StreamDecoderFactory,
  serverPorts: number[],
  options: { showSecrets?: boolean; keepRaw?: boolean } = {},
): ReplayResult {
  const messages: DecodedMessage[] = [];
  const streamOf = new Map<number, number>();
  interface Flow {
    info: FlowInfo;
    decoder: StreamDecoder;
    next: Partial<Record<Direction, number>>;
  }
  const flows = new Map<number, Flow>();
  for (const p of packets) {
    let f = flows.get(p.stream);
    if (!f) {
      const fromServer = serverPorts.includes(p.sport);
      const client: [string, number] = fromServer ? [p.dst, p.dport] : [p.src, p.sport];
      const server: [string, number] = fromServer ? [p.src, p.sport] : [p.dst, p.dport];
      const info = flowInfo(flows.size, client, server, p.frame);
      info.start = p.time;
      streamOf.set(info.id, p.stream);
      f = { info, decoder: factory({ flow: info, emit: (m) => messages.push(m), options }), next: {} };
      flows.set(p.stream, f);
    }
    const dir: Direction = p.src === f.info.clientIp && p.sport === f.info.clientPort ? 'c2s' : 's2c';
    let bytes = fromHex(p.hex);
    const expected = f.next[dir];
    if (expected !== undefined) {
      const ahead = (p.seq - expected) | 0;
      if (ahead > 0) f.decoder.gap(dir, ahead, p.frame, p.time);
      else if (ahead < 0) {
        if (-ahead >= bytes.length) continue; // retransmission of bytes already delivered
        bytes = bytes.subarray(-ahead);
      }
    }
    f.next[dir] = (p.seq + p.hex.length / 2) | 0;
    f.decoder.data(dir, bytes, p.frame, p.time);
  }
  for (const f of flows.values()) f.decoder.end();
  return { messages, streamOf };
}

/** A decoder bound to a synthetic flow, collecting what it emits. */
export function harness(factory: StreamDecoderFactory, options: { showSecrets?: boolean; keepRaw?: boolean } = {}) {
  const messages: DecodedMessage[] = [];
  const info = flowInfo(0, ['10.0.0.5', 50000], ['10.0.0.1', 2809]);
  const decoder = factory({ flow: info, emit: (m) => messages.push(m), options });
  return { messages, decoder, info };
}

/**
 * Bounded fuzz of a stream decoder: `rounds` chunks, each random bytes, a sample with one byte changed or a
 * sample as is, in either direction, fed in random segments of 1..maxSegment bytes, sometimes after a gap.
 * `rand(n)` is the caller's seeded generator (0..n-1), so a failure replays.
 */
export function feedRandomStream(
  decoder: StreamDecoder,
  samples: Uint8Array[],
  rand: (n: number) => number,
  rounds: number,
  maxSegment: number,
): void {
  for (let i = 0; i < rounds; i++) {
    const dir = rand(2) === 0 ? 'c2s' : 's2c';
    const kind = rand(5);
    let b: Uint8Array;
    if (kind === 0) b = Uint8Array.from({ length: rand(200) }, () => rand(256));
    else {
      b = samples[rand(samples.length)].slice();
      if (kind === 1) b[rand(b.length)] = rand(256);
    }
    if (rand(20) === 0) decoder.gap(dir, 1 + rand(50), i, i);
    let o = 0;
    while (o < b.length) {
      const n = 1 + rand(maxSegment);
      decoder.data(dir, b.subarray(o, o + n), i, i);
      o += n;
    }
  }
  decoder.end();
}
