/**
 * When several captures are analysed as one, say so, with each file's own span: two files from different days
 * otherwise read as one capture of "143 h 56 min".
 */

import type { CaptureSummary, CaptureWarning } from './types.js';

function clock(t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function span(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** A 'merged-captures' note naming each file's first and last packet, or undefined for a single capture. */
export function mergedCapturesNote(files: readonly string[], summaries: readonly CaptureSummary[]): CaptureWarning | undefined {
  if (files.length < 2 || summaries.length < 2) return undefined;
  const parts = summaries.map((s, i) => {
    const name = s.file ?? files[i] ?? `file ${i + 1}`;
    if (s.firstTime === undefined || s.lastTime === undefined) return `${name}: no packets`;
    return `${name}: ${clock(s.firstTime)} to ${clock(s.lastTime)} (${span(s.lastTime - s.firstTime)}, ${s.packets} packets)`;
  });
  const timed = summaries.filter((s) => s.firstTime !== undefined && s.lastTime !== undefined);
  let gaps = 0;
  let overlapping = false;
  let end = -Infinity;
  for (const s of timed) {
    if (s.firstTime! < end) overlapping = true;
    else if (end > -Infinity) gaps += s.firstTime! - end;
    end = Math.max(end, s.lastTime!);
  }
  const idle = gaps > 60 ? `; ${span(gaps)} between them has no packets, so the total span is not one capture's length` : '';
  // The files are read one after another, each whole: only when their spans do not overlap is that time order.
  const how = overlapping
    ? 'read one after another in order of their first packet (their spans overlap, so the packets are not in one time order; merge them with mergecap first)'
    : 'merged in time order';
  return { code: 'merged-captures', message: `${summaries.length} captures ${how}: ${parts.join('; ')}${idle}` };
}
