import type { Rule } from '../state.js';
import { STARTUP_PHASES } from '../model.js';
import { makeFinding } from './common.js';
import { formatDuration } from '../format.js';

/**
 * A CAD desktop reads its configuration (LDAP) and gets a licence before it opens its CTI session. When neither is in
 * the capture but later steps are, the capture began after them: say so, so that a login with no configuration step
 * is not read as a desktop that skipped one, and so that the capture can be started earlier next time.
 *
 * Whether CAD always reads its directory before its licence is not certain, so a licence with no configuration
 * before it is no proof of a capture begun late: only when the capture began so little before the licence request
 * (LICENCE_LEAD) that the read most likely fell just before it.
 */
const LICENCE_LEAD = 1;
export const diagnoseCaptureStart: Rule = (ws) => {
  if (ws.subject !== 'workstation' || ws.desktop !== 'cad') return [];
  let first: (typeof ws.steps)[number] | undefined;
  let early = false;
  for (const s of ws.steps) {
    if (!STARTUP_PHASES.includes(s.phase)) continue;
    if (s.phase === 'config' || s.phase === 'licensing') early = true;
    if (first === undefined || s.start < first.start) first = s;
  }
  if (first === undefined) return [];
  const at = first.frames[0];
  const where = `${first.server}${at !== undefined ? ` (frame ${at})` : ''}`;
  let message: string;
  const lead = ws.captureStart !== undefined ? first.flowStart - ws.captureStart : Infinity;
  if (early && first.phase === 'licensing' && !first.facts.midStream && lead < LICENCE_LEAD) {
    message = `The capture began ${formatDuration(Math.max(0, lead))} before this desktop's licence request with ${where} and has no configuration download for it: a CAD desktop reads its configuration (LDAP) before it asks for a licence, so that read most likely came just before the capture began, and how long the start-up took is not known.`;
  } else if (early) {
    // The configuration or licence is here, but its connection was already under way when the capture began.
    if (!first.facts.midStream || (first.phase !== 'config' && first.phase !== 'licensing')) return [];
    const what = first.phase === 'config' ? 'configuration download' : 'licence request';
    message = `The capture began during this desktop's start-up: its ${what} with ${where} was already under way (the start of its connection is not in the capture), so how long the start-up took is not known and what came before it cannot be judged.`;
  } else {
    const what = first.phase === 'cti-session' ? 'its CTI session' : first.phase === 'login' ? 'its agent login' : 'its desktop services';
    message = `The capture has no configuration download or licence for this desktop: it begins with ${what} with ${where}, so the desktop started before the capture did (or the capture did not see that traffic: a capture filter, another path). Those steps cannot be judged here; start the capture before the desktop to see them.`;
  }
  return [makeFinding('capture-started-late', 'info', first, message, at !== undefined ? [at] : [])];
};
