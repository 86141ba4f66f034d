import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { isStartupPhase, makeFinding, serverText } from './common.js';
import { splitStartups } from '../startups.js';
import { maxOf, medianOf } from '../../array-loops.js';

/**
 * A start-up slow by the sum of many quick exchanges: a desktop far from its servers (a remote site over a WAN)
 * waits a network round trip for each of the hundreds of requests of its configuration download and the rest, so
 * at 30 ms a round trip its start-up takes tens of seconds with no step failing or slow on its own. The round trip
 * is the TCP handshakes' (SYN to the ACK that completes it, the path's wherever the capture was taken); exchanges
 * that take much longer than it are a slow server or a pause, not latency, and are left out. Said with the round
 * trips counted and timed, so that nobody looks for a slow server.
 */

/** At least this long waiting on round trips, of at least this many exchanges, at a round trip of at least this. */
const MIN_WAIT = 5;
const MIN_EXCHANGES = 50;
const MIN_ROUND_TRIP = 0.02;
/** A step's exchanges wait on the round trip when they average at most this many round trips. */
const ROUND_TRIPS_EACH = 2.5;
/** A LAN's round trip, for what the same exchanges would cost there. */
const LAN_ROUND_TRIP = 0.002;

interface Waiting {
  step: AnalyzedStep;
  exchanges: number;
  seconds: number;
}

/** A start-up step's request/reply exchanges and the time they took. */
function waitingOf(s: AnalyzedStep): Waiting | undefined {
  const first = s.detail?.responseTime;
  if (!s.ok || first === undefined || first <= 0 || !isStartupPhase(s.phase) || s.kind === 'cti-heartbeat' || s.kind === 'cti-events') return undefined;
  const exchanges = Math.max(1, s.detail?.count ?? 1);
  return { step: s, exchanges, seconds: exchanges === 1 ? first : s.end - s.start };
}

/** This rule's finding among a subject's slow-steps: its sentence, and nothing else, says round trip. */
export function isLatencyFinding(f: Pick<Finding, 'kind' | 'message'>): boolean {
  return f.kind === 'slow-step' && f.message.includes(' round trip');
}

export const diagnoseLatency: Rule = (ws) => {
  const out: Finding[] = [];
  for (const su of splitStartups(ws.steps)) {
    const rtts = su.steps.flatMap((s) => (s.facts.handshakeRtt !== undefined ? [s.facts.handshakeRtt] : []));
    if (rtts.length === 0) continue;
    const rtt = medianOf(rtts);
    if (rtt < MIN_ROUND_TRIP) continue;
    // Exchanges spread out (a directory read again minutes later, a poll) or slow (a slow server) are no round trips.
    const waits = su.steps.map(waitingOf).filter((w): w is Waiting => w !== undefined && w.seconds / w.exchanges <= ROUND_TRIPS_EACH * rtt);
    const exchanges = waits.reduce((n, w) => n + w.exchanges, 0);
    const seconds = waits.reduce((n, w) => n + w.seconds, 0);
    if (exchanges < MIN_EXCHANGES || seconds < MIN_WAIT) continue;
    const most = waits.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    // The start-up's own time: to its last step, not to the session's heartbeats after it.
    const span = maxOf(su.steps.filter((s) => s.kind !== 'cti-heartbeat' && s.kind !== 'cti-events'), (s) => s.end) - su.start;
    const share = span > 0 ? ` of its ${formatDuration(span)}` : '';
    const message =
      `The start-up spent ${formatDuration(seconds)}${share} in ${exchanges} request/reply exchanges with its servers, one after another, ` +
      `${formatDuration(seconds / exchanges)} each on average (${most.exchanges} of them with ${serverText(ws, most.step.server)}, the ${most.step.label}, in ${formatDuration(most.seconds)}), ` +
      `about the path's round trip of ${formatDuration(rtt)} (its TCP handshakes): each exchange waits a round trip, so the time is the path's latency ` +
      `(a desktop far from its servers, over a WAN), not a slow or failing server. At a LAN's ${formatDuration(LAN_ROUND_TRIP)} a round trip the same exchanges would take about ${formatDuration(exchanges * LAN_ROUND_TRIP)}.`;
    out.push(makeFinding('slow-step', 'warning', most.step, message, most.step.frames.slice(0, 2)));
  }
  return out;
};
