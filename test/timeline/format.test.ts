import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/timeline/format.js';

describe('formatDuration', () => {
  it('rounds to the unit it shows, never to 60 of the smaller one', () => {
    expect(formatDuration(0.9996)).toBe('1.0 s');
    expect(formatDuration(59.97)).toBe('1 min');
    expect(formatDuration(119.6)).toBe('2 min');
    expect(formatDuration(3599.7)).toBe('1 h');
    expect(formatDuration(7199)).toBe('2 h');
    expect(formatDuration(3659.4)).toBe('1 h 1 min');
  });
  it('keeps the ordinary readings', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(0.0004)).toBe('<1 ms');
    expect(formatDuration(0.795)).toBe('795 ms');
    expect(formatDuration(9.04)).toBe('9.0 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(-1)).toBe('?');
  });
});

describe('the terminal tables\' formatDuration', () => {
  it('never shows 60 seconds', async () => {
    const { formatDuration: tableDuration } = await import('../../src/cli/format.js');
    expect(tableDuration(179.7)).toBe('3 min 0 s');
    expect(tableDuration(125.2)).toBe('2 min 5 s');
  });
  it('chooses each unit by the value rounded as shown: never "120.0 s", "10.00 s", "1000 ms" or "1000 µs"', async () => {
    const { formatDuration: tableDuration } = await import('../../src/cli/format.js');
    expect(tableDuration(119.96)).toBe('2 min 0 s');
    expect(tableDuration(119.94)).toBe('119.9 s');
    expect(tableDuration(9.996)).toBe('10.0 s');
    expect(tableDuration(0.9996)).toBe('1.00 s');
    expect(tableDuration(0.00996)).toBe('10 ms');
    expect(tableDuration(0.0009996)).toBe('1.0 ms');
    expect([tableDuration(0.0004), tableDuration(0.0058), tableDuration(0.795), tableDuration(60.8)]).toEqual(['400 µs', '5.8 ms', '795 ms', '60.8 s']);
  });
});
