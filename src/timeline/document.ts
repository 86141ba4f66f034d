/** Assembles the analysis document from the analyzer's state: workstations, CTI clients, agents, their findings and the summary. */

import type { DesktopKind } from '../decoders/profile.js';
import type { Agent, AgentSummaryGroup, AnalysisDocument, CtiClient, Finding, FindingKind, LoginAttempt, Outcome, SourceInfo, SourceWarning, SummaryGroup, Workstation } from './model.js';
import { ANALYSIS_SCHEMA_ID, FINDING_KINDS, OUTCOMES, serverSideSubjects } from './model.js';
import type { AnalyzedStep, HostState, PendingRequest, SessionGap, StepState, SubjectKind, WorkstationView } from './state.js';
import { ctiosSessionSummary, finalizeStep } from './describe.js';
import { RULES } from './rules/index.js';
import { decideOutcome, loginStep } from './outcome.js';
import { isStartupPhase } from './rules/common.js';
import type { AgentState } from './subjects/agents.js';
import { caughtSessionOwners, mergedClient, type CtiClientState } from './subjects/cti-clients.js';
import { buildAgents, movedFromOutcome, type DesktopLinks } from './subjects/agent-document.js';
import { patternOf } from './patterns.js';
import { assignCtiConnections, buildCtiClientWithLoss, type SessionLoss } from './subjects/cti-client-document.js';
import { loggedInBefore, lostAfterLogin, otherStartupsText, roundSeconds, stillConnecting } from './format.js';
import { foldOtherLookups } from './lookups.js';
import { withoutOtherProgramsTls } from './other-tls.js';
import { noDesktopInConnections } from './steps/connection.js';
import { maxOf, minOf } from '../array-loops.js';

export const CTISCOPE_VERSION = '0.1.0';

/** What the summary says when nothing desktop-like happened. */
export const NO_DESKTOP_MESSAGE =
  'no agent desktop start-up in this capture: no traffic to LDAP 38983, licensing 3000, CTI 12028/42027/43027, CTI OS 42028 or desktop services 59000–59021';

export interface AnalysisState {
  hosts: Map<string, HostState>;
  ctiClients: Map<string, CtiClientState>;
  /** Agents by key (an agent may stand under two keys: its AgentID and its instrument). */
  agents: Map<string, AgentState>;
  isWorkstation(h: HostState): boolean;
  /** Requests still waiting for a reply, by step. */
  pending: Map<StepState, PendingRequest[]>;
  now: number;
  namesOf(address: string): string[];
  addressesOf(name: string): string[];
  /** Bytes of a CTI session the capture lost: each hole's direction and the frame that proved it, in order (capped). */
  sessionGapsOf(flowId: number): readonly SessionGap[];
  truncation?: SourceWarning;
  /** The capture backend lost packets (live capture: kernel or interface drops). */
  captureDrops?: SourceWarning;
  warnings: SourceWarning[];
  firstTime: number | null;
  lastTime: number | null;
  filter?: string;
  agentFilter?: string;
  /** Desktop services that had traffic ("CTI server 42027"), for an honest "nothing found". */
  servicesSeen?: ReadonlySet<string>;
  version?: string;
}

const DESKTOP_PRIORITY: DesktopKind[] = ['ctios', 'finesse', 'cad'];

function agentOf(h: HostState): WorkstationView['agent'] {
  return { id: h.agentId ?? h.eventAgentId ?? h.directoryAgentId ?? null, extension: h.extension ?? h.eventExtension ?? null, instrument: null };
}

function agentLabel(agent: { id: string | null; extension: string | null }): string | undefined {
  if (!agent.id && !agent.extension) return undefined;
  return `agent ${agent.id ?? '?'}${agent.extension ? ` on ext ${agent.extension}` : ''}`;
}

