/**
 * Test support for ctiscope's supporting decoders (DNS, TLS, SIP, Skinny): replays payload vectors that
 * were extracted once from the public fixtures with `tshark -T fields -e tcp.payload -e udp.payload`
 * (stored as JSON next to each test) through a StreamDecoderFactory, one flow per tshark stream.
 * TCP segments are put back in sequence order and repeated bytes dropped, as the flow tracker will.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodedMessage, Direction, FlowInfo, StreamDecoderFactory } from '../../../src/decoders/types.js';

export interface VectorPacket {
  frame: number;
  time: number;
  transport: 'tcp' | 'udp';
  stream: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  hex: string;
}

export interface VectorFile {
  fixture: string;
  packets: VectorPacket[];
}

const here = dirname(fileURLToPath(import.meta.url));

export function loadVectors(proto: string, fixture: string): VectorFile {
  return JSON.parse(readFileSync(join(here, '..', proto, 'vectors', `${fixture}.json`), 'utf8')) as VectorFile;
}

export function loadExpectedOps(fixture: string, key: string): Record<string, string>[] {
  const path = join(here, '..', '..', 'fixtures', 'public', 'expected', `${fixture}.json`);
  const j = JSON.parse(readFileSync(path, 'utf8')) as { ops: Record<string, Record<string, string>[]> };
  return j.ops[key] ?? [];
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

const endpoint = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export interface ReplayOptions {
  /** Ports that mark the server side; otherwise the first packet's sender is the client. */
  serverPorts: number[];
  keepRaw?: boolean;
}

/** Feeds every flow of the vector file to a fresh decoder from `factory`; returns all messages in emit order. */
export function replay(v: VectorFile, factory: StreamDecoderFactory, opts: ReplayOptions): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  interface Flow {
    info: FlowInfo;
    decoder: ReturnType<StreamDecoderFactory>;
    next: Partial<Record<Direction, number>>;
  }
  const flows = new Map<string, Flow>();
  let nextId = 0;
  for (const p of v.packets) {
    const key = `${p.transport}/${p.stream}`;
    let f = flows.get(key);
    if (!f) {
      const fromServer = opts.serverPorts.includes(p.sport) && !opts.serverPorts.includes(p.dport);
      const [cip, cport, sip, sport] = fromServer ? [p.dst, p.dport, p.src, p.sport] : [p.src, p.sport, p.dst, p.dport];
      const info: FlowInfo = {
        id: nextId++,
        transport: p.transport,
        clientIp: cip,
        clientPort: cport,
        serverIp: sip,
        serverPort: sport,
        client: endpoint(cip, cport),
        server: endpoint(sip, sport),
        roleBy: fromServer ? 'port' : 'first-packet',
        firstFrame: p.frame,
        start: p.time,
      };
      f = { info, decoder: factory({ flow: info, emit: (m) => out.push(m), options: { keepRaw: opts.keepRaw } }), next: {} };
      flows.set(key, f);
    }
    const dir: Direction = p.src === f.info.clientIp && p.sport === f.info.clientPort ? 'c2s' : 's2c';
    let bytes = fromHex(p.hex);
    if (p.transport === 'tcp' && p.seq !== undefined) {
      const expected = f.next[dir];
      if (expected !== undefined) {
        const ahead = (p.seq - expected) | 0;
        if (ahead > 0) {
          // Out of order in the capture: the vectors hold each direction in sequence order
          // except for retransmissions, so a later segment arriving first is delivered after a gap.
          f.decoder.gap(dir, ahead, p.frame, p.time);
        } else if (ahead < 0) {
          if (-ahead >= bytes.length) continue; // a retransmission of bytes already delivered
          bytes = bytes.subarray(-ahead);
        }
      }
      f.next[dir] = (p.seq + p.hex.length / 2) | 0;
    }
    f.decoder.data(dir, bytes, p.frame, p.time);
  }
  for (const f of flows.values()) f.decoder.end();
  return out;
}
