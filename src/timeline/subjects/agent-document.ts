/**
 * The agents' entries in the document, and the ties between agents and desktop PCs. A tie is made only on
 * evidence, and says which: the agent's login went out on the desktop's own CTI session; the CTI OS server
 * named the desktop in CTIOS_CIL_CLIENT_ID (tag 217); or the desktop's CTI OS traffic came just before the
 * requests made for the agent, with no other desktop close enough to be confused with it.
 */

import type { Agent, DesktopLink, FailureCause, Finding, LoginAttempt } from '../model.js';
import type { AnalysisState } from '../document.js';
import { maxOf, minOf, pushLatest } from '../../array-loops.js';
import { attemptOf, compareHosts, finalizeSteps, publicStep, runRules, subjectView } from '../document.js';
import type { HostState, StepState } from '../state.js';
import { agentDeviceText, formatDuration, hostOf } from '../format.js';
import { isLoggedInState, type AgentState } from './agents.js';
import { causeOf, type OutcomeResult } from '../outcome.js';
import { agentText } from '../rules/common.js';
import type { CtiClientState } from './cti-clients.js';
import type { SessionLoss } from './cti-client-document.js';

/** The longest a CTI OS server takes to act for a desktop, and the margin by which the nearest desktop must stand out. */
const TIMING_WINDOW = 2;
const TIMING_MARGIN = 0.25;

/**
 * Each tied desktop's agent; `reports`, the agent's state reports, for a desktop whose own CTI session logs it in
 * (CAD); `sharing`, every agent whose own session ran on the host, when there are several (a terminal server).
 */
export type DesktopLinks = Map<string, DesktopTie>;

/**
 * `movedTo`, for a CTI OS desktop the agent's login moved from (tag 217 naming another desktop on a later login):
 * that desktop, and the login made from it (with its tag-217 value). `attempts` are then this desktop's own.
 */
export interface DesktopTie {
  agent: Agent;
  attempts: LoginAttempt[];
  reports?: AgentState['reports'];
  sharing?: Agent[];
  movedTo?: { host: string; attempt: LoginAttempt; cilClientId: string | null };
}

function uniqueAgents(st: AnalysisState): AgentState[] {
  const out: AgentState[] = [];
  const seen = new Set<AgentState>();
  for (const a of st.agents.values()) {
    if (seen.has(a)) continue;
    seen.add(a);
    out.push(a);
  }
  return out;
}

const IPV4 = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/g;

/** The workstation that a CTIOS_CIL_CLIENT_ID value names, by address or by name; only an unambiguous one. */
function byCilClientId(value: string, hosts: readonly HostState[], st: AnalysisState): { host: HostState; how: string } | undefined {
  const ips = new Set<string>();
  for (const m of value.matchAll(IPV4)) ips.add(m[1]);
  const byIp = hosts.filter((h) => ips.has(h.ip));
  if (byIp.length === 1) return { host: byIp[0], how: `names its address ${byIp[0].ip}` };
  const tokens = new Set(value.toLowerCase().split(/[^a-z0-9-]+/).filter((t) => t.length >= 3));
  const byName = hosts.filter((h) => st.namesOf(h.ip).some((n) => tokens.has(n) || tokens.has(n.split('.')[0])));
  if (byName.length === 1) return { host: byName[0], how: `names ${st.namesOf(byName[0].ip)[0]}` };
  return undefined;
}

/** When each CTI OS desktop last sent to a CTI OS server at `server` before `t`. */
function lastCtiosSend(h: HostState, serverHost: string, t: number): number | undefined {
  let best: number | undefined;
  for (const s of h.steps) {
    if (s.kind !== 'ctios' || hostOf(s.server) !== serverHost) continue;
    for (const x of s.facts.opaque?.c2sTimes ?? []) if (x <= t + 1e-6 && (best === undefined || x > best)) best = x;
  }
  return best;
}

