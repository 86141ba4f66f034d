/**
 * What the desktop does at each step of its start-up and why it matters, in plain words for trainers and first
 * reading of a ticket. Data, keyed by phase and service (the profile's ids); the first entry that matches a step
 * explains it. Shown by `analyze --explain`, in the HTML report and beside a step's details.
 */

import type { Phase } from '../decoders/profile.js';
import type { Step } from './model.js';

export interface StepExplanation {
  phase?: Phase;
  service?: string;
  /** Matches the step's summary (heartbeats, closes). */
  summary?: RegExp;
  text: string;
}

export const STEP_EXPLANATIONS: readonly StepExplanation[] = [
  { summary: /heartbeat/i, text: 'The desktop and the CTI server check every few seconds that the other is still there; missed heartbeats mean the session is about to be dropped.' },
  // A server's own end of a session first: its summary names CLOSE_REQ (the one nobody sent).
  { summary: /closed the session after .*\(FIN, no CLOSE_REQ\)$/, text: 'The server ended the session on its own (its FIN, no CLOSE_REQ): the desktop has no CTI session from then on, and its agent takes no calls until it connects again.' },
  { summary: / reset the connection after /, text: 'The server reset an established connection (RST): its service stopped, restarted or dropped the session, and the desktop has to connect again.' },
  { summary: /^CTI messages: CLOSE|CLOSE_REQ/, text: 'The desktop ends its CTI session; after a failed login this is the desktop giving up.' },
  { phase: 'dns', text: 'The desktop looks up the addresses of its servers by name; a wrong or stale answer sends it to a server that is not there.' },
  { phase: 'config', service: 'ldap-directory', text: 'CAD reads its configuration (the agent\'s profile, team, CTI server addresses) from the CAD LDAP directory on the UCCX node; without it the desktop cannot start.' },
  { phase: 'config', text: 'The desktop reads its configuration from a directory; without it the desktop cannot start.' },
  { phase: 'licensing', text: 'CAD asks the licence manager (LRM) for a seat; without one it refuses to start, before it ever contacts the CTI server.' },
  { phase: 'cti-session', service: 'ctios', text: 'The CTI OS desktop connects to a CTI OS server, trying side A then side B; the login itself is inside a format that is not public.' },
  { phase: 'cti-session', text: 'The desktop opens its CTI session (OPEN_REQ): the CTI server must be the active node and accept the client\'s version and ID before any agent can log in.' },
  { phase: 'login', summary: /QUERY_AGENT_STATE/, text: 'The desktop asks the CTI server what state the agent is in before logging it in.' },
  { phase: 'login', text: 'The desktop logs the agent in on its extension (SET_AGENT_STATE LOGIN); the CTI server refuses when the phone is not registered or the agent is not configured.' },
  { phase: 'services', text: 'CAD registers with the desktop services (chat, recording and statistics, enterprise data); the agent can work without them, but features go missing.' },
  { phase: 'phone', text: 'The phone\'s own signalling; the agent\'s extension must be registered for the login to succeed.' },
  { phase: 'other', service: 'dns-other', text: 'The PC\'s own lookups and local name chatter (Windows, the domain, other programs): shown so nothing is hidden, but not part of the start-up; names that do not resolve here are normal.' },
  { phase: 'other', text: 'Other traffic of the desktop with a server it depends on.' },
];

/** The explanation of a step, or undefined. */
export function explainStep(step: Pick<Step, 'phase' | 'service' | 'summary'>): string | undefined {
  for (const e of STEP_EXPLANATIONS) {
    if (e.phase !== undefined && e.phase !== step.phase) continue;
    if (e.service !== undefined && e.service !== step.service) continue;
    if (e.summary !== undefined && !e.summary.test(step.summary)) continue;
    return e.text;
  }
  return undefined;
}
