import type { Rule } from '../state.js';
import { connectionAge } from '../describe.js';
import { makeFinding, reconnectingAfter, serverText, severityFor, silenceText } from './common.js';

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
      const again = reconnectingAfter(ws, s);
      const then = again ? ` The capture ends while the host connects to ${serverText(ws, again.server)} (SYN, frame ${again.frame}), so whether it got a session again is not in it.` : '';
      const message = `${serverText(ws, s.server)}, the ${s.label}, reset the established connection after ${connectionAge(c)}${frame}: the service stopped, restarted or dropped the session.${silenceText(c)}${then}`;
      return makeFinding('connection-reset', again ? 'warning' : severityFor(ws, s), s, message, again ? [...s.frames, again.frame] : undefined);
    });