function byTiming(agent: AgentState, t: number, hosts: readonly HostState[], taken: ReadonlySet<string>): { host: HostState; delta: number } | undefined {
  const via = agent.via?.host;
  if (!via) return undefined;
  const near: { host: HostState; delta: number }[] = [];
  for (const h of hosts) {
    const x = lastCtiosSend(h, via, t);
    if (x !== undefined && t - x <= TIMING_WINDOW) near.push({ host: h, delta: t - x });
  }
  near.sort((a, b) => a.delta - b.delta);
  const best = near[0];
  if (!best || taken.has(best.host.ip)) return undefined;
  if (near.length > 1 && near[1].delta - best.delta < TIMING_MARGIN) return undefined;
  return best;
}

/**
 * `before`: the desktops whose own sessions carried the agent earlier, when its login moved to `host`; `since`: then,
 * when the login moved, the time of the first login made for it from `host` (the attempts that are that desktop's).
 */
type Link = { host: HostState; link: DesktopLink; before?: string[]; since?: number; attemptHosts?: (string | undefined)[] };

/** The workstations whose own CTI sessions carried the agent, the latest last. */
function desktopHosts(agent: AgentState, byIp: ReadonlyMap<string, HostState>): HostState[] {
  const out: HostState[] = [];
  for (const ip of agent.desktopSessions ?? []) {
    const h = byIp.get(ip);
    if (h) out.push(h);
  }
  return out;
}

/** The tie the capture proves: the agent's requests on the desktop's own session, or tag 217 naming the desktop. */
function provenLink(agent: AgentState, hosts: readonly HostState[], byIp: ReadonlyMap<string, HostState>, st: AnalysisState): Link | undefined {
  const desks = desktopHosts(agent, byIp);
  const own = desks.at(-1);
  if (own) {
    const before = desks.slice(0, -1).map((h) => h.ip);
    const evidence = before.length
      ? `the agent's requests went out on ${own.ip}'s own CTI session, the latest of its desktops (before, on ${before.join(', ')})`
      : `the agent's requests went out on ${own.ip}'s own CTI session`;
    return { host: own, link: { basis: 'desktop-session', evidence }, before };
  }
  // Tag 217 of each request for the agent, in order: a login made from another desktop names that one, the latest last.
  const named: { host: HostState; how: string; cil: string }[] = [];
  const resolved = new Map<string, { host: HostState; how: string } | undefined>();
  const resolve = (cil: string) => {
    if (!resolved.has(cil)) resolved.set(cil, byCilClientId(cil, hosts, st));
    return resolved.get(cil);
  };
  for (const cil of cilsOf(agent)) {
    const m = resolve(cil);
    if (m) pushLatest(named, { ...m, cil }, (x, y) => x.host === y.host);
  }
  const last = named.at(-1);
  if (!last) return undefined;
  const before = named.slice(0, -1).map((x) => x.host.ip);
  const evidence = `CTIOS_CIL_CLIENT_ID (tag 217) "${last.cil}" on the CTI OS server's requests ${last.how}${before.length ? `, the latest of the agent's desktops (before, on ${before.join(', ')})` : ''}`;
  // Each login is the desktop's its tag 217 names, or, naming none, the one the login before it was made from
  // (before any, the one the agent's first request named). The latest desktop's logins are the last run of its own:
  // from the last one made from elsewhere on.
  let since: number | undefined;
  const attemptHosts: (string | undefined)[] = [];
  if (before.length) {
    let from = agent.cilClientId ? resolve(agent.cilClientId)?.host.ip : undefined;
    for (const a of agent.attempts) {
      const h = a.cilClientId ? resolve(a.cilClientId)?.host : undefined;
      if (h) from = h.ip;
      attemptHosts.push(from);
    }
    let i = attemptHosts.length;
    while (i > 0 && attemptHosts[i - 1] === last.host.ip) i--;
    if (i < attemptHosts.length) since = agent.attempts[i].time;
  }
  return {
    host: last.host,
    link: { basis: 'tag-217', evidence },
    before,
    ...(since !== undefined ? { since } : {}),
    ...(before.length ? { attemptHosts } : {}),
  };
}

