/**
 * Packets lost at the capture point, every way one or two can be: each reference scenario with any one frame taken
 * out, and with any two frames in a row (a burst on a busy SPAN port), analyses with no red line its whole capture
 * lacks. A workstation or agent that logged in is never `failed`, a failed one fails in the same phase, and no error
 * finding appears of a kind the whole capture has none of. What is lost may make a step unseen, a warning, or the
 * outcome incomplete: that is the capture's truth.
 */

import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { createPipeline, sourceInfo } from '../src/pipeline.js';
import { SCENARIOS, type ScenarioOutput } from '../src/lab/synth/scenarios.js';
import { scenarioToPcapng } from '../src/lab/synth/write-samples.js';
import type { AnalysisDocument } from '../src/timeline/model.js';

function analyze(s: ScenarioOutput): AnalysisDocument {
  const pipeline = createPipeline({ analyze: true });
  const summary = readCaptureBytes(scenarioToPcapng(s), pipeline.sink, { file: `${s.name}.pcapng` });
  return pipeline.finish(sourceInfo([`${s.name}.pcapng`], [summary])).doc!;
}

const errorKinds = (findings: readonly { kind: string; severity: string }[]): Set<string> => new Set(findings.filter((f) => f.severity === 'error').map((f) => f.kind));

/** What the capture with `lost` frames (1-based) taken out says beyond the whole one, one line per problem. */
function falseAlarms(s: ScenarioOutput, whole: AnalysisDocument, lost: readonly number[]): string[] {
  const doc = analyze({ ...s, packets: s.packets.filter((_, i) => !lost.includes(i + 1)) });
  const out: string[] = [];
  const where = `without frame${lost.length > 1 ? 's' : ''} ${lost.join(', ')}`;
  for (const w of doc.workstations) {
    const full = whole.workstations.find((x) => x.host === w.host);
    if (!full) {
      out.push(`${where}: a workstation ${w.host} the whole capture does not have`);
      continue;
    }
    if (w.outcome === 'failed' && (full.outcome !== 'failed' || w.failedPhase !== full.failedPhase)) out.push(`${where}: ${w.host} failed at ${w.failedPhase} (whole: ${full.outcome} ${full.failedPhase ?? ''})`);
    const had = errorKinds(full.findings);
    for (const f of w.findings) {
      if (f.severity !== 'error' || had.has(f.kind)) continue;
      const phase = w.steps.find((st) => st.id === f.step)?.phase ?? 'none';
      const line = `${where}: ${w.host} error ${f.kind} at ${phase}`;
      if (!out.includes(line)) out.push(line);
    }
  }
  for (const a of doc.agents) {
    const full = whole.agents.find((x) => x.id === a.id);
    if (full && a.outcome === 'failed' && full.outcome !== 'failed') out.push(`${where}: agent ${a.id} failed (whole: ${full.outcome})`);
  }
  return out;
}

/**
 * False alarms known and left, each a burst of two: the reply to a desktop service's registerAgent or subscribe and the
 * desktop's ACK of it, with nothing after them on that connection (the services come last: no later step shows the
 * desktop got past one, and a real services failure looks the same).
 */
const known = (line: string): boolean => / error timeout at services$/.test(line);

describe('packets lost from the capture make no false red line', () => {
  for (const [name, build] of Object.entries(SCENARIOS)) {
    // The SPAN and PG captures' desktops and agents are the single scenarios' again, many times over.
    if (name === 'span-many-agents' || name === 'pg-span-500') continue;
    it(`${name}: any one frame, or two in a row, lost`, () => {
      const s = build();
      const whole = analyze(s);
      const single: string[] = [];
      const bursts: string[] = [];
      for (let f = 1; f <= s.packets.length; f++) {
        for (const x of falseAlarms(s, whole, [f])) single.push(x);
        if (f < s.packets.length) for (const x of falseAlarms(s, whole, [f, f + 1])) if (!known(x)) bursts.push(x);
      }
      expect(single).toEqual([]);
      expect(bursts).toEqual([]);
    });
  }

  it('ctios-server: two replies on the PG session lost, the CTI OS server’s login request sent between them', () => {
    // Frames 96 (QUERY_AGENT_STATE_CONF for agent 5055) and 98 (its SET_AGENT_STATE_CONF and AGENT_STATE_EVENT): the
    // login request (97) acknowledges the first hole, the CTI OS server's ACK (100) the second.
    const s = SCENARIOS['ctios-server']();
    expect(falseAlarms(s, analyze(s), [96, 98])).toEqual([]);
    const doc = analyze({ ...s, packets: s.packets.filter((_, i) => i + 1 !== 96 && i + 1 !== 98) });
    const agent = doc.agents.find((a) => a.id === '5055')!;
    expect(agent.outcome).toBe('incomplete');
    expect(agent.steps.find((st) => st.summary.startsWith('SET_AGENT_STATE_REQ LOGIN'))).toMatchObject({ ok: true, notCaptured: true });
  });

  it('agent-login-refused with its OPEN_CONF and QUERY_AGENT_STATE_CONF lost: the login’s refusal is not taken for the open’s', () => {
    // Frames 32 and 35: the open is never confirmed, and the CONTROL_FAILURE_CONF (38) answers the login request, which
    // only a FAILURE_CONF could refuse an OPEN_REQ with.
    // The login request waited for the lost bytes it acknowledged; a later ACK proved them lost before the refusal came,
    // and the request still goes out ahead of the refusal, which answers it.
    const s = SCENARIOS['agent-login-refused']();
    expect(falseAlarms(s, analyze(s), [32, 35])).toEqual([]);
    const ws = analyze({ ...s, packets: s.packets.filter((_, i) => i + 1 !== 32 && i + 1 !== 35) }).workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'login', 'agent-login-failed']);
    expect(ws.findings.some((f) => f.kind === 'cti-open-failed' || f.kind === 'timeout')).toBe(false);
  });

  it('agent-login-refused with the desktop’s CLOSE_REQ and FIN lost: the server’s CLOSE_CONF says the desktop asked', () => {
    const s = SCENARIOS['agent-login-refused']();
    expect(falseAlarms(s, analyze(s), [40, 42])).toEqual([]);
    const ws = analyze({ ...s, packets: s.packets.filter((_, i) => i + 1 !== 40 && i + 1 !== 42) }).workstations[0];
    expect(ws.findings.some((f) => f.kind === 'session-closed')).toBe(false);
    expect(ws.steps.some((st) => st.summary.includes('session closed by the client'))).toBe(true);
  });
});
