// bench/shard-run.mjs, the shard of bench/core-scaling.mjs, as that script runs it: the two shards of a capture
// decode every packet once between them, and together see every flow and message of the whole decode (the
// routing keeps each flow, both directions, in one shard), so the scaling it reports is of the same work.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
interface ShardLine {
  shard: number;
  shards: number;
  packets: number;
  own: number;
  events: number;
  seconds: number;
  cpu: number;
}
const run = (file: string, shard: number, shards: number): ShardLine =>
  JSON.parse(execFileSync(process.execPath, [join(root, 'bench', 'shard-run.mjs'), file, String(shard), String(shards)], { encoding: 'utf8' }));

const files = ['cti-standby-failover-noisy.pcapng', 'span-many-agents-noisy.pcapng', 'pg-span-500.pcapng'].map((f) => join(root, 'samples', f));

describe('bench/shard-run.mjs', () => {
  it.each(files)('two shards of %s make up the whole decode', (file) => {
    const whole = run(file, 0, 1);
    const a = run(file, 0, 2);
    const b = run(file, 1, 2);
    expect(whole.own).toBe(whole.packets);
    expect(whole.events).toBeGreaterThan(0);
    for (const s of [a, b]) {
      expect(s.packets).toBe(whole.packets);
      expect(s.own).toBeGreaterThan(0);
      expect(s.cpu).toBeGreaterThan(0);
    }
    expect(a.own + b.own).toBe(whole.packets);
    expect(a.events + b.events).toBe(whole.events);
  });
});
