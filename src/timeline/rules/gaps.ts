import type { Rule } from '../state.js';
import { formatBytes } from '../describe.js';
import { makeFinding, serverText } from './common.js';

/** Bytes the capture missed on a desktop flow: what was decoded there may be incomplete. */
export const diagnoseCaptureGaps: Rule = (ws) =>
  ws.steps
    .filter((s) => s.facts.gap)
    .map((s) => {
      const g = s.facts.gap!;
      const message = `${formatBytes(g.bytes)} ${g.dir === 's2c' ? 'from' : 'to'} ${serverText(ws, s.server)} (${s.label}) were not captured, starting at frame ${g.frame}: messages in the hole are lost, so conclusions about this connection may be incomplete.`;
      return makeFinding('capture-gap', 'warning', s, message, [g.frame]);
    });
