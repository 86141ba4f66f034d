/** DNS: one step per (name, type) a host looked up, with its answers or failure. */

import type { DecodedMessage } from '../../decoders/types.js';
import type { StepState } from '../state.js';
import type { FlowState, StepBuilder, StepContext } from './context.js';
import { absorb, num, str } from './context.js';

const MAX_DNS_NAMES_PER_HOST = 64;

/** The step of one (name, type) a host looks up, made by its first query or answer; undefined past the cap. */
function lookupStep(ctx: StepContext, flow: FlowState, m: DecodedMessage, key: string, qname: string, qtype: string): StepState | undefined {
  const host = flow.host!;
  const dnsSteps = (host.dnsSteps ??= new Map());
  if (dnsSteps.size >= MAX_DNS_NAMES_PER_HOST) return undefined;
  const s = ctx.newStep(flow, 'dns', m.time, 'dns');
  if (!s) return undefined;
  s.protocol = 'dns';
  s.service = flow.cls?.service ?? 'dns';
  s.label = flow.cls?.label ?? 'DNS';
  s.replyTimeout ??= 5;
  s.facts.dns = { qname, qtype, queries: 0, responses: 0, addresses: [], failures: 0, ok: null };
  dnsSteps.set(key, s);
  return s;
}

export const dnsSteps: StepBuilder = {
  message(ctx, flow, m) {
    const host = flow.host!;
    const id = num(m.fields.id);
    const qname = (str(m.fields.qname) ?? '').toLowerCase();
    const qtype = str(m.fields.qtypeName) ?? str(m.fields.qtype) ?? '?';
    const key = `${qname}|${qtype}`;
    if (m.type === 'query') {
      const s = host.dnsSteps?.get(key) ?? lookupStep(ctx, flow, m, key, qname, qtype);
      if (!s) return undefined;
      absorb(s, m);
      s.count++;
      s.facts.dns!.queries++;
      ctx.addPending(flow, id, s, `query ${qname}`, m);
      return s;
    }
    const p = ctx.resolve(flow, id, m);
    // An answer whose query the capture lost is the lookup's all the same: the resolver answered it.
    const s = p?.step ?? host.dnsSteps?.get(key) ?? (qname ? lookupStep(ctx, flow, m, key, qname, qtype) : undefined);
    if (!s || !s.facts.dns) return undefined;
    absorb(s, m);
    const d = s.facts.dns;
    d.responses++;
    const rcode = num(m.fields.rcode) ?? 0;
    d.rcodeName = str(m.fields.rcodeName) ?? (rcode === 0 ? 'NOERROR' : `rcode ${rcode}`);
    const addresses = Array.isArray(m.fields.addresses) ? (m.fields.addresses.filter((a) => typeof a === 'string') as string[]) : [];
    for (const a of addresses) {
      if (!d.addresses.includes(a) && d.addresses.length < 16) d.addresses.push(a);
      if (qname) ctx.addNames(a, [qname]);
    }
    let failure: string | undefined;
    if (rcode !== 0) failure = d.rcodeName;
    else if (addresses.length === 0 && (qtype === 'A' || qtype === '1')) failure = 'no address (NOERROR with an empty answer)';
    if (failure) {
      d.failures++;
      d.ok = false;
      d.lastFailure = { reason: failure, frame: m.frame, time: m.time };
      s.lastOk = false;
    } else {
      d.ok = true;
      s.lastOk = true;
    }
    return s;
  },
};
