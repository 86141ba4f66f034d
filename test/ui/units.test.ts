/** The UI's pure parts: the compressed time scale, deep-link hash, bounded message store, list sorting. */

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { axisTicks, buildTimeScale, relativeLabel } from '../../ui/src/scales.js';
import { formatHash, parseHash, DEFAULT_LINK_STATE } from '../../ui/src/hash.js';
import { MessageStore } from '../../ui/src/message-store.js';
import { compareAddresses, sortWorkstations } from '../../ui/src/list.js';
import { byOutcome } from '../../ui/src/compare.js';
import type { DecodedMessage, FlowRecord } from '../../src/decoders/types.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { sequenceFlowOf } from '../../src/timeline/sequence/model.js';
import { join } from 'node:path';
import type { Workstation } from '../../src/timeline/model.js';

const T0 = 1_710_230_400;

describe('compressed time scale', () => {
  // A stale LDAP host: SYNs at 0, 3 and 9 s, failover at 21 s, then a login made of ms exchanges.
  const events = [0, 3, 9, 21, 21.002, 21.004, 21.05, 21.052, 21.3, 21.306].map((t) => T0 + t);

  test('a 2 ms exchange and a 21 s wait both get readable widths', () => {
    const s = buildTimeScale(events, 1000, { compress: true });
    const exchange = s(T0 + 21.002) - s(T0 + 21);
    const wait = s(T0 + 21) - s(T0 + 9);
    expect(exchange).toBeGreaterThanOrEqual(12);
    // Linear, the 12 s wait would take 56 % of the width and the exchange 0.1 px.
    expect(wait / 1000).toBeLessThan(0.4);
    expect(wait).toBeGreaterThan(exchange);
    const gap = s.segments.find((g) => g.t0 === T0 + 9)!;
    expect(gap.compressed).toBe(true);
    expect(s.segments.find((g) => g.t0 === T0 + 21)!.compressed).toBe(false);
  });

  test('linear mode keeps proportions', () => {
    const s = buildTimeScale(events, 1000, { compress: false });
    const a = s(T0 + 3) - s(T0);
    const b = s(T0 + 9) - s(T0 + 3);
    expect(b / a).toBeCloseTo(2, 6);
    expect(s.segments.every((g) => !g.compressed)).toBe(true);
  });

  test('monotonic, spans the width, and invert undoes it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 600, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.boolean(), fc.array(fc.double({ min: -300, max: 900, noNaN: true }), { maxLength: 40 }), (offsets, compress, around) => {
        const s = buildTimeScale(offsets.map((o) => T0 + o), 800, { compress, around: around.map((o) => T0 + o) });
        expect(s(s.domain[0])).toBeCloseTo(0, 6);
        expect(s(s.domain[1])).toBeCloseTo(800, 6);
        let last = -Infinity;
        for (let i = 0; i <= 50; i++) {
          const t = s.domain[0] + ((s.domain[1] - s.domain[0]) * i) / 50;
          const u = s(t);
          expect(u).toBeGreaterThanOrEqual(last - 1e-9);
          last = u;
          expect(s.invert(u)).toBeCloseTo(t, 4);
        }
      }),
      { numRuns: 150 },
    );
  });

  // A noisy PC: its own lookups every 2 s for three minutes around a start-up of a second at +60 s.
  const startUp = [60, 60.002, 60.2, 60.25, 60.5, 60.52, 60.9, 61].map((t) => T0 + t);
  const noise = Array.from({ length: 91 }, (_, i) => T0 + i * 2 + 0.7);

  test('the PC\'s own traffic around a start-up is placed on the scale but does not shape it', () => {
    const alone = buildTimeScale(startUp, 1000, { compress: true });
    const s = buildTimeScale(startUp, 1000, { compress: true, around: noise });
    // Without the start-up's share of the width protected, the 90 lookups' stretches took most of it.
    const shaped = buildTimeScale([...startUp, ...noise], 1000, { compress: true });
    expect(shaped(T0 + 61) - shaped(T0 + 60)).toBeLessThan(300);
    expect(s(T0 + 61) - s(T0 + 60)).toBeGreaterThan(700);
    // Noise between the start-up's events makes no cut: the start-up's stretches are those it has alone.
    expect(s.segments.some((g) => g.t0 === T0 + 60.7)).toBe(false);
    const cutsInside = (sc: typeof s) => sc.segments.filter((g) => g.t0 >= T0 + 60 && g.t1 <= T0 + 61).map((g) => g.t0);
    expect(cutsInside(s)).toEqual(cutsInside(alone));
    // Every lookup is still on the scale, in order, before and after the start-up.
    expect(s.domain[0]).toBeLessThan(noise[0]);
    expect(s.domain[1]).toBeGreaterThan(noise[noise.length - 1]);
    for (let i = 1; i < noise.length; i++) expect(s(noise[i])).toBeGreaterThan(s(noise[i - 1]));
    // Linear, the lookups only widen the domain.
    const linear = buildTimeScale(startUp, 1000, { compress: false, around: noise });
    expect(linear.domain[0]).toBeLessThan(noise[0]);
    expect(linear(T0 + 61) - linear(T0 + 60)).toBeLessThan(10);
  });

  test('with events around it only, a scale is made of those', () => {
    const s = buildTimeScale([], 800, { compress: true, around: noise });
    expect(s.domain[0]).toBeLessThan(noise[0]);
    expect(s.domain[1]).toBeGreaterThan(noise[noise.length - 1]);
    expect(s(noise[45]) - s(noise[44])).toBeGreaterThan(4);
  });

  test('ticks stay inside uncompressed stretches and are labelled relative to the start', () => {
    const s = buildTimeScale(events, 1000, { compress: true });
    const ticks = axisTicks(s, (u) => u, 1000);
    expect(ticks.length).toBeGreaterThan(2);
    // No tick inside a compressed gap (its edges are event times and may carry one).
    for (const t of ticks) expect(s.segments.some((g) => g.compressed && t.time > g.t0 + 1e-9 && t.time < g.t1 - 1e-9)).toBe(false);
    expect(ticks.some((t) => Math.abs(t.time - (T0 + 21)) < 1e-9)).toBe(true);
    expect(relativeLabel(T0 + 21.5, T0, 0.5)).toBe('+21.5 s');
    expect(relativeLabel(T0 + 0.0035, T0, 0.0005)).toBe('+3.5 ms');
    expect(relativeLabel(T0, T0, 1)).toBe('0 s');
  });
});

