import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration, hostOf } from '../format.js';
import { endsSession, makeFinding, serverText } from './common.js';
import { maxOf, medianOf, minOf } from '../../array-loops.js';

/**
 * A CTI session lost again and again, each time opened anew within moments: one finding that says so, with how
 * many, how long each lived and how each ended, beside the finding each loss has of its own. A desktop going back
 * and forth between side A and side B (a CTI OS desktop flipping between CTIOSA and CTIOSB) with both sides
 * dropping it points at the path between them (loss, a firewall or NAT), not at a side being down; sessions
 * dropped at one steady age point at a timer (an idle timeout, heartbeats not getting through).
 */

/** Losses, each followed by a new session, that make a pattern rather than an incident. */
const MIN_FLAPS = 3;
/** A new session within this long of a loss is the client opening it again. */
const REOPEN_WITHIN = 60;
/** Lifetimes within this share of their median are "one steady age". */
const STEADY_SPREAD = 0.15;
/** Frames cited: each loss's, up to this many. */
const MAX_FRAMES = 12;

interface Session {
  flowId: number;
  server: string;
  start: number;
  /** The step that lost it (its connection reset or closed by the server, its heartbeats lost), if any. */
  loss?: AnalyzedStep;
}

/** How a step ended its established session, or undefined when it did not. */
function lossOf(s: AnalyzedStep): 'reset' | 'closed' | 'heartbeats' | undefined {
  if (s.ok) return undefined;
  const c = s.facts.conn;
  if (s.kind === 'connection' && c && (c.failure === 'reset' || c.failure === 'closed') && c.duration > 0) return c.failure;
  if (s.kind === 'cti-heartbeat' && endsSession(s)) return 'heartbeats';
  return undefined;
}

function sessionsOf(steps: readonly AnalyzedStep[]): Session[] {
  const byFlow = new Map<number, Session>();
  for (const s of steps) {
    const flowId = s.detail?.flowId;
    if (s.phase !== 'cti-session' || flowId === undefined) continue;
    let x = byFlow.get(flowId);
    if (!x) byFlow.set(flowId, (x = { flowId, server: s.server, start: s.flowStart }));
    x.start = Math.min(x.start, s.flowStart, s.start);
    if (lossOf(s) && (!x.loss || s.end > x.loss.end)) x.loss = s;
  }
  return [...byFlow.values()].sort((a, b) => a.start - b.start || a.flowId - b.flowId);
}

const ENDED: Record<NonNullable<ReturnType<typeof lossOf>>, string> = {
  reset: 'reset by the server',
  closed: 'closed by the server',
  heartbeats: 'lost to unanswered heartbeats',
};

type Flap = { lost: Session & { loss: AnalyzedStep }; next: Session; gap: number };

/**
 * The longest run of sessions one after another, each lost and the next opened within REOPEN_WITHIN of the loss.
 * Sessions that ran side by side (a terminal server's desktops, lost together when a server restarted) make no
 * run: each step of one starts after the loss before it.
 */
function longestRun(sessions: readonly Session[]): Flap[] {
  let best: Flap[] = [];
  const chained = new Set<Session>();
  for (const first of sessions) {
    if (!first.loss || chained.has(first)) continue;
    const run: Flap[] = [];
    let x: Session = first;
    while (x.loss) {
      const end = x.loss.end;
      const next = sessions.find((y) => y !== x && y.start >= end - 1e-6);
      if (!next || next.start - end > REOPEN_WITHIN) break;
      run.push({ lost: x as Session & { loss: AnalyzedStep }, next, gap: next.start - end });
      chained.add(next);
      x = next;
    }
    if (run.length > best.length) best = run;
  }
  return best;
}

export const diagnoseSessionFlapping: Rule = (ws) => {
  const flaps = longestRun(sessionsOf(ws.steps));
  if (flaps.length < MIN_FLAPS) return [];

  // Every session of the pattern that was lost: those opened again, and the last one when it was lost too.
  const lostSessions = [...new Set(flaps.flatMap((f) => [f.lost, f.next]))].filter((x): x is Session & { loss: AnalyzedStep } => x.loss !== undefined);
  const servers = [...new Set(flaps.flatMap((f) => [f.lost.server, f.next.server]))];
  const hosts = new Set(servers.map(hostOf));
  const switched = flaps.filter((f) => hostOf(f.next.server) !== hostOf(f.lost.server)).length;
  const counts = new Map<string, number>();
  for (const x of lostSessions) {
    const how = ENDED[lossOf(x.loss)!];
    counts.set(how, (counts.get(how) ?? 0) + 1);
  }
  const ended = [...counts].map(([how, n]) => `${n} ${how}`).join(', ');
  const lives = lostSessions.map((x) => x.loss.end - x.start);
  const typical = medianOf(lives);
  const steady = lives.every((x) => Math.abs(x - typical) <= STEADY_SPREAD * typical);
  const lived = steady ? `each lost after about ${formatDuration(typical)}` : `lost after ${formatDuration(minOf(lives, (x) => x))} to ${formatDuration(maxOf(lives, (x) => x))} (median ${formatDuration(typical)})`;
  const last = lostSessions[lostSessions.length - 1].loss;
  const span = last.end - lostSessions[0].start;
  const alternating = hosts.size > 1 && switched * 2 >= flaps.length;
  const where = hosts.size > 1 ? `went back and forth between ${servers.map((x) => serverText(ws, x)).join(' and ')}` : `was opened again and again with ${serverText(ws, servers[0])}`;
  const again = `opened again within ${formatDuration(maxOf(flaps, (f) => f.gap))}${alternating && switched === flaps.length ? ' on the other side' : ''} ${flaps.length} times`;
  const cause = alternating
    ? 'the client flips between the sides, and both drop it: that points at the path between the client and the servers (packet loss, a firewall or NAT ending the connections) or at a setting the sides disagree on, not at one side being down'
    : steady
      ? 'the sessions end at one steady age: a timer ends them (a firewall\'s or NAT\'s idle timeout, or the session\'s own idle timeout with heartbeats not getting through)'
      : 'the sessions do not last: what ends them is on the server side or the path to it, around the frames cited';
  const message = `The CTI session ${where}: ${lostSessions.length} sessions in ${formatDuration(span)}, ${lived} (${ended}), and ${again}: ${cause}.`;
  const frames = lostSessions.map((x) => x.loss.frames[x.loss.frames.length - 1]).slice(0, MAX_FRAMES);
  const finding: Finding = makeFinding('session-flapping', 'warning', last, message, frames, hosts.size > 1 ? null : servers[0]);
  return [finding];
};
