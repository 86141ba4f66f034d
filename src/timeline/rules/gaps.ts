import type { Rule } from '../state.js';
import { formatBytes } from '../describe.js';
import { makeFinding, serverText, uniqueFrames } from './common.js';

/**
 * Bytes the capture missed on a desktop flow: what was decoded there may be incomplete. Replies that may be among
 * them are named: they are why a request there reads "reply not captured" and not "no reply".
 */
export const diagnoseCaptureGaps: Rule = (ws) =>
  ws.steps
    .filter((s) => s.facts.gap)
    .map((s) => {
      const g = s.facts.gap!;
      const flowId = s.detail?.flowId;
      const lost = ws.steps.flatMap((t) => (flowId !== undefined && t.detail?.flowId === flowId ? (t.uncaptured ?? []) : []));
      const replies =
        lost.length > 0
          ? ` The reply to ${lost
              .slice(0, 3)
              .map((u) => `${u.name} (frame ${u.frame})`)
              .join(', ')}${lost.length > 3 ? ` and ${lost.length - 3} more` : ''} may be among them, so it is not counted as unanswered.`
          : '';
      // Holes both ways are said each way: "108 bytes to and 108 bytes from …", not their sum one way.
      const amount = g.c2s && g.s2c ? `${formatBytes(g.c2s)} to and ${formatBytes(g.s2c)} from` : `${formatBytes(g.bytes)} ${g.dir === 's2c' ? 'from' : 'to'}`;
      const message = `${amount} ${serverText(ws, s.server)} (${s.label}) were not captured (found at frame ${g.frame}): messages in the hole are lost, so conclusions about this connection may be incomplete.${replies}`;
      return makeFinding('capture-gap', 'warning', s, message, uniqueFrames(g.frame, lost.map((u) => u.frame)));
    });