/** Steps in their public form, in time order; `ids` renames them (an agent's steps come from several hosts). */
export function finalizeSteps(list: readonly StepState[], st: AnalysisState, label: string | undefined, ids?: Map<StepState, string>): AnalyzedStep[] {
  const steps = list.map((s) => {
    const a = finalizeStep(s, st.pending.get(s) ?? [], st.now, label);
    const id = ids?.get(s);
    if (id !== undefined) a.id = id;
    return a;
  });
  return steps.sort((a, b) => a.start - b.start || Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** The rules' view of any subject. */
export function subjectView(
  subject: SubjectKind,
  host: string,
  desktop: DesktopKind,
  steps: AnalyzedStep[],
  agent: WorkstationView['agent'],
  st: AnalysisState,
  truncated: boolean,
): WorkstationView {
  return {
    subject,
    host,
    desktop,
    steps,
    now: st.now,
    ...(st.firstTime !== null ? { captureStart: st.firstTime } : {}),
    truncated,
    truncation: st.truncation,
    captureDrops: st.captureDrops,
    addressesOf: st.addressesOf,
    namesOf: st.namesOf,
    sessionGapsOf: st.sessionGapsOf,
    agent,
    loggedIn: loginStep(steps) !== undefined,
  };
}

/** The rules' view of one host: its steps in their public form plus the facts behind them. */
export function buildView(h: HostState, st: AnalysisState, truncated = st.truncation !== undefined, linked?: { id: string | null; extension: string | null }): WorkstationView {
  const own = agentOf(h);
  const agent = own.id === null && linked ? { id: linked.id, extension: own.extension ?? linked.extension, instrument: null } : own;
  const all = finalizeSteps(h.steps, st, agentLabel(agent));
  const steps = withoutOtherProgramsTls(foldOtherLookups(all, h, st, loginStep(all) !== undefined));
  return subjectView('workstation', h.ip, desktopOf(h), steps, agent, st, truncated);
}

/** Runs every rule for the view's kind of subject, dropping repeats, in timeline order. */
export function runRules(view: WorkstationView): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { rule, subjects } of RULES) {
    if (!subjects.includes(view.subject)) continue;
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

/**
 * The public form of a step (without the facts the rules read). Built field by field, not by a rest pattern: that
 * one copies the properties one at a time into an object that then holds them out of line, and a document holds
 * one such object per step (on a capture of 60,000 CTI clients, 6 MB of the peak).
 */
export function publicStep(s: AnalyzedStep): Workstation['steps'][number] {
  const step: Workstation['steps'][number] = {
    id: s.id,
    phase: s.phase,
    service: s.service,
    server: s.server,
    protocol: s.protocol,
    start: s.start,
    end: s.end,
    ok: s.ok,
    ...(s.notCaptured ? { notCaptured: true as const } : {}),
    summary: s.summary,
    frames: s.frames,
  };
  if (s.framesTotal !== undefined) step.framesTotal = s.framesTotal;
  if (s.detail !== undefined) step.detail = s.detail;
  return step;
}

/** A login attempt's outcome from its step. */
export function attemptOf(step: AnalyzedStep, at: { client: string | null; clientId: string | null; server: string; agentId: string | null; instrument: string | null; time: number }): LoginAttempt {
  const l = step.facts.login;
  const g = step.facts.ged;
  const outcome: Outcome = g || !step.ok ? 'failed' : l?.confirmed || l?.event ? 'logged-in' : 'incomplete';
  const code = g ? g.peripheralErrorCode || g.failureCode || g.status || null : null;
  const codeName = g ? (g.peripheralErrorCode ? g.peripheralErrorCodeName : g.failureCodeName ?? g.statusName) ?? null : null;
  return { step: step.id, time: at.time, client: at.client, clientId: at.clientId, server: at.server, agentId: at.agentId, instrument: at.instrument, outcome, code: code ?? null, codeName, frames: step.frames.slice(0, 5) };
}

/**
 * A directory session whose every reply was a success can still be where the start-up failed: an entry it lacked
 * (noSuchObject, or a search for the agent or its team that found nothing) after which the desktop went no
 * further, which only the steps after it show (rules/config.ts). The step then reads as failed, as its finding
 * says, not as a green step under a red line.
 */
function failStepsOfConfigErrors(steps: AnalyzedStep[], findings: readonly Finding[]): void {
  for (const f of findings) {
    if (f.kind !== 'config-download-failed' || f.severity !== 'error' || f.step === null) continue;
    const s = steps.find((x) => x.id === f.step);
    if (s?.ok) s.ok = false;
  }
}

/** Every desktop of the agent's in the capture: those its login moved from, then its latest. */
function desktopsOf(a: Agent): string[] {
  return a.desktop === null ? [] : [...(a.previousDesktops ?? []), a.desktop];
}

export function buildWorkstation(h: HostState, st: AnalysisState, truncated = st.truncation !== undefined, links?: DesktopLinks): Workstation {
  const link = links?.get(h.ip);
  const view = buildView(h, st, truncated, link ? { id: link.agent.id, extension: link.agent.extension } : undefined);
  if (link?.reports) view.agentReports = [...link.reports.values()];
  if (h.connecting) view.connecting = h.connecting;
  const { steps, agent } = view;
  const start = steps.length > 0 ? minOf(steps, (s) => s.start) : h.firstTime;
  const findings = runRules(view);
  const o = decideOutcome(view, findings);
  failStepsOfConfigErrors(steps, findings);
  const attempts: LoginAttempt[] = [];
  for (const s of steps) {
    if (s.kind !== 'cti-login') continue;
    const l = s.facts.login;
    attempts.push(attemptOf(s, { client: null, clientId: null, server: s.server, agentId: l?.agentId ?? agent.id, instrument: l?.agentId ? (l.extension ?? null) : agent.extension, time: s.start }));
  }
  // A CTI OS desktop's logins are made by the CTI OS server: they are known from the agent it is tied to, and
  // when the desktop's own traffic cannot show the end (CTI OS is not public), the agent's outcome is its.
  let outcome = o;
  let loginSeenFor: string | undefined;
  if (attempts.length === 0 && link) {
    for (const a of link.attempts) attempts.push({ ...a, step: null });
    if (o.outcome === 'incomplete' && link.movedTo) {
      const moved = movedFromOutcome({ ...link, movedTo: link.movedTo }, start);
      outcome = moved.result;
      for (const f of moved.findings) findings.push(f);
      loginSeenFor = link.agent.id ?? link.agent.instrument ?? '?';
    } else if (o.outcome === 'incomplete' && link.agent.outcome !== 'incomplete') {
      const ok = link.attempts.find((a) => a.outcome === 'logged-in');
      outcome =
        link.agent.outcome === 'logged-in'
          ? { outcome: 'logged-in', failedPhase: null, failure: null, loginSeconds: ok ? Math.round((ok.time - start) * 1000) / 1000 : null }
          : { outcome: 'failed', failedPhase: link.agent.failedPhase ?? 'login', failure: link.agent.failure ? { ...link.agent.failure, step: null } : null, loginSeconds: null };
      for (const f of link.agent.findings) findings.push({ ...f, step: null });
      loginSeenFor = link.agent.id ?? link.agent.instrument ?? '?';
    }
  }
  // A host running several agents' desktops at once (a terminal server): each agent's outcome is its own, and the
  // host failed when one of them did while another's session went on, by that agent's cause (its finding among the
  // host's, by the same frames). One agent after another on a PC is a restart: the latest start-up decides.
  const failedAgent = link?.sharing?.find((a) => a.outcome === 'failed' && a.failure && failedBesideAnother(steps, a.id));
  if (failedAgent && outcome.outcome !== 'failed') {
    const f = failedAgent.failure!;
    const own = findings.find((x) => x.kind === f.kind && x.severity !== 'info' && failedAgent.findings.some((y) => y.kind === f.kind && y.frames.join() === x.frames.join()));
    outcome = { outcome: 'failed', failedPhase: 'login', failure: { ...f, step: own?.step ?? null, message: own?.message ?? f.message }, loginSeconds: null };
  }
  return {
    host: h.ip,
    names: st.namesOf(h.ip),
    desktop: view.desktop,
    agent: { id: agent.id, extension: agent.extension },
    outcome: outcome.outcome,
    failedPhase: outcome.failedPhase,
    failure: outcome.failure,
    loginSeconds: outcome.loginSeconds,
    ...(outcome.startup ? { startup: outcome.startup } : {}),
    start,
    end: steps.length > 0 ? maxOf(steps, (s) => s.end) : h.lastTime,
    attempts,
    steps: steps.map((s) => {
      const p = publicStep(s);
      if (loginSeenFor !== undefined && s.kind === 'ctios') p.summary = ctiosSessionSummary(s, loginSeenFor);
      return p;
    }),
    findings,
  };
}

/**
 * Agent `id`'s last login on the host failed while another agent's CTI session on it, logged in before, still ran
 * (its connection's steps reach past the refusal).
 */
function failedBesideAnother(steps: readonly AnalyzedStep[], id: string | null): boolean {
  const failed = steps.filter((s) => s.kind === 'cti-login' && s.facts.login?.agentId === id).at(-1);
  if (!failed || failed.ok) return false;
  for (const s of steps) {
    if (s.kind !== 'cti-login' || !s.ok || s.facts.login?.agentId === id || s.start > failed.start) continue;
    const flow = s.detail?.flowId;
    if (flow !== undefined && steps.some((x) => x.detail?.flowId === flow && x.end >= failed.start)) return true;
  }
  return false;
}

function desktopOf(h: HostState): DesktopKind {
  for (const d of DESKTOP_PRIORITY) if (h.desktopHints?.has(d)) return d;
  return 'unknown';
}

/** Scratch for compareHosts' fast path: the four parts of each address. */
const partsA = new Float64Array(4);
const partsB = new Float64Array(4);

/** Reads a dotted quad of decimal digits into `out`; false for anything else (left to the general path). */
function digitQuad(s: string, out: Float64Array): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 15) return false;
    } else if (c === 46 && digits > 0 && part < 3) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else return false;
  }
  if (part !== 3 || digits === 0) return false;
  out[3] = value;
  return true;
}

