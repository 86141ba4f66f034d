// The analyzer keeps no decoded message, so `analyze` tells the decoders to hold none after emitting it
// (DecodeOptions.forgetEmitted: pairing keeps frame, time and type, not the request; no last message is kept
// for leftover anomalies). The document must not change for it: on every sample and public fixture it is the
// one built while the decoders hold and complete every message, as `decode` and the UI have them do.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/pipeline-node.js';

const root = join(__dirname, '..', '..');
const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(root, 'samples', f));
const fixtures = readdirSync(join(root, 'test', 'fixtures', 'public')).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).map((f) => join(root, 'test', 'fixtures', 'public', f));

describe('decoders that forget emitted messages give the same analysis', () => {
  it.each([...samples, ...fixtures])('%s', async (file) => {
    const kept = await analyzeFiles([file], { analyze: true, decode: { forgetEmitted: false } });
    const forgot = await analyzeFiles([file], { analyze: true, decode: { forgetEmitted: true } });
    expect(kept.doc).toBeDefined();
    expect(JSON.stringify(forgot.doc)).toBe(JSON.stringify(kept.doc));
    expect(forgot.flowStats).toEqual(kept.flowStats);
  });

  it('analyze leaves the decoders holding no message unless someone keeps them', async () => {
    // Counted through the messages a caller sees: with onMessage every request is completed by its reply.
    const seen: { type: string; pairedFrame?: number; direction: string }[] = [];
    const file = samples.find((f) => f.endsWith('/cad-login-ok.pcapng'))!;
    await analyzeFiles([file], { analyze: true, onMessage: (m) => seen.push(m) });
    const requests = seen.filter((m) => m.type === 'OPEN_REQ');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((m) => m.pairedFrame !== undefined)).toBe(true);
  });
});
