import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { HEARTBEAT_MISS_LIMIT } from '../describe.js';
import { makeFinding, serverText, uniqueFrames } from './common.js';

const END_WORDS: Record<string, string> = {
  RSTR: 'reset by the server',
  RSTO: 'reset by the desktop',
  SF: 'closed',
  S2: 'closed by the desktop',
  S3: 'closed by the server',
};

/** Heartbeats unanswered several times in a row, or a CTI session silent past its IdleTimeout and then torn down. */
export const diagnoseHeartbeats: Rule = (ws) => {
  const out: Finding[] = [];
  for (const s of ws.steps) {
    const h = s.facts.heartbeat;
    const run = s.detail?.maxConsecutiveMissed ?? 0;
    if (h && run >= HEARTBEAT_MISS_LIMIT) {
      out.push(
        makeFinding(
          'heartbeat-lost',
          'error',
          s,
          `${serverText(ws, s.server)} left ${run} HEARTBEAT_REQs in a row without HEARTBEAT_CONF (${s.detail?.missed ?? h.missed} of ${h.sent} unanswered): the CTI session was no longer alive.`,
          uniqueFrames(h.missedFrames),
        ),
      );
    }
    const idle = s.facts.idle;
    if (idle) {
      out.push(
        makeFinding(
          'heartbeat-lost',
          'error',
          s,
          `the CTI session with ${serverText(ws, s.server)} was silent for ${formatDuration(idle.silence)}, past its IdleTimeout of ${formatDuration(idle.idleTimeout)}, and was then ${END_WORDS[idle.endState] ?? 'ended'} (frame ${idle.frame}): heartbeats were not sent or not answered.`,
          [idle.frame],
        ),
      );
    }
  }
  return out;
};
