// A desktop started twice in one capture: the agent logged in, closed CAD and opened it again two minutes later, and
// the second start-up was refused a licence (or the other way round). Made from two samples on real bytes: the
// licence-refused PC (10.10.20.33) is rewritten to the logged-in one's address (10.10.20.31) and moved two minutes on.
// The outcome is the latest start-up's; the built CLI says which start-up it is and how the other ended.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngWriter } from '../src/capture/writer.js';
import type { CapturedPacket } from '../src/capture/types.js';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { packetsOf, rewriteAddress as rewrite } from './sample-packets.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-restart-'));


/** `first`, then `second` rewritten to 10.10.20.31 and starting `gap` seconds after `first` ends. */
function restart(first: CapturedPacket[], second: CapturedPacket[], gap: number, name: string): string {
  const shift = first[first.length - 1].time + gap - second[0].time;
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(first[0].linkType, { snaplen: 65535 });
  for (const p of first) w.writePacket(iface, p.time, p.data);
  for (const p of second) w.writePacket(iface, p.time + shift, p.data);
  const file = join(dir, name);
  writeFileSync(file, w.toBytes());
  return file;
}

const PC = [10, 10, 20, 31];
const ok = () => packetsOf('cad-login-ok.pcapng');
const refused = () => packetsOf('licence-refused.pcapng').map((p) => ({ ...p, data: rewrite(p.data, [10, 10, 20, 33], PC) }));

function analyze(file: string) {
  const json = spawnSync(process.execPath, [bin, 'analyze', file, '--json'], { encoding: 'utf8' });
  const text = spawnSync(process.execPath, [bin, 'analyze', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: json.status, doc: JSON.parse(json.stdout) as AnalysisDocument, text: text.stdout };
}

describe('a desktop started twice in one capture', () => {
  it('logged in, then refused a licence on restart: failed at licensing, start-up 2 of 2, exit 1', () => {
    const { status, doc, text } = analyze(restart(ok(), refused(), 60, 'ok-then-refused.pcapng'));
    expect(doc.workstations).toHaveLength(1);
    const ws = doc.workstations[0];
    expect(status).toBe(1);
    expect(ws.outcome).toBe('failed');
    expect(ws.failedPhase).toBe('licensing');
    expect(ws.failure?.kind).toBe('licensing-failed');
    expect(ws.startup).toEqual({ index: 2, count: 2, others: [{ index: 1, outcome: 'logged-in', failedPhase: null }] });
    expect(doc.summary.message).toMatch(/^10\.10\.20\.31 \(agent 1031\) failed at licensing in its start-up 2 of 2 \(start-up 1 logged in\): .*NoLicenseAvailable/);
    expect(text).toContain('✗ FAILED at licensing (start-up 2 of 2)');
  });

  it('refused a licence, then logged in on restart: logged in, timed from the second start-up', () => {
    const { status, doc, text } = analyze(restart(refused(), ok(), 120, 'refused-then-ok.pcapng'));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(ws.outcome).toBe('logged-in');
    expect(ws.startup).toEqual({ index: 2, count: 2, others: [{ index: 1, outcome: 'failed', failedPhase: 'licensing' }] });
    // From the second start-up's first step (its LDAP connection), not from two minutes before.
    expect(ws.loginSeconds).toBeGreaterThan(0.5);
    expect(ws.loginSeconds).toBeLessThan(1);
    expect(doc.summary.message).toMatch(/^10\.10\.20\.31 \(agent 1031\) logged in 0\.\d s after its start-up 2 of 2 began \(start-up 1 failed at licensing\)$/);
    expect(text).toMatch(/✓ LOGGED IN in \d+ ms \(start-up 2 of 2\)/);
    // The first start-up's refusal is a warning: the desktop got past it.
    expect(ws.findings.find((f) => f.kind === 'licensing-failed')?.severity).toBe('warning');
  });

  it('one start-up, as a control: no start-up field', () => {
    const { doc } = analyze(join(root, 'samples', 'cad-login-ok.pcapng'));
    expect(doc.workstations[0].startup).toBeUndefined();
  });
});
