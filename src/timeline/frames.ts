/**
 * Bounded frame lists: a step that aggregates a day of heartbeats must not keep a day of frame numbers.
 * Keeps the first HEAD frames and the last TAIL frames, and counts them all.
 */

const HEAD = 20;
const TAIL = 5;

export class FrameList {
  /** Made on the first frame, and the tail on the first frame past HEAD: most steps have a few frames. */
  private head: number[] | null = null;
  private tail: number[] | null = null;
  /** Once the tail is full, the slot the next frame takes (the oldest): a ring, not a shift per frame. */
  private tailAt = 0;
  private last = -1;
  total = 0;

  add(frame: number): void {
    // Consecutive duplicates are the common case (several messages completing in one segment).
    if (frame === this.last) return;
    const head = this.head;
    if (head === null) {
      this.head = [frame];
      this.last = frame;
      this.total++;
      return;
    }
    if (this.total < HEAD && head.includes(frame)) return;
    if (this.tail !== null && this.tail.includes(frame)) return;
    this.last = frame;
    this.total++;
    if (head.length < HEAD) {
      head.push(frame);
      return;
    }
    const tail = (this.tail ??= []);
    if (tail.length < TAIL) {
      tail.push(frame);
      return;
    }
    // list() sorts what it returns: the order within the tail does not matter, only which frames it holds.
    tail[this.tailAt] = frame;
    this.tailAt = this.tailAt === TAIL - 1 ? 0 : this.tailAt + 1;
  }

  addAll(frames: readonly number[]): void {
    for (const f of frames) this.add(f);
  }

  /** The kept frames, ascending. */
  list(): number[] {
    if (this.head === null) return [];
    // slice and concat size the copy exactly (a document holds one per step); duplicates go in place.
    const all = this.tail === null ? this.head.slice() : this.head.concat(this.tail);
    if (all.length === 1) return all;
    all.sort((a, b) => a - b);
    let n = 1;
    for (let i = 1; i < all.length; i++) if (all[i] !== all[n - 1]) all[n++] = all[i];
    if (n < all.length) all.length = n;
    return all;
  }

  get capped(): boolean {
    return this.total > (this.head?.length ?? 0) + (this.tail?.length ?? 0);
  }
}

/** "frames 12–19", "frame 7", "frames 3, 9, 40" — compact and readable. */
export function describeFrames(frames: readonly number[], total?: number): string {
  if (frames.length === 0) return '';
  if (frames.length === 1) return `frame ${frames[0]}`;
  const runs: string[] = [];
  let from = frames[0];
  let prev = frames[0];
  const flush = (): void => {
    runs.push(from === prev ? `${from}` : prev === from + 1 ? `${from}, ${prev}` : `${from}–${prev}`);
  };
  for (let i = 1; i < frames.length; i++) {
    const f = frames[i];
    if (f === prev + 1) {
      prev = f;
      continue;
    }
    flush();
    from = prev = f;
  }
  flush();
  // A step's frames are rarely contiguous (other traffic interleaves): show the span when the list is long.
  const text = runs.length > 4 ? `${frames[0]}–${frames[frames.length - 1]}` : runs.join(', ');
  const more = total !== undefined && total > frames.length ? ` (${total} in all)` : '';
  return `frames ${text}${more}`;
}
