import type { Rule } from '../state.js';
import { formatDuration, portOf } from '../format.js';
import { connectingAtEnd, makeFinding, serverText, severityFor } from './common.js';

/** A SYN answered by RST: the host is up but nothing listens on the port. */
export const diagnoseRefused: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'refused')
    .map((s) => {
      const c = s.facts.conn!;
      const what = c.attempts > 1 ? `refused ${c.attempts} connection attempts over ${formatDuration(c.span)}` : 'refused the connection';
      const rst = c.rstFrame !== undefined ? ` (frame ${c.rstFrame})` : '';
      const port = portOf(s.server) ?? '?';
      const why =
        s.service === 'other-service'
          ? `No desktop service ctiscope knows uses port ${port}, so this is not judged part of the start-up (shown because the host is one of the desktop's servers).`
          : `The host is up but nothing listens on port ${port}: the service is stopped there or runs on another node.`;
      const message = `${serverText(ws, s.server)}, the ${s.label}, ${what}: SYN answered by RST${rst}. ${why}`;
      const again = connectingAtEnd(ws, s);
      return makeFinding('connection-refused', severityFor(ws, s), s, message + (again?.text ?? ''), again?.frame !== undefined ? [...s.frames, again.frame] : undefined);
    });
