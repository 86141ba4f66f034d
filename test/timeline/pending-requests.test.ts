// PendingRequests keeps the newest request apart from its Map; it must behave exactly as the Map did.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PendingRequests, type PendingHeartbeat } from '../../src/timeline/pending-requests.js';

type Op =
  | { kind: 'set'; id: number; t: number }
  | { kind: 'get'; id: number }
  | { kind: 'delete'; id: number }
  | { kind: 'expire'; now: number; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 6 }), t: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('expire' as const), now: fc.integer({ min: 0, max: 120 }), limit: fc.integer({ min: 0, max: 30 }) }),
);

describe('PendingRequests', () => {
  it('answers every sequence of operations as a Map would, order included', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const model = new Map<number, PendingHeartbeat>();
        const real = new PendingRequests<PendingHeartbeat>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const p = { frame: o.t * 2, time: o.t };
            model.set(o.id, p);
            real.set(o.id, p);
          } else if (o.kind === 'get') {
            expect(real.get(o.id)).toBe(model.get(o.id));
            expect(real.has(o.id)).toBe(model.has(o.id));
          } else if (o.kind === 'delete') {
            expect(real.delete(o.id)).toBe(model.delete(o.id));
          } else {
            const gone: PendingHeartbeat[] = [];
            for (const [id, p] of model) {
              if (o.now - p.time < o.limit) continue;
              model.delete(id);
              gone.push(p);
            }
            const seen: PendingHeartbeat[] = [];
            real.expire(o.now, o.limit, (p) => seen.push(p));
            expect(seen).toEqual(gone);
          }
          expect(real.size).toBe(model.size);
          expect(real.values()).toEqual([...model.values()]);
          expect(real.oldest()).toEqual(model.size ? model.entries().next().value : undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('holds a request/confirmation rhythm without touching its table', () => {
    const p = new PendingRequests<PendingHeartbeat>();
    for (let id = 1; id <= 1000; id++) {
      p.set(id, { frame: id, time: id });
      expect(p.get(id)?.frame).toBe(id);
      expect(p.delete(id)).toBe(true);
    }
    expect(p.size).toBe(0);
    expect(p.values()).toEqual([]);
  });
});