/** The agent's tag-217 values, in the order its requests carried them: the first one seen (a query), then each login's. */
function cilsOf(agent: AgentState): string[] {
  const out: string[] = [];
  if (agent.cilClientId) out.push(agent.cilClientId);
  for (const a of agent.attempts) if (a.cilClientId && a.cilClientId !== out.at(-1)) out.push(a.cilClientId);
  return out;
}

/** The latest tag-217 value of the agent's, if any. */
function cilOf(agent: AgentState): string | undefined {
  return cilsOf(agent).at(-1);
}

/**
 * The tie by timing alone, for an agent with no proven one: never to a desktop another agent is proven or already
 * tied to (`taken`), nor for an agent whose tag 217 names an address that is not the desktop (its desktop is
 * elsewhere, outside the capture).
 */
function timingLink(agent: AgentState, hosts: readonly HostState[], taken: ReadonlySet<string>): Link | undefined {
  const cil = cilOf(agent);
  const named = cil ? [...cil.matchAll(IPV4)].map((m) => m[1]) : [];
  const first = agent.attempts[0]?.time ?? agent.firstTime;
  const t = byTiming(agent, first, hosts, taken);
  if (t && (named.length === 0 || named.includes(t.host.ip))) {
    return {
      host: t.host,
      link: {
        basis: 'timing',
        evidence: `${t.host.ip}'s CTI OS traffic to ${agent.via!.host} came ${(t.delta * 1000).toFixed(0)} ms before the first request for the agent, and no other desktop's within ${TIMING_MARGIN * 1000} ms of it`,
      },
    };
  }
  return undefined;
}

type AgentOutcome = Pick<Agent, 'outcome' | 'failedPhase' | 'failure'>;

/**
 * A logged-in agent whose CTI client then lost its session, with none since (its latest session, SessionLoss), is
 * not logged in at the end as far as that client can tell: failed at cti-session, by the client's cause; when the
 * capture ends with the client connecting again, incomplete.
 */
function lostWithClient(agent: AgentState, base: AgentOutcome, loss: SessionLoss | undefined): AgentOutcome {
  if (base.outcome !== 'logged-in' || !loss) return base;
  const at = agent.attempts.at(-1)?.time ?? agent.lastTime;
  if (loss.time < at) return base;
  if (!loss.failure) return { outcome: 'incomplete', failedPhase: null, failure: null };
  const client = agent.clients.at(-1);
  const who = client ? `${client.clientId ? `"${client.clientId}" on ` : ''}${client.host}` : 'its CTI client';
  const message = `${agentText(agent.id, agent.extension, agent.instrument)} was logged in, then ${who} lost the CTI session it was served on, with no session since: ${loss.failure.message}`;
  return { outcome: 'failed', failedPhase: 'cti-session', failure: { ...loss.failure, step: null, message } };
}

function agentOutcome(agent: AgentState, attempts: readonly LoginAttempt[], findings: Agent['findings'], steps: ReturnType<typeof finalizeSteps>): AgentOutcome {
  // A login that did not carry over a failover (the new side says LOGOUT, and no login there came after) decides;
  // when the capture ends just after that report, the end is not seen.
  const lost = findings.find((f) => f.kind === 'agent-logged-out');
  if (lost?.severity === 'error') return { outcome: 'failed', failedPhase: 'login', failure: causeOf('login', lost) };
  if (lost) return { outcome: 'incomplete', failedPhase: null, failure: null };
  const last = attempts[attempts.length - 1];
  if (!last) return { outcome: isLoggedInState(agent.lastState) ? 'logged-in' : 'incomplete', failedPhase: null, failure: null };
  if (last.outcome !== 'failed') return { outcome: last.outcome, failedPhase: null, failure: null };
  const f = findings.find((x) => x.step === last.step && x.kind === 'agent-login-failed') ?? findings.find((x) => x.step === last.step);
  const step = steps.find((s) => s.id === last.step);
  const failure: FailureCause = f
    ? causeOf('login', f)
    : { phase: 'login', step: last.step, kind: null, server: last.server, message: step?.summary ?? 'the login failed' };
  return { outcome: 'failed', failedPhase: 'login', failure };
}

