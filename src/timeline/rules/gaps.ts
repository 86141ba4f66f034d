import type { Rule } from '../state.js';
import { formatBytes } from '../describe.js';
import { makeFinding, serverText, uniqueFrames } from './common.js';

/**
 * Bytes the capture missed on a desktop flow: what was decoded there may be incomplete. Replies that may be among
 * them are named: they are why a request there reads "reply not captured" and not "no reply".
 */
export const diagnoseCaptureGaps: Rule = (ws) => [...bytesLost(ws), ...ackLost(ws)];

const bytesLost: Rule = (ws) =>
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

/**
 * The server's packets the capture lost after the client's last data, its ACK of that data among them (FlowRecord's
 * serverLostAfter): no byte count, since no later segment says how many; said once per step whose reply they may hold.
 */
const ackLost: Rule = (ws) =>
  ws.steps
    .filter((s) => !s.facts.gap && s.uncaptured?.some((u) => u.lostWithAck))
    .map((s) => {
      const lost = s.uncaptured!.filter((u) => u.lostWithAck);
      const at = lost[0].gapFrame!;
      const names = lost.map((u) => `${u.name} (frame ${u.frame})`).join(', ');
      const message =
        `The capture lost what ${serverText(ws, s.server)} (${s.label}) sent after frame ${at}: nothing of the server's acknowledged the client's data there, ` +
        `yet the client never sent it again, as a TCP stack does within seconds with data it has no ACK for, while the capture went on for longer. ` +
        `So the server sent its ACK and the capture lost it, with whatever else the server sent from then on: the reply to ${names} may be among that, so it is not counted as unanswered.`;
      return makeFinding('capture-gap', 'warning', s, message, uniqueFrames(at, lost.map((u) => u.frame)));
    });
