import type { Rule } from '../state.js';
import { formatDuration, plural } from '../format.js';
import { makeFinding, serverText, severityFor, uniqueFrames } from './common.js';

/** SYNs that were never answered, or an ICMP unreachable for the connection. */
export const diagnoseUnreachable: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'connection' && s.facts.conn?.failure === 'unreachable')
    .map((s) => {
      const c = s.facts.conn!;
      const who = `${serverText(ws, s.server)}, the ${s.label},`;
      const attempts = c.attempts > 1 ? ` in ${c.attempts} connection attempts over ${formatDuration(c.span)}` : '';
      const message = c.icmp
        ? `${who} is unreachable: ICMP ${c.icmp.codeName} from ${c.icmp.from} (frame ${c.icmp.frame})${attempts}.`
        : `${who} never answered: ${plural(c.syns, 'SYN')} over ${formatDuration(c.synSpan)}${attempts} got no SYN-ACK, so the host is down, the address is stale, or a firewall drops the packets.`;
      return makeFinding('server-unreachable', severityFor(ws, s), s, message, uniqueFrames(c.synFrames, c.icmp?.frame));
    });