describe('deep-link hash', () => {
  test('round trip', () => {
    const state = { ws: '10.10.20.33', window: [T0 + 0.25, T0 + 1.5] as [number, number], view: 'summary' as const, ladder: true, compress: false };
    const back = parseHash(formatHash(state));
    expect(back.ws).toBe(state.ws);
    expect(back.window![0]).toBeCloseTo(state.window[0], 6);
    expect(back.window![1]).toBeCloseTo(state.window[1], 6);
    expect(back).toMatchObject({ view: 'summary', ladder: true, compress: false });
  });

  test('defaults, and a bad window is ignored', () => {
    expect(formatHash(DEFAULT_LINK_STATE)).toBe('');
    expect(parseHash('#ws=fe80%3A%3A1&t=5~2').window).toBeNull();
    expect(parseHash('#ws=fe80%3A%3A1&t=5~2').ws).toBe('fe80::1');
    expect(parseHash('#t=abc~def').window).toBeNull();
  });
});

function message(i: number, client: string, fields: DecodedMessage['fields'] = {}, raw?: Uint8Array): DecodedMessage {
  return {
    protocol: 'ged188', flowId: 1, transport: 'tcp', client, server: '192.168.100.1:12028', direction: 'c2s',
    frame: i + 1, frames: [i + 1], time: T0 + i, type: 'HEARTBEAT_REQ', fields, summary: `m${i}`, offset: 0, length: raw?.length ?? 0, raw,
  };
}

