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

/** Writes `sources` (each with a time shift in seconds) into one pcapng, packets in the order given. */
async function writeShifted(path: string, sources: Array<{ file: string; shift: number }>): Promise<void> {
  const w = new PcapngWriter({ tsResolution: 'us' });
  const ifaces = new Map<number, number>();
  for (const { file, shift } of sources) {
    await readCaptureFile(join(root, 'samples', file), {
      packet(p) {
        if (!ifaces.has(p.linkType)) ifaces.set(p.linkType, w.addInterface(p.linkType));
        w.writePacket(ifaces.get(p.linkType)!, p.time + shift, p.data.slice(), { origLen: p.origLen });
      },
    });
  }
  writeFileSync(path, w.toBytes());
}

describe('captures not in one time order', () => {
  it('two overlapping files are said to be read one after another, not merged in time order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-overlap-'));
    const during = join(dir, 'during.pcapng');
    // licence-refused, starting 10 s into cad-login-ok's minute.
    await writeShifted(during, [{ file: 'licence-refused.pcapng', shift: 10 }]);
    const r = spawnSync(process.execPath, [bin, 'analyze', join(root, 'samples', 'cad-login-ok.pcapng'), during], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const header = r.stdout.split('\n').slice(0, 3).join('\n');
    expect(header).toMatch(/2 captures read one after another in order of their first packet \(their spans overlap, so the packets are not in one time order; merge them with mergecap first\): .*cad-login-ok\.pcapng: .*; .*during\.pcapng: /);
    expect(header).not.toMatch(/merged in time order/);
    const doc = JSON.parse(spawnSync(process.execPath, [bin, 'analyze', join(root, 'samples', 'cad-login-ok.pcapng'), during, '--json'], { encoding: 'utf8' }).stdout);
    const overlap = doc.source.warnings.find((x: { code: string }) => x.code === 'overlapping-files');
    expect(overlap.message).toMatch(/during\.pcapng starts before .*cad-login-ok\.pcapng ends/);
  });

  it('one file appended out of time order (mergecap -a) is warned about, naming the file and frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-appended-'));
    const appended = join(dir, 'appended.pcapng');
    // cad-login-ok's 65 packets, then licence-refused's from a day earlier.
    await writeShifted(appended, [
      { file: 'cad-login-ok.pcapng', shift: 0 },
      { file: 'licence-refused.pcapng', shift: -86400 },
    ]);
    const r = spawnSync(process.execPath, [bin, 'analyze', appended, '--json'], { encoding: 'utf8' });
    const doc = JSON.parse(r.stdout);
    const ooo = doc.source.warnings.filter((x: { code: string }) => x.code === 'out-of-order');
    expect(ooo[0].frame).toBe(66);
    expect(ooo[0].message).toMatch(/appended\.pcapng: frame 66 is \d+\.\d s earlier than a packet before it: .*reordercap/);
    // All 30 of the second capture's packets are behind; the count says so once.
    expect(ooo[1].message).toMatch(/30 packets in all are more than 1 s earlier/);
    // An ordered sample draws no such warning.
    const clean = JSON.parse(spawnSync(process.execPath, [bin, 'analyze', join(root, 'samples', 'cad-login-ok-noisy.pcapng'), '--json'], { encoding: 'utf8' }).stdout);
    expect(clean.source.warnings.map((x: { code: string }) => x.code)).not.toContain('out-of-order');
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
