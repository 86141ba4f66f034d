/**
 * Requests awaiting their reply, by id (InvokeID, message id), in the order they were sent: a Map's semantics,
 * with the newest request held apart. Nearly every reply answers the request just before it: a Map that gains
 * and loses one entry per heartbeat rebuilds its table every few operations (the largest single cost of
 * analysing a long capture of idle desktops), and a flow with one unanswered request (a scan, a dead server)
 * holds no table at all.
 */

export interface PendingHeartbeat {
  frame: number;
  time: number;
  /** The capture lost bytes from the server (a gap starting at this frame) while its reply was due. */
  gapFrame?: number;
}

export class PendingRequests<V extends { time: number }> {
  /** Every waiting request but the newest, oldest first; made when a second request waits. */
  private older: Map<number, V> | undefined = undefined;
  private newest: V | undefined;
  private newestId = 0;

  get size(): number {
    return (this.older?.size ?? 0) + (this.newest === undefined ? 0 : 1);
  }

  has(id: number): boolean {
    return (this.newest !== undefined && this.newestId === id) || (this.older !== undefined && this.older.has(id));
  }

  /** As Map.set: an id already waiting keeps its place and takes the new value. */
  set(id: number, p: V): void {
    if (this.newest !== undefined && this.newestId === id) {
      this.newest = p;
      return;
    }
    if (this.older?.size && this.older.has(id)) {
      this.older.set(id, p);
      return;
    }
    if (this.newest !== undefined) (this.older ??= new Map()).set(this.newestId, this.newest);
    this.newest = p;
    this.newestId = id;
  }

  get(id: number): V | undefined {
    if (this.newest !== undefined && this.newestId === id) return this.newest;
    return this.older?.size ? this.older.get(id) : undefined;
  }

  delete(id: number): boolean {
    if (this.newest !== undefined && this.newestId === id) {
      this.newest = undefined;
      return true;
    }
    return this.older?.size ? this.older.delete(id) : false;
  }

  /** The oldest waiting request and its id (what a bounded list lets go first). */
  oldest(): [number, V] | undefined {
    if (this.older?.size) return this.older.entries().next().value as [number, V];
    return this.newest === undefined ? undefined : [this.newestId, this.newest];
  }

  /** The waiting requests, oldest first. */
  values(): V[] {
    const out: V[] = [];
    if (this.older) for (const p of this.older.values()) out.push(p);
    if (this.newest !== undefined) out.push(this.newest);
    return out;
  }

  /** Removes the requests sent `limit` seconds or more before `now`, handing each to `expired`, oldest first. */
  expire(now: number, limit: number, expired: (p: V) => void): void {
    const older = this.older;
    if (older?.size) {
      for (const [id, p] of older) {
        if (now - p.time < limit) continue;
        older.delete(id);
        expired(p);
      }
    }
    const n = this.newest;
    if (n !== undefined && now - n.time >= limit) {
      this.newest = undefined;
      expired(n);
    }
  }
}
