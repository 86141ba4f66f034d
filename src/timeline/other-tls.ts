/**
 * TLS sessions of other programs in a workstation's timeline. A readable TLS alert makes a step on any flow
 * (steps/tls.ts), since a failed handshake is worth naming when it is the desktop's; on a flow of no desktop
 * service it is the desktop's only when its server is one of the desktop's servers (Finesse's IdS on a port no
 * profile names). A browser refused by a web server the desktop never uses is another program's failure: the
 * workstation's timeline leaves it out, and with it any finding about it.
 */

import type { AnalyzedStep } from './state.js';
import { startupServers } from './rules/common.js';
import { hostOf } from './format.js';

export function withoutOtherProgramsTls(steps: AnalyzedStep[]): AnalyzedStep[] {
  if (!steps.some((s) => s.kind === 'tls' && s.phase === 'other')) return steps;
  const servers = startupServers(steps);
  return steps.filter((s) => s.kind !== 'tls' || s.phase !== 'other' || servers.has(hostOf(s.server)));
}