/**
 * Numeric order for IPv4 (10.10.20.9 before 10.10.20.10); IPv6 and others after, by text. Sorting thousands of
 * workstations calls this a hundred thousand times: the usual case, two dotted quads, is read in place.
 */
export function compareHosts(a: string, b: string): number {
  if (digitQuad(a, partsA) && digitQuad(b, partsB)) {
    for (let i = 0; i < 4; i++) if (partsA[i] !== partsB[i]) return partsA[i] - partsB[i];
    return 0;
  }
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

/** Every CTI client's entry, and how each client state's latest session was lost (a merged one's through its owner). */
function buildCtiClients(st: AnalysisState, truncated: boolean): { built: CtiClient[]; lossOf: Map<CtiClientState, SessionLoss> } {
  const built: CtiClient[] = [];
  const lossOf = new Map<CtiClientState, SessionLoss>();
  const extra = assignCtiConnections(st);
  const clients = new Set([...st.ctiClients.values(), ...extra.keys()]);
  // Sessions caught after their OPEN go to the named client that opened next on their host (it failed over).
  const owners = caughtSessionOwners(clients);
  const merged = new Map<CtiClientState, CtiClientState[]>();
  for (const [from, to] of owners) merged.set(to, [...(merged.get(to) ?? []), from]);
  for (const c of clients) {
    if (owners.has(c)) continue;
    const from = merged.get(c);
    const steps = [...(extra.get(c) ?? []), ...(from ?? []).flatMap((f) => extra.get(f) ?? [])];
    const { client, loss } = buildCtiClientWithLoss(from ? mergedClient(c, from) : c, st, truncated, steps);
    built.push(client);
    if (loss) for (const x of [c, ...(from ?? [])]) lossOf.set(x, loss);
  }
  return { built, lossOf };
}

export function buildDocument(st: AnalysisState, source: SourceInfo): AnalysisDocument {
  const truncated = st.truncation !== undefined || source.truncated === true;
  const workstationHosts = [...st.hosts.values()].filter((h) => st.isWorkstation(h) && h.steps.length > 0);
  // The CTI clients first: an agent whose client's session was lost after its login went with it.
  const { built, lossOf } = buildCtiClients(st, truncated);
  const { agents: allAgents, links } = buildAgents(st, workstationHosts, truncated, lossOf);
  const workstations: Workstation[] = [];
  const allHosts: string[] = [];
  for (const h of workstationHosts) {
    const ws = buildWorkstation(h, st, truncated, links);
    allHosts.push(ws.host);
    if (matchesFilter(ws, st.filter)) workstations.push(ws);
  }
  workstations.sort((a, b) => compareHosts(a.host, b.host));
  const shownHosts = new Set(workstations.map((w) => w.host));
  const focused = st.filter !== undefined || st.agentFilter !== undefined;
  const agents = allAgents.filter((a) =>
    st.agentFilter !== undefined ? a.id === st.agentFilter : st.filter === undefined || desktopsOf(a).some((h) => shownHosts.has(h)),
  );
  const ctiClients = built.filter(
    (cc) => !focused || shownHosts.has(cc.host) || cc.host === st.filter || agents.some((a) => a.via?.clientId === cc.clientId && a.via?.client.startsWith(cc.host)),
  );
  ctiClients.sort((a, b) => compareHosts(a.host, b.host) || (a.clientId ?? '').localeCompare(b.clientId ?? ''));
  if (st.agentFilter !== undefined) {
    // Focus on one agent: its desktop stays, the other workstations go.
    const desk = new Set(agents.flatMap(desktopsOf));
    for (let i = workstations.length - 1; i >= 0; i--) if (!desk.has(workstations[i].host)) workstations.splice(i, 1);
  }

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
      duration: start !== null && start !== undefined && end !== null && end !== undefined ? roundSeconds(end - start) : null,
      truncated: source.truncated === true || st.truncation !== undefined,
      warnings,
    },
    summary: readPartNote(
      { ...summarize(workstations, agents, ctiClients, st.servicesSeen, noDesktopHosts(st)), ...notInCapture(st, workstations, ctiClients, agents, allHosts, allAgents) },
      source.truncated === true || st.truncation !== undefined,
      source.packets,
    ),
    workstations,
    ctiClients,
    agents,
  };
}

