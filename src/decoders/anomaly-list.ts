/**
 * Anomaly lists with a bound: a lossy or hostile stream can raise the same problem a million times (a gap
 * after every byte), and one message must not carry them all. Each list keeps the first
 * MAX_ANOMALIES_PER_CODE anomalies of each code in full and counts the rest per code, with the first and
 * last frame they were seen in (DecodedMessage.omittedAnomalies).
 */

import type { Anomaly, AnomalyCount, DecodedMessage } from './types.js';

/** Anomalies of one code listed in full on one message (or one direction's queue); the rest are counted. */
export const MAX_ANOMALIES_PER_CODE = 16;

/** A stream direction's anomalies waiting for its next message. */
export class AnomalyQueue {
  readonly list: Anomaly[] = [];
  omitted: AnomalyCount[] | undefined = undefined;

  add(a: Anomaly): void {
    addBounded(this.list, this, a);
  }

  /** Every anomaly queued, listed or counted. */
  get total(): number {
    let n = this.list.length;
    if (this.omitted) for (const c of this.omitted) n += c.count;
    return n;
  }
}

/** Appends `a` to `list` unless its code is listed MAX times already; then counts it in `holder`. */
function addBounded(list: Anomaly[], holder: { omitted: AnomalyCount[] | undefined }, a: Anomaly): void {
  let same = 0;
  for (let i = 0; i < list.length; i++) if (list[i].code === a.code && ++same >= MAX_ANOMALIES_PER_CODE) break;
  if (same < MAX_ANOMALIES_PER_CODE) {
    list.push(a);
    return;
  }
  holder.omitted = countInto(holder.omitted, a.code, 1, a.frame, a.frame);
}

function countInto(counts: AnomalyCount[] | undefined, code: string, n: number, first: number | undefined, last: number | undefined): AnomalyCount[] {
  const out = counts ?? [];
  let c = out.find((x) => x.code === code);
  if (!c) {
    c = { code, count: 0 };
    out.push(c);
  }
  c.count += n;
  if (first !== undefined && (c.firstFrame === undefined || first < c.firstFrame)) c.firstFrame = first;
  if (last !== undefined && (c.lastFrame === undefined || last > c.lastFrame)) c.lastFrame = last;
  return out;
}

/**
 * Adds a queue's anomalies (and its counts) to `msg`, within the bound per code. Anomalies without a frame
 * get `frame`.
 */
export function addToMessage(msg: DecodedMessage, list: readonly Anomaly[], omitted: readonly AnomalyCount[] | undefined, frame: number): void {
  if (list.length === 0 && !omitted) return;
  const target = (msg.anomalies ??= []);
  const holder: { omitted: AnomalyCount[] | undefined } = { omitted: msg.omittedAnomalies };
  for (const a of list) {
    if (a.frame === undefined) a.frame = frame;
    addBounded(target, holder, a);
  }
  if (omitted) for (const c of omitted) holder.omitted = countInto(holder.omitted, c.code, c.count, c.firstFrame ?? frame, c.lastFrame ?? frame);
  if (holder.omitted) msg.omittedAnomalies = holder.omitted;
}

/** A STREAM_ERROR's summary: each code once, in order, with how many times it was seen when more than once. */
export function codesSummary(list: readonly Anomaly[], omitted: readonly AnomalyCount[] | undefined): string {
  const counts = new Map<string, number>();
  for (const a of list) counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
  if (omitted) for (const c of omitted) counts.set(c.code, (counts.get(c.code) ?? 0) + c.count);
  const parts: string[] = [];
  for (const [code, n] of counts) parts.push(n > 1 ? `${code} ×${n}` : code);
  return parts.join(', ');
}
