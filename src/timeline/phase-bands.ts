/** The start-up phases along the top of a timeline, shared by the web UI and the SVG of the reports. */

import type { Phase } from '../decoders/profile.js';
import type { Step } from './model.js';

export interface PhaseBand {
  phase: Phase;
  start: number;
  end: number;
}

/**
 * Phase bands, left to right: each start-up phase runs from its first step to the first step of the next phase
 * (the last one to its last step's end), so long-lived steps such as heartbeats do not make every band span the
 * whole capture. The PC's own traffic ('other') and the phone's are no phase of the start-up and get none: on a
 * noisy capture 'other' spans everything.
 */
export function phaseBands(subject: { steps: readonly Step[] }): PhaseBand[] {
  const firstStart = new Map<Phase, number>();
  const lastEnd = new Map<Phase, number>();
  for (const s of subject.steps) {
    if (!isStartUpPhase(s.phase)) continue;
    firstStart.set(s.phase, Math.min(firstStart.get(s.phase) ?? Infinity, s.start));
    lastEnd.set(s.phase, Math.max(lastEnd.get(s.phase) ?? -Infinity, s.end));
  }
  const ordered = [...firstStart.entries()].sort((a, b) => a[1] - b[1]);
  return ordered.map(([phase, start], i) => ({
    phase,
    start,
    end: i + 1 < ordered.length ? Math.max(start, ordered[i + 1][1]) : Math.max(start, lastEnd.get(phase) ?? start),
  }));
}

/** A phase of the start-up: not the PC's own traffic ('other'), nor the phone's. */
export function isStartUpPhase(p: Phase): boolean {
  return p !== 'other' && p !== 'phone';
}
