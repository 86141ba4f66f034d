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
    for (let cut = 12; cut < bytes.length; cut += 331) {
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

describe('speed', () => {
  it('reads 200k EPBs (≈110 MB) quickly', () => {
    const w = new PcapngWriter({ chunkSize: 1 << 22 });
    const iface = w.addInterface(1);
    const data = payload(1, 534);
    for (let i = 0; i < 200_000; i++) w.writePacket(iface, 1_700_000_000 + i * 1e-4, data);
    const bytes = w.toBytes();
    let n = 0;
    let sum = 0;
    const t0 = performance.now();
    // 1 MiB chunks, as source-node reads them.
    const reader = createCaptureReader({
      packet: (p) => {
        n++;
        sum += p.caplen;
      },
    });
    for (let at = 0; at < bytes.length; at += 1 << 20) reader.push(bytes.subarray(at, at + (1 << 20)));
    reader.end();
    const ms = performance.now() - t0;
    expect(n).toBe(200_000);
    expect(sum).toBe(200_000 * 534);
    // ~5× the budget of "1M packets in well under a second": generous for slow CI machines.
    expect(ms).toBeLessThan(1000);
  });
});

describe('fuzzing (bounded)', () => {
  /** Reads in one push and in small pushes; only CaptureError may escape. */
  function survive(bytes: Uint8Array): void {
    for (const chunks of [[bytes.length || 1], [3, 17]]) {
      try {
        readChunked(bytes, chunks);
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
      }
    }
  }

  it('random bytes behind a valid magic never throw anything but CaptureError', () => {
    const magics = [
      [0xd4, 0xc3, 0xb2, 0xa1],
      [0xa1, 0xb2, 0x3c, 0x4d],
      [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.uint8Array({ maxLength: 600 }), (m, rest) => {
        survive(concat(Uint8Array.from(magics[m]), rest));
      }),
      { numRuns: Number(process.env.CAPTURE_FUZZ_RUNS ?? 300), seed: 42 },
    );
  });

  it('mutated fixtures never throw anything but CaptureError', () => {
    const sources = [
      'pcapng-testgen__le_test202.pcapng',
      'pcapng-testgen__be_test202.pcapng',
      'ndpi__avast_securedns.pcapng',
      'pcapplusplus__ldap.pcapng',
      'tcpdump__tcp-handshake-nano.pcap',
      'pcapplusplus__nanosecs_big_endian.pcap',
    ].map(fixture);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (which, edits, cutSeed) => {
          const bytes = sources[which].slice();
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          survive(bytes.subarray(0, bytes.length - (cutSeed % 64)));
        },
      ),
      { numRuns: Number(process.env.CAPTURE_FUZZ_RUNS ?? 250), seed: 7 },
    );
  });
});
