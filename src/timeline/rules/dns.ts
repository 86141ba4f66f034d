import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { hostOf } from '../format.js';
import { isStartupPhase, makeFinding } from './common.js';

/**
 * A name the desktop could not resolve (NXDOMAIN, SERVFAIL, no answer) and then did not reach. Failed lookups
 * of names the desktop got to anyway, or unrelated names on a desktop that logged in, are not findings.
 */
export const diagnoseDns: Rule = (ws) => {
  const out: Finding[] = [];
  const desktopServers = new Set(ws.steps.filter((s) => isStartupPhase(s.phase)).map((s) => hostOf(s.server)));
  for (const s of ws.steps) {
    const d = s.facts.dns;
    if (!d || s.ok) continue;
    const known = ws.addressesOf(d.qname);
    const reached = ws.steps.some((o) => o.ok && o.start >= s.start && known.includes(hostOf(o.server)) && isStartupPhase(o.phase));
    if (reached) continue;
    const isDesktopName = known.some((a) => desktopServers.has(a));
    if (ws.loggedIn && !isDesktopName) continue;
    const reason = d.lastFailure?.reason ?? 'no answer';
    const where = known.length > 0 ? `; elsewhere in the capture it resolves to ${known.join(', ')}, which this desktop never reached` : '';
    // One query, no answer, from a server that answered this desktop's other lookups: a resolver that did not answer
    // would have been asked again; more likely the capture lost the answer.
    const lostAnswer =
      d.queries === 1 && d.responses === 0 && !d.rcodeName && ws.steps.some((o) => o !== s && o.server === s.server && (o.facts.dns?.responses ?? 0) > 0);
    const message = lostAnswer
      ? `no answer to the desktop's one query for ${d.qname} (${d.qtype}) is in the capture, although ${s.server} answered its other lookups and the query was not asked again: the answer is more likely one the capture lost than a name that does not resolve${where}.`
      : `the desktop could not resolve ${d.qname} (${d.qtype}): ${reason}${d.queries > 1 ? ` after ${d.queries} queries` : ''} from ${s.server}${where}.`;
    out.push(makeFinding('dns-failure', ws.loggedIn || lostAnswer ? 'warning' : 'error', s, message, d.lastFailure ? [d.lastFailure.frame] : s.frames));
  }
  return out;
};
