/**
 * The UI's subject model on the analysis of a real server-side capture (written by the project's synthetic
 * network): keys, which subjects "all" lists, the agent's lanes (its CTI client's session, its desktop), which
 * messages land on them, deep links for agents and CTI clients, and analysis@1 documents.
 */

import { beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline-node.js';
import type { AnalysisDocument, Step } from '../../src/timeline/model.js';
import { hostOf } from '../../src/timeline/format.js';
import { formatHash, linkedSubject, parseHash, DEFAULT_LINK_STATE } from '../../ui/src/hash.js';
import { buildLanes, laneOfMessage } from '../../ui/src/lanes.js';
import { sortEntries } from '../../ui/src/list.js';
import type { StoredMessage } from '../../ui/src/message-store.js';
import { agentKey, allSubjects, ctiClientKey, ctiClientOfAgent, findSubject, isAnalysisDocument, normalizeDocument, timelineView } from '../../ui/src/subjects.js';
import { CLIENT_ID, CTIOS_SERVER, writeServerSideCapture } from './server-side-capture.js';
import { REPO } from './browser.js';

async function analyse(path: string, keepMessages = false): Promise<{ doc: AnalysisDocument; messages: StoredMessage[] }> {
  const messages: StoredMessage[] = [];
  const seq = new Map<string, number>();
  const r = await analyzeFiles([path], {
    analyze: true,
    decode: { keepRaw: false },
    onMessage: keepMessages
      ? (m) => {
          const host = hostOf(m.client);
          const n = seq.get(host) ?? 0;
          seq.set(host, n + 1);
          messages.push({ ...m, seq: n });
        }
      : undefined,
  });
  return { doc: r.doc!, messages };
}

describe('subjects of a CTI OS server capture', () => {
  let doc: AnalysisDocument;
  let messages: StoredMessage[];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-subjects-'));
    try {
      const path = join(dir, 'ctios.pcapng');
      writeServerSideCapture(path, { agents: 3, refused: [1], withoutTag217: [2] });
      ({ doc, messages } = await analyse(path, true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('"all" lists every agent, the CTI OS server and the desktops; failures first', () => {
    const all = allSubjects(doc);
    expect(all.filter((e) => e.distinct).map((e) => `${e.subject.kind} ${e.subject.key}`)).toEqual([
      'agent 5000/5001',
      'agent 5000/5002',
      'agent 5000/5003',
      `cti-client ${CTIOS_SERVER}/${CLIENT_ID}`,
      ...doc.workstations.map((w) => `workstation ${w.host}`),
    ]);
    const sorted = sortEntries(all.filter((e) => e.distinct), 'outcome');
    expect(sorted[0].subject.key).toBe('5000/5002');
    // Each desktop carries the agent it was tied to.
    for (const e of all.filter((x) => x.subject.kind === 'workstation')) expect(e.agent?.desktop).toBe(e.subject.key);
  });

  test("an agent's view: its steps, its CTI client's session, its desktop; other agents' messages stay off it", () => {
    const refused = doc.agents.find((a) => a.outcome === 'failed')!;
    const client = ctiClientOfAgent(doc, refused)!;
    expect(ctiClientKey(client)).toBe(`${CTIOS_SERVER}/${CLIENT_ID}`);
    const view = timelineView(doc, findSubject(doc, { kind: 'agent', key: agentKey(refused) })!);
    expect(view.groups.map((g) => [g.id, g.steps.length])).toEqual([
      ['own', refused.steps.length],
      ['cti', client.steps.length],
      ['desktop', doc.workstations.find((w) => w.host === refused.desktop)!.steps.length],
    ]);
    expect(view.messageHosts).toEqual([CTIOS_SERVER, refused.desktop]);
    const shown = messages.filter((m) => view.messageHosts.includes(hostOf(m.client)));
    const lanes = buildLanes(view.groups, shown);
    expect(lanes.map((l) => `${l.group} ${l.label} ${l.server}`)).toEqual([
      'own CTI server 10.20.0.10:42027',
      `cti CTI client ${CLIENT_ID} 10.20.0.10:42027`,
      `desktop Desktop ${refused.desktop} ${CTIOS_SERVER}:42028`,
    ]);
    const onOwn = shown.filter((m) => laneOfMessage(lanes, view.groups, m)?.group === 'own');
    const ownFrames = new Set(refused.steps.flatMap((s: Step) => s.frames));
    expect(onOwn.length).toBeGreaterThanOrEqual(4);
    for (const m of onOwn) expect(ownFrames.has(m.frame)).toBe(true);
    // Every GED-188 message on the agent's lane names the agent, or answers one of its requests.
    const named = onOwn.filter((m) => m.fields.agentId !== undefined);
    expect(named.every((m) => m.fields.agentId === refused.id)).toBe(true);
    expect(onOwn.map((m) => m.type).sort()).toEqual(['CONTROL_FAILURE_CONF', 'QUERY_AGENT_STATE_CONF', 'QUERY_AGENT_STATE_REQ', 'SET_AGENT_STATE_REQ']);
    // The CTI lane holds the session's open and heartbeats, not the other agents' logins.
    const onCti = shown.filter((m) => laneOfMessage(lanes, view.groups, m)?.group === 'cti').map((m) => m.type);
    expect(new Set(onCti)).toEqual(new Set(['OPEN_REQ', 'OPEN_CONF', 'HEARTBEAT_REQ', 'HEARTBEAT_CONF']));
  });

  test('a CTI client view is its own steps and all of its host messages', () => {
    const view = timelineView(doc, findSubject(doc, { kind: 'cti-client', key: `${CTIOS_SERVER}/${CLIENT_ID}` })!);
    expect(view.groups).toHaveLength(1);
    expect(view.rowSub).toBe(`${CLIENT_ID} @ ${CTIOS_SERVER}`);
  });
});

describe('deep links for agents and CTI clients', () => {
  test('round trip, one subject at a time', () => {
    const a = { ...DEFAULT_LINK_STATE, agent: '5000/5002', window: [1, 2] as [number, number] };
    expect(formatHash(a)).toBe('#agent=5000%2F5002&t=1.000000%7E2.000000');
    expect(linkedSubject(parseHash(formatHash(a)))).toEqual({ kind: 'agent', key: '5000/5002' });
    const c = parseHash('#cti=10.1.1.10%2FCTIOSServer&view=summary');
    expect(linkedSubject(c)).toEqual({ kind: 'cti-client', key: '10.1.1.10/CTIOSServer' });
    expect(c.view).toBe('summary');
    expect(linkedSubject(parseHash('#ws=10.10.20.31'))).toEqual({ kind: 'workstation', key: '10.10.20.31' });
    // A hand-made link naming several: the agent wins, and only it is written back.
    const both = parseHash('#ws=10.10.20.31&agent=5000%2F5001');
    expect(linkedSubject(both)).toEqual({ kind: 'agent', key: '5000/5001' });
    expect(formatHash(both)).toBe('#agent=5000%2F5001');
  });
});

describe('analysis@1 documents', () => {
  test('open with empty agents and CTI clients; other schemas are refused', async () => {
    const { doc } = await analyse(join(REPO, 'samples', 'licence-refused.pcapng'));
    const { agents: _a, ctiClients: _c, ...rest } = doc;
    const { agents: _sa, agentsByOutcome: _so, agentGroups: _sg, ctiClients: _sc, ...summary } = doc.summary;
    const v1 = JSON.parse(JSON.stringify({ ...rest, schema: 'ctiscope/analysis@1', summary }));
    expect(isAnalysisDocument(v1)).toBe(true);
    const n = normalizeDocument(v1);
    expect(n.agents).toEqual([]);
    expect(n.ctiClients).toEqual([]);
    expect(n.summary.agentsByOutcome).toEqual({ 'logged-in': 0, failed: 0, incomplete: 0 });
    expect(allSubjects(n).map((e) => e.subject.kind)).toEqual(['workstation']);
    expect(isAnalysisDocument({ ...v1, schema: 'ctiscope/analysis@3' })).toBe(false);
    expect(isAnalysisDocument({ schema: 'ctiscope/analysis@2' })).toBe(false);
    // An @2 document is used as it is.
    expect(normalizeDocument(doc)).toBe(doc);
  });
});
