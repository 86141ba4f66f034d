import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { isLoggedInState, type AgentStateReport } from '../subjects/agents.js';
import { formatDuration } from '../format.js';
import { eventReasonCodeDescription } from '../../decoders/ged188/constants.js';
import { agentText, makeFinding, serverText } from './common.js';

/**
 * After a failover the new CTI server knows only the logins made on it: a CTI client (Finesse, a CTI OS server)
 * queries its agents there and logs again those the new side reports LOGOUT. A session lost and opened again on
 * the same server is the same: the login may not have outlived the session. When the new session's first word on
 * an agent logged in on the old one is LOGOUT and nothing since says it is logged in, the agent is not logged in
 * where calls now come from, whatever the old session said. A capture that ends within this long of the report
 * may only have missed the new login: a warning then.
 */
const RELOGIN_WINDOW = 2;

/**
 * Holes both ways in the new session, proven within this long after the LOGOUT report, may hold the login the CTI
 * client sent in answer and the server's answer to it (the client logs the agent in again at once; the peer's ACK
 * proves a hole within a round trip): a warning then, not an error. A hole in the client's bytes alone is not
 * enough: the server's answer, a confirmation or a refusal, would then be in the capture.
 */
const LOST_LOGIN_WINDOW = 10;

/** The frame that proved the later of two holes after `r`, one each way, within LOST_LOGIN_WINDOW; undefined if none. */
function loginLostWith(ws: Parameters<Rule>[0], r: AgentStateReport): number | undefined {
  const after = ws.sessionGapsOf(r.flowId).filter((g) => g.frame > r.frame && g.time - r.time <= LOST_LOGIN_WINDOW);
  const sent = after.find((g) => g.dir === 'c2s');
  const answer = after.find((g) => g.dir === 's2c');
  return sent && answer ? Math.max(sent.frame, answer.frame) : undefined;
}

/**
 * A logout request is answered at once (SET_AGENT_STATE_CONF, then AGENT_STATE_EVENT LOGOUT), and the server's ACK
 * of it proves a hole where the capture lost it: a hole in what the desktop sent, proven from this long before the
 * LOGOUT report to LOST_LOGIN_WINDOW after it, may have held the request.
 */
const LOST_LOGOUT_LEAD = 2;

/** The frame that proved the latest hole in the client's bytes of `r`'s session that may hold a logout request; undefined if none. */
function logoutLostWith(ws: Parameters<Rule>[0], r: AgentStateReport, loggedInAt: number): number | undefined {
  let frame: number | undefined;
  for (const g of ws.sessionGapsOf(r.flowId)) {
    if (g.dir !== 'c2s' || g.time < loggedInAt || g.time < r.time - LOST_LOGOUT_LEAD || g.time - r.time > LOST_LOGIN_WINDOW) continue;
    if (frame === undefined || g.frame > frame) frame = g.frame;
  }
  return frame;
}

export const diagnoseAgentLoggedOut: Rule = (ws) => {
  const reports = ws.agentReports;
  if (!reports || reports.length === 0) return [];
  // Where the agent was last known to be logged in: its confirmed login, else the latest session to report it so.
  const login = ws.steps.filter((s) => s.kind === 'cti-login').at(-1);
  let on: { server: string; time: number; flowId: number | undefined } | undefined;
  if (login) {
    if (login.ok) on = { server: login.server, time: login.start, flowId: login.detail?.flowId };
  } else {
    for (const r of reports) if (isLoggedInState(r.last.state) && (!on || r.last.time > on.time)) on = { server: r.last.server, time: r.last.time, flowId: r.last.flowId };
  }
  if (!on) return [];
  const where = on;
  const ownSession = (r: AgentStateReport): boolean => (where.flowId !== undefined ? r.flowId === where.flowId : r.server === where.server);
  const old = reports.find((r) => ownSession(r.first));
  if (old && !isLoggedInState(old.last.state)) {
    // Logged out on the old session itself: by its own request, nothing was lost; unasked, the server logged it out.
    const unasked = old.last.state === 'LOGOUT' && !old.last.asked && !reports.some((r) => r !== old && r.last.time > old.last.time && isLoggedInState(r.last.state));
    // Another session that had it logged in by then: that login took the agent over (a second desktop, a forced login).
    const other = unasked ? reports.find((r) => r !== old && r.first.time <= old.last.time && isLoggedInState(r.first.state)) : undefined;
    return unasked ? [unaskedLogout(ws, on.server, old.last, other?.first, on.time)] : [];
  }
  // The old session must have gone quiet about the agent by then: two sessions speaking at once are no failover.
  const oldLast = old?.last.time ?? on.time;
  const out: Finding[] = [];
  for (const { first, last } of reports) {
    if (ownSession(first) || first.time < oldLast || first.state !== 'LOGOUT' || isLoggedInState(last.state)) continue;
    // Only a session opened after the login's can be where the agent now is: an older one's LOGOUT is its own loss.
    if (where.flowId !== undefined && first.flowId < where.flowId) continue;
    const step = stepOf(ws, first);
    const ending = endsSoonAfter(ws, first, 'reply');
    const hole = loginLostWith(ws, first);
    const who = agentText(ws.agent.id, ws.agent.extension, ws.agent.instrument);
    const moved =
      first.server === on.server
        ? `was logged in on ${serverText(ws, on.server)}, but after that session ended and a new one opened there, the server`
        : `was logged in on ${serverText(ws, on.server)}, but after the CTI client moved to ${serverText(ws, first.server)} that server`;
    const message =
      `${who} ${moved} reported it LOGOUT (${first.message}, frame ${first.frame}), and no login of it there is in the capture` +
      (ending
        ? `${ending}: the new login may only come after the capture's end.`
        : hole
          ? `, but the capture lost bytes of that session both ways just after (found by frame ${hole}): the login and the server's answer to it may be among them.`
          : first.server === on.server
          ? `: the login did not outlive its session, so the agent is not logged in.`
          : `: the login did not carry over the failover, so the agent is not logged in on the side now serving its calls.`);
    out.push(makeFinding('agent-logged-out', ending || hole !== undefined ? 'warning' : 'error', step, message, hole !== undefined ? [first.frame, hole] : [first.frame], first.server));
  }
  return out;
};

