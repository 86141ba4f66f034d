/** A workstation's outcome: logged in, failed in a named phase, or not visible to the end. */

import type { Phase } from '../decoders/profile.js';
import type { FailureCause, Finding, FindingKind, Outcome, StartupOutcome } from './model.js';
import { PHASE_ORDER } from './model.js';
import type { AnalyzedStep, WorkstationView } from './state.js';
import { endsSession, isStartupPhase, lostSessionUnfinished, recoveryOf, stepText, stillTrying, unfinishedAtEnd, wentOnPast } from './rules/common.js';
import { splitStartups, type Startup } from './startups.js';
import { maxOf } from '../array-loops.js';

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
  /** When the desktop started up more than once: which start-up the outcome is (1-based), of how many, and how the others ended. */
  startup?: StartupOutcome;
}

/** The failure a finding names, in `phase`. */
export function causeOf(phase: Phase, f: Finding): FailureCause {
  return { phase, step: f.step, kind: f.kind, server: f.server, message: f.message };
}

/** The step whose AGENT_STATE_EVENT confirmed a login, if any. */
export function loginStep(steps: readonly AnalyzedStep[]): AnalyzedStep | undefined {
  return steps.find((s) => s.kind === 'cti-login' && s.ok && s.facts.login?.event !== undefined);
}

/**
 * Failed start-up steps that no later success for the same service made up for, earliest first. A connection still
 * unanswered when the capture ended too soon for the desktop to give up on it is none: its end is not in the capture.
 */
export function unrecoveredFailures(ws: WorkstationView): AnalyzedStep[] {
  return ws.steps
    .filter((s) => !s.ok && isStartupPhase(s.phase) && !stillTrying(s) && !recoveryOf(ws, s))
    .sort((a, b) => a.start - b.start || PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase));
}

/**
 * The outcome of the latest start-up that shows an end (a confirmed login, or a failure nothing later made up for):
 * a desktop that logged in and then, restarted, was refused a licence is not logged in. Within a start-up a login
 * stands over failures it got past.
 */
export function decideOutcome(ws: WorkstationView, findings: readonly Finding[]): OutcomeResult {
  const r = latestOutcome(ws, findings);
  // A login that did not last (rules/agent-logged-out.ts: not carried over a failover, lost with its session, logged
  // out by the server): the agent is not logged in now; when the capture ends just after that report, not known.
  const lost = r.outcome === 'logged-in' ? findings.find((f) => f.kind === 'agent-logged-out' && f.severity !== 'info') : undefined;
  if (!lost) return r;
  if (lost.severity === 'warning') return { ...r, outcome: 'incomplete', failedPhase: null, failure: null, loginSeconds: null };
  return { ...r, outcome: 'failed', failedPhase: 'login', failure: causeOf('login', lost), loginSeconds: null };
}

function latestOutcome(ws: WorkstationView, findings: readonly Finding[]): OutcomeResult {
  const startups = splitStartups(ws.steps);
  const failedAll = unrecoveredFailures(ws);
  // A start-up's own DNS lookups come after the one before it ended (a lookups step begun then is not its own).
  const notBefore = startups.map((_, i) => (i === 0 ? -Infinity : maxOf(startups[i - 1].steps, (s) => s.end)));
  const ends = startups.map((su, i) => endOf(ws, su, failedAll, findings, notBefore[i]));
  for (let i = startups.length - 1; i >= 0; i--) {
    const r = ends[i];
    if (!r) continue;
    if (startups.length > 1) {
      // How each other start-up ended by itself: a failure the next start-up made up for is still its end.
      const others: StartupOutcome['others'] = [];
      for (const su of startups) {
        if (su === startups[i]) continue;
        const local = unrecoveredFailures({ ...ws, steps: su.steps });
        const end = endOf(ws, su, local, findings, notBefore[su.index - 1]);
        others.push({ index: su.index, outcome: end?.outcome ?? 'incomplete', failedPhase: end?.failedPhase ?? null });
      }
      r.startup = { index: startups[i].index, count: startups.length, others };
    }
    return r;
  }
  // No step failed, but a rule named a phase's failure by its consequence (a missing entry the desktop stopped at).
  const named = findings.find((f) => f.severity === 'error' && f.step !== null && Object.values(PHASE_FINDING).includes(f.kind));
  const step = named ? ws.steps.find((s) => s.id === named.step) : undefined;
  if (named && step && isStartupPhase(step.phase)) {
    return { outcome: 'failed', failedPhase: step.phase, failure: causeOf(step.phase, named), loginSeconds: null };
  }
  return { outcome: 'incomplete', failedPhase: null, failure: null, loginSeconds: null };
}

