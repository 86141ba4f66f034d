import type { Finding } from '../model.js';
import type { Rule, WorkstationView } from '../state.js';
import { codeText, hostOf } from '../format.js';
import { explainLdapResult } from './explain.js';
import { emptySearchText } from '../describe.js';
import { laterPhaseStep, makeFinding, recoveryOf, serverText, severityFor, stepText, framesOf, unfinishedAtEnd, wentOnPast } from './common.js';

/**
 * Seconds the capture must go on after a search that found nothing before "the desktop went no further" is said,
 * when the desktop did not end its directory session (unbind) after it.
 */
const EMPTY_SEARCH_SETTLE = 10;

/** LDAP errors while the desktop reads its configuration, or no directory that worked at all. */
export const diagnoseConfigDownload: Rule = (ws) => {
  const out: Finding[] = [];
  const config = ws.steps.filter((s) => s.phase === 'config' && s.kind !== 'dns');
  for (const s of config) {
    const e = s.facts.ldap?.error;
    if (!e) continue;
    const why = explainLdapResult(e.name);
    const diag = e.diagnostic ? ` with the message "${e.diagnostic}"` : '';
    const message = `${serverText(ws, s.server)}, the ${s.label}, answered the ${e.op}${s.facts.ldap?.bindDn && e.op === 'bind' ? ` as ${s.facts.ldap.bindDn}` : ''} with ${codeText(e.name, e.code, 'result')}${diag} (frame ${e.frame})${why ? `: ${why}` : ''}.`;
    out.push(makeFinding('config-download-failed', severityFor(ws, s), s, message, [e.frame]));
  }
  // An entry that was not there matters only when the desktop went no further: no licensing, CTI or services after it.
  for (const s of config) {
    const missing = s.facts.ldap?.missing;
    if (!missing || missing.length === 0 || s.facts.ldap?.error) continue;
    if (wentOnAfter(ws, missing[0].time)) continue;
    const m = missing[0];
    const matched = m.matchedDN ? ` (the directory matched only ${m.matchedDN})` : '';
    const message = `${serverText(ws, s.server)}, the ${s.label}, has no entry ${m.base}: the search was answered noSuchObject (32)${matched} (frame ${m.frame}), and the desktop went no further.`;
    out.push(makeFinding('config-download-failed', 'error', s, message, [m.frame]));
  }
  // A search for the agent or its team that found nothing, answered success: the same fault as noSuchObject when the
  // desktop then went no further, once that is shown: it ended its directory session after the result, or the
  // capture went on long enough after it.
  for (const s of config) {
    const l = s.facts.ldap;
    if (!l?.empty || l.error || out.length > 0) continue;
    const e = l.empty.find((x) => x.names === 'agent') ?? l.empty[0];
    const settled = (l.unbound !== undefined && l.unbound >= e.time) || ws.now - e.time >= EMPTY_SEARCH_SETTLE;
    if (wentOnAfter(ws, e.time) || !settled) continue;
    const why =
      e.names === 'agent'
        ? "the agent is not in the desktop's directory: UCCX's Sync service has not copied it there yet (or the agent is not enabled for CTI use), or the ID was mistyped (the desktop says \"Invalid agent ID\")"
        : 'the agent\'s team is not in the desktop\'s directory: it has no team in UCCX, or the Sync service has not copied it yet (the desktop says "No team found for agent")';
    const message = `${serverText(ws, s.server)}, the ${s.label}, has no entry for ${emptySearchText(e)}: the search was answered success with no entries (frame ${e.frame}), and the desktop went no further: ${why}.`;
    out.push(makeFinding('config-download-failed', 'error', s, message, [e.frame]));
  }
  if (out.length > 0 || config.length === 0) return out;
  // No LDAP error, but no directory worked either: name every attempt.
  if (config.some((s) => s.ok)) return out;
  const failed = config.filter((s) => !s.ok && !recoveryOf(ws, s));
  // The desktop still at one of them when the capture ended (waiting, or connecting again): whether it got a directory is not in it.
  // Nor when the desktop went on to a later phase after them: it had its configuration, which the capture does not show it getting.
  if (failed.length === 0 || failed.some((s) => unfinishedAtEnd(ws, s) || wentOnPast(ws, s) !== undefined)) return out;
  const tried = failed.map(stepText).join('; ');
  // One directory host, never reached, and no other tried: the desktop has (or uses) no second one (Cisco TAC: CAD
  // with LDAP Host 1 down logs no agent in when LDAP Host 2 is not set, and older CAD versions never fall over).
  const oneHost = new Set(failed.map((s) => s.server)).size === 1 && failed.every((s) => s.facts.conn?.failure === 'unreachable' || s.facts.conn?.failure === 'refused');
  const second = oneHost
    ? ` The desktop tried no other directory: CAD falls over to its second LDAP host only when one is configured (LDAP Host 2 in its site setup), and older CAD versions do not fall over at all.${siblingText(ws, failed[0].server)}`
    : '';
  out.push(makeFinding('config-download-failed', 'error', failed[failed.length - 1], `No usable directory: the desktop could not read its configuration. ${tried}.${second}`, framesOf(failed)));
  return out;
};

/** The desktop went on past its configuration after `time`: a licensing, CTI or services step began then or later. */
function wentOnAfter(ws: WorkstationView, time: number): boolean {
  return laterPhaseStep(ws.steps, 'config', time) !== undefined;
}

/**
 * Names a node beside the failed one (its name the same but for one character: uccx-a and uccx-b, ccx1 and ccx2)
 * that the desktop looked up and never connected to: most likely the other node, which would be LDAP Host 2.
 */
function siblingText(ws: WorkstationView, server: string): string {
  const ip = hostOf(server);
  const names = ws.namesOf(ip);
  if (names.length === 0) return '';
  const tried = new Set(ws.steps.filter((s) => s.phase !== 'dns').map((s) => hostOf(s.server)));
  for (const s of ws.steps) {
    const d = s.facts.dns;
    if (s.phase !== 'dns' || !d) continue;
    const other = d.addresses.find((a) => a !== ip && !tried.has(a));
    if (other && names.some((n) => siblingNames(n, d.qname))) {
      return ` It looked up ${d.qname} (${other}), beside ${names[0]}, and never connected to it: if that is the other node, set it as LDAP Host 2.`;
    }
  }
  return '';
}

/** Two host names that differ in one character of their first label only. */
function siblingNames(a: string, b: string): boolean {
  const [x, ...xs] = a.toLowerCase().split('.');
  const [y, ...ys] = b.toLowerCase().split('.');
  if (xs.join('.') !== ys.join('.') || x.length !== y.length || x === y) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
  return diff === 1;
}
