/**
 * A working login next to a failing one: both start-ups aligned step by step by phase and service, the first
 * point where they part named in one sentence ("the working desktop got its licence from 192.168.100.1:3000;
 * this one first tried 192.168.100.9:3000, which never answered"), and the timing difference of every pair.
 *
 * Per phase, each side's attempts are the servers it spoke to, in order, each ok or not; the first phase whose
 * attempts differ (another server, or the same server failing) is the divergence.
 */

import type { Phase } from '../decoders/profile.js';
import type { Finding, Outcome, Step } from './model.js';
import { PHASE_ORDER } from './model.js';
import { formatDuration } from './format.js';
import type { SequenceSubject } from './sequence/subject.js';
import { maxOf, pushAll } from '../array-loops.js';

export interface AlignedStep {
  phase: Phase;
  service: string;
  good: StepSide | null;
  bad: StepSide | null;
  /** bad − good, seconds from each start-up's first step (null when one side lacks the step). */
  startDelta: number | null;
  durationDelta: number | null;
}

export interface StepSide {
  step: string;
  server: string;
  ok: boolean;
  /** Its reply may be in bytes the capture lost (Step.notCaptured): neither worked nor failed as far as is seen. */
  notCaptured?: boolean;
  /** Still waiting for its reply when the capture ended: neither worked nor failed as far as is seen. */
  pending?: boolean;
  /** Seconds from the subject's first step. */
  at: number;
  duration: number;
  summary: string;
}

export interface Divergence {
  phase: Phase;
  /** The server the working side used, and the one the failing side tried first. */
  goodServer: string | null;
  badServer: string | null;
  sentence: string;
}

export interface Comparison {
  /** The subjects' outcomes, as the analysis document gives them ('logged-in', 'failed', 'incomplete'). */
  good: { title: string; outcome: Outcome; kind?: SequenceSubject['kind'] };
  bad: { title: string; outcome: Outcome; kind?: SequenceSubject['kind'] };
  divergence: Divergence | null;
  /** Phases before the divergence (or anywhere, when there is none) where the two used other servers and both worked. */
  otherServers: ServerDifference[];
  steps: AlignedStep[];
  /** Total start-up time of each side, first step to last start-up step. */
  totals: { good: number; bad: number };
}

export interface ServerDifference {
  phase: Phase;
  good: string[];
  bad: string[];
}

/** The comparison's headline: the first difference, or that there is none (and which servers differed). */
/** "the working desktop" for workstations; an agent or a CTI client is "the working one" (it may have no desktop). */
function workingNoun(kind: SequenceSubject['kind'] | undefined): string {
  return kind === undefined || kind === 'workstation' ? 'the working desktop' : 'the working one';
}

/** Slower by at least this much, and this many times, is worth a sentence when nothing else differs. */
const SLOWER_BY = 5;
const SLOWER_TIMES = 2;

/**
 * ", but this one took 24.0 s against 1.0 s: 22.0 s more in config (22.1 s against 68 ms)", when the second start-up
 * was much slower with the same servers and results; '' otherwise.
 */
function slowerText(c: Partial<Pick<Comparison, 'steps' | 'totals'>>): string {
  if (!c.totals || !c.steps) return '';
  const { good, bad } = c.totals;
  if (bad - good < SLOWER_BY || bad < SLOWER_TIMES * good) return '';
  let most: AlignedStep | undefined;
  for (const s of c.steps) if (s.durationDelta !== null && (!most || s.durationDelta > most.durationDelta!)) most = s;
  const where = most && most.good && most.bad && most.durationDelta! >= (bad - good) / 2 ? `: ${formatDuration(most.durationDelta!)} more in ${most.phase} (${formatDuration(most.bad.duration)} against ${formatDuration(most.good.duration)})` : '';
  return `, but this one took ${formatDuration(bad)} against ${formatDuration(good)}${where}`;
}

