/**
 * lazyConsumers (the classify-only pipeline of `ctiscope flows`): a flow's FlowInfo and dispatch are made at its
 * first payload or at its end instead of at its start. Every record and every classification must be the ones
 * made with them at the start, in the same order, on real captures: the bundled samples (TCP with payload,
 * resets, content detection) and the public fixtures (fragments, ICMP errors, IPv6, damaged files), with the
 * flow table bounded low enough that flows are evicted too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../../src/capture/reader.js';
import { createDispatcher } from '../../../src/decoders/dispatch.js';
import { createFlowTracker } from '../../../src/decoders/net/index.js';
import { DEFAULT_PROFILES, PortMap, type FlowClassification } from '../../../src/decoders/profile.js';
import { DEFAULT_REGISTRY } from '../../../src/decoders/registry.js';
import type { FlowInfo, FlowRecord } from '../../../src/decoders/types.js';

const ROOT = join(__dirname, '..', '..', '..');
const FILES = [
  ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(ROOT, 'samples', f)),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'test', 'fixtures', 'public', f)),
];

interface Ended {
  record: FlowRecord;
  cls: FlowClassification | undefined;
}

function classify(file: string, lazyConsumers: boolean, maxFlows?: number): { ended: Ended[]; made: FlowInfo[] } {
  const portMap = new PortMap(DEFAULT_PROFILES, []);
  const ended: Ended[] = [];
  const made: FlowInfo[] = [];
  const dispatcher = createDispatcher({
    registry: DEFAULT_REGISTRY,
    portMap,
    decode: {},
    classifyOnly: true,
    emit: () => {
      throw new Error('classification decodes nothing');
    },
    flowEnd: (record, cls) => ended.push({ record, cls }),
  });
  const tracker = createFlowTracker({
    factory: (info) => {
      made.push(info);
      return dispatcher(info);
    },
    isServerPort: (port) => portMap.has(port),
    lazyConsumers,
    maxFlows,
  });
  try {
    readCaptureBytes(new Uint8Array(readFileSync(file)), { packet: (p) => tracker.packet(p) }, { file });
  } catch {
    // A damaged fixture: what was read before the damage is compared.
  }
  tracker.finish();
  return { ended, made };
}

describe('lazyConsumers gives the records and classifications of consumers made at the start', () => {
  it('covers flows with and without payload, TCP and UDP, content detection', () => {
    const all = FILES.flatMap((f) => classify(f, true).ended);
    expect(all.some((e) => e.record.transport === 'tcp' && e.record.payloadBytes.c2s > 0)).toBe(true);
    expect(all.some((e) => e.record.payloadBytes.c2s + e.record.payloadBytes.s2c === 0)).toBe(true);
    expect(all.some((e) => e.record.transport === 'udp')).toBe(true);
    expect(all.some((e) => e.cls?.detectedBy === 'content')).toBe(true);
    expect(all.some((e) => e.record.icmpErrors.length > 0)).toBe(true);
  });

  for (const file of FILES) {
    it(file.slice(ROOT.length + 1), () => {
      for (const maxFlows of [undefined, 16]) {
        const eager = classify(file, false, maxFlows);
        const lazy = classify(file, true, maxFlows);
        expect(lazy.ended).toEqual(eager.ended);
        // One dispatch per flow either way: at its first payload, or at its end from its record.
        expect(lazy.made.length).toBe(eager.made.length);
      }
    });
  }
});
