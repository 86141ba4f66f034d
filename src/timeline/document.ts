/** Assembles the analysis document from the analyzer's state: workstations, their findings and the summary. */

import type { DesktopKind } from '../decoders/profile.js';
import type { AnalysisDocument, Finding, FindingKind, Outcome, SourceInfo, SourceWarning, SummaryGroup, Workstation } from './model.js';
import { ANALYSIS_SCHEMA_ID, FINDING_KINDS, OUTCOMES } from './model.js';
import type { HostState, PendingRequest, StepState, WorkstationView } from './state.js';
import { finalizeStep } from './describe.js';
import { RULES } from './rules/index.js';
import { decideOutcome, loginStep } from './outcome.js';
import { maxOf, minOf } from '../array-loops.js';

export const CTISCOPE_VERSION = '0.1.0';

/** What the summary says when nothing desktop-like happened. */
export const NO_DESKTOP_MESSAGE =
  'no agent desktop start-up in this capture: no traffic to LDAP 38983, licensing 3000, CTI 12028/42027/43027, CTI OS 42028 or desktop services 59000–59021';

export interface AnalysisState {
  hosts: Map<string, HostState>;
  isWorkstation(h: HostState): boolean;
  /** Requests still waiting for a reply, by step. */
  pending: Map<StepState, PendingRequest[]>;
  now: number;
  namesOf(address: string): string[];
  addressesOf(name: string): string[];
  truncation?: SourceWarning;
  /** The capture backend lost packets (live capture: kernel or interface drops). */
  captureDrops?: SourceWarning;
  warnings: SourceWarning[];
  firstTime: number | null;
  lastTime: number | null;
  filter?: string;
  version?: string;
}

const DESKTOP_PRIORITY: DesktopKind[] = ['ctios', 'finesse', 'cad'];

function agentOf(h: HostState): { id: string | null; extension: string | null } {
  return { id: h.agentId ?? h.eventAgentId ?? null, extension: h.extension ?? h.eventExtension ?? null };
}

function agentLabel(agent: { id: string | null; extension: string | null }): string | undefined {
  if (!agent.id && !agent.extension) return undefined;
  return `agent ${agent.id ?? '?'}${agent.extension ? ` on ext ${agent.extension}` : ''}`;
}

/** The rules' view of one host: its steps in their public form plus the facts behind them. */
export function buildView(h: HostState, st: AnalysisState, truncated = st.truncation !== undefined): WorkstationView {
  const agent = agentOf(h);
  const label = agentLabel(agent);
  const steps = h.steps
    .map((s) => finalizeStep(s, st.pending.get(s) ?? [], st.now, label))
    .sort((a, b) => a.start - b.start || Number(a.id.slice(1)) - Number(b.id.slice(1)));
  return {
    host: h.ip,
    desktop: desktopOf(h),
    steps,
    now: st.now,
    truncated,
    truncation: st.truncation,
    captureDrops: st.captureDrops,
    addressesOf: st.addressesOf,
    namesOf: st.namesOf,
    agent,
    loggedIn: loginStep(steps) !== undefined,
  };
}