export function comparisonHeadline(c: Pick<Comparison, 'divergence' | 'otherServers'> & Partial<Pick<Comparison, 'steps' | 'totals'>> & { good?: { kind?: SequenceSubject['kind'] } }): string {
  const working = workingNoun(c.good?.kind);
  // Phases both sides went through, with other servers; and phases only one side went through (nothing failed in them).
  const both = c.otherServers.filter((d) => d.good.length > 0 && d.bad.length > 0);
  const one = c.otherServers.filter((d) => d.good.length === 0 || d.bad.length === 0);
  const parts: string[] = [];
  if (both.length) parts.push(`both worked through other servers in ${both.map((d) => `${d.phase} (${working}: ${d.good.join(', ')}; this one: ${d.bad.join(', ')})`).join('; ')}`);
  if (one.length) parts.push(one.map((d) => (d.bad.length === 0 ? `this one has no ${d.phase} step (${working}: ${d.good.join(', ')})` : `${working} has no ${d.phase} step (this one: ${d.bad.join(', ')})`)).join('; '));
  const others = parts.join('; ');
  if (c.divergence) return `First difference: ${c.divergence.sentence}${others ? ` Before it, ${others}.` : ''}`;
  if (others) return `The two start-ups had the same results${one.length ? ' where both have steps' : ''}${slowerText(c)}; ${others}.`;
  return `The two start-ups went through the same servers with the same results${slowerText(c)}.`;
}

const allOk = (a: readonly Attempt[]): boolean => a.every((x) => x.ok);

/** A step whose only requests were still waiting when the capture ended: it did not work, as far as is seen. */
function isPending(s: Step): boolean {
  return s.ok && !s.notCaptured && (s.detail?.pending ?? 0) > 0 && (s.detail?.responseTime === undefined);
}

/** Worked, as far as the capture shows: ok, and not only waiting. */
const worked = (s: Step): boolean => s.ok && !isPending(s);

interface Attempt {
  server: string;
  ok: boolean;
  /** Not ok only because a request was still waiting when the capture ended (no step of it failed). */
  pending: boolean;
  steps: Step[];
}

const VERB: Record<Phase, { did: string; noun: string }> = {
  dns: { did: 'looked up', noun: 'name lookups' },
  config: { did: 'got its configuration from', noun: 'configuration' },
  licensing: { did: 'got its licence from', noun: 'licence' },
  'cti-session': { did: 'opened its CTI session with', noun: 'CTI session' },
  login: { did: 'logged its agent in through', noun: 'agent login' },
  services: { did: 'reached its desktop services at', noun: 'desktop services' },
  phone: { did: 'reached the phone service at', noun: 'phone' },
  other: { did: 'talked to', noun: 'other services' },
};

/**
 * Start-up steps only: heartbeats and the close of a session say nothing about how the start-up went, and the
 * PC's own traffic ('other': its lookups, the domain's directory, other programs) is no part of it. A noisy PC
 * compared with a quiet one otherwise parted at 'other', and every step of it came out a second late, timed from
 * its first lookup rather than from its start-up's first step.
 */
function startupSteps(s: SequenceSubject): Step[] {
  return s.steps.filter((st) => st.phase !== 'other' && !/heartbeat/i.test(st.summary) && !/^CTI messages: CLOSE/.test(st.summary)).sort((a, b) => a.start - b.start);
}

function attempts(steps: readonly Step[], phase: Phase): Attempt[] {
  const out: Attempt[] = [];
  for (const s of steps) {
    if (s.phase !== phase) continue;
    const last = out[out.length - 1];
    // DNS: the lookups, not the server, are what matters.
    const server = phase === 'dns' ? (s.detail?.operation ?? s.server) : s.server;
    if (last && last.server === server) {
      last.ok &&= worked(s);
      last.pending = !last.ok && last.steps.every((x) => worked(x) || isPending(x)) && (worked(s) || isPending(s));
      last.steps.push(s);
    } else out.push({ server, ok: worked(s), pending: isPending(s), steps: [s] });
  }
  return out;
}

/** Why an attempt failed, as the end of a sentence: "which never answered", "which refused the licence: …". */
function failureClause(a: Attempt, findings: readonly Finding[]): string {
  const failed = a.steps.find((s) => !worked(s)) ?? a.steps[0];
  if (isPending(failed)) return 'which had not answered when the capture ended';
  const f = findings.find((x) => x.step === failed.id && x.severity === 'error' && x.kind !== 'failover') ?? findings.find((x) => x.step === failed.id);
  switch (f?.kind) {
    case 'server-unreachable':
      return `which never answered (${failed.detail?.syns ?? 1} SYN${(failed.detail?.syns ?? 1) === 1 ? '' : 's'}${failed.detail?.synSpan ? ` over ${formatDuration(failed.detail.synSpan)}` : ''})`;
    case 'connection-refused':
      return 'which refused the connection (SYN answered by RST)';
    case 'connection-reset':
      return 'which reset the connection';
    case 'session-closed':
      return 'which closed the session';
    case 'timeout':
      return `which never replied${failed.detail?.operation ? ` to ${failed.detail.operation}` : ''}`;
    default: {
      const arrow = failed.summary.indexOf('→');
      const answer = (arrow >= 0 ? failed.summary.slice(arrow + 1) : failed.summary).replace(/ in <?[\d.]+ (ms|s)\b/, '').trim();
      return `which answered ${answer}`;
    }
  }
}

