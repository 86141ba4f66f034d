/**
 * The short deterministic fuzz round CI runs (the long one is `npm run fuzz -- --seconds N`): 300 mutants of
 * the samples and test fixtures, fixed seed, each run in process through reader, flows, every decoder, the
 * timeline and the JSON writer. None may throw anything but a CaptureError (refused input).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATORS, Random, mutate, recordOffsets } from '../src/fuzz/mutate.js';
import { runOne } from '../src/fuzz/run-one.js';

const ROOT = join(__dirname, '..');
const inputs = [
  ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(ROOT, 'samples', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'test/fixtures/public', f)),
].map((p) => new Uint8Array(readFileSync(p)));

describe('fuzz round', () => {
  it('the mutators are deterministic and each changes its input', () => {
    const base = inputs[0];
    expect(recordOffsets(base).length).toBeGreaterThan(10);
    for (const [name, m] of Object.entries(MUTATORS)) {
      const a = m(base, new Random(7), inputs);
      const b = m(base, new Random(7), inputs);
      expect(Buffer.from(a).equals(Buffer.from(b)), name).toBe(true);
      expect(Buffer.from(a).equals(Buffer.from(base)), name).toBe(false);
    }
  });

  it('300 mutants, seed 15: each is read or refused, none fails', () => {
    const r = new Random(15);
    const results = { read: 0, refused: 0, failed: 0 };
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const { bytes, ops } = mutate(inputs[r.int(inputs.length)], r, inputs);
      const out = runOne(bytes);
      results[out.result]++;
      if (out.result === 'failed') failures.push(`case ${i} (${ops.join(', ')}): ${String((out.error as Error)?.stack ?? out.error)}`);
    }
    expect(failures).toEqual([]);
    // The round reaches the decoders (most mutants still read) and the reader's refusals (some do not).
    expect(results.read).toBeGreaterThan(150);
    expect(results.refused).toBeGreaterThan(0);
  });

  it('a failure inside the pipeline is reported as failed, not as bad input', () => {
    const bytes = inputs[0];
    const orig = JSON.parse;
    JSON.parse = () => {
      throw new RangeError('Invalid string length');
    };
    try {
      expect(runOne(bytes).result).toBe('failed');
    } finally {
      JSON.parse = orig;
    }
  });
});
