import type { Rule } from '../state.js';
import { codeText } from '../format.js';
import { explainTlsAlert } from './explain.js';
import { isStartupPhase, makeFinding, serverText } from './common.js';

/** A TLS alert that ended a handshake or session. */
export const diagnoseTls: Rule = (ws) =>
  ws.steps
    .filter((s) => s.facts.tls?.alert)
    .map((s) => {
      const t = s.facts.tls!;
      const a = t.alert!;
      const fatal = a.level !== 'warning';
      const why = explainTlsAlert(a.description);
      const from = a.from === 's2c' ? 'the server' : 'the desktop';
      const sni = t.serverName ? ` for ${t.serverName}` : '';
      const message = `${from} sent a ${a.level ?? 'TLS'} alert ${codeText(a.description, a.code, 'alert')} on the TLS session with ${serverText(ws, s.server)}${sni} (frame ${a.frame})${why ? `: ${why}` : ''}.`;
      const severity = !fatal ? 'info' : isStartupPhase(s.phase) ? 'error' : 'warning';
      return makeFinding('tls-failure', severity, s, message, [a.frame]);
    });
