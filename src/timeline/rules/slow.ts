import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { DEFAULT_REPLY_TIMEOUT } from '../describe.js';
import { makeFinding, serverText } from './common.js';

/** A reply slower than this share of the service's reply timeout is far slower than a healthy one. */
export const SLOW_SHARE = 1 / 3;
/** An agent login (request to AGENT_STATE_EVENT) normally takes well under this. */
export const SLOW_LOGIN_SECONDS = 5;

/** Answers that came, but far slower than expected (and still within the timeout). */
export const diagnoseSlowSteps: Rule = (ws) => {
  const out: Finding[] = [];
  for (const s of ws.steps) {
    if (!s.ok || s.kind === 'cti-heartbeat' || s.kind === 'cti-events' || s.kind === 'connection') continue;
    const limit = s.replyTimeout ?? DEFAULT_REPLY_TIMEOUT;
    const slowest = s.facts.slowest;
    const late = s.facts.late?.length ?? 0;
    if (slowest && late === 0 && slowest.responseTime >= Math.max(1, limit * SLOW_SHARE) && slowest.responseTime <= limit) {
      out.push(
        makeFinding(
          'slow-step',
          'warning',
          s,
          `${serverText(ws, s.server)}, the ${s.label}, took ${formatDuration(slowest.responseTime)} to answer ${slowest.name} (frame ${slowest.frame}); a healthy server answers in well under ${formatDuration(limit * SLOW_SHARE)}.`,
          [slowest.frame],
        ),
      );
      continue;
    }
    const ev = s.facts.login?.event;
    if (s.kind === 'cti-login' && ev && ev.time - s.start >= SLOW_LOGIN_SECONDS) {
      out.push(
        makeFinding(
          'slow-step',
          'warning',
          s,
          `the agent login on ${serverText(ws, s.server)} took ${formatDuration(ev.time - s.start)} from SET_AGENT_STATE_REQ to AGENT_STATE_EVENT (frame ${ev.frame}); it normally takes under ${SLOW_LOGIN_SECONDS} s.`,
          [ev.frame],
        ),
      );
    }
  }
  return out;
};
