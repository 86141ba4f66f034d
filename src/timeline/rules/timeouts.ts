import type { Finding } from '../model.js';
import type { AnalyzedStep, Rule, WorkstationView } from '../state.js';
import { formatDuration } from '../format.js';
import { DEFAULT_REPLY_TIMEOUT } from '../describe.js';
import { makeFinding, serverText, severityFor, uniqueFrames, wentOnPast } from './common.js';

/** What a desktop has once each start-up phase worked, for "… which it does only with its …". */
const GOT: Record<string, string> = { config: 'configuration', licensing: 'licence', 'cti-session': 'CTI session open', login: 'agent logged in' };

/** " Yet the desktop went on to …" for a request whose desktop went on past its step (wentOnPast); '' otherwise. */
function wentOnText(ws: WorkstationView, s: AnalyzedStep): string {
  const next = wentOnPast(ws, s);
  if (!next) return '';
  return ` Yet the desktop went on to ${next.phase} (${next.server}, frame ${next.frames[0]}), which it does only with its ${GOT[s.phase] ?? s.phase}: the reply is more likely one the capture lost (with the desktop's ACK of it) than one never sent.`;
}

/** Requests that got no reply within the service's reply timeout, or none before the connection closed. */
export const diagnoseTimeouts: Rule = (ws) => {
  const out: Finding[] = [];
  for (const s of ws.steps) {
    // Heartbeats and DNS have their own rules; a CLOSE_REQ often goes out just before the FIN.
    if (s.kind === 'cti-heartbeat' || s.kind === 'dns') continue;
    const limit = s.replyTimeout ?? DEFAULT_REPLY_TIMEOUT;
    const closed = (s.facts.unanswered ?? []).filter((u) => u.name !== 'CLOSE_REQ');
    const who = `${serverText(ws, s.server)}, the ${s.label},`;
    if (closed.length > 0) {
      const u = closed[0];
      const more = (s.facts.unansweredTotal ?? closed.length) > 1 ? ` (${s.facts.unansweredTotal ?? closed.length} requests in all)` : '';
      const message =
        u.closedAt !== undefined
          ? `${who} never answered ${u.name} (frame ${u.frame})${more}: the connection closed ${formatDuration(u.closedAt - u.time)} later${u.closeFrame !== undefined ? ` (frame ${u.closeFrame})` : ''} with no reply.${wentOnText(ws, s)}`
          : `${who} never answered ${u.name} (frame ${u.frame})${more}.${wentOnText(ws, s)}`;
      out.push(makeFinding('timeout', s.ok ? 'warning' : severityFor(ws, s), s, message, uniqueFrames(u.frame, u.closeFrame)));
      continue;
    }
    const waiting = s.detail?.missed && !s.facts.unanswered ? s.detail.missed : 0;
    if (waiting > 0 && !s.ok) {
      out.push(makeFinding('timeout', severityFor(ws, s), s, `${who} has not answered within its ${formatDuration(limit)} reply timeout: ${s.summary}.${wentOnText(ws, s)}`));
      continue;
    }
    const late = s.facts.late?.[0];
    if (late) {
      out.push(
        makeFinding(
          'timeout',
          'warning',
          s,
          `${who} answered ${late.name} only after ${formatDuration(late.responseTime)} (frame ${late.frame}), past its ${formatDuration(limit)} reply timeout.`,
          [late.frame],
        ),
      );
    }
  }
  return out;
};
