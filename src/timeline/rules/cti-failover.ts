import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { makeFinding, serverText, uniqueFrames } from './common.js';

/** SYSTEM_EVENTs that take the session's service away: the peripheral or the CTI server going offline. */
const OFFLINE = /PERIPHERAL_OFFLINE$|CTI_SERVER_OFFLINE$|CCX_OFFLINE$/;

type Loss = { at: number; what: string; frames: number[] };

/** How a CTI session's connection was lost or never got going, from its steps; undefined while it stands. */
function connectionLoss(s: AnalyzedStep): Loss | undefined {
  if (s.kind === 'connection' && s.facts.conn?.failure) return { at: s.end, what: s.summary, frames: s.frames.slice(0, 5) };
  if (s.kind === 'cti-open' && !s.ok) return { at: s.end, what: `${s.server}: ${s.summary}`, frames: s.frames.slice(0, 5) };
  if (s.facts.idle) return { at: s.end, what: `${s.server} went silent past its IdleTimeout`, frames: s.frames.slice(0, 5) };
  return undefined;
}

/**
 * A session step's word from the server that its side no longer serves: an offline SYSTEM_EVENT or a FAILURE_EVENT.
 * A loss too, even when the session then closed cleanly (FIN, not RST).
 */
export function eventLoss(s: AnalyzedStep): Loss | undefined {
  const e = s.facts.events;
  const off = e?.system?.find((x) => OFFLINE.test(x.name));
  const fe = e?.failureEvent;
  if (off && (!fe || off.time <= (fe.time ?? Infinity))) return { at: off.time, what: `${s.server} reported ${off.name} (frame ${off.frame})`, frames: [off.frame] };
  if (fe) return { at: fe.time ?? s.start, what: `${s.server} sent FAILURE_EVENT${fe.statusName ? ` ${fe.statusName}` : ''}${fe.status !== undefined ? ` (${fe.status})` : ''} (frame ${fe.frame})`, frames: [fe.frame] };
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
  // The connection's own loss (reset, refused, silent) names it best; the server's events only when there is none.
  for (const lossOf of [connectionLoss, eventLoss]) {
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
      out.push(makeFinding('failover', 'warning', s, message, uniqueFrames(loss.frames, to.frames.slice(0, 3))));
    }
  }
  return out;
};
