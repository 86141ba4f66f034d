/** The page's live helpers: deltas folded into the document, the indicator's words, incremental message fetches. */

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { addChanges, applyDelta, liveStatusText, mergeMessages, type LiveDeltaEvent } from '../../ui/src/live.js';
import { MessageStore, type StoredMessage } from '../../ui/src/message-store.js';
import type { DecodedMessage } from '../../src/decoders/types.js';
import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';

function ws(host: string, steps = 0): Workstation {
  return {
    host,
    names: [],
    desktop: 'cad',
    agent: { id: null, extension: null },
    attempts: [],
    outcome: 'incomplete',
    failedPhase: null,
    failure: null,
    loginSeconds: null,
    start: 1,
    end: 2,
    steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i + 1}` })) as Workstation['steps'],
    findings: [],
  };
}

function doc(workstations: Workstation[], packets: number): AnalysisDocument {
  return { schema: 'ctiscope/analysis@1', source: { packets }, summary: { message: `${packets}` }, workstations } as unknown as AnalysisDocument;
}

function delta(base: number, prev: AnalysisDocument, hosts: string[], changed: Workstation[], packets: number): LiveDeltaEvent {
  const { workstations: _w, ...top } = doc([], packets);
  return { seq: base + 1, base, status: { state: 'capturing', packets, interface: 'lo' }, top, hosts, changed };
}

describe('live deltas', () => {
  test('unchanged workstations keep their objects; changed and new ones replace or join them, in the given order', () => {
    const a = ws('10.0.0.1', 1);
    const b = ws('10.0.0.2', 1);
    const d1 = doc([a, b], 10);
    const b2 = ws('10.0.0.2', 2);
    const c = ws('10.0.0.3');
    const d2 = applyDelta(d1, 4, delta(4, d1, ['10.0.0.2', '10.0.0.1', '10.0.0.3'], [b2, c], 20))!;
    expect(d2.workstations.map((w) => w.host)).toEqual(['10.0.0.2', '10.0.0.1', '10.0.0.3']);
    expect(d2.workstations[1]).toBe(a);
    expect(d2.workstations[0]).toBe(b2);
    expect(d2.source.packets).toBe(20);
  });

  test('a delta made from another document, or naming a workstation the page does not have, is refused', () => {
    const d1 = doc([ws('10.0.0.1')], 1);
    expect(applyDelta(d1, 3, delta(2, d1, ['10.0.0.1'], [], 2))).toBeNull();
    expect(applyDelta(d1, 2, delta(2, d1, ['10.0.0.1', '10.0.0.9'], [], 2))).toBeNull();
    expect(applyDelta(null, 0, delta(0, d1, ['10.0.0.9'], [ws('10.0.0.9')], 2))!.workstations).toHaveLength(1);
  });

  test('changes add up until drawn; a whole document means everything changed', () => {
    let pending = addChanges(null, new Set(['a']));
    pending = addChanges(pending, new Set(['b']));
    expect([...(pending as Set<string>)].sort()).toEqual(['a', 'b']);
    expect(addChanges(pending, 'all')).toBe('all');
    expect(addChanges('all', new Set(['c']))).toBe('all');
  });

  test('the indicator says live, how many packets, where; then capture stopped', () => {
    expect(liveStatusText({ state: 'capturing', packets: 1234, interface: 'lo' })).toBe('live · 1,234 packets · capturing on lo');
    expect(liveStatusText({ state: 'capturing', packets: 1, interface: 'eth0' }, true)).toBe('live · 1 packet · reconnecting…');
    expect(liveStatusText({ state: 'stopped', packets: 47, interface: 'lo' })).toBe('capture stopped · 47 packets on lo');
    expect(liveStatusText({ state: 'stopped', packets: 0, interface: 'lo', note: 'capture ended: tcpdump exited' })).toBe('capture stopped · 0 packets on lo · capture ended: tcpdump exited');
  });
});

describe('incremental message fetches', () => {
  const message = (i: number): DecodedMessage =>
    ({ protocol: 'ged188', type: 'HEARTBEAT_REQ', client: '10.0.0.1:5000', server: '10.0.0.9:12028', time: i, frame: i + 1, fields: {} }) as unknown as DecodedMessage;

  test('fetching what is new at any moments and merging keeps exactly what the server keeps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 12 }), (head, tail, bursts) => {
        const server = new MessageStore({ head, tail });
        let page: StoredMessage[] = [];
        let n = 0;
        for (const burst of bursts) {
          for (let i = 0; i < burst; i++) server.add(message(n++));
          const after = page.length ? page[page.length - 1].seq : -1;
          const fetched = server.get('10.0.0.1', after).messages as StoredMessage[];
          page = mergeMessages(page, fetched, server.limits);
          expect(page.map((m) => m.seq)).toEqual(server.get('10.0.0.1').messages.map((m) => (m as StoredMessage).seq));
        }
      }),
      { numRuns: 200 },
    );
  });
});
