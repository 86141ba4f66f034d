/**
 * Streaming behaviour: cuts at every offset, zero-copy fast path, and bounded fuzzing with random and
 * mutated inputs (only CaptureError may escape; every read finishes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCaptureReader, readCaptureBytes } from '../../src/capture/reader.js';
import { CaptureError, type CapturedPacket } from '../../src/capture/types.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { concat, payload, pcapHeader, pcapRecord, readAll, readChunked } from './vectors.js';

const DIR = join(import.meta.dirname, '../fixtures/public');
const fixture = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

describe('truncation', () => {
  it('a pcap cut at every offset delivers the whole records before the cut and names the cut record start', () => {
    const recs = [pcapRecord(true, 10, 1, payload(1, 50)), pcapRecord(true, 11, 2, payload(2, 7)), pcapRecord(true, 12, 3, payload(3, 33))];
    const full = concat(pcapHeader({ le: true }), ...recs);
    const starts = [0, 24, 24 + recs[0].length, 24 + recs[0].length + recs[1].length, full.length];
    for (let cut = 4; cut <= full.length; cut++) {
      if (cut < 24) {
        // Inside the file header: bad input, not a short capture.
        expect(() => readAll(full.subarray(0, cut), 'cut.pcap')).toThrow(/cut\.pcap: input ends inside the file header/);
        continue;
      }
      const r = readAll(full.subarray(0, cut), 'cut.pcap');
      const complete = starts.filter((s, i) => i > 0 && s <= cut).length - 1; // records fully present
      expect(r.summary.packets).toBe(Math.max(0, complete));
      const atBoundary = starts.includes(cut);
      expect(r.summary.truncated).toBe(!atBoundary);
      if (!atBoundary) {
        const recordStart = Math.max(...starts.filter((s) => s < cut));
        const w = r.warnings.find((x) => x.code === 'truncated-record');
        expect(w?.offset).toBe(recordStart);
        expect(w?.message).toContain(`cut.pcap: input ends inside a record`);
        expect(w?.message).toContain(`starts at byte ${recordStart}`);
      }
    }
  });

  it('a real pcapng cut at many offsets keeps every packet before the cut, in 1-byte pushes too', () => {
    const bytes = fixture('pcapplusplus__many_interfaces-1.pcapng');
    const whole = readAll(bytes);
    const sectionHeader = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    expect(() => readAll(bytes.subarray(0, sectionHeader - 1))).toThrow(CaptureError);
    for (let cut = sectionHeader + 12; cut < bytes.length; cut += 331) {
      const a = readAll(bytes.subarray(0, cut));
      const b = readChunked(bytes.subarray(0, cut), [1]);
      expect(b.packets).toEqual(a.packets);
      expect(b.summary).toEqual(a.summary);
      expect(a.packets).toEqual(whole.packets.slice(0, a.packets.length));
      expect(a.summary.truncated).toBe(true);
      expect(a.warnings.at(-1)?.code).toBe('truncated-record');
      expect(a.warnings.at(-1)!.offset!).toBeLessThan(cut);
    }
  });
});

describe('zero copy', () => {
  it('hands out views into the pushed chunk and reuses one packet object', () => {
    const bytes = concat(pcapHeader({ le: true }), pcapRecord(true, 1, 0, payload(1, 40)), pcapRecord(true, 2, 0, payload(2, 40)));
    const objects = new Set<CapturedPacket>();
    const buffers = new Set<ArrayBufferLike>();
    readCaptureBytes(bytes, {
      packet: (p) => {
        objects.add(p);
        buffers.add(p.data.buffer);
      },
    });
    expect(objects.size).toBe(1);
    expect([...buffers]).toEqual([bytes.buffer]);
  });
});

describe('a large capture in chunks', () => {
  // Its speed is measured by the bench against tshark (npm run bench), never asserted here.
  it('reads 200k EPBs (≈110 MB) fed in 1 MiB chunks, every packet whole', () => {
    const w = new PcapngWriter({ chunkSize: 1 << 22 });
    const iface = w.addInterface(1);
    const data = payload(1, 534);
    for (let i = 0; i < 200_000; i++) w.writePacket(iface, 1_700_000_000 + i * 1e-4, data);
    const bytes = w.toBytes();
    let n = 0;
    let sum = 0;
    // 1 MiB chunks, as source-node reads them.
    const reader = createCaptureReader({
      packet: (p) => {
        n++;
        sum += p.caplen;
      },
    });
    for (let at = 0; at < bytes.length; at += 1 << 20) reader.push(bytes.subarray(at, at + (1 << 20)));
    reader.end();
    expect(n).toBe(200_000);
    expect(sum).toBe(200_000 * 534);
  });
});
