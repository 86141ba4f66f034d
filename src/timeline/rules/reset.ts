import type { Rule } from '../state.js';
import { connectionAge } from '../describe.js';
import { lostSessionEnd, makeFinding, serverText, silenceText } from './common.js';

/**
 * An established session that the server reset. When the capture ends while the host is connecting to the same
 * service again (its SYN just before the end), how that went is not in the capture: a warning, saying so.
 */
export const diagnoseReset: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'reset')
    .map((s) => {
      const c = s.facts.conn!;
      const frame = c.rstFrame !== undefined ? ` (frame ${c.rstFrame})` : '';
      const { severity, then, frames } = lostSessionEnd(ws, s);
      const message = `${serverText(ws, s.server)}, the ${s.label}, reset the established connection after ${connectionAge(c)}${frame}: the service stopped, restarted or dropped the session.${silenceText(c)}${then}`;
      return makeFinding('connection-reset', severity, s, message, frames);
    });
