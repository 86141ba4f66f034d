import type { Rule } from '../state.js';
import { connectionAge } from '../describe.js';
import { lostSessionEnd, makeFinding, serverText, silenceText } from './common.js';

/**
 * A CTI session the server ended with its FIN, unasked: no CLOSE_REQ, no refused open, no silence past its
 * IdleTimeout, no word from the server first (steps/ged188.ts, closedByServerUnasked). A server's clean close is
 * as much a lost session as its reset; when the capture ends while the host connects again, a warning, saying so.
 */
export const diagnoseSessionClosed: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'closed')
    .map((s) => {
      const c = s.facts.conn!;
      const frame = c.finFrame !== undefined ? `FIN, frame ${c.finFrame}` : 'FIN';
      const { severity, then, frames } = lostSessionEnd(ws, s);
      const message =
        `${serverText(ws, s.server)}, the ${s.label}, closed the CTI session after ${connectionAge(c)} (${frame}), with no CLOSE_REQ and no word ` +
        `of its side going offline: the service stopped or restarted, or the server dropped the client.${silenceText(c)}${then}`;
      return makeFinding('session-closed', severity, s, message, frames);
    });
