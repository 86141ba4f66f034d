/** Helpers the diagnosis rules share: recovery, severities, wording of servers and steps. */

import type { Finding, FindingKind, Severity } from '../model.js';
import { STARTUP_PHASES } from '../model.js';
import type { AnalyzedStep, PendingConnect, StepKind, WorkstationView } from '../state.js';
import { formatDuration, hostOf } from '../format.js';
import { splitStartups } from '../startups.js';

/** Steps that only accompany a session (they do not show that a service works). */
const PASSIVE_KINDS: ReadonlySet<StepKind> = new Set(['cti-events', 'cti-heartbeat', 'cti-query', 'generic']);

/**
 * The later successful step that makes up for a failed one: same service and phase, started no earlier,
 * a step that shows the service working (not just session chatter), and for GIOP the same operation.
 */
export function recoveryOf(ws: WorkstationView, failed: AnalyzedStep): AnalyzedStep | undefined {
  for (const s of ws.steps) {
    // A login on a later session of the CTI service opened that session, whether or not its OPEN_CONF was captured.
    if (failed.phase === 'cti-session' && s.kind === 'cti-login' && s.ok && s.service === failed.service && s.start >= failed.start && s.facts.login?.event !== undefined) return s;
    if (!s.ok || s.id === failed.id || s.service !== failed.service || s.phase !== failed.phase) continue;
    if ((s.start < failed.start && !movedFirst(failed, s)) || PASSIVE_KINDS.has(s.kind)) continue;
    if (s.kind === 'giop' && failed.kind === 'giop' && s.facts.giop?.operation !== failed.facts.giop?.operation) continue;
    return s;
  }
  return undefined;
}

/** How long before a session's loss the desktop may have opened the one that replaced it (movedFirst). */
const MOVED_FIRST_SECONDS = 5;

/**
 * A session to another server of the service that the desktop opened shortly before the old one was reset or closed
 * and that went on after: the desktop moved first (it gave up on a silent session), and the old server's RST came
 * after, or was captured after (two taps).
 */
function movedFirst(failed: AnalyzedStep, s: AnalyzedStep): boolean {
  const f = failed.facts.conn?.failure;
  if (failed.kind !== 'connection' || (f !== 'reset' && f !== 'closed') || s.server === failed.server) return false;
  return s.end > failed.end && failed.start - s.start <= MOVED_FIRST_SECONDS;
}

/** A connection the host was still opening when the capture ended, to the same service as `failed`, begun after it. */
function connectsAgainAfter(p: PendingConnect, failed: AnalyzedStep): boolean {
  return p.service === failed.service && p.time >= failed.end - 1e-6;
}

/** A connection to the same service the host was still opening when the capture ended, after `failed` (none: undefined). */
export function reconnectingAfter(ws: WorkstationView, failed: AnalyzedStep): PendingConnect | undefined {
  return ws.connecting?.find((p) => connectsAgainAfter(p, failed));
}

/**
 * An established session reset or closed whose sequel is not in the capture: it ends with the host connecting to the
 * service again, to any server of it (one that reset a session before had worked: lostSessionEnd's warning).
 */
export function lostSessionUnfinished(ws: WorkstationView, s: AnalyzedStep): boolean {
  const f = s.facts.conn?.failure;
  return (f === 'reset' || f === 'closed') && reconnectingAfter(ws, s) !== undefined;
}

/**
 * A lost session's finding when the capture ends with the host connecting to the same service again: a warning,
 * the sentence that says its outcome is not in the capture, and that SYN among its frames. Otherwise the step's
 * own severity, no sentence and the step's frames.
 */
export function lostSessionEnd(ws: WorkstationView, s: AnalyzedStep): { severity: Severity; then: string; frames: number[] | undefined } {
  const again = reconnectingAfter(ws, s);
  if (!again) return { severity: severityFor(ws, s), then: '', frames: undefined };
  return {
    severity: 'warning',
    then: ` The capture ends while the host connects to ${serverText(ws, again.server)} (SYN, frame ${again.frame}), so whether it got a session again is not in it.`,
    frames: [...s.frames, again.frame],
  };
}