function sameAttempts(a: Attempt[], b: Attempt[]): boolean {
  return a.length === b.length && a.every((x, i) => x.server === b[i].server && x.ok === b[i].ok && x.pending === b[i].pending);
}

function describeDivergence(phase: Phase, good: Attempt[], bad: Attempt[], goodFindings: readonly Finding[], badFindings: readonly Finding[], working: string): Divergence {
  const v = VERB[phase];
  const k = good.findIndex((g, i) => !bad[i] || bad[i].server !== g.server || bad[i].ok !== g.ok || bad[i].pending !== g.pending);
  const at = k < 0 ? good.length : k;
  const sentence = (text: string, goodServer: string | null, badServer: string | null): Divergence => ({ phase, goodServer, badServer, sentence: `${phase}: ${text}.` });
  if (at > 0) {
    // The same start, then one side does more (or something else).
    const gk = good[at];
    const bk = bad[at];
    if (!bk) return sentence(`${working} then ${v.did} ${gk.server}; the capture shows no such step for this one`, gk.server, null);
    if (!gk) return sentence(`${working} was done after ${good[at - 1].server}; this one also tried ${bk.server}, ${bk.ok ? 'which worked' : failureClause(bk, badFindings)}`, null, bk.server);
    return describeDivergence(phase, good.slice(at), bad.slice(at), goodFindings, badFindings, working);
  }
  const g = good.find((a) => a.ok) ?? good[0];
  const b0 = bad[0];
  const goodPart = g
    ? g.ok
      ? `${working} ${v.did} ${g.server}`
      : `${working === 'the working desktop' ? 'the desktop taken as working' : 'the one taken as working'} failed here as well (${g.server}, ${failureClause(g, goodFindings)})`
    : `${working} needed no ${v.noun}`;
  let badPart: string;
  if (!b0) badPart = `this one never got to its ${v.noun}`;
  else if (b0.ok) badPart = `this one ${v.did} ${b0.server}`;
  else {
    badPart = g && b0.server === g.server ? `this one asked ${b0.server} too, ${failureClause(b0, badFindings)}` : `this one first tried ${b0.server}, ${failureClause(b0, badFindings)}`;
    const worked = bad.findIndex((a) => a.ok);
    const failedToo = bad.slice(1, worked < 0 ? bad.length : worked);
    for (const a of failedToo) badPart += `; then ${a.server}, ${failureClause(a, badFindings)}`;
    if (worked > 0) badPart += `; then ${bad[worked].server} worked, ${formatDuration(bad[worked].steps[0].start - b0.steps[0].start)} after the first try`;
  }
  return sentence(`${goodPart}; ${badPart}`, g?.server ?? null, b0?.server ?? null);
}

