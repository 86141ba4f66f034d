// Test captures made from the samples: a sample's packets, kept (copied), some of its frames written anew, and a
// frame with an address changed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBytes } from '../src/capture/reader.js';
import { PcapngWriter } from '../src/capture/writer.js';
import type { CapturedPacket } from '../src/capture/types.js';

/** Every packet of samples/`sample`, each with its own copy of the bytes. */
export function packetsOf(sample: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  readCaptureBytes(new Uint8Array(readFileSync(join(__dirname, '..', 'samples', sample))), { packet: (p) => out.push({ ...p, data: p.data.slice() }) });
  return out;
}

/** Packets written, in the order given, as a new pcapng `name` in a new folder (Ethernet, µs); returns its path. */
export function writePackets(name: string, packets: readonly CapturedPacket[]): string {
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(packets[0].linkType, { snaplen: 65535 });
  for (const p of packets) w.writePacket(iface, p.time, p.data);
  const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-sample-')), name);
  writeFileSync(file, w.toBytes());
  return file;
}

/** samples/`sample` with only the frames `keep` takes (1-based, as tshark numbers them), as a new pcapng `name` in a new folder. */
export function writeSampleFrames(sample: string, name: string, keep: (frame: number, data: Uint8Array) => boolean): string {
  const w = new PcapngWriter({ tsResolution: 'us' });
  let iface = -1;
  readCaptureBytes(new Uint8Array(readFileSync(join(__dirname, '..', 'samples', sample))), {
    packet(p) {
      if (iface < 0) iface = w.addInterface(p.linkType, { snaplen: 65535 });
      if (keep(p.frame, p.data)) w.writePacket(iface, p.time, p.data.slice());
    },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-sample-')), name);
  writeFileSync(file, w.toBytes());
  return file;
}

function checksum(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** An Ethernet/IPv4 frame with one address replaced, its IP and TCP/UDP checksums made right again. */
export function rewriteAddress(data: Uint8Array, from: number[], to: number[]): Uint8Array {
  const b = data.slice();
  if (b[12] !== 0x08 || b[13] !== 0x00) return b;
  const ip = 14;
  const ihl = (b[ip] & 15) * 4;
  for (const at of [ip + 12, ip + 16]) if (from.every((x, i) => b[at + i] === x)) b.set(to, at);
  b[ip + 10] = b[ip + 11] = 0;
  const c = ~checksum(b, ip, ip + ihl) & 0xffff;
  b[ip + 10] = c >> 8;
  b[ip + 11] = c & 0xff;
  const proto = b[ip + 9];
  const l4 = ip + ihl;
  const end = ip + ((b[ip + 2] << 8) | b[ip + 3]);
  const at = proto === 6 ? 16 : proto === 17 ? 6 : -1;
  if (at < 0 || end > b.length) return b;
  b[l4 + at] = b[l4 + at + 1] = 0;
  const pseudo = checksum(b, ip + 12, ip + 20) + proto + (end - l4);
  let s = ~checksum(b, l4, end, pseudo) & 0xffff;
  if (proto === 17 && s === 0) s = 0xffff;
  b[l4 + at] = s >> 8;
  b[l4 + at + 1] = s & 0xff;
  return b;
}
