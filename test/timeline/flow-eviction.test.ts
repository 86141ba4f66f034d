// The flow table finalises the least recently active flows early when more are open than its budget holds
// (FlowRecord.evictedAt). Such a flow may have gone on: what it still waited for is judged as of its eviction,
// as at the end of a capture (no "connection closed without a reply", no idle teardown), so a tight budget can
// make a login less complete but never a false red line. Held here on every sample with a budget of two decoded flows at a time, far below any real capture's
// need, and on a scan of unanswered OPEN_REQs past the default budget, whose document must be the one built
// with no eviction at all but for the warning that says how many flows went early.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { DECODE_FLOW_BUDGET } from '../../src/decode-pipeline.js';
import { DECODED_FLOW_WEIGHT } from '../../src/decoders/dispatch.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { MAX_CTI_CLIENTS } from '../../src/timeline/subjects/cti-clients.js';
// @ts-expect-error: a plain JavaScript module shared with the benchmark
import { writeUnansweredOpens } from '../../bench/scale-captures.mjs';

const root = join(__dirname, '..', '..');
const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(root, 'samples', f));
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-evict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every failure a document names: subject, kind of finding, step. */
function failures(doc: AnalysisDocument): Set<string> {
  const out = new Set<string>();
  for (const w of doc.workstations) for (const f of w.findings) if (f.severity === 'error') out.add(`ws ${w.host} ${f.kind}`);
  for (const a of doc.agents) for (const f of a.findings) if (f.severity === 'error') out.add(`agent ${a.id} ${f.kind}`);
  for (const c of doc.ctiClients) for (const f of c.findings) if (f.severity === 'error') out.add(`client ${c.host} ${f.kind}`);
  return out;
}

describe('flows finalised early by the flow table', () => {
  it.each(samples)('%s: two decoded flows at a time add no failure', async (file) => {
    const full = await analyzeFiles([file], { analyze: true });
    const tight = await analyzeFiles([file], { analyze: true, maxFlows: 2 * DECODED_FLOW_WEIGHT });
    const before = failures(full.doc!);
    for (const f of failures(tight.doc!)) expect(before, `${f} appears only when flows are evicted`).toContain(f);
    const evicted = tight.flowStats.flowsEvicted;
    const warning = tight.doc!.source.warnings.find((w) => w.code === 'flows-evicted');
    if (evicted > 0) expect(warning?.message).toMatch(/^[\d,]+ flows? (was|were) finalised before the end/);
    else expect(warning).toBeUndefined();
    expect(full.doc!.source.warnings.some((w) => w.code === 'flows-evicted')).toBe(false);
  });

  it('a scan past the default budget: the same document as with no budget, and a warning with the count', async () => {
    const flows = DECODE_FLOW_BUDGET / DECODED_FLOW_WEIGHT + 1_500;
    const file = join(dir, 'opens.pcap');
    await writeUnansweredOpens(file, flows);
    const bounded = await analyzeFiles([file], { analyze: true });
    const unbounded = await analyzeFiles([file], { analyze: true, maxFlows: 10_000_000 });
    expect(unbounded.flowStats.flowsEvicted).toBe(0);
    expect(bounded.flowStats.flowsEvicted).toBeGreaterThanOrEqual(1_500);
    const warnings = bounded.doc!.source.warnings;
    expect(warnings.map((w) => w.code)).toEqual(['flows-evicted']);
    expect(warnings[0].message).toContain(`${bounded.flowStats.flowsEvicted.toLocaleString('en-US')} flows were finalised`);
    const doc = { ...bounded.doc!, source: { ...bounded.doc!.source, warnings: [] } };
    expect(JSON.stringify(doc)).toBe(JSON.stringify(unbounded.doc));
    // Every CTI client waits for its OPEN_CONF (the opens name no agent: no workstation); none is said to have gone unanswered.
    const clients = unbounded.doc!.ctiClients;
    expect(clients).toHaveLength(Math.min(flows, MAX_CTI_CLIENTS));
    expect(clients.every((c) => c.outcome === 'incomplete' && c.findings.length === 0 && c.steps[0].summary === 'OPEN_REQ → waiting for OPEN_CONF')).toBe(true);
  });
});