/** Runs every rule over a view, dropping repeats, in timeline order. */
export function runRules(view: WorkstationView): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { rule } of RULES) {
    for (const f of rule(view)) {
      const key = `${f.kind}|${f.step}|${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  }
  const order = new Map(view.steps.map((s, i) => [s.id, i]));
  const at = (f: Finding): number => (f.step === null ? 1e9 : order.get(f.step) ?? 0);
  return findings.sort((a, b) => at(a) - at(b));
}

export function buildWorkstation(h: HostState, st: AnalysisState, truncated = st.truncation !== undefined): Workstation {
  const view = buildView(h, st, truncated);
  const { steps, agent } = view;
  const findings = runRules(view);
  const o = decideOutcome(view, findings);
  return {
    host: h.ip,
    names: st.namesOf(h.ip),
    desktop: view.desktop,
    agent,
    outcome: o.outcome,
    failedPhase: o.failedPhase,
    failure: o.failure,
    loginSeconds: o.loginSeconds,
    start: steps.length > 0 ? minOf(steps, (s) => s.start) : h.firstTime,
    end: steps.length > 0 ? maxOf(steps, (s) => s.end) : h.lastTime,
    steps: steps.map(({ facts: _f, kind: _k, flowStart: _s, replyTimeout: _r, label: _l, ...step }) => step),
    findings,
  };
}

function desktopOf(h: HostState): DesktopKind {
  for (const d of DESKTOP_PRIORITY) if (h.desktopHints.has(d)) return d;
  return 'unknown';
}

/** Numeric order for IPv4 (10.10.20.9 before 10.10.20.10); IPv6 and others after, by text. */
export function compareHosts(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4 && pa.every(Number.isFinite) && pb.every(Number.isFinite)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  if (pa.length === 4 && pa.every(Number.isFinite)) return -1;
  if (pb.length === 4 && pb.every(Number.isFinite)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function matchesFilter(ws: Workstation, filter: string | undefined): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return ws.host.toLowerCase() === f || ws.names.some((n) => n === f || n.split('.')[0] === f) || ws.agent.id === filter;
}

export function buildDocument(st: AnalysisState, source: SourceInfo): AnalysisDocument {
  const workstations: Workstation[] = [];
  for (const h of st.hosts.values()) {
    if (!st.isWorkstation(h) || h.steps.length === 0) continue;
    const ws = buildWorkstation(h, st, st.truncation !== undefined || source.truncated === true);
    if (matchesFilter(ws, st.filter)) workstations.push(ws);
  }
  workstations.sort((a, b) => compareHosts(a.host, b.host));

  const warnings: SourceWarning[] = [];
  const seenWarnings = new Set<string>();
  for (const w of [...(source.warnings ?? []), ...st.warnings]) {
    const key = `${w.code}|${w.message}`;
    if (seenWarnings.has(key)) continue;
    seenWarnings.add(key);
    warnings.push(w);
  }
  const start = source.start ?? st.firstTime;
  const end = source.end ?? st.lastTime;
  return {
    schema: ANALYSIS_SCHEMA_ID,
    generator: { name: 'ctiscope', version: st.version ?? CTISCOPE_VERSION },
    source: {
      files: [...source.files],
      packets: source.packets,
      start: start ?? null,
      end: end ?? null,
      duration: start !== null && start !== undefined && end !== null && end !== undefined ? Math.round((end - start) * 1e6) / 1e6 : null,
      truncated: source.truncated === true || st.truncation !== undefined,
      warnings,
    },
    summary: summarize(workstations),
    workstations,
  };
}

export function summarize(workstations: readonly Workstation[]): AnalysisDocument['summary'] {
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const byFindingKind: Partial<Record<FindingKind, number>> = {};
  const groups = new Map<string, SummaryGroup>();
  for (const ws of workstations) {
    byOutcome[ws.outcome]++;
    for (const f of ws.findings) byFindingKind[f.kind] = (byFindingKind[f.kind] ?? 0) + 1;
    const kind = ws.outcome === 'failed' ? ws.failure?.kind ?? null : null;
    const server = ws.outcome === 'failed' ? ws.failure?.server ?? null : null;
    const key = `${ws.outcome}|${kind}|${server}|${ws.outcome === 'failed' && !kind ? ws.failedPhase : ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { outcome: ws.outcome, kind, server, count: 0, hosts: [] };
      groups.set(key, g);
    }
    g.count++;
    g.hosts.push(ws.host);
  }
  const rank: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };
  const list = [...groups.values()].sort((a, b) => rank[a.outcome] - rank[b.outcome] || b.count - a.count);
  // Keep byFindingKind in the documented kind order.
  const ordered: Partial<Record<FindingKind, number>> = {};
  for (const k of FINDING_KINDS) if (byFindingKind[k]) ordered[k] = byFindingKind[k];
  return { workstations: workstations.length, byOutcome, byFindingKind: ordered, groups: list, message: summaryMessage(workstations, list) };
}

function summaryMessage(workstations: readonly Workstation[], groups: readonly SummaryGroup[]): string {
  if (workstations.length === 0) return NO_DESKTOP_MESSAGE;
  if (workstations.length === 1) {
    const ws = workstations[0];
    const who = `${ws.host}${ws.agent.id ? ` (agent ${ws.agent.id})` : ''}`;
    if (ws.outcome === 'logged-in') {
      const fo = ws.findings.filter((f) => f.kind === 'failover').length;
      return `${who} logged in${ws.loginSeconds !== null ? ` ${ws.loginSeconds.toFixed(1)} s after the start-up began` : ''}${fo > 0 ? ', after a failover' : ''}`;
    }
    if (ws.outcome === 'failed') return `${who} failed at ${ws.failedPhase}: ${ws.failure?.message ?? 'see its steps'}`;
    return `${who}: the start-up is not complete in this capture`;
  }
  const loggedIn = workstations.filter((w) => w.outcome === 'logged-in');
  const failovers = loggedIn.filter((w) => w.findings.some((f) => f.kind === 'failover')).length;
  const parts: string[] = [];
  if (loggedIn.length > 0) parts.push(`${loggedIn.length} logged in${failovers > 0 ? ` (${failovers} after a failover)` : ''}`);
  for (const g of groups) {
    if (g.outcome !== 'failed') continue;
    const what = g.kind ?? `failed at ${workstations.find((w) => w.host === g.hosts[0])?.failedPhase ?? '?'}`;
    parts.push(`${g.count} ${what}${g.server ? ` on ${g.server}` : ''}`);
  }
  const incomplete = workstations.length - loggedIn.length - workstations.filter((w) => w.outcome === 'failed').length;
  if (incomplete > 0) parts.push(`${incomplete} incomplete`);
  return parts.join(', ');
}
