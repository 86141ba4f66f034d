import type { Rule } from '../state.js';
import { formatDuration, portOf } from '../format.js';
import { makeFinding, serverText, severityFor } from './common.js';

/** A SYN answered by RST: the host is up but nothing listens on the port. */
export const diagnoseRefused: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'refused')
    .map((s) => {
      const c = s.facts.conn!;
      const what = c.attempts > 1 ? `refused ${c.attempts} connection attempts over ${formatDuration(c.span)}` : 'refused the connection';
      const rst = c.rstFrame !== undefined ? ` (frame ${c.rstFrame})` : '';
      const message = `${serverText(ws, s.server)}, the ${s.label}, ${what}: SYN answered by RST${rst}. The host is up but nothing listens on port ${portOf(s.server) ?? '?'}: the service is stopped there or runs on another node.`;
      return makeFinding('connection-refused', severityFor(ws, s), s, message);
    });
