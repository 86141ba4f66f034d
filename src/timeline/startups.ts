/**
 * A workstation's steps cut into start-ups. A desktop restarted within one capture (the agent closed CAD and opened it
 * again, or it restarted after a refusal) makes a second start-up, and the outcome is the latest one's: a PC that
 * logged in and then failed at licensing two minutes later is not logged in.
 *
 * A start-up begins again when the desktop goes back to an earlier phase: a directory read or a licence request after
 * its CTI session, login or desktop services (or, for a directory read, after its licence request), once that session
 * has gone quiet: a directory read while the session's heartbeats and events go on is the running desktop's, not a
 * restart. Trying a second server for the same phase (LDAP on side B after side A refused) is the same start-up.
 */

import type { Phase } from '../decoders/profile.js';
import type { AnalyzedStep } from './state.js';

/** Start-up phases in the order a desktop goes through them; a step of an earlier one after a later one starts again. */
const RANK: Partial<Record<Phase, number>> = { config: 1, licensing: 2, 'cti-session': 3, login: 4, services: 5 };

export interface Startup {
  /** 1-based, in time order. */
  index: number;
  steps: AnalyzedStep[];
  /** When its first step began. */
  start: number;
}

/** The steps in start-ups, in time order; steps before the first start-up step (DNS) go to the first. */
export function splitStartups(steps: readonly AnalyzedStep[]): Startup[] {
  const sorted = [...steps].sort((a, b) => a.start - b.start);
  const out: Startup[] = [];
  let current: Startup | undefined;
  let reached = 0;
  for (const s of sorted) {
    const rank = RANK[s.phase] ?? 0;
    // Only a directory read or a licence request begins a start-up (a CTI session opened again is a reconnection).
    if (current && rank > 0 && rank <= 2 && rank < reached && !stillGoing(current, s.start, sorted)) {
      current = undefined;
      reached = 0;
    }
    if (!current) {
      current = { index: out.length + 1, steps: [], start: s.start };
      out.push(current);
    }
    current.steps.push(s);
    if (rank > reached) reached = rank;
  }
  return out;
}

/**
 * A CTI session, login or services step of the start-up that was still active after `time`, or whose connection
 * still carried the session after it (its next heartbeats are a later step of the same flow).
 */
function stillGoing(su: Startup, time: number, all: readonly AnalyzedStep[]): boolean {
  const flows = new Set<number>();
  for (const s of su.steps) {
    if ((RANK[s.phase] ?? 0) < 3) continue;
    if (s.end > time) return true;
    if (s.detail?.flowId !== undefined) flows.add(s.detail.flowId);
  }
  if (flows.size === 0) return false;
  for (const s of all) if (s.start > time && (RANK[s.phase] ?? 0) >= 3 && s.detail?.flowId !== undefined && flows.has(s.detail.flowId)) return true;
  return false;
}
