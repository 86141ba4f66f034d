/**
 * The lab, end to end: for each scenario the simulated contact center runs on loopback, is captured live on `lo`,
 * and the live analysis must name the outcome and finding kinds of the matching reference sample
 * (samples/<name>.expected.json). Needs root (capture), tcpdump and slapd; skips with the reason otherwise.
 */

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable, openLiveCapture } from '../../src/capture/live-node.js';
import { runLabSession, type LabRunResult } from '../../src/cli/lab.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { findSlapd, startLdapServer } from '../../src/lab/ldap-server.js';
import { LAB_PORTS } from '../../src/lab/lab.js';
import { LAB_SCENARIOS, labAddresses, labCaptureFilter, type LabScenarioName } from '../../src/lab/scenarios.js';
import { isServerSideLabScenario } from '../../src/lab/server-side-lab.js';
import type { AnalyzerUpdate } from '../../src/timeline/model.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tcpdump = await findExecutable('tcpdump');
const slapd = await findSlapd();
const skipReason = !isRoot ? 'not running as root (live capture on lo needs it)' : !tcpdump ? 'tcpdump not installed (apt-get install tcpdump)' : !slapd ? 'slapd not installed (apt-get install slapd)' : '';
if (skipReason) console.warn(`test/lab: lab acceptance tests skipped: ${skipReason}`);

const samplesDir = join(import.meta.dirname, '..', '..', 'samples');
const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-lab-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface SampleExpectation {
  host: string;
  outcome: string;
  failedPhase?: string;
  findings: string[];
}

function sampleExpectations(sample: string): SampleExpectation[] {
  return (JSON.parse(readFileSync(join(samplesDir, `${sample}.expected.json`), 'utf8')) as { workstations: SampleExpectation[] }).workstations;
}

