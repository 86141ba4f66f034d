/** CTI OS (42028, format not public): one step per session, with its segment and byte counts. */

import type { StepBuilder } from './context.js';
import { absorb } from './context.js';

export const ctiosSteps: StepBuilder = {
  message(ctx, flow, m) {
    if (!flow.ctios) {
      flow.ctios = ctx.newStep(flow, 'ctios', flow.info.start, 'cti-session');
      if (!flow.ctios) return undefined;
      flow.ctios.protocol = 'ctios';
      flow.ctios.facts.opaque = { messages: 0, bytes: { c2s: 0, s2c: 0 } };
      (flow.host!.desktopHints ??= new Set()).add('ctios');
    }
    const s = flow.ctios;
    absorb(s, m);
    s.lastOk = true;
    const o = s.facts.opaque!;
    o.messages++;
    o.bytes[m.direction] += m.length;
    // When the desktop last spoke: a CTI OS server's requests on its behalf follow it (subjects/agents.ts).
    if (m.direction === 'c2s') {
      o.c2sTimes ??= [];
      if (o.c2sTimes.length < 64) o.c2sTimes.push(m.time);
    }
    return s;
  },
};