/**
 * A failed step that ended its CTI session: its connection lost or refused, a reopening refused, or heartbeats
 * unanswered that never came back (a stall the server answered after is not a loss).
 */
export function endsSession(s: AnalyzedStep): boolean {
  if (s.ok) return false;
  if (s.kind === 'connection' || s.kind === 'cti-open') return true;
  if (s.kind !== 'cti-heartbeat') return false;
  const h = s.facts.heartbeat;
  return s.facts.idle !== undefined || (h !== undefined && h.consecutive === h.maxConsecutive);
}

export function isStartupPhase(phase: string): boolean {
  return (STARTUP_PHASES as readonly string[]).includes(phase);
}

/** The addresses of the servers a subject's start-up steps (not its lookups) reached: its desktop's servers. */
export function startupServers(steps: readonly AnalyzedStep[]): Set<string> {
  const servers = new Set<string>();
  for (const s of steps) if (s.kind !== 'dns' && isStartupPhase(s.phase)) servers.add(hostOf(s.server));
  return servers;
}

/**
 * A connection whose SYNs were unanswered when the capture ended, too soon for the host to have retried or given up
 * (ConnFacts.stillTrying): what it did next, another node or an error, is not in the capture.
 */
export function stillTrying(s: AnalyzedStep): boolean {
  return s.facts.conn?.stillTrying !== undefined;
}

/**
 * A connection to a failed step's service that the host was opening when the capture ended, to a server where that
 * service had not failed it before: a failover under way (LDAP Host 2 after Host 1), whose end is not in the
 * capture. A desktop going round servers that all refused it already is not one: its next attempt is no news.
 */
export function failoverAtEnd(ws: WorkstationView, failed: AnalyzedStep): PendingConnect | undefined {
  return ws.connecting?.find((p) => connectsAgainAfter(p, failed) && !ws.steps.some((o) => !o.ok && o.service === failed.service && o.server === p.server && o.start < p.time));
}

/**
 * How soon after its directory or its CTI server failed it a desktop tries again, that one or the other it knows (CAD:
 * LDAP Host 2, the peer node's CTI server, 0.3 s on in the lab; CTI OS: side A again 5 s on, then side B).
 */
const FAILOVER_DUE = 6;

/** Phases whose servers come in pairs a desktop fails over between. */
const FAILOVER_PHASES: ReadonlySet<string> = new Set(['config', 'cti-session']);

/**
 * OPEN_REQ refusals that send a client to the other side (E_CTI_ prefix off): the server is not the active one. Others
 * (a wrong version, password or agent) would be the same there.
 */
const FAILOVER_STATUSES: ReadonlySet<string> = new Set(['SERVER_NOT_MASTER', 'INVALID_CLIENT_FOR_STANDBY', 'CTI_SERVER_OFFLINE', 'SERVER_IN_MAINTENANCE_MODE']);

/** A failure another server of the service may not have: the connection's, or a CTI server saying it is not the active one. */
function failsOver(s: AnalyzedStep): boolean {
  const status = s.facts.ged?.statusName;
  return s.facts.conn?.failure !== undefined || (status !== undefined && FAILOVER_STATUSES.has(status.replace(/^E_CTI_/, '')));
}

/**
 * A failed directory or CTI session so near the capture's end that the failover due after it is not in the capture:
 * it failed as another server may not (failsOver), the desktop looked up another server (its own lookups only:
 * lookups.ts), where that service had not failed it, and the capture ends within FAILOVER_DUE of the failure or while
 * the desktop connects to that service again. The name and address it may try next; undefined otherwise.
 */
