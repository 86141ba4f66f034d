// Small fixes met on the way: the login-duration histogram's integer ticks, and merged captures said as such.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '../../src/capture/source-node.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { integerTicks } from '../../ui/src/summary.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ctiscope.js');

describe('login-duration histogram', () => {
  it('has whole-number ticks only, never repeated', () => {
    expect(integerTicks(1, 4)).toEqual([0, 1]);
    expect(integerTicks(3, 4)).toEqual([0, 1, 2, 3]);
    expect(integerTicks(10, 4)).toEqual([0, 3, 6, 9]);
    for (let max = 0.2; max < 60; max += 0.7) {
      const t = integerTicks(max, 4);
      expect(t.every(Number.isInteger)).toBe(true);
      expect(new Set(t).size).toBe(t.length);
      expect(t.length).toBeLessThanOrEqual(5);
    }
  });
});

describe('two captures from different days', () => {
  it('are said to be merged, each with its own span, in the report header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-merged-'));
    const later = join(dir, 'a-week-later.pcapng');
    // The licence-refused sample again, six days later.
    const w = new PcapngWriter({ tsResolution: 'us' });
    const ifaces = new Map<number, number>();
    await readCaptureFile(join(root, 'samples', 'licence-refused.pcapng'), {
      packet(p) {
        if (!ifaces.has(p.linkType)) ifaces.set(p.linkType, w.addInterface(p.linkType));
        w.writePacket(ifaces.get(p.linkType)!, p.time + 6 * 86400, p.data.slice(), { origLen: p.origLen });
      },
    });
    writeFileSync(later, w.toBytes());
    const r = spawnSync(process.execPath, [bin, 'analyze', join(root, 'samples', 'cad-login-ok.pcapng'), later], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const header = r.stdout.split('\n').slice(0, 3).join('\n');
    expect(header).toMatch(/2 captures merged in time order: .*cad-login-ok\.pcapng: 2024-03-12 08:00:00 UTC to 2024-03-12 08:01:01 UTC \(1 min, 65 packets\); .*a-week-later\.pcapng: 2024-03-18 08:00:00 UTC to 2024-03-18 08:00:00 UTC \(0\.7 s, 30 packets\); 6\.0 days between them has no packets/);
    // Said once, in the report, not as a warning on stderr.
    expect(r.stderr).not.toMatch(/merged/);
    const doc = JSON.parse(spawnSync(process.execPath, [bin, 'analyze', join(root, 'samples', 'cad-login-ok.pcapng'), later, '--json'], { encoding: 'utf8' }).stdout);
    expect(doc.source.warnings.map((x: { code: string }) => x.code)).toContain('merged-captures');
  });
});
