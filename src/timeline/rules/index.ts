/**
 * The diagnosis rules, in the order their findings are listed. Adding a rule is adding a file and a line here.
 * Each rule is a pure function of one workstation's state (`WorkstationView`) returning its findings.
 */

import type { Rule } from '../state.js';
import { diagnoseUnreachable } from './unreachable.js';
import { diagnoseRefused } from './refused.js';
import { diagnoseReset } from './reset.js';
import { diagnoseTimeouts } from './timeouts.js';
import { diagnoseConfigDownload } from './config.js';
import { diagnoseLicensing } from './licensing.js';
import { diagnoseCtiOpen } from './cti-open.js';
import { diagnoseAgentLogin } from './agent-login.js';
import { diagnoseFailover } from './failover.js';
import { diagnoseSlowSteps } from './slow.js';
import { diagnoseHeartbeats } from './heartbeats.js';
import { diagnoseDns } from './dns.js';
import { diagnoseTls } from './tls.js';
import { diagnoseCaptureGaps } from './gaps.js';
import { diagnoseTruncation } from './truncation.js';
import { diagnoseCaptureDrops } from './drops.js';

export const RULES: readonly { name: string; rule: Rule }[] = [
  { name: 'diagnoseUnreachable', rule: diagnoseUnreachable },
  { name: 'diagnoseRefused', rule: diagnoseRefused },
  { name: 'diagnoseReset', rule: diagnoseReset },
  { name: 'diagnoseTimeouts', rule: diagnoseTimeouts },
  { name: 'diagnoseConfigDownload', rule: diagnoseConfigDownload },
  { name: 'diagnoseLicensing', rule: diagnoseLicensing },
  { name: 'diagnoseCtiOpen', rule: diagnoseCtiOpen },
  { name: 'diagnoseAgentLogin', rule: diagnoseAgentLogin },
  { name: 'diagnoseFailover', rule: diagnoseFailover },
  { name: 'diagnoseSlowSteps', rule: diagnoseSlowSteps },
  { name: 'diagnoseHeartbeats', rule: diagnoseHeartbeats },
  { name: 'diagnoseDns', rule: diagnoseDns },
  { name: 'diagnoseTls', rule: diagnoseTls },
  { name: 'diagnoseCaptureGaps', rule: diagnoseCaptureGaps },
  { name: 'diagnoseCaptureDrops', rule: diagnoseCaptureDrops },
  { name: 'diagnoseTruncation', rule: diagnoseTruncation },
];

export {
  diagnoseUnreachable,
  diagnoseRefused,
  diagnoseReset,
  diagnoseTimeouts,
  diagnoseConfigDownload,
  diagnoseLicensing,
  diagnoseCtiOpen,
  diagnoseAgentLogin,
  diagnoseFailover,
  diagnoseSlowSteps,
  diagnoseHeartbeats,
  diagnoseDns,
  diagnoseTls,
  diagnoseCaptureGaps,
  diagnoseCaptureDrops,
  diagnoseTruncation,
};
