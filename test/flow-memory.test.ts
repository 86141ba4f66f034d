/**
 * The memory budget per open flow (README, "Scale limits"): a flow no decoder claims costs flow accounting only,
 * at most 1 KB; a claimed flow (a GED-188 session with its unanswered OPEN_REQ held for pairing) is measured and
 * held under its stated budget. Measured by bench/flow-memory.mjs in a child `node --expose-gc`: heap after a
 * full collection with 10,000 flows open, minus the heap before, per flow.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(__dirname, '..', 'bench', 'flow-memory.mjs');

function bytesPerFlow(kind: string): { bytesPerFlow: number; messages: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', script, '--kind', kind, '--flows', '10000'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('heap per open flow (10,000 flows)', () => {
  for (const kind of ['unclaimed', 'udp-unclaimed', 'tcp-unclaimed', 'tcp-syn', 'udp-classify']) {
    it(`${kind}: at most 1 KB per flow`, () => {
      const r = bytesPerFlow(kind);
      expect(r.messages).toBe(0);
      expect(r.bytesPerFlow).toBeGreaterThan(100);
      expect(r.bytesPerFlow).toBeLessThanOrEqual(1024);
    });
  }

  it('ged188 (claimed, one OPEN_REQ awaiting its reply): every message decoded, at most 5 KB per flow', () => {
    const r = bytesPerFlow('ged188');
    expect(r.messages).toBe(10_000);
    expect(r.bytesPerFlow).toBeLessThanOrEqual(5 * 1024);
  });

  it('reset-analyze (through analyze, flows nobody reads that reset and end): their hosts are not kept, under 32 B per flow (205 B before)', () => {
    const r = bytesPerFlow('reset-analyze');
    expect(r.messages).toBe(0);
    expect(r.bytesPerFlow).toBeLessThan(32);
  });

  it('ged188-analyze (the same through analyze: decoders, flow and host state, the step, the CTI session): at most 6 KB per flow', () => {
    const r = bytesPerFlow('ged188-analyze');
    expect(r.messages).toBe(10_000);
    expect(r.bytesPerFlow).toBeLessThanOrEqual(6 * 1024);
  });
});
