/**
 * What `Math.min(...xs)`, `Math.max(...xs)` and `list.push(...items)` do, with a loop: a spread passes every
 * element on the stack and throws past about 120,000 of them (test/source/no-spread-calls.test.ts keeps
 * spreads out of calls in src/).
 */

/** The smallest `key(x)` over `list`; `empty` when there is none. */
export function minOf<T>(list: readonly T[], key: (x: T) => number, empty = Infinity): number {
  let m = empty;
  for (let i = 0; i < list.length; i++) {
    const v = key(list[i]);
    if (i === 0 || v < m) m = v;
  }
  return m;
}

/** The largest `key(x)` over `list`, and never below `atLeast` (the result for an empty list). */
export function maxOf<T>(list: readonly T[], key: (x: T) => number, atLeast = -Infinity): number {
  let m = atLeast;
  for (let i = 0; i < list.length; i++) {
    const v = key(list[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Appends every item of `items` to `target` (and returns it). */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** Puts `x` last in `list`, taking out an earlier one `same` as it: the list keeps each once, the latest last. */
export function pushLatest<T>(list: T[], x: T, same: (a: T, b: T) => boolean = Object.is): void {
  const i = list.findIndex((y) => same(y, x));
  if (i >= 0) list.splice(i, 1);
  list.push(x);
}

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
