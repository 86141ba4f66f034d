/**
 * The reference scenarios end to end: every samples/*.expected.json names a capture and what the analysis
 * must conclude per workstation (outcome, failed phase, the set of finding kinds) and, for server-side
 * captures, per agent (outcome, code, attempts, the CTI client, the desktop and how it was tied) and per CTI
 * client. A new scenario is a new pair of files, not new code.
 */

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/pipeline-node.js';
import { NO_DESKTOP_MESSAGE } from '../src/timeline/document.js';
import { validateSchema, type JsonSchema } from '../src/timeline/validate.js';

const SAMPLES = new URL('../samples/', import.meta.url).pathname;
const FIXTURES = new URL('./fixtures/public/', import.meta.url).pathname;
const schema = JSON.parse(readFileSync(new URL('../schema/analysis.schema.json', import.meta.url), 'utf8')) as JsonSchema;

import { agentsOf, clientsOf, expectedAgents, expectedClients, sortById, sortByText } from './analysis-truth.js';
import type { ExpectedAgent, ExpectedCtiClient } from '../src/lab/synth/scenarios.js';

interface Expected {
  workstations: { host: string; desktop?: string; outcome: string; failedPhase?: string; findings: string[] }[];
  agents?: ExpectedAgent[];
  ctiClients?: ExpectedCtiClient[];
}

const cases = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.expected\.json$/, ''), expected: JSON.parse(readFileSync(join(SAMPLES, f), 'utf8')) as Expected }));

describe('reference samples', () => {
  it('there are samples to check', () => expect(cases.length).toBeGreaterThanOrEqual(10));

  for (const c of cases) {
    it(c.name, async () => {
      const capture = join(SAMPLES, `${c.name}.pcapng`);
      expect(existsSync(capture)).toBe(true);
      const { doc } = await analyzeFiles([capture], { analyze: true });
      expect(doc).toBeDefined();
      expect(validateSchema(schema, doc)).toEqual([]);
      const got = doc!.workstations.map((w) => ({
        host: w.host,
        ...(c.expected.workstations.some((e) => e.desktop !== undefined) ? { desktop: w.desktop } : {}),
        outcome: w.outcome,
        failedPhase: w.failedPhase ?? undefined,
        findings: [...new Set(w.findings.map((f) => f.kind))].sort(),
      }));
      const want = c.expected.workstations.map((e) => ({
        host: e.host,
        ...(e.desktop !== undefined ? { desktop: e.desktop } : {}),
        outcome: e.outcome,
        failedPhase: e.failedPhase ?? undefined,
        findings: [...new Set(e.findings)].sort(),
      }));
      expect(got).toEqual(want);
      if (c.expected.agents) {
        expect(sortById(agentsOf(doc!))).toEqual(sortById(expectedAgents(c.expected.agents)));
      }
      if (c.expected.ctiClients) {
        expect(sortByText(clientsOf(doc!))).toEqual(sortByText(expectedClients(c.expected.ctiClients)));
      }
      // A CTI client speaks for no more agents than the capture has (after a failover its second session speaks
      // for the same ones again: cti-failover's FinesseA counted 10 of 5).
      for (const cl of doc!.ctiClients) expect(cl.agents, cl.host).toBeLessThanOrEqual(doc!.agents.length);
      if (c.name === 'cti-failover') expect(doc!.ctiClients.map((cl) => cl.agents)).toEqual([5]);
    });
  }
});

describe('captures with no agent desktop', () => {
  for (const file of ['zeek__http-vlan-0.pcap', 'ndpi__tls_alert.pcap']) {
    it(`${file}: no workstations, and the summary says so plainly`, async () => {
      const { doc } = await analyzeFiles([join(FIXTURES, file)], { analyze: true });
      expect(doc!.workstations).toEqual([]);
      expect(doc!.summary.message).toBe(NO_DESKTOP_MESSAGE);
      expect(doc!.summary.workstations).toBe(0);
      expect(validateSchema(schema, doc)).toEqual([]);
    });
  }
});
