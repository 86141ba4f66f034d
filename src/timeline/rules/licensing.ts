import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { explainGiopException } from './explain.js';
import { makeFinding, recoveryOf, serverText, severityFor, stepText, framesOf, unfinishedAtEnd, wentOnPast } from './common.js';

/** An exception from the licensing service, or no licensing service that answered. */
export const diagnoseLicensing: Rule = (ws) => {
  const out: Finding[] = [];
  const licensing = ws.steps.filter((s) => s.phase === 'licensing');
  for (const s of licensing) {
    const x = s.facts.giop?.exception;
    if (!x) continue;
    const why = explainGiopException(x.id);
    const message = `${serverText(ws, s.server)}, the ${s.label}, answered ${s.facts.giop!.operation} with ${x.status}${x.id ? ` ${x.id}` : ''} (frame ${x.frame})${why ? `: ${why}` : ''}.`;
    out.push(makeFinding('licensing-failed', severityFor(ws, s), s, message, [x.frame]));
  }
  if (out.length > 0 || licensing.length === 0 || licensing.some((s) => s.ok)) return out;
  const failed = licensing.filter((s) => !s.ok && !recoveryOf(ws, s));
  // The desktop still at one of them when the capture ended (waiting, or connecting again): whether it got a licence is not in it.
  // Nor when the desktop went on to a later phase after them: it had a licence, which the capture does not show it getting.
  if (failed.length === 0 || failed.some((s) => unfinishedAtEnd(ws, s) || wentOnPast(ws, s) !== undefined)) return out;
  const stopped = ws.steps.some((s) => s.phase === 'cti-session' || s.phase === 'login') ? '' : ', so the desktop stopped before the CTI session';
  const message = `No licensing service granted a licence${stopped}. ${failed.map(stepText).join('; ')}.`;
  out.push(makeFinding('licensing-failed', 'error', failed[failed.length - 1], message, framesOf(failed)));
  return out;
};