/**
 * The desktop of each agent: first the ties the capture proves (own session, tag 217), then by timing for the rest,
 * each desktop tied once (the first agent, in `list`'s order, to claim it).
 */
function linkDesktops(list: readonly AgentState[], st: AnalysisState, workstations: readonly HostState[]): Map<AgentState, Link> {
  const byIp = new Map(workstations.map((h) => [h.ip, h]));
  const taken = new Set<string>();
  const out = new Map<AgentState, Link>();
  const proven = new Set<AgentState>();
  for (const a of list) {
    const l = provenLink(a, workstations, byIp, st);
    if (!l) continue;
    proven.add(a);
    // A host whose own CTI sessions logged in several agents (a terminal server, each user's desktop on it) is
    // each one's desktop: the sessions prove it.
    if (!taken.has(l.host.ip) || l.link.basis === 'desktop-session') {
      out.set(a, l);
      taken.add(l.host.ip);
      // The desktops its login moved from are proven its too: no other agent is tied to them by timing alone.
      for (const ip of l.before ?? []) taken.add(ip);
    }
  }
  for (const a of list) {
    if (proven.has(a)) continue;
    const l = timingLink(a, workstations, taken);
    if (l) {
      out.set(a, l);
      taken.add(l.host.ip);
    }
  }
  return out;
}

/** One agent's desktop judged alone (live updates: no other agent to weigh it against). */
export function linkOneDesktop(a: AgentState, st: AnalysisState, workstations: readonly HostState[]): Link | undefined {
  return provenLink(a, workstations, new Map(workstations.map((h) => [h.ip, h])), st) ?? timingLink(a, workstations, new Set());
}

/** One agent's entry, with the desktop it is tied to (linkDesktops). */
export function buildAgent(a: AgentState, st: AnalysisState, link: Link | undefined, truncated: boolean, loss?: SessionLoss): Agent {
  // Step ids within the agent: its steps may come from several hosts' sessions.
  const ordered = [...a.steps].sort((x, y) => x.start - y.start);
  const ids = new Map<StepState, string>(ordered.map((s, i) => [s, `s${i + 1}`]));
  const device = agentDeviceText({ extension: a.extension ?? null, instrument: a.instrument ?? null });
  const label = `agent ${a.id ?? '?'}${device ? ` on ${device}` : ''}`;
  const steps = finalizeSteps(ordered, st, label, ids);
  const ident = { id: a.id, extension: a.extension ?? null, instrument: a.instrument ?? null };
  const view = subjectView('agent', a.id ?? a.instrument ?? '?', 'unknown', steps, ident, st, truncated);
  if (a.reports) view.agentReports = [...a.reports.values()];
  let findings = runRules(view);
  const attempts = a.attempts.map((at) => {
    const step = steps.find((s) => s.id === ids.get(at.step))!;
    return attemptOf(step, { client: at.clientEndpoint, clientId: at.client.clientId, server: at.server, agentId: a.id, instrument: at.instrument ?? null, time: at.time });
  });
  // Its last login unanswered, and its desktop went on to its services after it: the reply is one the capture lost.
  const wentOn = servicesAfterUnansweredLogin(attempts, findings, link);
  if (wentOn) {
    const last = attempts.length - 1;
    attempts[last] = { ...attempts[last], outcome: 'incomplete' };
    findings = findings.map((f) => (f.step === attempts[last].step && f.kind === 'timeout' && f.severity === 'error' ? { ...f, severity: 'warning' as const, message: f.message + wentOn } : f));
  }
  return {
    id: a.id,
    extension: a.extension ?? null,
    instrument: a.instrument ?? null,
    peripheralId: a.peripheralId,
    via: a.via ? { client: a.via.client, clientId: a.via.clientId, server: a.via.server } : null,
    desktop: link?.host.ip ?? null,
    desktopLink: link?.link ?? null,
    ...(link?.before?.length ? { previousDesktops: link.before } : {}),
    ...lostWithClient(a, wentOn ? { outcome: 'incomplete', failedPhase: null, failure: null } : agentOutcome(a, attempts, findings, steps), loss),
    state: a.lastState ?? null,
    start: steps.length > 0 ? minOf(steps, (s) => s.start) : a.firstTime,
    end: steps.length > 0 ? maxOf(steps, (s) => s.end) : a.lastTime,
    attempts,
    steps: steps.map(publicStep),
    findings,
  };
}

