/**
 * The lab's server-side scenarios end to end: the PG CTI server(s), the CTI OS-like server and its desktops, or the
 * Finesse-like client, run on loopback over real TCP and are captured live on `lo`; the kept pcapng, read by the built
 * `ctiscope decode --json` and `flows --json`, must hold what the scenario says (the run's truth: every agent's login
 * attempts and answers by InvokeID, tag 217 or timing links, sessions, the failover). Needs root and tcpdump.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/capture/live-node.js';
import { runLabSession } from '../../src/cli/lab.js';
import { planScenario, labAddresses } from '../../src/lab/scenarios.js';
import { checkServerSideTruth, decodeJson, flowsJson } from '../server-side-truth.js';
import { agentsOf, clientsOf, expectedAgents, expectedClients, sortById, sortByText } from '../analysis-truth.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import type { ExpectedResult } from '../../src/lab/synth/scenarios.js';

/** The live analysis and the analysis of the kept file both reach the run's truth. */
async function expectAnalysisToMatch(live: AnalysisDocument | undefined, file: string, truth: ExpectedResult): Promise<void> {
  const { doc } = await analyzeFiles([file], { analyze: true });
  for (const d of [live, doc]) {
    expect(d).toBeDefined();
    expect(sortById(agentsOf(d!))).toEqual(sortById(expectedAgents(truth.agents!)));
    expect(sortByText(clientsOf(d!))).toEqual(sortByText(expectedClients(truth.ctiClients!)));
    expect(d!.workstations.map((w) => [w.host, w.outcome])).toEqual(truth.workstations.map((w) => [w.host, w.outcome]));
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tcpdump = await findExecutable('tcpdump');
const skipReason = !isRoot ? 'not running as root (live capture on lo needs it)' : !tcpdump ? 'tcpdump not installed (apt-get install tcpdump)' : '';
if (skipReason) console.warn(`test/lab/server-side: skipped: ${skipReason}`);

const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-lab-server-side-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(skipReason !== '')('server-side lab scenarios, captured live on lo', () => {
  it('ctios-server: a CTI OS server logs in its desktops over one CTIOSServer v15 session, one refused, one linked by timing only', async () => {
    const write = join(tmp, 'ctios-server.pcapng');
    const run = await runLabSession({ scenario: 'ctios-server', network: 81, agents: 6, holdSeconds: 0.5, write: { path: write } });
    expect(run.captureError).toBeUndefined();
    // The desktops saw what the plan says.
    expect(run.desktops.map((d) => [d.host, d.outcome])).toEqual(run.plan.expected.map((e) => [e.host, e.outcome]));
    expect(run.desktops.find((d) => d.outcome === 'failed')!.message).toContain('10140');
    const truth = run.truth!;
    expect(truth.agents!.map((a) => [a.id, a.attempts, a.outcome, a.linkBasis])).toEqual([
      ['5051', 1, 'logged-in', 'tag-217'],
      ['5052', 2, 'logged-in', 'tag-217'],
      ['5053', 1, 'failed', 'tag-217'],
      ['5054', 1, 'logged-in', 'tag-217'],
      ['5055', 1, 'logged-in', 'timing'],
      ['5056', 1, 'logged-in', 'tag-217'],
    ]);
    const msgs = decodeJson(write);
    const sessions = checkServerSideTruth(msgs, flowsJson(write), truth);
    expect(sessions.map((s) => [s.clientId, s.version])).toEqual([['CTIOSServer', 15]]);
    // The desktops' requests interleaved: an answer overtook an earlier request's.
    expect(sessions[0].outOfOrder).toBe(true);
    expect(msgs.filter((m) => m.type === 'SET_AGENT_STATE_REQ' && m.fields.agentId === '5052').map((m) => m.fields.agentStateName)).toEqual(['LOGIN', 'LOGOUT', 'LOGIN']);
    await expectAnalysisToMatch(run.doc, write, truth);
  }, 60_000);

  it('cti-failover: a v22 client loses side A (RST), opens side B and logs its agents in again, one refused', async () => {
    const write = join(tmp, 'cti-failover.pcapng');
    const run = await runLabSession({ scenario: 'cti-failover', network: 82, holdSeconds: 0.5, write: { path: write } });
    expect(run.captureError).toBeUndefined();
    expect(run.desktops.map((d) => [d.agent, d.outcome])).toEqual([
      ['5201', 'logged-in'],
      ['5202', 'logged-in'],
      ['5203', 'failed'],
      ['5204', 'logged-in'],
      ['5205', 'logged-in'],
    ]);
    const truth = run.truth!;
    expect(truth.ctiClients!.map((c) => c.findings)).toEqual([['connection-reset'], ['failover']]);
    const msgs = decodeJson(write);
    const flows = flowsJson(write);
    const sessions = checkServerSideTruth(msgs, flows, truth);
    const a = labAddresses(82);
    expect(sessions.map((s) => [s.server, s.version])).toEqual([
      [`${a.nodeA}:42027`, 22],
      [`${a.nodeB}:43027`, 22],
    ]);
    expect(flows.find((f) => f.server === `${a.nodeA}:42027`)!.rstBy).toBe('s2c');
    // 2-byte tags: the v22 LOGIN names the active terminal in tag 303.
    expect(msgs.filter((m) => m.type === 'SET_AGENT_STATE_REQ').every((m) => m.fields.floating!.some((f) => f.tag === 303))).toBe(true);
    const refused = msgs.filter((m) => m.type === 'CONTROL_FAILURE_CONF');
    expect(refused.map((m) => [m.server, m.fields.failureCode])).toEqual([[`${a.nodeB}:43027`, 34]]);
    await expectAnalysisToMatch(run.doc, write, truth);
  }, 60_000);
});

describe('server-side lab plans', () => {
  it('ctios-server keeps the timing-linked desktop alone on 42028 for 5 s before its login', () => {
    const plan = planScenario('ctios-server', labAddresses(83), 8);
    const d = plan.serverSide!.ctiosDesktops;
    expect(d).toHaveLength(8);
    const timing = d.filter((x) => !x.cil);
    expect(timing).toHaveLength(1);
    // Every other desktop has finished (start + settings + login, re-login included, well under 5 s) before it starts.
    for (const x of d) if (x !== timing[0] && x.startDelayMs < timing[0].startDelayMs) expect(timing[0].startDelayMs - x.startDelayMs, x.host).toBeGreaterThanOrEqual(x.relogin ? 9000 : 5000);
  });
});
