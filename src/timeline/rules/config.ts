import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { codeText } from '../format.js';
import { explainLdapResult } from './explain.js';
import { makeFinding, recoveryOf, serverText, severityFor, stepText, uniqueFrames } from './common.js';

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
  if (out.length > 0 || config.length === 0) return out;
  // No LDAP error, but no directory worked either: name every attempt.
  if (config.some((s) => s.ok)) return out;
  const failed = config.filter((s) => !s.ok && !recoveryOf(ws, s));
  if (failed.length === 0) return out;
  const tried = failed.map(stepText).join('; ');
  out.push(makeFinding('config-download-failed', 'error', failed[failed.length - 1], `No usable directory: the desktop could not read its configuration. ${tried}.`, uniqueFrames(...failed.map((s) => s.frames))));
  return out;
};