export function failoverDueAtEnd(ws: WorkstationView, failed: AnalyzedStep): { name: string; address: string; again?: PendingConnect } | undefined {
  if (failed.ok || !FAILOVER_PHASES.has(failed.phase) || !failsOver(failed)) return undefined;
  // Or still trying the service when the capture ended, on the same server again (CTI OS tries side A twice, 5 s apart).
  const again = reconnectingAfter(ws, failed);
  if (ws.now - failed.end >= FAILOVER_DUE && !again) return undefined;
  const at = hostOf(failed.server);
  for (const s of ws.lookups ? [...ws.steps, ...ws.lookups] : ws.steps) {
    const d = s.facts.dns;
    if (!d || !s.ok || s.start > failed.end) continue;
    for (const a of d.addresses) {
      if (a === at || ws.steps.some((o) => o.service === failed.service && hostOf(o.server) === a && (!o.ok || o.start > failed.end))) continue;
      return again ? { name: d.qname, address: a, again } : { name: d.qname, address: a };
    }
  }
  return undefined;
}

/**
 * The capture ended while the desktop was still at a failed step's service: still waiting for its SYNs' answer,
 * failing over to another server of it, or just failed with such a failover due. How that went, and so whether the
 * step was the desktop's end, is not in the capture.
 */
export function unfinishedAtEnd(ws: WorkstationView, s: AnalyzedStep): boolean {
  return stillTrying(s) || failoverAtEnd(ws, s) !== undefined || failoverDueAtEnd(ws, s) !== undefined;
}

/**
 * For a failed step the host was failing over from when the capture ended, or would have next: the sentence that says
 * so, and the SYN's frame when there was one. Undefined otherwise.
 */
export function connectingAtEnd(ws: WorkstationView, s: AnalyzedStep): { text: string; frame?: number } | undefined {
  const again = failoverAtEnd(ws, s);
  if (again) return { text: ` The capture ends while the host connects to ${serverText(ws, again.server)} (SYN, frame ${again.frame}), so whether it got through is not in it.`, frame: again.frame };
  const due = failoverDueAtEnd(ws, s);
  if (!due) return undefined;
  const other = `${due.name} (${due.address})`;
  if (due.again) return { text: ` The capture ends while the host connects to ${serverText(ws, due.again.server)} again (SYN, frame ${due.again.frame}), before it tries the other server it looked up, ${other}: whether it got through there is not in the capture.`, frame: due.again.frame };
  return { text: ` The capture ends ${formatDuration(Math.max(0, ws.now - s.end))} after, sooner than the desktop tries the other server it looked up, ${other}: whether it got through there is not in the capture.` };
}

/** A failure the desktop got past is a warning; one it did not is an error. */
export function severityFor(ws: WorkstationView, step: AnalyzedStep): Severity {
  // A service no profile names on one of the desktop's servers is shown, but its failure is no proof of any problem
  // of the desktop's: said for the record (info), never as a warning.
  if (step.service === 'other-service') return 'info';
  // Whether the desktop got past it is not in the capture.
  if (unfinishedAtEnd(ws, step)) return 'warning';
  if (recoveryOf(ws, step)) return 'warning';
  return afterLogin(ws, step) || wentOnPast(ws, step) !== undefined ? 'warning' : 'error';
}

/** A step that failed only for a reply it did not get (no refusal, no error in a reply, no connection failure). */
function failedForNoReply(s: AnalyzedStep): boolean {
  if (s.ok || s.kind === 'connection' || s.facts.conn?.failure !== undefined) return false;
  if (s.facts.ged?.status !== undefined || s.facts.ged?.failureCode !== undefined || s.facts.ldap?.error || s.facts.giop?.exception) return false;
  return (s.facts.unanswered?.length ?? 0) > 0 || (s.detail?.missed ?? 0) > 0;
}

/**
 * The first step of a later start-up phase than a failed one's, in its own start-up, begun after it: the desktop went
 * on, which it does only once the step worked (CAD reads its directory, then gets its licence, then opens its CTI
 * session, logs in on it and only then registers with its services; it stops at the first that fails). So the step
 * was got past, whatever the capture shows of it: most often a reply it lost together with the ACK that would have
 * proved it. Only a step that failed for want of a reply: a server that refused, reset or never answered a SYN, or
 * answered with an error, is no capture's loss (and whether a desktop goes on to its licence without its directory
 * is not known). Undefined when the desktop went no further.
 */
