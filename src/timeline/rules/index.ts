/**
 * The diagnosis rules, in the order their findings are listed. Adding a rule is adding a file and a line here.
 * Each rule is a pure function of one subject's state (`WorkstationView`) returning its findings, and names the
 * kinds of subject it applies to: a workstation's start-up, a CTI client's sessions, an agent's logins.
 */

import type { Rule, SubjectKind } from '../state.js';
import { diagnoseUnreachable } from './unreachable.js';
import { diagnoseRefused } from './refused.js';
import { diagnoseReset } from './reset.js';
import { diagnoseSessionClosed } from './session-closed.js';
import { diagnoseTimeouts } from './timeouts.js';
import { diagnoseConfigDownload } from './config.js';
import { diagnoseLicensing } from './licensing.js';
import { diagnoseCtiOpen } from './cti-open.js';
import { diagnoseAgentLogin } from './agent-login.js';
import { diagnoseAgentLoggedOut } from './agent-logged-out.js';
import { diagnoseFailover } from './failover.js';
import { diagnoseSlowSteps } from './slow.js';
import { diagnoseHeartbeats } from './heartbeats.js';
import { diagnoseDns } from './dns.js';
import { diagnoseTls } from './tls.js';
import { diagnoseCaptureGaps } from './gaps.js';
import { diagnoseTruncation } from './truncation.js';
import { diagnoseCaptureDrops } from './drops.js';
import { diagnoseCtiFailover } from './cti-failover.js';
import { diagnosePeripheralOffline } from './peripheral-offline.js';
import { diagnoseCaptureStart } from './capture-start.js';
import { diagnoseSessionFlapping } from './flapping.js';
import { diagnoseLatency } from './latency.js';

const W: readonly SubjectKind[] = ['workstation'];
const WC: readonly SubjectKind[] = ['workstation', 'cti-client'];
const WA: readonly SubjectKind[] = ['workstation', 'agent'];
const ALL: readonly SubjectKind[] = ['workstation', 'cti-client', 'agent'];

export const RULES: readonly { name: string; rule: Rule; subjects: readonly SubjectKind[] }[] = [
  { name: 'diagnoseUnreachable', rule: diagnoseUnreachable, subjects: WC },
  { name: 'diagnoseRefused', rule: diagnoseRefused, subjects: WC },
  { name: 'diagnoseReset', rule: diagnoseReset, subjects: WC },
  { name: 'diagnoseSessionClosed', rule: diagnoseSessionClosed, subjects: WC },
  { name: 'diagnoseTimeouts', rule: diagnoseTimeouts, subjects: ALL },
  { name: 'diagnoseConfigDownload', rule: diagnoseConfigDownload, subjects: W },
  { name: 'diagnoseLicensing', rule: diagnoseLicensing, subjects: W },
  { name: 'diagnoseCtiOpen', rule: diagnoseCtiOpen, subjects: WC },
  { name: 'diagnoseAgentLogin', rule: diagnoseAgentLogin, subjects: WA },
  { name: 'diagnoseAgentLoggedOut', rule: diagnoseAgentLoggedOut, subjects: WA },
  { name: 'diagnoseFailover', rule: diagnoseFailover, subjects: W },
  { name: 'diagnoseCtiFailover', rule: diagnoseCtiFailover, subjects: ['cti-client'] },
  { name: 'diagnosePeripheralOffline', rule: diagnosePeripheralOffline, subjects: WC },
  { name: 'diagnoseSlowSteps', rule: diagnoseSlowSteps, subjects: W },
  { name: 'diagnoseLatency', rule: diagnoseLatency, subjects: W },
  { name: 'diagnoseHeartbeats', rule: diagnoseHeartbeats, subjects: WC },
  { name: 'diagnoseSessionFlapping', rule: diagnoseSessionFlapping, subjects: WC },
  { name: 'diagnoseDns', rule: diagnoseDns, subjects: W },
  { name: 'diagnoseTls', rule: diagnoseTls, subjects: W },
  { name: 'diagnoseCaptureGaps', rule: diagnoseCaptureGaps, subjects: WC },
  { name: 'diagnoseCaptureDrops', rule: diagnoseCaptureDrops, subjects: ALL },
  { name: 'diagnoseTruncation', rule: diagnoseTruncation, subjects: ALL },
  { name: 'diagnoseCaptureStart', rule: diagnoseCaptureStart, subjects: W },
];

export {
  diagnoseUnreachable,
  diagnoseRefused,
  diagnoseReset,
  diagnoseSessionClosed,
  diagnoseTimeouts,
  diagnoseConfigDownload,
  diagnoseLicensing,
  diagnoseCtiOpen,
  diagnoseAgentLogin,
  diagnoseAgentLoggedOut,
  diagnoseFailover,
  diagnoseSlowSteps,
  diagnoseLatency,
  diagnoseHeartbeats,
  diagnoseSessionFlapping,
  diagnoseDns,
  diagnoseTls,
  diagnoseCaptureGaps,
  diagnoseCaptureDrops,
  diagnoseTruncation,
  diagnoseCtiFailover,
  diagnosePeripheralOffline,
  diagnoseCaptureStart,
};
