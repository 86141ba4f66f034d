/**
 * The bench's mixed SPAN workload (src/lab/synth/mixed.ts): the same bytes for the same seed, and the shape
 * it promises (HTTP on 80, TLS on 443, opaque on 40000–40999 in about 30/40/30 shares, ~40 flows per 1,000
 * packets), as our flow tracker and tshark read it.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { createFlowTracker } from '../../src/decoders/net/index.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import { buildMixedCapture } from '../../src/lab/synth/mixed.js';

function build(seed: number, packets: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  const r = buildMixedCapture({ seed, targetPackets: packets, onChunk: (c) => chunks.push(c.slice()) });
  expect(r.packets).toBe(packets);
  return Buffer.concat(chunks);
}

describe('mixed SPAN capture generator', () => {
  const bytes = build(5, 50_000);

  it('is deterministic by seed', () => {
    expect(Buffer.compare(build(5, 50_000), bytes)).toBe(0);
    expect(Buffer.compare(build(6, 50_000), bytes)).not.toBe(0);
  });

  it('has the promised mix of flows', () => {
    const records: FlowRecord[] = [];
    const tracker = createFlowTracker({ onFlowEnd: (r) => records.push(r) });
    let packets = 0;
    readCaptureBytes(bytes, {
      packet(p) {
        packets++;
        tracker.packet(p);
      },
    });
    const stats = tracker.finish();
    expect(packets).toBe(50_000);
    expect(stats.malformed).toBe(0);
    expect(stats.udpFlows).toBe(0);
    // ~40 flows per 1,000 packets once the 600 concurrent ones of the start are amortised.
    expect(stats.tcpFlows).toBeGreaterThan(1_500);
    expect(stats.tcpFlows).toBeLessThan(3_500);
    const share = (pred: (r: FlowRecord) => boolean) => records.filter(pred).length / records.length;
    expect(share((r) => r.serverPort === 80)).toBeGreaterThan(0.25);
    expect(share((r) => r.serverPort === 80)).toBeLessThan(0.35);
    expect(share((r) => r.serverPort === 443)).toBeGreaterThan(0.35);
    expect(share((r) => r.serverPort === 443)).toBeLessThan(0.45);
    expect(share((r) => r.serverPort >= 40000 && r.serverPort <= 40999)).toBeGreaterThan(0.25);
    expect(share((r) => r.serverPort >= 40000 && r.serverPort <= 40999)).toBeLessThan(0.35);
    // Heavy tail: some flows carry tens of kilobytes from the server, most far less.
    const big = share((r) => r.payloadBytes.s2c > 50_000);
    expect(big).toBeGreaterThan(0.01);
    expect(big).toBeLessThan(0.5);
    // Refused and unanswered connections, a few per cent.
    expect(share((r) => r.state === 'REJ' || r.state === 'S0')).toBeGreaterThan(0.005);
  });

  it('tshark reads the same TCP conversations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-mixed-'));
    try {
      const file = join(dir, 'mixed.pcapng');
      writeFileSync(file, bytes);
      const out = execFileSync('tshark', ['-r', file, '-q', '-z', 'conv,tcp'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const conversations = out.split('\n').filter((l) => l.includes('<->')).length;
      const tracker = createFlowTracker();
      readCaptureBytes(bytes, { packet: (p) => tracker.packet(p) });
      expect(conversations).toBe(tracker.finish().tcpFlows);
      const bad = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-Y', 'tcp.checksum.status == 0 || ip.checksum.status == 0', '-o', 'ip.check_checksum:TRUE'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(bad.trim()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