/**
 * The server reported the agent LOGOUT on the session it logged in on, with no logout request for it there since
 * its login, and nothing since says it is logged in: the system (the phone, Unified CM, the peripheral) or someone
 * elsewhere (a supervisor, another desktop) logged it out, not the desktop or CTI client itself.
 */
function unaskedLogout(ws: Parameters<Rule>[0], server: string, r: AgentStateReport, elsewhere: AgentStateReport | undefined, loggedInAt: number): Finding {
  const step = stepOf(ws, r);
  const ending = endsSoonAfter(ws, r, 'report');
  const who = agentText(ws.agent.id, ws.agent.extension, ws.agent.instrument);
  const reason = r.reason ? `, reason ${r.reason.name ? `${r.reason.name} (${r.reason.code})` : r.reason.code}${eventReasonCodeDescription(r.reason.code) ? `: ${eventReasonCodeDescription(r.reason.code)}` : ''}` : '';
  const by = ws.subject === 'workstation' ? 'the desktop' : 'its CTI client';
  if (elsewhere) {
    const message =
      `${who} was logged in on ${serverText(ws, server)}, then logged in on another session (${elsewhere.client} → ${elsewhere.server}, ${elsewhere.message} ${elsewhere.state}, frame ${elsewhere.frame}), ` +
      `and the server reported it LOGOUT on this one (${r.message}${reason}, frame ${r.frame}): the other login took the agent over (the same agent ID, or its extension, in use on two desktops).`;
    return makeFinding('agent-logged-out', 'error', step, message, [elsewhere.frame, r.frame].sort((a, b) => a - b), r.server);
  }
  // The request may be in bytes the capture lost: then nothing says who logged the agent out.
  const hole = ending ? undefined : logoutLostWith(ws, r, loggedInAt);
  const message =
    `${who} was logged in on ${serverText(ws, server)}, then that server reported it LOGOUT (${r.message}${reason}, frame ${r.frame}) with no logout request for it on the session` +
    (ending
      ? `, and no login of it since is in the capture${ending}: a new login may only come after the capture's end.`
      : hole !== undefined
        ? `, but the capture lost bytes ${by} sent on that session (found by frame ${hole}): its logout request may be among them.`
        : `, and no login of it since is in the capture: it was logged out by the system (its phone, Unified CM, the peripheral) or from elsewhere (a supervisor, another desktop), not by ${by}.`);
  const frames = hole !== undefined && hole !== r.frame ? [r.frame, hole].sort((a, b) => a - b) : [r.frame];
  return makeFinding('agent-logged-out', ending || hole !== undefined ? 'warning' : 'error', step, message, frames, r.server);
}

/** The subject's step that holds the report's frame, if any. */
function stepOf(ws: Parameters<Rule>[0], r: AgentStateReport): Parameters<Rule>[0]['steps'][number] | null {
  return ws.steps.find((s) => s.server === r.server && s.frames.includes(r.frame)) ?? null;
}

/** ", which ends with that reply" / ", which ends 1.2 s later" when the capture ends within RELOGIN_WINDOW of the report; '' otherwise. */
function endsSoonAfter(ws: Parameters<Rule>[0], r: AgentStateReport, what: string): string {
  const after = ws.now - r.time;
  if (after >= RELOGIN_WINDOW) return '';
  return `, which ends ${after < 0.0005 ? `with that ${what}` : `${formatDuration(after)} later`}`;
}
