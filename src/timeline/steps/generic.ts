/** Any other decoded protocol (SIP, Skinny, …): one step per flow counting its message types. */

import type { StepBuilder } from './context.js';
import { absorb, bump } from './context.js';

export const genericSteps: StepBuilder = {
  message(ctx, flow, m) {
    if (!flow.generic) {
      flow.generic = ctx.newStep(flow, 'generic', m.time);
      if (!flow.generic) return undefined;
      flow.generic.protocol = m.protocol;
      flow.generic.facts.generic = { counts: new Map() };
    }
    const s = flow.generic;
    absorb(s, m);
    s.lastOk = true;
    bump(s.facts.generic!.counts, m.type);
    return s;
  },
};
