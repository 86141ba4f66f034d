/**
 * The heap governor of `flows` (src/cli/heap-governor.ts) lowers V8's heap growing factor once, the first time the
 * heap is past its size, and leaves V8 alone before that. V8 itself is replaced here: its flags are the process's.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const v8 = vi.hoisted(() => ({ heap: 0, flags: [] as string[] }));
vi.mock('node:v8', () => ({
  getHeapStatistics: () => ({ total_heap_size: v8.heap }),
  setFlagsFromString: (flags: string) => v8.flags.push(flags),
}));

const { HeapGovernor, HEAP_GOVERNOR_BYTES, HEAP_GOVERNOR_GROWING_PERCENT } = await import('../../src/cli/heap-governor.js');

beforeEach(() => {
  v8.heap = 0;
  v8.flags = [];
});

describe('heap governor', () => {
  it('does nothing while the heap is below its size', () => {
    const g = new HeapGovernor();
    for (v8.heap = 0; v8.heap < HEAP_GOVERNOR_BYTES; v8.heap += 1 << 20) g.check();
    expect(v8.flags).toEqual([]);
    expect(g.active).toBe(false);
  });

  it('lowers the growing factor once, when the heap passes its size, and keeps it lowered', () => {
    const g = new HeapGovernor();
    v8.heap = HEAP_GOVERNOR_BYTES;
    g.check();
    v8.heap = 2 * HEAP_GOVERNOR_BYTES;
    g.check();
    v8.heap = 0;
    g.check();
    expect(v8.flags).toEqual([`--heap-growing-percent=${HEAP_GOVERNOR_GROWING_PERCENT}`]);
    expect(g.active).toBe(true);
  });

  it('takes another size and factor', () => {
    const g = new HeapGovernor(1000, 50);
    v8.heap = 999;
    g.check();
    expect(v8.flags).toEqual([]);
    v8.heap = 1000;
    g.check();
    expect(v8.flags).toEqual(['--heap-growing-percent=50']);
  });
});
