import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { formatDuration, hostOf } from '../format.js';
import { isStartupPhase, makeFinding } from './common.js';

/**
 * A resolver's client asks again within this long when no answer came: Windows after 1 s, glibc after 5 s. One query
 * never asked again though the capture went on longer had its answer, one the capture lost.
 */
const DNS_RETRY_DUE = 6;

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
    // One query, no answer, never asked again: a resolver that did not answer would have been asked again, by now or
    // within the capture; more likely the capture lost the answer.
    const once = d.queries === 1 && d.responses === 0 && !d.rcodeName;
    const answeredOthers = once && ws.steps.some((o) => o !== s && o.server === s.server && (o.facts.dns?.responses ?? 0) > 0);
    const notAskedAgain = once && !answeredOthers && ws.now - s.end >= DNS_RETRY_DUE;
    const message = answeredOthers
      ? `no answer to the desktop's one query for ${d.qname} (${d.qtype}) is in the capture, although ${s.server} answered its other lookups and the query was not asked again: the answer is more likely one the capture lost than a name that does not resolve${where}.`
      : notAskedAgain
        ? `no answer to the desktop's one query for ${d.qname} (${d.qtype}) is in the capture, and the query was not asked again in the ${formatDuration(ws.now - s.end)} the capture went on, as a resolver's client does within seconds without an answer: the answer is more likely one the capture lost than a name that does not resolve${where}.`
        : `the desktop could not resolve ${d.qname} (${d.qtype}): ${reason}${d.queries > 1 ? ` after ${d.queries} queries` : ''} from ${s.server}${where}.`;
    const lostAnswer = answeredOthers || notAskedAgain;
    out.push(makeFinding('dns-failure', ws.loggedIn || lostAnswer ? 'warning' : 'error', s, message, d.lastFailure ? [d.lastFailure.frame] : s.frames));
  }
  return out;
};
