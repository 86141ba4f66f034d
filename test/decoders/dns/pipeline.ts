/**
 * Test support: runs a public fixture through the real pipeline (capture reader → flow tracker →
 * one protocol's StreamDecoderFactory) and returns the decoded messages, for one-for-one comparison
 * with tshark's `ops` in the fixture's expected JSON.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureBytes } from '../../../src/capture/reader.js';
import { createFlowTracker } from '../../../src/decoders/net/index.js';
import type { DecodedMessage, FlowInfo, StreamDecoderFactory } from '../../../src/decoders/types.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'public');

export interface PipelineOptions {
  /** The decoder for a flow, or null to ignore it. */
  pick(flow: FlowInfo): StreamDecoderFactory | null;
  serverPorts: number[];
  keepRaw?: boolean;
  /** Flow tracker idle timeout (seconds); tshark has none. */
  idleTimeout?: number;
}

export function decodeFixture(fixture: string, opts: PipelineOptions): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const tracker = createFlowTracker({
    isServerPort: (p) => opts.serverPorts.includes(p),
    idleTimeout: opts.idleTimeout,
    factory: (flow) => {
      const factory = opts.pick(flow);
      if (!factory) return null;
      const d = factory({ flow, emit: (m) => out.push(m), options: { keepRaw: opts.keepRaw } });
      return { data: (dir, b, f, t) => d.data(dir, b, f, t), gap: (dir, n, f, t) => d.gap(dir, n, f, t), end: () => d.end() };
    },
  });
  readCaptureBytes(new Uint8Array(readFileSync(join(fixtures, fixture))), { packet: (p) => tracker.packet(p) }, { file: fixture });
  tracker.finish();
  return out;
}

/** Picks `factory` for flows with one of `ports` on either side, of the given transport(s). */
export function byPort(ports: number[], factories: { tcp?: StreamDecoderFactory; udp?: StreamDecoderFactory }): (f: FlowInfo) => StreamDecoderFactory | null {
  return (f) => (ports.includes(f.serverPort) || ports.includes(f.clientPort) ? factories[f.transport] ?? null : null);
}