/**
 * When the agent's last login got no reply (a timeout, no refusal) and its desktop then went on to register with its
 * services, which CAD does only once the agent is logged in: the sentence that says so, for the timeout finding (the
 * reply is more likely one the capture lost, with the desktop's ACK of it). The desktop's own rules say the same of
 * its step (rules/common.ts wentOnPast). Undefined otherwise.
 */
function servicesAfterUnansweredLogin(attempts: readonly LoginAttempt[], findings: readonly Finding[], link: Link | undefined): string | undefined {
  const last = attempts.at(-1);
  if (!link || !last || last.outcome !== 'failed' || last.step === null) return undefined;
  if (!findings.some((f) => f.step === last.step && f.kind === 'timeout' && f.severity === 'error')) return undefined;
  if (findings.some((f) => f.step === last.step && f.kind === 'agent-login-failed')) return undefined;
  const next = link.host.steps.find((s) => s.phase === 'services' && Math.min(s.start, s.flowStart) >= last.time);
  if (!next) return undefined;
  return ` Yet its desktop ${link.host.ip} went on to its services (${next.server}, frame ${next.frames.list()[0]}), which it does only with the agent logged in: the reply is more likely one the capture lost (with the desktop's ACK of it) than one never sent.`;
}

/** The tie of a CTI OS desktop the agent's login moved from: its own logins, and the first made elsewhere after them. */
function movedFrom(a: AgentState, agent: Agent, host: string, attemptHosts: readonly (string | undefined)[]): DesktopTie {
  const attempts: LoginAttempt[] = [];
  let last = -1;
  for (let i = 0; i < agent.attempts.length; i++) {
    if (attemptHosts[i] !== host) continue;
    attempts.push(agent.attempts[i]);
    last = i;
  }
  let next = -1;
  for (let i = last + 1; i < agent.attempts.length && next < 0; i++) if (attemptHosts[i] !== undefined && attemptHosts[i] !== host) next = i;
  if (next < 0) return { agent, attempts };
  return { agent, attempts, movedTo: { host: attemptHosts[next]!, attempt: agent.attempts[next], cilClientId: a.attempts[next]?.cilClientId ?? null } };
}

/**
 * A CTI OS desktop the agent's login moved from: its own logins decide its outcome (the latest desktop's are not
 * its), with the agent's findings about them, and a note of where the login went next (info: a desktop changed,
 * which is no fault of this one's).
 */
