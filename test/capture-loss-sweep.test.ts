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
        if (f < s.packets.length) for (const x of falseAlarms(s, whole, [f, f + 1])) bursts.push(x);
      }
      expect(single).toEqual([]);
      expect(bursts).toEqual([]);
    });
  }

  it('cad-login-ok with registerAgent’s reply and the desktop’s ACK of it lost: the server’s ACK was lost too, since the desktop never sent it again', () => {
    // Frames 44 (the reply, which acknowledges the request, 42) and 45 (the desktop's ACK): nothing after them on the
    // connection, so no ACK of the desktop's says a reply came; but the capture goes on for a minute, and a TCP stack
    // sends again within seconds data that nothing acknowledged.
    const s = SCENARIOS['cad-login-ok']();
    const lost = { ...s, packets: s.packets.filter((_, i) => i + 1 !== 44 && i + 1 !== 45) };
    const ws = analyze(lost).workstations[0];
    expect(ws.outcome).toBe('logged-in');
    const step = ws.steps.find((st) => st.summary.startsWith('registerAgent'))!;
    expect(step).toMatchObject({ ok: true, notCaptured: true, frames: [42] });
    expect(step.summary).toContain("nor the server's ACK of frame 42");
    expect(ws.findings.map((f) => [f.severity, f.kind, f.step, f.frames])).toEqual([['warning', 'capture-gap', step.id, [42]]]);

    // Sent again a second later (another IP ID, as a retransmission has), the request had no ACK: the server never
    // had it, and that is a timeout, as before.
    const request = lost.packets[41];
    const again = request.data.slice();
    again[19] ^= 0x55;
    const retransmitted = [...lost.packets, { time: request.time + 1, data: again }].sort((x, y) => x.time - y.time);
    const timedOut = analyze({ ...lost, packets: retransmitted }).workstations[0];
    expect(timedOut.findings.filter((f) => f.severity === 'error').map((f) => f.kind)).toContain('timeout');
    expect(timedOut.steps.find((st) => st.summary.startsWith('registerAgent'))).toMatchObject({ ok: false });
  });

  it('cti-failover with side B’s login request for agent 5202 and the server’s answer lost: the login may be in the holes, so the agent is not failed', () => {
    // Frames 68 (SET_AGENT_STATE_REQ LOGIN for 5202 on side B) and 72 (its SET_AGENT_STATE_CONF): the capture shows B's
    // LOGOUT for the agent (66) and no login after it, but the server's ACK (69) and the client's (73) prove the holes.
    const s = SCENARIOS['cti-failover']();
    const whole = analyze(s);
    expect(falseAlarms(s, whole, [68, 72])).toEqual([]);
    const agent = analyze({ ...s, packets: s.packets.filter((_, i) => i + 1 !== 68 && i + 1 !== 72) }).agents.find((a) => a.id === '5202')!;
    expect(agent.outcome).toBe('incomplete');
    expect(agent.findings.map((f) => [f.kind, f.severity])).toEqual([['agent-logged-out', 'warning']]);
    expect(agent.findings[0].message).toMatch(/reported it LOGOUT \(QUERY_AGENT_STATE_CONF, frame 66\), and no login of it there is in the capture, but the capture lost bytes of that session both ways just after \(found by frame \d+\): the login and the server's answer to it may be among them\.$/);
    // The request alone lost: the server's answer is in the capture, and says what became of the login.
    expect(analyze({ ...s, packets: s.packets.filter((_, i) => i + 1 !== 68) }).agents.find((a) => a.id === '5202')!.outcome).toBe(whole.agents.find((a) => a.id === '5202')!.outcome);
  });

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
