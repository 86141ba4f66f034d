import type { Rule } from '../state.js';
import { codeText, hostOf } from '../format.js';
import { explainCtiStatus } from './explain.js';
import { connectingAtEnd, makeFinding, serverText, severityFor } from './common.js';

/** FAILURE_CONF to OPEN_REQ: the CTI server refused the session. */
export const diagnoseCtiOpen: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'cti-open' && s.facts.ged)
    .map((s) => {
      const g = s.facts.ged!;
      const why = explainCtiStatus(g.statusName, hostOf(s.server));
      const message = `${serverText(ws, s.server)} refused the CTI session: OPEN_REQ → ${g.reply} ${codeText(g.statusName, g.status, 'status')} (frame ${g.frame})${why ? `: ${why}` : ''}.`;
      const again = connectingAtEnd(ws, s);
      return makeFinding('cti-open-failed', severityFor(ws, s), s, message + (again?.text ?? ''), again?.frame !== undefined ? [g.frame, again.frame] : [g.frame]);
    });