describe('message store', () => {
  test('keeps the first and the latest messages per workstation', () => {
    const store = new MessageStore({ head: 5, tail: 3 });
    for (let i = 0; i < 20; i++) store.add(message(i, '10.0.0.1:50000'));
    store.add(message(99, '10.0.0.2:50001'));
    const { messages, total } = store.get('10.0.0.1');
    expect(total).toBe(20);
    expect(messages.map((m) => m.summary)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm17', 'm18', 'm19']);
    expect(store.get('10.0.0.2').messages.map((m) => m.summary)).toEqual(['m99']);
    expect(store.get('10.9.9.9')).toEqual({ messages: [], total: 0 });
  });

  test('cuts raw bytes to a copy of their first bytes, and hides the bytes of messages with a redacted secret', () => {
    const store = new MessageStore({ rawLimit: 4 });
    const raw = new Uint8Array([1, 2, 3, 4, 5, 6]);
    store.add(message(0, '10.0.0.1:1', {}, raw));
    store.add(message(1, '10.0.0.1:1', { floating: [{ tag: 49, name: 'agentPassword', value: '<redacted>' }] }, new Uint8Array([9, 9])));
    raw[0] = 77;
    const [a, b] = store.get('10.0.0.1').messages;
    // A decoder gives each message its own bytes; a cut keeps a copy of the first ones, not the whole buffer.
    expect(Array.from(a.raw!)).toEqual([1, 2, 3, 4]);
    expect(a.raw!.buffer.byteLength).toBe(4);
    expect(a.rawCut).toBe(2);
    expect(b.raw).toBeUndefined();
    expect(b.rawHidden).toBe(true);
    const shown = new MessageStore({ hideSecretBytes: false });
    shown.add(message(1, '10.0.0.1:1', { agentPassword: '<redacted>' }, new Uint8Array([9, 9])));
    expect(shown.get('10.0.0.1').messages[0].raw).toBeDefined();
  });

  test('keeps each host’s TCP connections, cut to what the sequence view takes, once flows are given (a real capture)', async () => {
    const store = new MessageStore();
    expect(store.get('192.168.1.50').flows).toBeUndefined();
    const records: FlowRecord[] = [];
    await analyzeFiles([join(__dirname, '..', '..', 'samples', 'cad-login-ok.pcapng')], {
      analyze: true,
      onMessage: store.add,
      onFlowEnd: (r) => {
        records.push(r);
        store.addFlow(r);
      },
    });
    const tcp = records.filter((r) => r.transport === 'tcp');
    expect(tcp.length).toBeGreaterThan(2);
    expect(records.some((r) => r.transport === 'udp')).toBe(true);
    const host = tcp[0].clientIp;
    const { flows } = store.get(host);
    expect(flows).toEqual(tcp.filter((r) => r.clientIp === host).map(sequenceFlowOf));
    expect(flows!.map((f) => f.transport)).not.toContain('udp');
    // A host with none: an empty list (the page then draws no connection), not "unknown".
    expect(store.get('10.9.9.9').flows).toEqual([]);
    // A live page's increments carry no flows.
    expect(store.get(host, 0).flows).toBeUndefined();
  });

  test('keeps the decoder’s message objects as they are: a reply’s pairing, set after it was added, shows', () => {
    const store = new MessageStore();
    const request = message(0, '10.0.0.1:1');
    store.add(request);
    request.pairedFrame = 7;
    expect(store.get('10.0.0.1').messages[0].pairedFrame).toBe(7);
    expect(Object.keys(request)).not.toContain('seq');
  });
});

describe('workstation list order', () => {
  test('addresses sort numerically', () => {
    expect(['10.0.0.10', '10.0.0.9', '9.1.1.1'].sort(compareAddresses)).toEqual(['9.1.1.1', '10.0.0.9', '10.0.0.10']);
  });

  test('failures first, then by address', () => {
    const ws = (host: string, outcome: Workstation['outcome']): Workstation => ({
      host, names: [], desktop: 'cad', agent: { id: null, extension: null }, outcome, failedPhase: null, failure: null, loginSeconds: null, start: 0, end: 0, attempts: [], steps: [], findings: [],
    });
    const sorted = sortWorkstations([ws('10.0.0.2', 'logged-in'), ws('10.0.0.10', 'failed'), ws('10.0.0.3', 'incomplete'), ws('10.0.0.9', 'failed')], 'outcome');
    expect(sorted.map((w) => w.host)).toEqual(['10.0.0.9', '10.0.0.10', '10.0.0.3', '10.0.0.2']);
  });
});

describe('compare candidates', () => {
  test('working logins first, then by address as numbers: 10.10.20.9 before 10.10.20.10', () => {
    const ws = [
      { host: '10.10.20.10', outcome: 'logged-in' },
      { host: '10.10.20.100', outcome: 'failed' },
      { host: '10.10.20.9', outcome: 'logged-in' },
      { host: '10.10.20.2', outcome: 'failed' },
    ] as const;
    expect(byOutcome(ws).map((w) => w.host)).toEqual(['10.10.20.9', '10.10.20.10', '10.10.20.2', '10.10.20.100']);
  });
});
