import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { makeFinding, serverText, uniqueFrames } from './common.js';

/** How a CTI session was lost or never got going, from its steps; undefined while it stands. */
function lossOf(s: AnalyzedStep): { at: number; what: string } | undefined {
  if (s.kind === 'connection' && s.facts.conn?.failure) return { at: s.end, what: s.summary };
  if (s.kind === 'cti-open' && !s.ok) return { at: s.end, what: `${s.server}: ${s.summary}` };
  if (s.facts.idle) return { at: s.end, what: `${s.server} went silent past its IdleTimeout` };
  return undefined;
}

/**
 * A CTI client that lost its session with one CTI server (side A, a UCCX node) or could not open it, and then
 * opened a session with another: the failover, and how long the client was without a session.
 */
export const diagnoseCtiFailover: Rule = (ws) => {
  const out: Finding[] = [];
  const opens = ws.steps.filter((s) => s.kind === 'cti-open' && s.ok && s.facts.open?.confirmed);
  const seen = new Set<string>();
  for (const s of ws.steps) {
    const loss = lossOf(s);
    if (!loss) continue;
    const to = opens.find((o) => o.server !== s.server && o.start >= loss.at - 1e-6);
    if (!to) continue;
    const key = `${s.server}|${to.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const cost = Math.max(0, to.end - loss.at);
    const message = `${loss.what}; then ${serverText(ws, to.server)} opened a session: the CTI client failed over in ${formatDuration(cost)}.`;
    out.push(makeFinding('failover', 'warning', s, message, uniqueFrames(s.frames.slice(0, 5), to.frames.slice(0, 3))));
  }
  return out;
};
