/**
 * Every noisy twin (samples/<name>-noisy.pcapng: the clean scenario's desktop traffic inside a Windows PC's
 * background) analyses as its clean scenario: the same workstations with the same outcome, failed phase and
 * failures, no error or warning the clean one lacks, and a login delay within 5% of the clean one's. It is held
 * to the clean scenario's expected file too.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/pipeline-node.js';
import { NOISY_TWINS } from '../src/lab/synth/noisy.js';
import type { AnalysisDocument, Workstation } from '../src/timeline/model.js';

const SAMPLES = new URL('../samples/', import.meta.url).pathname;

const judged = (w: Workstation): string[] => [...new Set(w.findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind}:${f.severity}`))].sort();

async function analyze(name: string): Promise<AnalysisDocument> {
  const file = join(SAMPLES, `${name}.pcapng`);
  expect(existsSync(file), file).toBe(true);
  return (await analyzeFiles([file], { analyze: true })).doc!;
}

describe('noisy twins analyse as their clean scenarios', () => {
  it('there is a twin of every agent-PC and SPAN scenario', () => expect(NOISY_TWINS.length).toBeGreaterThanOrEqual(10));

  for (const twin of NOISY_TWINS) {
    it(`${twin.name} is ${twin.mirrors}`, async () => {
      const clean = await analyze(twin.mirrors);
      const noisy = await analyze(twin.name);
      expect(noisy.workstations.map((w) => w.host)).toEqual(clean.workstations.map((w) => w.host));
      for (const [i, c] of clean.workstations.entries()) {
        const n = noisy.workstations[i];
        expect([n.host, n.outcome, n.failedPhase, n.failure?.kind ?? null, n.agent.id], n.host).toEqual([c.host, c.outcome, c.failedPhase, c.failure?.kind ?? null, c.agent.id]);
        expect(judged(n), n.host).toEqual(judged(c));
        if (c.loginSeconds === null) expect(n.loginSeconds, n.host).toBeNull();
        else expect(Math.abs(n.loginSeconds! - c.loginSeconds), n.host).toBeLessThanOrEqual(0.05 * c.loginSeconds);
      }
      // The background adds no CTI client or agent, and the summary reads the same.
      expect(noisy.agents.length).toBe(clean.agents.length);
      expect(noisy.ctiClients.length).toBe(clean.ctiClients.length);
      // (Frame numbers differ: the background's frames come between the desktop's.)
      const unframed = (m: string): string => m.replace(/\bframes? [\d–, ]+/g, 'frame …');
      expect(unframed(noisy.summary.message)).toBe(unframed(clean.summary.message));
      // And the clean scenario's truth holds for the twin.
      const expected = JSON.parse(readFileSync(join(SAMPLES, `${twin.mirrors}.expected.json`), 'utf8')) as { workstations: { host: string; outcome: string }[] };
      expect(noisy.workstations.map((w) => [w.host, w.outcome])).toEqual(expected.workstations.map((w) => [w.host, w.outcome]));
    });
  }
});

describe('the background itself', () => {
  it('is decoded as what it is, and none of it becomes a start-up step', async () => {
    const doc = await analyze('cad-login-ok-noisy');
    const ws = doc.workstations[0];
    const startup = ws.steps.filter((s) => ['dns', 'config', 'licensing', 'cti-session', 'login', 'services'].includes(s.phase));
    // The desktop's own servers only (its DNS server, 192.168.100.1 and .2), never the domain controllers.
    for (const s of startup) expect(s.server, s.summary).toMatch(/^192\.168\.100\.(1|2|53):/);
    expect(ws.steps.find((s) => s.service === 'dns-other')?.ok).toBe(true);
    expect(ws.findings).toEqual([]);
  });
});
