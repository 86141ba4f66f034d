/**
 * The server-side reference samples (samples/SCENARIOS.md, "Server-side captures") as a user's `ctiscope decode --json`
 * and `ctiscope flows --json` read them: every login the truth counts is there, answered by InvokeID as it says,
 * tag 217 where it says, both tag widths decoded per session. (The analysis of these samples, agents[] and
 * ctiClients[], is compared by test/samples.test.ts once the analyzer produces them.)
 */

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedResult } from '../src/lab/synth/scenarios.js';
import { checkServerSideTruth, decodeJson, flowsJson, type DecodedJson, type FlowJson, type GedSessionView } from './server-side-truth.js';

const SAMPLES = join(__dirname, '..', 'samples');

function load(name: string) {
  const file = join(SAMPLES, `${name}.pcapng`);
  const truth = JSON.parse(readFileSync(join(SAMPLES, `${name}.expected.json`), 'utf8')) as ExpectedResult;
  return { file, truth, msgs: decodeJson(file), flows: flowsJson(file) };
}

describe.each(['ctios-server', 'cti-failover', 'pg-span-500'])('%s: the capture holds its truth', (name) => {
  let s: { file: string; truth: ExpectedResult; msgs: DecodedJson[]; flows: FlowJson[] };
  let sessions: GedSessionView[];
  beforeAll(() => {
    s = load(name);
  });

  it('logins, answers by InvokeID, tag 217 links, sessions and workstations are as the truth says', () => {
    sessions = checkServerSideTruth(s.msgs, s.flows, s.truth);
    // Requests for different agents interleave and are answered out of order somewhere in the capture.
    expect(sessions.some((x) => x.outOfOrder)).toBe(true);
    // The truth has no agent with attempts but no outcome, and lists each agent once.
    expect(new Set(s.truth.agents!.map((a) => a.id)).size).toBe(s.truth.agents!.length);
  });

  it('the session tag widths follow the protocol version: 1-byte before v20, 2-byte from v20 (a tag above 255 only there)', () => {
    sessions ??= checkServerSideTruth(s.msgs, s.flows, s.truth);
    for (const x of sessions) {
      const tags = x.messages.flatMap((m) => (m.fields.floating ?? []).map((f) => f.tag));
      if (x.version >= 20) expect(tags, x.client).toContain(303);
      else expect(Math.max(...tags), x.client).toBeLessThan(256);
    }
  });
});

describe('server-side samples: what each one specifically shows', () => {
  it('ctios-server: one CTIOSServer v15 session, six 42028 desktops, 217 on all but agent 5055, 5052 logs out and in', () => {
    const { msgs, flows, truth } = load('ctios-server');
    const ged = flows.filter((f) => f.protocol === 'ged188');
    expect(ged.map((f) => f.server)).toEqual(['10.1.1.20:42027']);
    expect(flows.filter((f) => f.protocol === 'ctios').map((f) => f.server)).toEqual(Array(6).fill('10.1.1.10:42028'));
    const open = msgs.find((m) => m.type === 'OPEN_REQ')!;
    expect(open.fields).toMatchObject({ clientId: 'CTIOSServer', versionNumber: 15, servicesRequested: 0x001c0296, tagWidth: 1 });
    expect(msgs.some((m) => m.type === 'SYSTEM_EVENT' && m.fields.systemEventIdName === 'SYS_PERIPHERAL_ONLINE')).toBe(true);
    const states = msgs.filter((m) => m.type === 'SET_AGENT_STATE_REQ' && m.fields.agentId === '5052').map((m) => m.fields.agentStateName);
    expect(states).toEqual(['LOGIN', 'LOGOUT', 'LOGIN']);
    const refused = msgs.find((m) => m.type === 'CONTROL_FAILURE_CONF')!;
    expect(refused.fields).toMatchObject({ failureCode: 260, peripheralErrorCode: 10140 });
    expect(truth.agents!.map((a) => [a.id, a.linkBasis])).toEqual([
      ['5051', 'tag-217'],
      ['5052', 'tag-217'],
      ['5053', 'tag-217'],
      ['5054', 'tag-217'],
      ['5055', 'timing'],
      ['5056', 'tag-217'],
    ]);
    expect(msgs.filter((m) => m.type === 'HEARTBEAT_CONF')).toHaveLength(3);
  });

  it('cti-failover: FinesseA v22 on side A, reset by the server, side B opened 3 s later, agents logged in again, 5203 refused', () => {
    const { msgs, flows } = load('cti-failover');
    const ged = flows.filter((f) => f.protocol === 'ged188');
    expect(ged.map((f) => [f.server, f.rstBy ?? 'open'])).toEqual([
      ['10.1.1.20:42027', 's2c'],
      ['10.1.1.21:43027', 'open'],
    ]);
    const opens = msgs.filter((m) => m.type === 'OPEN_REQ');
    expect(opens.map((m) => [m.server, m.fields.clientId, m.fields.versionNumber, m.fields.invokeId, m.fields.tagWidth])).toEqual([
      ['10.1.1.20:42027', 'FinesseA', 22, 1, 2],
      ['10.1.1.21:43027', 'FinesseA', 22, 1, 2],
    ]);
    const lastA = msgs.filter((m) => m.server === '10.1.1.20:42027').at(-1)!;
    expect(opens[1].time - lastA.time).toBeGreaterThan(5);
    // v22 fixed parts carry DepartmentID.
    expect(msgs.find((m) => m.type === 'OPEN_CONF')!.fields.departmentId).toBe(0);
    const onB = msgs.filter((m) => m.server === '10.1.1.21:43027');
    expect(onB.filter((m) => m.type === 'SYSTEM_EVENT')).toHaveLength(1);
    const refused = onB.filter((m) => m.type === 'CONTROL_FAILURE_CONF');
    expect(refused.map((m) => [m.fields.failureCode, m.fields.peripheralErrorCode])).toEqual([[34, 0]]);
    expect(msgs.filter((m) => m.type === 'CONTROL_FAILURE_CONF')).toHaveLength(1);
  });

  it('pg-span-500: two sessions to side A, 500 agents, 6 refused with two codes, under 3 MB', () => {
    const { msgs, flows, truth, file } = load('pg-span-500');
    expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
    expect(flows.filter((f) => f.protocol === 'ctios')).toEqual([]);
    expect(truth.agents).toHaveLength(500);
    expect(truth.agents!.filter((a) => a.outcome === 'failed').map((a) => [a.id, a.failureCode])).toEqual([
      ['5017', 10140],
      ['5123', 10140],
      ['5250', 10140],
      ['5333', 257],
      ['5404', 257],
      ['5477', 10140],
    ]);
    // CTIOSServer's requests name a desktop in tag 217, Finesse's do not.
    const reqs = msgs.filter((m) => m.type === 'QUERY_AGENT_STATE_REQ');
    for (const m of reqs) expect(m.fields.ctiosCilClientId !== undefined, m.client).toBe(m.client.startsWith('10.1.1.10:'));
    expect(msgs.filter((m) => m.type === 'HEARTBEAT_REQ').length).toBeGreaterThanOrEqual(8);
  });
});
