/**
 * A CTI session's heartbeat requests awaiting their confirmation, by InvokeID, in the order they were sent:
 * a Map's semantics, with the newest request held apart. Nearly every confirmation answers the request just
 * before it, and a Map that gains and loses one entry per heartbeat rebuilds its table every few operations
 * (the largest single cost of analysing a long capture of idle desktops).
 */

export interface PendingHeartbeat {
  frame: number;
  time: number;
}

export class PendingHeartbeats {
  /** Every waiting request but the newest, oldest first. */
  private older: Map<number, PendingHeartbeat> | undefined = undefined;
  private newest: PendingHeartbeat | undefined;
  private newestId = 0;

  get size(): number {
    return (this.older?.size ?? 0) + (this.newest === undefined ? 0 : 1);
  }

  /** As Map.set: an InvokeID already waiting keeps its place and takes the new value. */
  set(id: number, p: PendingHeartbeat): void {
    if (this.newest !== undefined && this.newestId === id) {
      this.newest = p;
      return;
    }
    if (this.older?.size && this.older.has(id)) {
      this.older.set(id, p);
      return;
    }
    // The map is made when a second request waits (most sessions alternate request and reply).
    if (this.newest !== undefined) (this.older ??= new Map()).set(this.newestId, this.newest);
    this.newest = p;
    this.newestId = id;
  }

  get(id: number): PendingHeartbeat | undefined {
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

  /** The waiting requests, oldest first. */
  values(): PendingHeartbeat[] {
    const out: PendingHeartbeat[] = [];
    if (this.older) for (const p of this.older.values()) out.push(p);
    if (this.newest !== undefined) out.push(this.newest);
    return out;
  }

  /** Removes the requests sent `limit` seconds or more before `now`, handing each to `expired`, oldest first. */
  expire(now: number, limit: number, expired: (p: PendingHeartbeat) => void): void {
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