/** How one start-up ended, or undefined when it shows no end (still going, or only a directory read mid-session). */
function endOf(ws: WorkstationView, su: Startup, failedAll: readonly AnalyzedStep[], findings: readonly Finding[], notBefore = -Infinity): OutcomeResult | undefined {
  const login = loginStep(su.steps);
  if (login) {
    // DNS lookups just before the start-up's first step are its own (the lookups step may have begun long before),
    // unless they began while an earlier start-up was still going.
    const lead = ws.steps.filter((s) => s.phase === 'dns' && s.start <= su.start && su.start - s.start <= DNS_LEAD_SECONDS && s.start >= notBefore);
    const first = startupStart([...lead, ...su.steps]);
    const event = login.facts.login!.event!;
    // A capture that began after the start-up did (rules/capture-start.ts) cannot time it.
    const late = findings.some((f) => f.kind === 'capture-started-late');
    return sessionLostAfterLogin(su, event.time, failedAll, findings) ?? { outcome: 'logged-in', failedPhase: null, failure: null, loginSeconds: late ? null : round(event.time - Math.min(first, login.start)) };
  }
  const ids = new Set(su.steps.map((s) => s.id));
  // A failure the desktop was failing over from when the capture ended (to another node), or would have next had the
  // capture gone on, a session lost while it connects again, or one it went on past to a later phase (a reply the
  // capture lost), is not the start-up's end.
  // (failedAll holds no step still trying: unfinishedAtEnd adds the failovers.)
  const failed = failedAll.filter((s) => ids.has(s.id) && !unfinishedAtEnd(ws, s) && !lostSessionUnfinished(ws, s) && wentOnPast(ws, s) === undefined);
  if (failed.length === 0) return undefined;
  const step = failed[0];
  const phase = step.phase;
  const phaseSteps = new Set(su.steps.filter((s) => s.phase === phase).map((s) => s.id));
  const errors = findings.filter((f) => f.severity === 'error' && f.step !== null && phaseSteps.has(f.step));
  const named = errors.find((f) => f.kind === PHASE_FINDING[phase]);
  const cause = named ?? errors.find((f) => f.step === step.id) ?? errors[0];
  return {
    outcome: 'failed',
    failedPhase: phase,
    failure: cause
      ? causeOf(phase, cause)
      : { phase, step: step.id, kind: null, server: step.server, message: stepText(step) },
    loginSeconds: null,
  };
}

/**
 * The CTI session lost after the login that `loginTime` confirmed, with no later session that made up for it: the
 * agent is not logged in at the end (failed at cti-session); when the capture ends while the desktop connects again,
 * that end is not in it (incomplete). Undefined when the session went on, or was ended by the desktop.
 */
function sessionLostAfterLogin(su: Startup, loginTime: number, failedAll: readonly AnalyzedStep[], findings: readonly Finding[]): OutcomeResult | undefined {
  const ids = new Set(su.steps.map((s) => s.id));
  for (const s of failedAll) {
    if (!ids.has(s.id) || s.phase !== 'cti-session' || !endsSession(s) || s.end < loginTime) continue;
    const f = findings.find((x) => x.step === s.id && x.severity === 'error') ?? findings.find((x) => x.step === s.id && x.severity === 'warning');
    if (!f) continue;
    if (f.severity === 'warning') return { outcome: 'incomplete', failedPhase: null, failure: null, loginSeconds: null };
    return { outcome: 'failed', failedPhase: 'cti-session', failure: causeOf('cti-session', f), loginSeconds: null };
  }
  return undefined;
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
