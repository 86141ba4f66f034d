// PipelineOptions.decodeFlow (the browser's pass for one host's messages): the flows it accepts give exactly the
// messages a full decode gives them, in the same order, and no other flow is decoded.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/pipeline-node.js';
import type { DecodedMessage } from '../src/decoders/types.js';
import { hostOf } from '../src/timeline/format.js';

const root = join(__dirname, '..');

describe('decodeFlow', () => {
  it.each(['span-many-agents-noisy.pcapng', 'ctios-server.pcapng', 'licence-refused-noisy.pcapng'])('%s: one host’s messages, as a full decode gives them', async (name) => {
    const file = join(root, 'samples', name);
    const all: DecodedMessage[] = [];
    await analyzeFiles([file], { decode: { keepRaw: true }, onMessage: (m) => all.push(m) });
    const hosts = [...new Set(all.map((m) => hostOf(m.client)))];
    expect(hosts.length).toBeGreaterThan(1);
    for (const host of hosts.slice(0, 3)) {
      const some: DecodedMessage[] = [];
      await analyzeFiles([file], { decode: { keepRaw: true }, decodeFlow: (info) => info.clientIp === host, onMessage: (m) => some.push(m) });
      expect(some.length).toBeGreaterThan(0);
      expect(JSON.stringify(some)).toBe(JSON.stringify(all.filter((m) => hostOf(m.client) === host)));
    }
  });
});