/** The lab slapd processes serving this address now (to check that a run leaves none behind; other tests run theirs). */
function slapdPids(address: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        return cmd.includes('ctiscope-lab-slapd-') && cmd.includes(`ldap://${address}:`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(skipReason !== '')('lab scenarios, captured live on lo', () => {
  // Each scenario on its own lab network, in sequence: every run starts from nothing and must leave nothing.
  // (The server-side scenarios have their own test: test/lab/server-side.test.ts.)
  LAB_SCENARIOS.filter((s) => !isServerSideLabScenario(s)).forEach((scenario, i) => {
    it(`${scenario}: the live analysis names the sample's outcome and findings`, async () => {
      const updates: AnalyzerUpdate[] = [];
      const write = join(tmp, `${scenario}.pcapng`);
      const run: LabRunResult = await runLabSession({
        scenario: scenario as LabScenarioName,
        network: 10 + i,
        agents: 6,
        holdSeconds: 1.5,
        write: { path: write },
        onUpdate: (u) => updates.push(u),
      });
      expect(run.captureError).toBeUndefined();
      const doc = run.doc!;
      // The capture backend lost nothing, or the document says so.
      if (run.stats?.dropped) expect(doc.source.warnings.map((w) => w.code)).toContain('capture-dropped');

      // The desktops did what the scenario says (as seen by the clients themselves).
      for (const e of run.plan.expected) {
        const d = run.desktops.find((x) => x.host === e.host)!;
        expect(d.outcome, `${e.host}: ${d.message}`).toBe(e.outcome);
      }

      // The analysis of the live capture matches the reference sample's expected result, workstation by workstation.
      const sample = sampleExpectations(run.plan.sample!);
      expect(doc.workstations.map((w) => w.host).sort()).toEqual(run.plan.expected.map((e) => e.host).sort());
      for (const e of run.plan.expected) {
        const want = e.sampleHost ? sample.find((s) => s.host === e.sampleHost)! : sample[0];
        expect(want, `${run.plan.sample} has ${e.sampleHost}`).toBeDefined();
        // The plan's own expectation is the sample's.
        expect({ outcome: e.outcome, failedPhase: e.failedPhase, findings: [...e.findings].sort() }).toEqual({
          outcome: want.outcome,
          failedPhase: want.failedPhase,
          findings: [...want.findings].sort(),
        });
        const ws = doc.workstations.find((w) => w.host === e.host)!;
        expect(ws.desktop).toBe('cad');
        expect(ws.outcome, `${e.host} ${JSON.stringify(ws.findings.map((f) => f.message))}`).toBe(want.outcome);
        if (want.failedPhase) expect(ws.failedPhase).toBe(want.failedPhase);
        expect([...new Set(ws.findings.map((f) => f.kind))].sort(), `${e.host}`).toEqual([...new Set(want.findings)].sort());
        // Each finding was printed live, as the analysis went.
        for (const kind of want.findings) expect(updates.some((u) => u.kind === 'finding' && u.workstation === e.host && u.finding!.kind === kind), `${e.host} ${kind} announced`).toBe(true);
      }
      expect(updates.some((u) => u.kind === 'step')).toBe(true);

      // The kept pcapng, analysed as a file, gives the live document.
      expect(run.result!.files).toEqual([write]);
      const file = await analyzeFiles([write], { analyze: true });
      expect({ ...file.doc!, source: { ...file.doc!.source, files: [] } }).toEqual({ ...doc, source: { ...doc.source, files: [] } });

      // Nothing is left running: this run's slapd is gone.
      expect(slapdPids(run.plan.desktops[0].ldapHosts.at(-1)!)).toEqual([]);
    });
  });

  it("starting the directory puts nothing in the lab's capture (slapd's readiness probes come from the left-out address)", async () => {
    // A probe from 127.0.0.1 reached the lab's capture when slapd closed it after the capture had started, and the
    // analysis then had a workstation 127.0.0.1 the scenario never ran.
    const a = labAddresses(42);
    const seen: string[] = [];
    const capture = await openLiveCapture({ iface: 'lo', filter: labCaptureFilter(a), snaplen: 256 }, { packet: (p) => seen.push(`frame ${p.frame}`) });
    try {
      const ldap = await startLdapServer({
        listen: [a.nodeA, a.nodeB].map((host) => ({ host, port: LAB_PORTS.ldap })),
        content: { agents: [], ctiServers: [a.nodeA, a.nodeB], ctiPort: LAB_PORTS.cti, heartbeatInterval: 30 },
        probeFrom: a.filler,
      });
      await new Promise((r) => setTimeout(r, 300)); // slapd's side of the probes closes after they return
      await ldap.close();
    } finally {
      await capture.stop();
    }
    expect(seen).toEqual([]);
  });

  it('the lab refuses addresses outside loopback', async () => {
    const { startCtiServer } = await import('../../src/lab/cti-server.js');
    await expect(startCtiServer({ host: '0.0.0.0', port: 12028 })).rejects.toThrow(/not a loopback address/);
  });
});

describe('lab without capture permission', () => {
  it('still runs the exchange and says why nothing was captured', async () => {
    if (!(await findSlapd())) return void console.warn('skipped: slapd not installed');
    const run = await runLabSession({ scenario: 'login-refused', network: 40, holdSeconds: 0.2, capture: false });
    expect(run.doc).toBeUndefined();
    expect(run.captureError).toBe('capture was turned off');
    expect(run.desktops[0]).toMatchObject({ outcome: 'failed', failedPhase: 'login' });
    expect(run.desktops[0].message).toContain('88004');
  });

  it('names the package to install when slapd is missing', async () => {
    const err = await startLdapServer({
      listen: [{ host: '127.0.41.1', port: 38983 }],
      content: { agents: [], ctiServers: ['127.0.41.1', '127.0.41.2'], ctiPort: 12028, heartbeatInterval: 30 },
      slapd: join(tmp, 'no-such-dir', 'slapd'),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'environment' });
    expect((err as Error).message).toContain('apt-get install slapd');
    expect(existsSync(join(tmp, 'no-such-dir'))).toBe(false);
  });
});
