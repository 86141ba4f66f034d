/**
 * The readers hand each packet in place (ReaderPacket: buffer, start, end, the chunk it lies in) and the flow
 * tracker reads it there, making no view per packet. Every flow record and every byte and gap delivered must be
 * those of the same packets handed as copies of their own bytes, on real captures: the bundled samples and the
 * public fixtures (Ethernet, VLAN, SLL, raw IP, loopback, fragments, ICMP errors, IPv6, damaged files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CapturedPacket } from '../../../src/capture/types.js';
import { readCaptureBytes } from '../../../src/capture/reader.js';
import { ReaderPacket } from '../../../src/capture/record-parser.js';
import type { FlowRecord } from '../../../src/decoders/types.js';
import { recordingTracker } from './packets.js';

const ROOT = join(__dirname, '..', '..', '..');
const FILES = [
  ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(ROOT, 'samples', f)),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'test', 'fixtures', 'public', f)),
];

function track(file: string, copies: boolean): { records: FlowRecord[]; streams: string[]; inPlace: number } {
  const { tracker, records, consumers } = recordingTracker({ maxFlows: 64 });
  let inPlace = 0;
  const packet = (p: CapturedPacket): void => {
    if (p instanceof ReaderPacket) inPlace++;
    if (!copies) return tracker.packet(p);
    // A copy as a consumer that keeps packets makes it: the chunk the reader points into is not carried over.
    const copy = { ...p, data: p.data.slice() };
    expect(Object.keys(copy).sort()).toEqual(['caplen', 'comment', 'data', 'frame', 'interfaceId', 'linkType', 'origLen', 'time']);
    tracker.packet(copy);
  };
  try {
    readCaptureBytes(new Uint8Array(readFileSync(file)), { packet }, { file });
  } catch {
    // A damaged fixture: what was read before the damage is compared.
  }
  tracker.finish();
  return { records, streams: consumers.map((c) => `${c.info.id} ${c.stream('c2s')} | ${c.stream('s2c')}`), inPlace };
}

describe('packets read in place give what their own copies give', () => {
  for (const file of FILES) {
    it(file.slice(ROOT.length + 1), () => {
      const inPlace = track(file, false);
      const copied = track(file, true);
      expect(inPlace.inPlace).toBeGreaterThan(0);
      expect(inPlace.records).toEqual(copied.records);
      expect(inPlace.streams).toEqual(copied.streams);
    });
  }
});