export function movedFromOutcome(tie: DesktopTie & { movedTo: NonNullable<DesktopTie['movedTo']> }, start: number): { result: OutcomeResult; findings: Finding[] } {
  const { agent, attempts, movedTo } = tie;
  const last = attempts.at(-1);
  const ownFrames = new Set<number>();
  for (const x of attempts) for (const f of x.frames) ownFrames.add(f);
  // The refusal of this desktop's last login is its last word here (for the agent, a warning: it logged in later).
  const lastFailed = last?.outcome === 'failed' ? new Set(last.frames) : undefined;
  const findings: Finding[] = [];
  for (const f of agent.findings) {
    if (!f.frames.some((x) => ownFrames.has(x))) continue;
    const decides = lastFailed !== undefined && f.kind === 'agent-login-failed' && f.frames.some((x) => lastFailed.has(x));
    findings.push({ ...f, step: null, ...(decides ? { severity: 'error' as const } : {}) });
  }
  const next = movedTo.attempt;
  const here = !last
    ? 'was served for this desktop by the CTI OS server'
    : last.outcome === 'logged-in'
      ? `logged in from this desktop (frame ${last.frames[0]})`
      : last.outcome === 'failed'
        ? `failed to log in from this desktop (frame ${last.frames[0]})`
        : `had a login made for this desktop (frame ${last.frames[0]}), its end not captured`;
  const cil = movedTo.cilClientId ? `, CTIOS_CIL_CLIENT_ID (tag 217) "${movedTo.cilClientId}"` : '';
  const gap = last ? ` ${formatDuration(next.time - last.time)} later` : '';
  findings.push({
    kind: 'agent-logged-out',
    severity: 'info',
    server: next.server,
    step: null,
    message: `${agentText(agent.id, agent.extension, agent.instrument)} ${here}, then logged in from ${movedTo.host}${gap} (frame ${next.frames[0]}${cil}): the agent's login moved to that desktop, where its outcome is told.`,
    frames: [...(last ? [last.frames[0]] : []), next.frames[0]],
  });
  let result: OutcomeResult;
  if (last?.outcome === 'logged-in') {
    result = { outcome: 'logged-in', failedPhase: null, failure: null, loginSeconds: Math.round((last.time - start) * 1000) / 1000 };
  } else if (last?.outcome === 'failed') {
    const f = findings.find((x) => x.kind === 'agent-login-failed' && x.severity === 'error');
    const failure: FailureCause = f ? causeOf('login', f) : { phase: 'login', step: null, kind: null, server: last.server, message: 'the login failed' };
    result = { outcome: 'failed', failedPhase: 'login', failure, loginSeconds: null };
  } else {
    result = { outcome: 'incomplete', failedPhase: null, failure: null, loginSeconds: null };
  }
  return { result, findings };
}

/**
 * String.prototype.localeCompare's orders (default locale), each from one collator made once: localeCompare with
 * options makes a collator per call, which made sorting a server capture's agents a measurable part of the document.
 */
const compareText = new Intl.Collator().compare;
const compareNumeric = new Intl.Collator(undefined, { numeric: true }).compare;

export function buildAgents(
  st: AnalysisState,
  workstations: readonly HostState[],
  truncated: boolean,
  lossOf?: ReadonlyMap<CtiClientState, SessionLoss>,
): { agents: Agent[]; links: DesktopLinks } {
  const list = uniqueAgents(st).sort((a, b) => (a.attempts[0]?.time ?? a.firstTime) - (b.attempts[0]?.time ?? b.firstTime) || compareText(a.key, b.key));
  const tied = linkDesktops(list, st, workstations);
  const links: DesktopLinks = new Map();
  const agents: Agent[] = [];
  for (const a of list) {
    const client = a.clients.at(-1);
    const link = tied.get(a);
    const agent = buildAgent(a, st, link, truncated, client ? lossOf?.get(client) : undefined);
    agents.push(agent);
    // The desktops the agent's login moved from are its too, for what their own sessions show (its reports). A CTI
    // OS desktop's own traffic shows no login: the latest takes the agent's outcome; one it moved from, its own
    // logins (those tag 217 tied to it) and where the login went next.
    const own = agent.desktopLink?.basis === 'desktop-session';
    for (const host of [...(agent.previousDesktops ?? []), agent.desktop]) {
      if (!host) continue;
      const l = links.get(host);
      if (host !== agent.desktop && !own) {
        if (!l && link?.attemptHosts) links.set(host, movedFrom(a, agent, host, link.attemptHosts));
        continue;
      }
      const since = host === agent.desktop ? link?.since : undefined;
      const attempts = since !== undefined ? agent.attempts.filter((x) => x.time >= since) : agent.attempts;
      if (!l) links.set(host, { agent, attempts, ...(own && a.reports ? { reports: a.reports } : {}) });
      else if (own) (l.sharing ??= [l.agent]).push(agent);
    }
  }
  agents.sort((x, y) => compareNumeric(x.id ?? '', y.id ?? '') || (x.peripheralId ?? 0) - (y.peripheralId ?? 0) || compareHosts(x.via?.client ?? '', y.via?.client ?? ''));
  return { agents, links };
}
