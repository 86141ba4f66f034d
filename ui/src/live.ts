/**
 * The page's side of a live capture (`ctiscope ui --live`, `ctiscope lab --ui`): the events of the server's
 * /api/live stream, folded into the document the page shows. Pure (no DOM), so it is unit-tested.
 *
 * The server sends the whole document once (`analysis`), then `delta`s that carry only the workstations that
 * changed, so a workstation that did not change keeps its object: the list and the timeline redraw only what
 * is new.
 */

import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import type { StoredMessage } from './message-store.js';

export interface LiveStatus {
  state: 'capturing' | 'stopped';
  packets: number;
  interface: string;
  filter?: string;
  note?: string;
}

export interface LiveFullEvent {
  seq: number;
  status: LiveStatus;
  doc: AnalysisDocument;
}

export interface LiveDeltaEvent {
  seq: number;
  base: number;
  status: LiveStatus;
  top: Omit<AnalysisDocument, 'workstations'>;
  hosts: string[];
  changed: Workstation[];
}

/** Hosts whose workstation changed, or 'all' (a whole document arrived). */
export type Changed = Set<string> | 'all';

/**
 * The document after a delta; unchanged workstations are the same objects as in `doc`. Null when the delta was
 * not made from the document the page holds (`seq`): the page then asks for the whole document again.
 */
export function applyDelta(doc: AnalysisDocument | null, seq: number, delta: LiveDeltaEvent): AnalysisDocument | null {
  if (delta.base !== seq) return null;
  const byHost = new Map<string, Workstation>();
  for (const w of doc?.workstations ?? []) byHost.set(w.host, w);
  for (const w of delta.changed) byHost.set(w.host, w);
  const workstations: Workstation[] = [];
  for (const h of delta.hosts) {
    const w = byHost.get(h);
    if (!w) return null;
    workstations.push(w);
  }
  return { ...delta.top, workstations } as AnalysisDocument;
}

/** Adds what changed to the changes not drawn yet. */
export function addChanges(pending: Changed | null, next: Changed): Changed {
  if (pending === 'all' || next === 'all') return 'all';
  if (!pending) return new Set(next);
  for (const h of next) pending.add(h);
  return pending;
}

/** The indicator's words: "live · 1,234 packets · capturing on lo", then "capture stopped · 1,234 packets on lo". */
export function liveStatusText(s: LiveStatus, reconnecting = false): string {
  const packets = `${s.packets.toLocaleString('en-US')} packet${s.packets === 1 ? '' : 's'}`;
  if (s.state === 'stopped') return `capture stopped · ${packets} on ${s.interface}${s.note ? ` · ${s.note}` : ''}`;
  return `live · ${packets} · ${reconnecting ? 'reconnecting…' : `capturing on ${s.interface}`}`;
}

/**
 * Appends newly fetched messages to those kept for a workstation, with the server's bound: the first `head`
 * and the latest `tail` (the same policy as the message stores, so the page never holds more than they do).
 */
export function mergeMessages(kept: readonly StoredMessage[], incoming: readonly StoredMessage[], limits: { head: number; tail: number }): StoredMessage[] {
  const lastSeq = kept.length ? kept[kept.length - 1].seq : -1;
  const fresh = incoming.filter((m) => m.seq > lastSeq);
  if (fresh.length === 0) return kept as StoredMessage[];
  const all = kept.concat(fresh);
  if (all.length <= limits.head + limits.tail) return all;
  return [...all.slice(0, limits.head), ...all.slice(all.length - limits.tail)];
}