export function compareSubjects(good: SequenceSubject, bad: SequenceSubject): Comparison {
  const gs = startupSteps(good);
  const bs = startupSteps(bad);
  const g0 = gs[0]?.start ?? good.start;
  const b0 = bs[0]?.start ?? bad.start;
  let divergence: Divergence | null = null;
  const otherServers: ServerDifference[] = [];
  const aligned: AlignedStep[] = [];
  for (const phase of PHASE_ORDER) {
    const ga = attempts(gs, phase);
    const ba = attempts(bs, phase);
    if (!divergence && !sameAttempts(ga, ba)) {
      // Another server (or other lookups) with nothing failing on either side is how the two are set up, not where
      // they part: said beside the result, never as the first difference.
      if (allOk(ga) && allOk(ba)) otherServers.push({ phase, good: ga.map((a) => a.server), bad: ba.map((a) => a.server) });
      else divergence = describeDivergence(phase, ga, ba, good.findings, bad.findings, workingNoun(good.kind));
    }
    // Pair the phase's steps: same service and server first, then same service, in order.
    const gp = gs.filter((s) => s.phase === phase);
    const bp = bs.filter((s) => s.phase === phase);
    const used = new Set<Step>();
    const rows: AlignedStep[] = [];
    for (const g of gp) {
      const match = bp.find((b) => !used.has(b) && b.service === g.service && b.server === g.server && (phase !== 'dns' || b.detail?.operation === g.detail?.operation))
        ?? bp.find((b) => !used.has(b) && b.service === g.service && b.ok === g.ok);
      if (match) used.add(match);
      rows.push(pair(phase, g, match ?? null, g0, b0));
    }
    for (const b of bp) if (!used.has(b)) rows.push(pair(phase, null, b, g0, b0));
    rows.sort((x, y) => Math.min(x.good?.at ?? Infinity, x.bad?.at ?? Infinity) - Math.min(y.good?.at ?? Infinity, y.bad?.at ?? Infinity));
    pushAll(aligned, rows);
  }
  const span = (steps: Step[], origin: number): number => (steps.length ? maxOf(steps, (s) => s.end) - origin : 0);
  return {
    good: { title: good.title, outcome: good.outcome, kind: good.kind },
    bad: { title: bad.title, outcome: bad.outcome, kind: bad.kind },
    divergence,
    otherServers,
    steps: aligned,
    totals: { good: span(gs, g0), bad: span(bs, b0) },
  };
}

function side(s: Step, origin: number): StepSide {
  const out: StepSide = { step: s.id, server: s.server, ok: s.ok, at: s.start - origin, duration: s.end - s.start, summary: s.summary };
  if (s.notCaptured) out.notCaptured = true;
  else if (isPending(s)) out.pending = true;
  return out;
}

function pair(phase: Phase, g: Step | null, b: Step | null, g0: number, b0: number): AlignedStep {
  const good = g ? side(g, g0) : null;
  const bad = b ? side(b, b0) : null;
  return {
    phase,
    service: (g ?? b)!.service,
    good,
    bad,
    startDelta: good && bad ? bad.at - good.at : null,
    durationDelta: good && bad ? bad.duration - good.duration : null,
  };
}

/** ✓ worked, ✗ failed, ? its reply is not in the capture (the capture lost bytes from the server), … still waiting at its end. */
export function sideGlyph(s: Pick<StepSide, 'ok' | 'notCaptured' | 'pending'>): string {
  return s.notCaptured ? '?' : s.pending ? '…' : s.ok ? '✓' : '✗';
}

/**
 * What the totals measure: first start-up step to the end of the last, services included. Not the login time that
 * analyze reports (first step to the AGENT_STATE_EVENT), which ends earlier.
 */
export const TOTALS_LABEL = 'start-up, first step to end of last';

/** The comparison as terminal text. */
export function renderComparisonText(c: Comparison, width = 110): string {
  const out = [`working: ${c.good.title}`, `failing: ${c.bad.title}`, ''];
  if (c.good.outcome === 'failed' && c.bad.outcome === 'logged-in') out.push('Note: the working one (the first capture) failed and the failing one logged in: were they given the other way round?', '');
  else if (c.bad.outcome !== 'failed') out.push(`Note: the failing one (the second capture) did not fail (${c.bad.outcome}).`, '');
  out.push(comparisonHeadline(c));
  out.push('');
  const signed = (d: number | null): string => (d === null ? '' : `${d >= 0 ? '+' : '−'}${formatDuration(Math.abs(d))}`);
  const cell = (s: StepSide | null, n: number): string => {
    if (!s) return '—'.padEnd(n);
    const t = `${sideGlyph(s)} +${s.at.toFixed(3)}s ${s.server} ${formatDuration(s.duration)}`;
    return t.length > n ? `${t.slice(0, n - 1)}…` : t.padEnd(n);
  };
  const w = Math.max(30, Math.floor((width - 34) / 2));
  out.push(`${'phase'.padEnd(12)}${'working'.padEnd(w)} ${'failing'.padEnd(w)} later by`);
  for (const r of c.steps) out.push(`${r.phase.padEnd(12)}${cell(r.good, w)} ${cell(r.bad, w)} ${signed(r.startDelta)}`);
  out.push('', `${TOTALS_LABEL}: working ${formatDuration(c.totals.good)}, failing ${formatDuration(c.totals.bad)}`);
  return out.join('\n') + '\n';
}
