import type { Rule } from '../state.js';
import { formatDuration, plural } from '../format.js';
import { connectingAtEnd, makeFinding, serverText, severityFor, uniqueFrames } from './common.js';
import { afterLastSyn } from '../describe.js';

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
        : c.stillTrying !== undefined
          ? `${who} had not answered when the capture ended: ${plural(c.syns, 'SYN')} over ${formatDuration(c.synSpan)}${attempts} got no SYN-ACK, and ${afterLastSyn(c.stillTrying)}, before the desktop would retry again or give up (each wait is longer than the one before). Whether it got through or went on to another server is not in the capture: capture for longer. Unanswered so far means the host is down, the address is stale, or a firewall drops the packets.`
          : `${who} never answered: ${plural(c.syns, 'SYN')} over ${formatDuration(c.synSpan)}${attempts} got no SYN-ACK, so the host is down, the address is stale, or a firewall drops the packets.`;
      const again = connectingAtEnd(ws, s);
      const frames = uniqueFrames(c.synFrames, c.icmp?.frame);
      if (again?.frame !== undefined && !frames.includes(again.frame)) frames.push(again.frame);
      return makeFinding('server-unreachable', severityFor(ws, s), s, message + (again?.text ?? ''), frames);
    });
