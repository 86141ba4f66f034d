/**
 * `ctiscope live` and `ctiscope lab` as a user runs them (the built binary): live lines while capturing, the
 * report or document at the end, Ctrl-C handling, and nothing left running afterwards. Root, tcpdump and slapd
 * are needed; the tests skip with the reason otherwise.
 */

import { connect } from 'node:net';
import { runCli as run } from '../cli-process.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/capture/live-node.js';
import { findSlapd } from '../../src/lab/ldap-server.js';
import { startCtiServer } from '../../src/lab/cti-server.js';
import { labAddresses, labAgent } from '../../src/lab/scenarios.js';
import { cti } from '../../src/lab/synth/ged.js';
import { analyzeFiles } from '../../src/pipeline-node.js';

const root = join(import.meta.dirname, '..', '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tcpdump = await findExecutable('tcpdump');
const slapd = await findSlapd();
const built = existsSync(join(root, 'dist', 'cli', 'lab.js'));
const liveSkip = !isRoot ? 'not root' : !tcpdump ? 'tcpdump not installed' : !built ? 'dist/ not built' : '';
const labSkip = liveSkip || (!slapd ? 'slapd not installed' : '');
const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-lab-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));



/** A lab slapd still serving this address (other tests may run their own at the same time). */
function slapdRunning(address: string): boolean {
  return readdirSync('/proc').some((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      return cmd.includes('ctiscope-lab-slapd-') && cmd.includes(`ldap://${address}:`);
    } catch {
      return false;
    }
  });
}

describe.skipIf(liveSkip !== '')('ctiscope live -i lo', () => {
  it('prints the login steps as they happen, writes the pcapng, and reports on --duration', async () => {
    const a = labAddresses(61);
    const agent = labAgent(a, 1);
    const server = await startCtiServer({ host: a.nodeA, port: 12028, login: 'refused' });
    const out = join(tmp, 'live.pcapng');
    const live = run(['live', '-i', 'lo', '-f', `tcp and host ${a.nodeA}`, '--duration', '4', '--write', out]);
    try {
      await live.waitFor(/capturing on lo/, 10_000);
      // A CTI client: OPEN_REQ, then a LOGIN the server refuses.
      const s = connect({ host: a.nodeA, port: 12028, localAddress: agent.host });
      await new Promise((r) => s.once('connect', r));
      s.write(cti.openReq(1, agent));
      await new Promise((r) => setTimeout(r, 100));
      s.write(cti.setAgentStateLoginReq(2, agent));
      await live.waitFor(/agent-login-failed/, 5000);
      s.end();
      expect(await live.exit).toBe(1);
    } finally {
      await server.close();
    }
    // Live lines carry the workstation and the report's own words, then the report follows.
    expect(live.stdout).toMatch(new RegExp(`^${agent.host.replace(/\./g, '\\.')}\\s+.*cti-session\\s+✓ ok\\s+OPEN_REQ → OPEN_CONF`, 'm'));
    expect(live.stdout).toMatch(/▲ ERROR agent-login-failed: [^▲]*88004/);
    expect(live.stdout).toMatch(/live:lo: \d+ packets/);
    expect(live.stdout).toContain('✗ FAILED at login');
    const file = await analyzeFiles([out], { analyze: true });
    expect(file.doc!.workstations.map((w) => [w.host, w.outcome, w.failedPhase])).toEqual([[agent.host, 'failed', 'login']]);
  });

  it('says what is wrong with the command line', async () => {
    const r = run(['live', '-i', 'lo', '--ring', '3']);
    expect(await r.exit).toBe(2);
    expect(r.stderr).toContain('--ring and --max-size need --write FILE');
  });
});

describe.skipIf(labSkip !== '')('ctiscope lab', () => {
  it('on Ctrl-C ends the run, prints the report and leaves nothing running', async () => {
    const r = run(['lab', '--scenario', 'login-refused', '--network', '62', '--hold', '60']);
    await r.waitFor(/▲ ERROR agent-login-failed/, 20_000);
    r.kill('SIGINT');
    expect(await r.exit).toBe(1);
    expect(r.stdout).toMatch(/^lab login-refused: /);
    expect(r.stdout).toContain('✗ FAILED at login');
    expect(slapdRunning('127.0.62.1')).toBe(false);
    // Every lab port is free again.
    const { startCtiServer: again } = await import('../../src/lab/cti-server.js');
    const s = await again({ host: '127.0.62.1', port: 12028 });
    await s.close();
  });

  it('--json prints the analysis document', async () => {
    const r = run(['lab', '--scenario', 'licence-refused', '--network', '63', '--hold', '0.5', '--json']);
    expect(await r.exit).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('ctiscope/analysis@2');
    expect(doc.workstations.map((w: { outcome: string; failedPhase: string }) => [w.outcome, w.failedPhase])).toEqual([['failed', 'licensing']]);
    // The live lines went to stderr.
    expect(r.stderr).toContain('licensing-failed');
  });
});
