/** LDAP: one step per connection (binds and searches), failing on the first error result. */

import type { DecodedMessage } from '../../decoders/types.js';
import type { StepState } from '../state.js';
import { absorb, num, str, type FlowState, type StepBuilder, type StepContext } from './context.js';

/** LDAP result codes that are not errors. */
const LDAP_OK_RESULTS = new Set([0, 5, 6, 10, 14]);

export const ldapSteps: StepBuilder = {
  message(ctx: StepContext, flow: FlowState, m: DecodedMessage): StepState | undefined {
    if (!flow.ldap) {
      flow.ldap = ctx.newStep(flow, 'ldap', m.time);
      if (!flow.ldap) return undefined;
      flow.ldap.protocol = 'ldap';
      flow.ldap.facts.ldap = { binds: 0, searches: 0, entries: 0, operations: 0 };
    }
    const s = flow.ldap;
    const l = s.facts.ldap!;
    absorb(s, m);
    const id = num(m.fields.messageId);
    const t = m.type;
    if (m.direction === 'c2s') {
      if (t === 'unbindRequest' || t === 'abandonRequest') return s;
      s.count++;
      l.operations++;
      if (t === 'bindRequest') {
        l.binds++;
        if (l.bindDn === undefined) l.bindDn = str(m.fields.name) ?? '';
        ctx.addPending(flow, id, s, 'bind', m);
      } else if (t === 'searchRequest') {
        l.searches++;
        const base = str(m.fields.baseObject);
        ctx.addPending(flow, id, s, base ? `search ${base}` : 'search', m);
      } else ctx.addPending(flow, id, s, t, m);
      return s;
    }
    if (t === 'searchResEntry') {
      l.entries++;
      return s;
    }
    if (t === 'searchResRef') return s;
    const p = ctx.resolve(flow, id, m);
    const code = num(m.fields.resultCode);
    if (code === undefined) return s;
    if (LDAP_OK_RESULTS.has(code)) {
      s.lastOk = true;
      return s;
    }
    s.lastOk = false;
    if (!l.error) {
      l.error = {
        op: p?.name ?? t,
        code,
        name: str(m.fields.resultCodeName),
        diagnostic: str(m.fields.diagnosticMessage) || undefined,
        frame: m.frame,
        time: m.time,
      };
    }
    return s;
  },
};
