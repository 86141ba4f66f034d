import type { Rule } from '../state.js';
import { codeText, hostOf, humanize } from '../format.js';
import { explainCtiStatus, explainPeripheralError } from './explain.js';
import { agentText, makeFinding, serverText, severityFor } from './common.js';

/** CONTROL_FAILURE_CONF / FAILURE_CONF to SET_AGENT_STATE_REQ LOGIN. */
export const diagnoseAgentLogin: Rule = (ws) =>
  ws.steps
    .filter((s) => s.kind === 'cti-login' && s.facts.ged)
    .map((s) => {
      const g = s.facts.ged!;
      // The agent the request named (a terminal server runs several agents' desktops), else the subject's.
      const l = s.facts.login;
      const own = l?.agentId !== undefined && l.agentId !== ws.agent.id;
      const who = own ? agentText(l!.agentId, l!.extension) : agentText(ws.agent.id, ws.agent.extension, ws.agent.instrument);
      let code: string;
      let why: string | undefined;
      if (g.reply === 'CONTROL_FAILURE_CONF') {
        const periph = !g.peripheralErrorCode ? '' : g.peripheralErrorCodeName ? `${g.peripheralErrorCode} (${g.peripheralErrorCodeName})` : `peripheral error ${g.peripheralErrorCode}`;
        const failure = g.failureCode ? `failure ${codeText(g.failureCodeName, g.failureCode)}` : '';
        code = `CONTROL_FAILURE_CONF ${[periph, failure].filter(Boolean).join(', ') || codeText(g.failureCodeName, g.failureCode)}`;
        // A peripheral error ctiscope has no words for (a PG's own) is explained by the CTI server's failure code,
        // unless that is 0, CF_GENERIC_UNSPECIFIED, which explains nothing; so is peripheral error 0
        // (DEFAULT_ERROR_CODE, "unknown problem"), which a refusal by the CTI server itself carries.
        const peripheralWhy = g.peripheralErrorCode ? explainPeripheralError(g.peripheralErrorCodeName, g.peripheralErrorCode) : undefined;
        why = peripheralWhy ?? (g.failureCode && g.failureCodeName ? humanize(g.failureCodeName) : undefined);
      } else {
        code = `${g.reply} ${codeText(g.statusName, g.status, 'status')}`;
        why = explainCtiStatus(g.statusName, hostOf(s.server));
      }
      const message = `${serverText(ws, s.server)} refused the login of ${who}: SET_AGENT_STATE_REQ ${s.facts.login?.requested ?? 'LOGIN'} → ${code} (frame ${g.frame})${why ? `: ${why}` : ''}.`;
      return makeFinding('agent-login-failed', severityFor(ws, s), s, message, [g.frame]);
    });
