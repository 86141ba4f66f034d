/**
 * The streaming JSON writer gives exactly JSON.stringify's text, for any value and indentation, however it is
 * cut into chunks; it takes nesting JSON.stringify itself cannot, and it waits when the stream asks it to.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonArrayWriter, JsonLinesWriter, JsonWriter } from '../../src/cli/json-writer.js';
import { Collector } from './collector.js';

async function written(value: unknown, indent: number): Promise<string> {
  const out = new Collector();
  const w = new JsonWriter(out, indent);
  w.value(value);
  await w.end();
  return out.text;
}

describe('JsonWriter', () => {
  it('matches JSON.stringify on arbitrary JSON values, compact and indented', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(0, 1, 2), async (v, indent) => {
        expect(await written(v, indent)).toBe(JSON.stringify(v, null, indent));
      }),
      { numRuns: 300 },
    );
  });

  it('matches JSON.stringify on what JSON.stringify drops or rewrites', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => ({ i, skip: undefined, f: () => 1, n: i % 7 === 0 ? NaN : -0, d: new Date(i * 1e9) }));
    const value = { a: undefined, list: [undefined, () => 0, Symbol('x'), Infinity, null], big, empty: {}, none: [], onlyUndefined: { x: undefined } };
    for (const indent of [0, 1, 4]) expect(await written(value, indent)).toBe(JSON.stringify(value, null, indent));
  });

  it('writes long strings in slices with the same escapes, surrogate pairs kept whole', async () => {
    const s = '\u0001"\\\n' + 'x'.repeat(64 * 1024 - 5) + '😀' + '\ud800' + 'é'.repeat(200_000);
    expect(await written({ s, list: [s] }, 1)).toBe(JSON.stringify({ s, list: [s] }, null, 1));
    // No chunk holds the whole escaped string.
    const out = new Collector();
    const w = new JsonWriter(out, 0);
    w.value('\u0001'.repeat(1_000_000));
    await w.end();
    expect(out.text).toBe(JSON.stringify('\u0001'.repeat(1_000_000)));
    expect(Math.max(...out.chunks.map((c) => c.length))).toBeLessThan(200_000);
  });

  it('takes nesting deeper than JSON.stringify can', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = await written(deep, 0);
    expect(text.length).toBe(200_000 + 6);
    expect(text.startsWith('[[[')).toBe(true);
    expect(text.slice(99_998, 100_008)).toBe('[["leaf"]]');
  });

  it('refuses circular structures like JSON.stringify', async () => {
    const a: Record<string, unknown> = { list: Array.from({ length: 600 }, (_, i) => i) };
    a.self = a;
    await expect(written(a, 1)).rejects.toThrow(/circular/);
  });

  it('waits for drain when the stream asks for a pause', async () => {
    const out = new Collector(1);
    const w = new JsonWriter(out, 1);
    w.value(Array.from({ length: 20_000 }, (_, i) => ({ i })));
    expect(w.waiting).toBe(true);
    let resolved = false;
    const p = w.ready()!.then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    out.emit('drain');
    await p;
    expect(resolved).toBe(true);
    expect(w.waiting).toBe(false);
  });
});

describe('JsonArrayWriter and JsonLinesWriter', () => {
  it('an array written item by item is JSON.stringify of the array', async () => {
    for (const n of [0, 1, 5000]) {
      const items = Array.from({ length: n }, (_, i) => ({ id: i, nested: { list: [i, 'x'] }, gone: undefined }));
      for (const indent of [0, 1]) {
        const out = new Collector();
        const arr = new JsonArrayWriter(new JsonWriter(out, indent));
        for (const it of items) arr.item(it);
        arr.close();
        await arr.writer.end();
        expect(out.text).toBe(JSON.stringify(items, null, indent) + '\n');
      }
    }
  });

  it('JSON Lines: one compact object per line', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, s: `a\nb${i}` }));
    const out = new Collector();
    const lines = new JsonLinesWriter(new JsonWriter(out, 0));
    for (const it of items) lines.item(it);
    await lines.writer.end();
    expect(out.text.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual(items);
    expect(out.text.endsWith('}\n')).toBe(true);
  });
});
