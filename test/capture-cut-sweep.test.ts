/**
 * Captures stopped early, at every point they can be: each reference scenario cut after each of its frames analyses
 * with no red line its whole capture lacks. A workstation, agent or CTI client failed in the cut capture failed in the
 * whole one too (a workstation in the same phase), and no error appears of a kind the whole one has none of. What
 * the cut leaves out makes steps unseen, findings warnings and outcomes incomplete: a desktop still waiting for an
 * answer, or failing over, when the capture ended has not failed. Left out: cuts at a CTI session's reset or close,
 * a loss as of the capture's end (lostAtEnd).
 */

import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { createPipeline, sourceInfo } from '../src/pipeline.js';
import { SCENARIOS, type ScenarioOutput } from '../src/lab/synth/scenarios.js';
import { scenarioToPcapng } from '../src/lab/synth/write-samples.js';
import { NOISY_TWINS } from '../src/lab/synth/noisy.js';
import type { AnalysisDocument } from '../src/timeline/model.js';

function analyze(s: ScenarioOutput): AnalysisDocument {
  const pipeline = createPipeline({ analyze: true });
  const summary = readCaptureBytes(scenarioToPcapng(s), pipeline.sink, { file: `${s.name}.pcapng` });
  return pipeline.finish(sourceInfo([`${s.name}.pcapng`], [summary])).doc!;
}

const errorKinds = (findings: readonly { kind: string; severity: string }[]): Set<string> => new Set(findings.filter((f) => f.severity === 'error').map((f) => f.kind));

/**
 * A CTI session reset or closed by the capture's last frame: a loss as of the capture's end, on which the agents it
 * served are lost (docs/analysis.md, connection-reset), though the whole capture shows the client connecting again.
 */
function lostAtEnd(doc: AnalysisDocument, last: number): boolean {
  const all = [...doc.workstations.flatMap((w) => w.findings), ...doc.ctiClients.flatMap((c) => c.findings)];
  return all.some((f) => (f.kind === 'connection-reset' || f.kind === 'session-closed') && f.severity === 'error' && f.frames.includes(last));
}

/** What the capture cut after frame `last` says beyond the whole one, one line per problem. */
function falseAlarms(s: ScenarioOutput, whole: AnalysisDocument, last: number): string[] {
  const doc = analyze({ ...s, packets: s.packets.slice(0, last) });
  const out: string[] = [];
  if (lostAtEnd(doc, last)) return out;
  const where = `cut after frame ${last}`;
  for (const w of doc.workstations) {
    // A CTI client cut before its second agent is one desktop's as far as the capture goes: no alarm, unless it failed.
    const full = whole.workstations.find((x) => x.host === w.host);
    if (w.outcome === 'failed' && (full?.outcome !== 'failed' || w.failedPhase !== full.failedPhase)) out.push(`${where}: ${w.host} failed at ${w.failedPhase} (whole: ${full?.outcome} ${full?.failedPhase ?? ''})`);
    const had = errorKinds(full?.findings ?? []);
    for (const f of w.findings) if (f.severity === 'error' && !had.has(f.kind)) out.push(`${where}: ${w.host} error ${f.kind}`);
  }
  for (const a of doc.agents) {
    const full = whole.agents.find((x) => x.id === a.id);
    if (a.outcome === 'failed' && full?.outcome !== 'failed') out.push(`${where}: agent ${a.id} failed (whole: ${full?.outcome})`);
  }
  for (const c of doc.ctiClients) {
    const full = whole.ctiClients.find((x) => x.host === c.host);
    if (c.outcome === 'failed' && full?.outcome !== 'failed') out.push(`${where}: CTI client ${c.host} failed (whole: ${full?.outcome})`);
  }
  return out;
}

describe('a capture stopped early makes no false red line', () => {
  for (const [name, build] of Object.entries(SCENARIOS)) {
    // The SPAN and PG captures' desktops and agents are the single scenarios' again, many times over.
    if (name === 'span-many-agents' || name === 'pg-span-500') continue;
    it(`${name}: cut after any frame`, () => {
      const s = build();
      const whole = analyze(s);
      const alarms: string[] = [];
      for (let last = 1; last < s.packets.length; last++) for (const x of falseAlarms(s, whole, last)) alarms.push(x);
      expect(alarms).toEqual([]);
    });
  }

  // The noisy twins whose desktops wait on a SYN or a failover: the PC's own traffic goes on past the desktop's last
  // packet, so the capture's end is seconds after it, not at it.
  for (const mirrors of ['stale-ldap-failover', 'ctios-side-down', 'cti-standby-failover']) {
    it(`${mirrors}-noisy: cut after every fifth frame`, () => {
      const s = NOISY_TWINS.find((t) => t.mirrors === mirrors)!.build();
      const whole = analyze(s);
      const alarms: string[] = [];
      for (let last = 1; last < s.packets.length; last += 5) for (const x of falseAlarms(s, whole, last)) alarms.push(x);
      expect(alarms).toEqual([]);
    });
  }
});
