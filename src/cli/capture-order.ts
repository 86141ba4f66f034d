/**
 * Puts decoded messages back in capture order while they stream out, in bounded memory.
 *
 * Decoders emit in stream order per flow, so a message can come after others that completed in later
 * frames (a segment that arrived out of order, a flow's leftovers at its end). A message is also still
 * completed after it was emitted: its request gets `pairedFrame` when the reply comes, its direction's last
 * message takes the flow's leftover anomalies. So messages are held until the capture has moved `lagFrames`
 * frames past them (or `maxHeld` messages are held), then released sorted by frame and offset. A capture
 * shorter than the lag is released once, at the end: exactly sorted. On a longer one, a message emitted
 * more than the lag after its frame is released late, out of order, and a reply further than the lag from
 * its request leaves the request without `pairedFrame`.
 */

export interface Ordered {
  frame: number;
  offset: number;
}

/** Messages are checked for release every this many. */
const CHECK_EVERY = 4096;

export class CaptureOrder<T extends Ordered> {
  private held: T[] = [];
  private newestFrame = 0;
  private sinceCheck = 0;

  constructor(
    private readonly release: (m: T) => void,
    private readonly lagFrames = 16_384,
    private readonly maxHeld = 65_536,
  ) {}

  push(m: T): void {
    this.held.push(m);
    if (m.frame > this.newestFrame) this.newestFrame = m.frame;
    if (++this.sinceCheck >= CHECK_EVERY) {
      this.sinceCheck = 0;
      this.releaseOlderThan(this.newestFrame - this.lagFrames);
    }
  }

  /** Everything still held, in order. */
  finish(): void {
    this.releaseOlderThan(Infinity);
  }

  /** finish(), one message at a time through `write`, which may ask to wait (the output's backpressure). */
  async finishAsync(write: (m: T) => Promise<void> | undefined): Promise<void> {
    const held = this.held.sort(byFrame);
    this.held = [];
    for (let i = 0; i < held.length; i++) {
      const m = held[i];
      // Let each message go once written.
      held[i] = undefined!;
      const wait = write(m);
      if (wait) await wait;
    }
  }

  private releaseOlderThan(frame: number): void {
    const held = this.held;
    // Stable: messages of the same frame and offset keep the order they were emitted in.
    held.sort(byFrame);
    let n = 0;
    while (n < held.length && held[n].frame < frame) n++;
    // Too many held within the lag (a burst): the older half goes now.
    if (held.length - n > this.maxHeld) n = held.length - (this.maxHeld >> 1);
    if (n === 0) return;
    for (let i = 0; i < n; i++) this.release(held[i]);
    this.held = n === held.length ? [] : held.slice(n);
  }
}

function byFrame(a: Ordered, b: Ordered): number {
  return a.frame - b.frame || a.offset - b.offset;
}
