import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { isStartupPhase, makeFinding, serverText } from './common.js';
import { splitStartups } from '../startups.js';
import { maxOf, medianOf } from '../../array-loops.js';

/**
 * A start-up slow by the sum of many quick exchanges: a desktop far from its servers (a remote site over a WAN)
 * waits a network round trip for each of the hundreds of requests of its configuration download and the rest, so
 * at 30 ms a round trip its start-up takes tens of seconds with no step failing or slow on its own. Said with the
 * round trips counted and their time, so that nobody looks for a slow server.
 */

/** At least this long waiting on round trips, of at least this many exchanges, at a round trip of at least this. */
const MIN_WAIT = 5;
const MIN_EXCHANGES = 50;
const MIN_ROUND_TRIP = 0.02;
/** A step's exchanges are back to back when they average at most this many times its first reply's time. */
const BACK_TO_BACK = 2.5;
/** A LAN's round trip, for what the same exchanges would cost there. */
const LAN_ROUND_TRIP = 0.002;

interface Waiting {
  step: AnalyzedStep;
  exchanges: number;
  seconds: number;
  firstReply: number;
}

/** A start-up step's request/reply exchanges and the time they took, when they ran back to back. */
function waitingOf(s: AnalyzedStep): Waiting | undefined {
  const first = s.detail?.responseTime;
  if (!s.ok || first === undefined || first <= 0 || !isStartupPhase(s.phase) || s.kind === 'cti-heartbeat' || s.kind === 'cti-events') return undefined;
  const exchanges = Math.max(1, s.detail?.count ?? 1);
  const seconds = exchanges === 1 ? first : s.end - s.start;
  // Exchanges spread out (a directory read again minutes later, a poll) are not one wait.
  if (seconds / exchanges > BACK_TO_BACK * first) return undefined;
  return { step: s, exchanges, seconds, firstReply: first };
}


export const diagnoseLatency: Rule = (ws) => {
  const out: Finding[] = [];
  for (const su of splitStartups(ws.steps)) {
    const waits = su.steps.map(waitingOf).filter((w): w is Waiting => w !== undefined);
    const exchanges = waits.reduce((n, w) => n + w.exchanges, 0);
    const seconds = waits.reduce((n, w) => n + w.seconds, 0);
    if (exchanges < MIN_EXCHANGES || seconds < MIN_WAIT) continue;
    const each = seconds / exchanges;
    const roundTrip = medianOf(waits.map((w) => w.firstReply));
    if (roundTrip < MIN_ROUND_TRIP) continue;
    const most = waits.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    // The start-up's own time: to its last step, not to the session's heartbeats after it.
    const span = maxOf(su.steps.filter((s) => s.kind !== 'cti-heartbeat' && s.kind !== 'cti-events'), (s) => s.end) - su.start;
    const share = span > 0 ? ` of its ${formatDuration(span)}` : '';
    const message =
      `The start-up spent ${formatDuration(seconds)}${share} in ${exchanges} request/reply exchanges with its servers, one after another, ` +
      `${formatDuration(each)} each on average (${most.exchanges} of them with ${serverText(ws, most.step.server)}, the ${most.step.label}, in ${formatDuration(most.seconds)}); ` +
      `none was slow on its own, and the first reply of its steps took ${formatDuration(roundTrip)} (median): each exchange waits a network round trip, so the time is the path's latency ` +
      `(a desktop far from its servers, over a WAN), not a slow or failing server. At a LAN's ${formatDuration(LAN_ROUND_TRIP)} a round trip the same exchanges would take about ${formatDuration(exchanges * LAN_ROUND_TRIP)}.`;
    out.push(makeFinding('slow-step', 'warning', most.step, message, most.step.frames.slice(0, 2)));
  }
  return out;
};