/** The summary's message when the workstation or agent asked for is not in the capture, naming those that are. */
function notInCapture(
  st: AnalysisState,
  workstations: readonly Workstation[],
  ctiClients: readonly CtiClient[],
  agents: readonly Agent[],
  allHosts: string[],
  allAgents: readonly Agent[],
): { message: string } | undefined {
  const list = (items: string[]): string => (items.length > 8 ? `${items.slice(0, 8).join(', ')}, …` : items.join(', '));
  if (st.agentFilter !== undefined && agents.length === 0) {
    const ids = allAgents.map((a) => a.id ?? '?');
    return { message: `no agent ${st.agentFilter} in the capture${ids.length ? ` (agents: ${list(ids)})` : ''}` };
  }
  if (st.filter !== undefined && workstations.length === 0 && ctiClients.length === 0) {
    allHosts.sort(compareHosts);
    return { message: `no workstation ${st.filter} in the capture${allHosts.length ? ` (workstations: ${list(allHosts)})` : ''}` };
  }
  return undefined;
}

export function summarize(
  workstations: readonly Workstation[],
  agents: readonly Agent[] = [],
  ctiClients: readonly CtiClient[] = [],
  servicesSeen?: ReadonlySet<string>,
  noDesktop?: NoDesktopHosts,
): AnalysisDocument['summary'] {
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const byFindingKind: Partial<Record<FindingKind, number>> = {};
  const groups = new Map<string, SummaryGroup>();
  for (const ws of workstations) {
    byOutcome[ws.outcome]++;
    for (const f of ws.findings) byFindingKind[f.kind] = (byFindingKind[f.kind] ?? 0) + 1;
    const kind = ws.outcome === 'failed' ? ws.failure?.kind ?? null : null;
    const server = ws.outcome === 'failed' ? ws.failure?.server ?? null : null;
    const cause = ws.outcome === 'failed' ? failureCause(ws) : null;
    const key = `${ws.outcome}|${kind}|${cause}|${server}|${ws.outcome === 'failed' && !kind ? ws.failedPhase : ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { outcome: ws.outcome, kind, cause, server, count: 0, hosts: [] };
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
  const own = serverSideSubjects(workstations, agents, ctiClients);
  for (const a of own.agents) for (const f of a.findings) ordered[f.kind] = (ordered[f.kind] ?? 0) + 1;
  for (const c of own.ctiClients) for (const f of c.findings) ordered[f.kind] = (ordered[f.kind] ?? 0) + 1;
  const byKind: Partial<Record<FindingKind, number>> = {};
  for (const k of FINDING_KINDS) if (ordered[k]) byKind[k] = ordered[k];
  const agentsByOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const a of agents) agentsByOutcome[a.outcome]++;
  const agentGroups = groupAgents(agents);
  const wsMessage = summaryMessage(workstations, list);
  // Agents that no listed workstation stands for: a server-side capture.
  const serverSide = own.agents;
  let message: string;
  if (workstations.length === 0 && agents.length === 0) message = ctiClients.length > 0 ? ctiClientsMessage(ctiClients) : nothingFoundMessage(servicesSeen, noDesktop);
  else if (serverSide.length === 0) message = wsMessage;
  else {
    const parts = [`${agents.length === 1 ? '1 agent' : `${agents.length} agents`}: ${agentsMessage(agentGroups, agents)}`];
    if (workstations.length > 0) parts.push(`${workstations.length === 1 ? '1 workstation' : `${workstations.length} workstations`}: ${wsMessage}`);
    message = parts.join('; ');
  }
  // A CTI client whose session failed decides the exit status: the line says it too.
  const failedClients = failedClientsText(own.ctiClients);
  if (failedClients && !(workstations.length === 0 && agents.length === 0)) message = `${message.replace(/\.$/, '')}; ${failedClients}`;
  return {
    workstations: workstations.length,
    byOutcome,
    byFindingKind: byKind,
    groups: list,
    agents: agents.length,
    agentsByOutcome,
    agentGroups,
    ctiClients: ctiClients.length,
    message,
  };
}

/** The failing step's code by name and number ("AGENT_DEVICE_OFF (88004)"), or by one of them; null without. */
function failureCause(ws: Workstation): string | null {
  const id = ws.failure?.step;
  const d = id ? ws.steps.find((s) => s.id === id)?.detail : undefined;
  if (!d) return null;
  if (d.codeName && d.code !== undefined) return `${d.codeName} (${d.code})`;
  return d.codeName ?? (d.code !== undefined ? String(d.code) : null);
}

/** A cause as the summary line says it: a repository id by its last name (NoLicenseAvailable), others as they are. */
function shortCause(cause: string): string {
  const idl = /^IDL:(?:.*\/)?([^/:]+):[\d.]+$/.exec(cause);
  return idl ? idl[1] : cause;
}

function groupAgents(agents: readonly Agent[]): AgentSummaryGroup[] {
  const groups = new Map<string, AgentSummaryGroup>();
  for (const a of agents) {
    const failed = a.outcome === 'failed';
    const last = a.attempts[a.attempts.length - 1];
    const kind = failed ? a.failure?.kind ?? null : null;
    const code = failed ? last?.code ?? null : null;
    const server = failed ? a.failure?.server ?? last?.server ?? null : null;
    const key = `${a.outcome}|${kind}|${code}|${server}`;
    let g = groups.get(key);
    if (!g) {
      g = { outcome: a.outcome, kind, code, server, count: 0, agents: [] };
      groups.set(key, g);
    }
    g.count++;
    g.agents.push(a.id ?? a.instrument ?? '?');
  }
  const rank: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };
  return [...groups.values()].sort((a, b) => rank[a.outcome] - rank[b.outcome] || b.count - a.count);
}

/** "212 logged in, 9 agent-login-failed 88004 on 10.20.0.10:42027, 3 incomplete". */
function agentsMessage(groups: readonly AgentSummaryGroup[], agents: readonly Agent[]): string {
  const parts: string[] = [];
  const count = (o: Outcome): number => groups.filter((g) => g.outcome === o).reduce((n, g) => n + g.count, 0);
  if (count('logged-in') > 0) parts.push(`${count('logged-in')} logged in`);
  const byName = new Map(agents.map((a) => [a.id ?? a.instrument ?? '?', a]));
  for (const g of groups) {
    if (g.outcome !== 'failed') continue;
    // Agents that were logged in when their CTI client's session was lost: the client's cause, said as that.
    const first = byName.get(g.agents[0]);
    const lost = first !== undefined && lostAfterLogin(first);
    // The failed clients' clause after this one names the cause.
    parts.push(lost ? `${g.count} lost with their CTI session${g.server ? ` on ${g.server}` : ''}` : `${g.count} ${g.kind ?? 'failed'}${g.code !== null ? ` ${g.code}` : ''}${g.server ? ` on ${g.server}` : ''}`);
  }
  if (count('incomplete') > 0) parts.push(`${count('incomplete')} incomplete`);
  return parts.join(', ');
}

/** "1 CTI client's session failed: connection-reset on 10.1.1.20:42027", or undefined when none failed. */
function failedClientsText(clients: readonly CtiClient[]): string | undefined {
  const failed = clients.filter((c) => c.outcome === 'failed');
  if (failed.length === 0) return undefined;
  // By the finding that names the cause; a loss no finding names (the server's offline word, then a close) by its sentence.
  const causes = [...new Set(failed.map((c) => (c.failure?.kind ? `${c.failure.kind}${c.failure.server ? ` on ${c.failure.server}` : ''}` : (c.failure?.message.replace(/\.$/, '') ?? 'failed'))))];
  return `${failed.length === 1 ? "1 CTI client's session" : `${failed.length} CTI clients' sessions`} failed: ${causes.slice(0, 3).join(', ')}${causes.length > 3 ? ` and ${causes.length - 3} more` : ''}`;
}

function ctiClientsMessage(clients: readonly CtiClient[]): string {
  const names = clients.slice(0, 3).map((c) => `${c.clientId ? `"${c.clientId}"` : 'a client'} on ${c.host}`);
  const more = clients.length > 3 ? ` and ${clients.length - 3} more` : '';
  const failed = clients.filter((c) => c.outcome === 'failed').length;
  return `${clients.length === 1 ? '1 CTI client' : `${clients.length} CTI clients`} (${names.join(', ')}${more}), no agent login${failed > 0 ? `; ${failed} with a failed session` : ''}`;
}

/** Hosts whose connections to the desktop services showed no desktop (steps/connection.ts, noDesktopInConnections). */
interface NoDesktopHosts {
  hosts: string[];
  attempts: number;
}

function noDesktopHosts(st: AnalysisState): NoDesktopHosts | undefined {
  const hosts: string[] = [];
  let attempts = 0;
  for (const h of st.hosts.values()) {
    if (!(h.desktopClient || h.ctiConnections) || !noDesktopInConnections(h.steps)) continue;
    hosts.push(h.ip);
    for (const s of h.steps) if (s.kind === 'connection') attempts += s.count;
  }
  return hosts.length > 0 ? { hosts: hosts.sort(compareHosts), attempts } : undefined;
}

/** "Nothing found" in a capture not read to its end is said of the part read only. */
function readPartNote<T extends { message: string }>(summary: T, truncated: boolean, packets: number): T {
  if (!truncated || !summary.message.startsWith('no ')) return summary;
  return { ...summary, message: `${summary.message}, in the ${packets.toLocaleString('en-US')} packet${packets === 1 ? '' : 's'} read (the rest of the capture could not be read)` };
}

/** Names only the services that really had no traffic, and says so when that traffic carried no data at all. */
function nothingFoundMessage(seen: ReadonlySet<string> | undefined, none: NoDesktopHosts | undefined): string {
  if (!seen || seen.size === 0) return NO_DESKTOP_MESSAGE;
  const who = none ? (none.hosts.length > 3 ? `${none.hosts.slice(0, 3).join(', ')} and ${none.hosts.length - 3} more` : none.hosts.join(', ')) : '';
  const why = none
    ? `: ${who} only made connection attempts that carried no data (${none.attempts === 1 ? 'one' : none.attempts}: port checks, a port scan, or another program on a port a desktop service also uses)`
    : '';
  return `no agent desktop start-up, CTI client or agent login in this capture (traffic was seen to ${[...seen].slice(0, 6).join(', ')}, but none of it was a desktop's start-up or a CTI session${why})`;
}

/** What a single workstation's summary adds for a pattern its outcome does not say (patterns.ts). */
function patternText(ws: Workstation): string {
  const p = patternOf(ws.findings);
  if (!p) return '';
  return p.finding.kind === 'session-flapping'
    ? '; its CTI session was lost and opened again and again (session-flapping)'
    : '; the start-up was slowed by its network round trips, none slow on its own (slow-step)';
}

function summaryMessage(workstations: readonly Workstation[], groups: readonly SummaryGroup[]): string {
  if (workstations.length === 0) return NO_DESKTOP_MESSAGE;
  if (workstations.length === 1) return singleSummary(workstations[0]) + patternText(workstations[0]);
  return manySummary(workstations, groups);
}

function singleSummary(ws: Workstation): string {
  const who = `${ws.host}${ws.agent.id ? ` (agent ${ws.agent.id})` : ''}`;
  const su = ws.startup;
  const others = su ? ` (${otherStartupsText(su)})` : '';
  if (ws.outcome === 'logged-in') {
    const fo = ws.findings.filter((f) => f.kind === 'failover').length;
    const began = su ? `its start-up ${su.index} of ${su.count} began` : 'the start-up began';
    const late = ws.findings.some((f) => f.kind === 'capture-started-late') ? ' (the capture began after its start-up did, so how long it took is not known)' : '';
    return `${who} logged in${ws.loginSeconds !== null ? ` ${ws.loginSeconds.toFixed(1)} s after ${began}` : su ? ` in its start-up ${su.index} of ${su.count}` : ''}${others}${late}${fo > 0 ? ', after a failover' : ''}`;
  }
  const which = su ? ` in its start-up ${su.index} of ${su.count}${others}` : '';
  // A CTI OS desktop's loss is its tied agent's (failure.step null), whose message tells the whole story.
  if (lostAfterLogin(ws)) return ws.failure?.step === null ? `${who}: ${ws.failure.message}` : `${who} logged in${which}, then lost its CTI session: ${ws.failure?.message ?? 'see its steps'}`;
  if (ws.outcome === 'failed') return `${who} failed at ${ws.failedPhase}${which}: ${ws.failure?.message ?? 'see its steps'}`;
  // Logged in, then its session lost while the capture ends with the desktop connecting again (outcome.ts).
  const reconnecting = ws.findings.find((f) => f.severity === 'warning' && (f.kind === 'connection-reset' || f.kind === 'session-closed') && loggedInBefore(ws, f.step));
  if (reconnecting) return `${who} logged in${which}, then lost its CTI session: ${reconnecting.message}`;
  // The reply that would decide it may be what the capture lost: say so, it is the first thing to rule out.
  const unseen = ws.steps.find((s) => s.notCaptured && isStartupPhase(s.phase));
  if (unseen) return `${who}: the start-up is not complete in this capture: at ${unseen.phase}, ${unseen.summary}`;
  // The capture ended while the desktop still waited for a server to answer its SYNs.
  const waiting = ws.steps.find((s) => stillConnecting(s) && isStartupPhase(s.phase));
  if (waiting) return `${who}: the start-up is not complete in this capture: at ${waiting.phase}, ${waiting.summary}`;
  // A CTI OS desktop's login is inside a format that is not public: what can be said is whether its session is up.
  const ctios = ws.desktop === 'ctios' ? ws.steps.filter((s) => s.protocol === 'ctios' && s.ok && !s.notCaptured) : [];
  if (ctios.length > 0) {
    const last = ctios[ctios.length - 1];
    const fo = ws.findings.some((f) => f.kind === 'failover') ? ', after a failover' : '';
    return `${who}: its CTI OS session with ${last.server} is up${fo}; whether the agent logged in cannot be seen (the CTI OS format is not public)`;
  }
  return `${who}: the start-up is not complete in this capture`;
}

function manySummary(workstations: readonly Workstation[], groups: readonly SummaryGroup[]): string {
  const loggedIn = workstations.filter((w) => w.outcome === 'logged-in');
  const failovers = loggedIn.filter((w) => w.findings.some((f) => f.kind === 'failover')).length;
  const parts: string[] = [];
  if (loggedIn.length > 0) parts.push(`${loggedIn.length} logged in${failovers > 0 ? ` (${failovers} after a failover)` : ''}`);
  for (const g of groups) {
    if (g.outcome !== 'failed') continue;
    const what = g.kind ?? `failed at ${workstations.find((w) => w.host === g.hosts[0])?.failedPhase ?? '?'}`;
    parts.push(`${g.count} ${what}${g.cause ? ` ${shortCause(g.cause)}` : ''}${g.server ? ` on ${g.server}` : ''}`);
  }
  const incomplete = workstations.length - loggedIn.length - workstations.filter((w) => w.outcome === 'failed').length;
  if (incomplete > 0) parts.push(`${incomplete} incomplete`);
  return parts.join(', ');
}
