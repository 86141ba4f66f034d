/**
 * Keeps a long run's heap near what it holds. V8 lets the old generation grow to up to about four times what
 * survived its last full collection (plus the young generation) before it collects again. On a capture of a million
 * flows, each held until 100,000 later ones have come (the flow table's bound), what a flow keeps lives long enough
 * to be promoted and then dies in the old generation, so the heap swings between ~35 MB live and four times that.
 * A lower growing factor costs speed on a heap that would never have grown far (more full collections), which is why
 * it is not set from the start: it is lowered once the heap passes a size that small captures do not reach, early
 * enough that the limit V8 sets at its next full collection is already the lower one. Figures in the README's
 * "Scale limits".
 */

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Heap (committed, all spaces) past which the growing factor is lowered. `flows` on the bundled samples stays far
 * below it; on the 495 MB mixed bench capture it passes it, at no cost measured (see the README).
 */
export const HEAP_GOVERNOR_BYTES = 48 * 1024 * 1024;
/** The old generation may grow by this much over what survived a full collection (V8's own factor goes up to 300). */
export const HEAP_GOVERNOR_GROWING_PERCENT = 100;

export class HeapGovernor {
  private tightened = false;

  constructor(
    private readonly aboveBytes = HEAP_GOVERNOR_BYTES,
    private readonly growingPercent = HEAP_GOVERNOR_GROWING_PERCENT,
  ) {}

  /** True once the growing factor has been lowered (for this process: V8's flags are global). */
  get active(): boolean {
    return this.tightened;
  }

  /** Looks at the heap (a chunk of input was read); lowers the growing factor the first time it is past the size. */
  check(): void {
    if (this.tightened || getHeapStatistics().total_heap_size < this.aboveBytes) return;
    this.tightened = true;
    setFlagsFromString(`--heap-growing-percent=${this.growingPercent}`);
  }

  /**
   * On a heap past the size, one full collection now: between reading and building the analysis document, when
   * the flows just ended are garbage. The document is then built on a heap sized to what is live, not to what
   * reading left behind; without it a capture of 60,000 CTI clients peaked 40 MB higher (README, Scale limits).
   */
  collect(): void {
    if (!this.tightened) return;
    collectGarbage();
  }
}

let gcFunction: (() => void) | undefined;

/** A full collection: V8's gc() exposed for this call (the flag is taken when a context is made) and hidden again. */
function collectGarbage(): void {
  if (!gcFunction) {
    const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
    if (exposed) gcFunction = (globalThis as unknown as { gc: () => void }).gc;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
  }
  gcFunction();
}

/**
 * A reader's afterChunk that looks at the heap after every chunk (one governor for the run), then does `next`:
 * how `flows`, `decode` and `analyze` read their input.
 */
export function governedAfterChunk(next?: () => Promise<void> | undefined, governor = new HeapGovernor()): () => Promise<void> | undefined {
  return () => {
    governor.check();
    return next?.();
  };
}
