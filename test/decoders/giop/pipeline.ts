/**
 * Fixture-level decoding: capture bytes → capture reader → flow tracker → a protocol's stream decoder,
 * the same path the CLI takes (without the dispatcher, so the protocol is chosen by the test).
 */
import { readFileSync } from 'node:fs';
import { readCaptureBytes } from '../../../src/capture/reader.js';
import { createFlowTracker } from '../../../src/decoders/net/index.js';
import type { DecodedMessage, FlowInfo, FlowRecord, StreamDecoderFactory } from '../../../src/decoders/types.js';
import { fixturePath } from './vectors.js';

export interface PipelineResult {
  messages: DecodedMessage[];
  flows: FlowRecord[];
}

export function decodeCaptureFile(
  fixture: string,
  factory: StreamDecoderFactory,
  wants: (flow: FlowInfo) => boolean,
  options: { showSecrets?: boolean; keepRaw?: boolean } = {},
): PipelineResult {
  const messages: DecodedMessage[] = [];
  const flows: FlowRecord[] = [];
  const tracker = createFlowTracker({
    factory: (info) => {
      if (info.transport !== 'tcp' || !wants(info)) return null;
      const decoder = factory({ flow: info, emit: (m) => messages.push(m), options });
      return {
        data: (dir, bytes, frame, time) => decoder.data(dir, bytes, frame, time),
        gap: (dir, length, frame, time) => decoder.gap(dir, length, frame, time),
        end: () => decoder.end(),
      };
    },
    onFlowEnd: (r) => flows.push(r),
  });
  readCaptureBytes(new Uint8Array(readFileSync(fixturePath(fixture))), { packet: (p) => tracker.packet(p) });
  tracker.finish();
  messages.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
  return { messages, flows };
}
