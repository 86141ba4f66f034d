import type { Rule } from '../state.js';
import { formatDuration } from '../format.js';
import { makeFinding, serverText, severityFor } from './common.js';

/** An established session that the server reset. */
export const diagnoseReset: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'reset')
    .map((s) => {
      const c = s.facts.conn!;
      const frame = c.rstFrame !== undefined ? ` (frame ${c.rstFrame})` : '';
      const message = `${serverText(ws, s.server)}, the ${s.label}, reset the established connection after ${formatDuration(c.duration)}${frame}: the service stopped, restarted or dropped the session.`;
      return makeFinding('connection-reset', severityFor(ws, s), s, message);
    });
