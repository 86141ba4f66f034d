import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule } from '../state.js';
import { formatDuration, hostOf } from '../format.js';
import { isStartupPhase, makeFinding, recoveryOf, serverText, stepText, uniqueFrames } from './common.js';

/** A failed server, then another node that worked for the same service: the desktop failed over. */
export const diagnoseFailover: Rule = (ws) => {
  const out: Finding[] = [];
  const seen = new Map<string, AnalyzedStep>();
  for (const s of ws.steps) {
    if (s.ok || !isStartupPhase(s.phase)) continue;
    const to = recoveryOf(ws, s);
    if (!to || hostOf(to.server) === hostOf(s.server)) continue;
    // One finding per (failed server → working server); the earliest failure measures the cost.
    const key = `${s.service}|${s.server}|${to.id}`;
    if (seen.has(key)) continue;
    seen.set(key, s);
    // From the first attempt (a refused or unanswered connect); for a session that worked, then was lost, from the loss.
    const lost = s.kind === 'connection' && (s.facts.conn?.failure === 'reset' || s.facts.conn?.failure === 'closed');
    const cost = Math.max(0, to.flowStart - (lost ? s.end : Math.min(s.flowStart, s.start)));
    const message = `${stepText(s)}; then ${serverText(ws, to.server)} worked: the failover to the other node cost ${formatDuration(cost)}.`;
    out.push(makeFinding('failover', 'warning', s, message, uniqueFrames(s.frames.slice(0, 5), to.frames.slice(0, 3))));
  }
  return out;
};