export function wentOnPast(ws: WorkstationView, step: AnalyzedStep): AnalyzedStep | undefined {
  if (!isStartupPhase(step.phase) || !failedForNoReply(step)) return undefined;
  const su = splitStartups(ws.steps).find((x) => x.steps.some((s) => s.id === step.id));
  return su ? laterPhaseStep(su.steps, step.phase, step.start) : undefined;
}

/** The first of `steps` in a start-up phase after `phase` (licensing, CTI, login or services after config) begun at `time` or later. */
export function laterPhaseStep(steps: readonly AnalyzedStep[], phase: string, time: number): AnalyzedStep | undefined {
  const order = STARTUP_PHASES as readonly string[];
  const after = order.indexOf(phase);
  return steps.find((s) => order.indexOf(s.phase) > after && s.start >= time);
}

/**
 * A configuration or licensing step that failed after the login of its own start-up (not a restart: the CTI
 * session went on): the running desktop's, which it got past.
 */
function afterLogin(ws: WorkstationView, step: AnalyzedStep): boolean {
  if (!ws.loggedIn || (step.phase !== 'config' && step.phase !== 'licensing')) return false;
  const su = splitStartups(ws.steps).find((x) => x.steps.some((s) => s.id === step.id));
  return su !== undefined && su.steps.some((s) => s.kind === 'cti-login' && s.ok && s.facts.login?.event !== undefined && s.end <= step.start);
}

/** "192.168.100.1:3000 (uccx-a.example.com)". */
export function serverText(ws: WorkstationView, server: string): string {
  const names = ws.namesOf(hostOf(server));
  return names.length > 0 ? `${server} (${names[0]})` : server;
}

/** A step's summary, led by its server when the summary does not already name it. */
export function stepText(step: AnalyzedStep): string {
  return step.summary.includes(step.server) ? step.summary : `${step.server}: ${step.summary}`;
}

/** What a CTI session's long silence before its reset or close may mean, as a sentence (ConnFacts.silentFor); '' without one. */
export function silenceText(c: { silentFor?: number }): string {
  if (c.silentFor === undefined) return '';
  return ` It came after ${formatDuration(c.silentFor)} without a message: if heartbeats were off, the session's IdleTimeout (named in its OPEN_REQ, which the capture does not hold) may have run out.`;
}

/** How a finding names an agent: "agent 1031 on extension 2031", "agent 5053 on instrument 30053", "agent (unknown ID)". */
export function agentText(id: string | null | undefined, extension: string | null | undefined, instrument?: string | null): string {
  const device = extension ? `extension ${extension}` : instrument ? `instrument ${instrument}` : undefined;
  return `agent ${id ?? '(unknown ID)'}${device ? ` on ${device}` : ''}`;
}

export function makeFinding(kind: FindingKind, severity: Severity, step: AnalyzedStep | null, message: string, frames?: number[], server?: string | null): Finding {
  return {
    kind,
    severity,
    server: server !== undefined ? server : step ? step.server : null,
    step: step ? step.id : null,
    message,
    frames: frames ?? (step ? step.frames : []),
  };
}

/** The frames of several steps, once each, in order. */
export function framesOf(steps: readonly { frames: readonly number[] }[]): number[] {
  const out = new Set<number>();
  for (const s of steps) for (const f of s.frames) out.add(f);
  return [...out].sort((a, b) => a - b);
}

export function uniqueFrames(...lists: (number | undefined | readonly number[])[]): number[] {
  const out = new Set<number>();
  for (const l of lists) {
    if (l === undefined) continue;
    if (typeof l === 'number') out.add(l);
    else for (const f of l) out.add(f);
  }
  return [...out].sort((a, b) => a - b);
}
