import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { isLoggedInState } from '../subjects/agents.js';
import { formatDuration } from '../format.js';
import { agentText, makeFinding, serverText } from './common.js';

/**
 * After a failover the new CTI server knows only the logins made on it: a CTI client (Finesse, a CTI OS server)
 * queries its agents there and logs again those the new side reports LOGOUT. When that new side's first word on
 * an agent logged in on the old side is LOGOUT and nothing since says it is logged in, the agent is not logged
 * in where calls now come from, whatever the old side said. A capture that ends within this long of the report
 * may only have missed the new login: a warning then.
 */
const RELOGIN_WINDOW = 2;

export const diagnoseAgentLoggedOut: Rule = (ws) => {
  const reports = ws.agentReports;
  if (!reports || reports.length === 0) return [];
  // Where the agent was last known to be logged in: its confirmed login, else the latest server to report it so.
  const login = ws.steps.filter((s) => s.kind === 'cti-login').at(-1);
  let on: { server: string; time: number } | undefined;
  if (login) {
    if (login.ok) on = { server: login.server, time: login.start };
  } else {
    for (const r of reports) if (isLoggedInState(r.last.state) && (!on || r.last.time > on.time)) on = { server: r.last.server, time: r.last.time };
  }
  if (!on) return [];
  // The old side must have gone quiet about the agent by then: two sides speaking at once are no failover.
  const oldLast = reports.find((r) => r.first.server === on.server)?.last.time ?? on.time;
  const out: Finding[] = [];
  for (const { first, last } of reports) {
    if (first.server === on.server || first.time < oldLast || first.state !== 'LOGOUT' || isLoggedInState(last.state)) continue;
    const step = ws.steps.find((s) => s.server === first.server && s.frames.includes(first.frame)) ?? null;
    const after = ws.now - first.time;
    const soon = after < RELOGIN_WINDOW;
    const who = agentText(ws.agent.id, ws.agent.extension, ws.agent.instrument);
    const message =
      `${who} was logged in on ${serverText(ws, on.server)}, but after the CTI client moved to ${serverText(ws, first.server)} that server ` +
      `reported it LOGOUT (${first.message}, frame ${first.frame}), and no login of it there is in the capture` +
      (soon
        ? `, which ends ${after < 0.0005 ? 'with that reply' : `${formatDuration(after)} later`}: the new login may only come after the capture's end.`
        : `: the login did not carry over the failover, so the agent is not logged in on the side now serving its calls.`);
    out.push(makeFinding('agent-logged-out', soon ? 'warning' : 'error', step, message, [first.frame], first.server));
  }
  return out;
};
