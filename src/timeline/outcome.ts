/** A workstation's outcome: logged in, failed in a named phase, or not visible to the end. */

import type { Phase } from '../decoders/profile.js';
import type { FailureCause, Finding, FindingKind, Outcome } from './model.js';
import { PHASE_ORDER } from './model.js';
import type { AnalyzedStep, WorkstationView } from './state.js';
import { isStartupPhase, recoveryOf, stepText } from './rules/common.js';

/** DNS lookups this close before the first desktop step belong to the start-up. */
const DNS_LEAD_SECONDS = 10;

/** The finding kind that names a failure of each phase, when there is one. */
const PHASE_FINDING: Partial<Record<Phase, FindingKind>> = {
  config: 'config-download-failed',
  licensing: 'licensing-failed',
  'cti-session': 'cti-open-failed',
  login: 'agent-login-failed',
};

export interface OutcomeResult {
  outcome: Outcome;
  failedPhase: Phase | null;
  failure: FailureCause | null;
  loginSeconds: number | null;
}

/** The step whose AGENT_STATE_EVENT confirmed a login, if any. */
export function loginStep(steps: readonly AnalyzedStep[]): AnalyzedStep | undefined {
  return steps.find((s) => s.kind === 'cti-login' && s.ok && s.facts.login?.event !== undefined);
}

/** Failed start-up steps that no later success for the same service made up for, earliest first. */
export function unrecoveredFailures(ws: WorkstationView): AnalyzedStep[] {
  return ws.steps
    .filter((s) => !s.ok && isStartupPhase(s.phase) && !recoveryOf(ws, s))
    .sort((a, b) => a.start - b.start || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase));
}

export function decideOutcome(ws: WorkstationView, findings: readonly Finding[]): OutcomeResult {
  const login = loginStep(ws.steps);
  if (login) {
    const first = startupStart(ws.steps);
    const event = login.facts.login!.event!;
    return { outcome: 'logged-in', failedPhase: null, failure: null, loginSeconds: round(event.time - Math.min(first, login.start)) };
  }
  const failed = unrecoveredFailures(ws);
  if (failed.length === 0) {
    // No step failed, but a rule named a phase's failure by its consequence (a missing entry the desktop stopped at).
    const named = findings.find((f) => f.severity === 'error' && f.step !== null && Object.values(PHASE_FINDING).includes(f.kind));
    const step = named ? ws.steps.find((s) => s.id === named.step) : undefined;
    if (named && step && isStartupPhase(step.phase)) {
      return { outcome: 'failed', failedPhase: step.phase, failure: { phase: step.phase, step: named.step, kind: named.kind, server: named.server, message: named.message }, loginSeconds: null };
    }
    return { outcome: 'incomplete', failedPhase: null, failure: null, loginSeconds: null };
  }
  const step = failed[0];
  const phase = step.phase;
  const phaseSteps = new Set(ws.steps.filter((s) => s.phase === phase).map((s) => s.id));
  const errors = findings.filter((f) => f.severity === 'error' && f.step !== null && phaseSteps.has(f.step));
  const named = errors.find((f) => f.kind === PHASE_FINDING[phase]);
  const cause = named ?? errors.find((f) => f.step === step.id) ?? errors[0];
  return {
    outcome: 'failed',
    failedPhase: phase,
    failure: cause
      ? { phase, step: cause.step, kind: cause.kind, server: cause.server, message: cause.message }
      : { phase, step: step.id, kind: null, server: step.server, message: stepText(step) },
    loginSeconds: null,
  };
}

/** When the start-up began: the first desktop step, or a DNS lookup just before it. */
export function startupStart(steps: readonly AnalyzedStep[]): number {
  let first = Infinity;
  for (const s of steps) if (isStartupPhase(s.phase) && s.flowStart < first) first = Math.min(s.flowStart, s.start);
  if (!Number.isFinite(first)) return steps.length > 0 ? steps[0].start : 0;
  let start = first;
  for (const s of steps) if (s.phase === 'dns' && s.start < start && first - s.start <= DNS_LEAD_SECONDS) start = s.start;
  return start;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
