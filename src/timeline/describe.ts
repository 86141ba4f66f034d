/**
 * Turns a step's working state into its public form: decides `ok`, writes the one-line summary and the
 * detail fields. Pure: the same state always reads the same, so live snapshots and the final document agree.
 */

import type { StepDetail } from './model.js';
import type { AnalyzedStep, PendingRequest, StepState, UnansweredRequest } from './state.js';
import { codeText, formatDuration, plural, roundSeconds } from './format.js';
import { uncapturedOf } from './steps/context.js';

/** Why a CTI OS session's step cannot show the login (document.ts says where it is seen instead, when it is). */
const CTIOS_LOGIN_UNSEEN = 'CTI OS format is not public: the login itself cannot be seen';

/**
 * A CTI OS desktop's session step. The login inside it cannot be read; `loginSeenFor` names the agent whose login
 * the CTI OS server's own CTI session shows, once the desktop is tied to that agent.
 */
export function ctiosSessionSummary(s: Pick<StepState, 'facts' | 'server' | 'start' | 'end'>, loginSeenFor?: string): string {
  const o = s.facts.opaque!;
  const why = loginSeenFor ? `CTI OS format is not public; agent ${loginSeenFor}'s login is seen on the CTI OS server's session with the CTI server` : CTIOS_LOGIN_UNSEEN;
  return `CTI OS session with ${s.server}: ${plural(o.messages, 'segment')}, ${formatBytes(o.bytes.c2s + o.bytes.s2c)} over ${formatDuration(s.end - s.start)} (${why})`;
}

/** Seconds to wait for a reply when the service sets no replyTimeout. */
export const DEFAULT_REPLY_TIMEOUT = 15;

/** Consecutive unanswered heartbeats that count as a lost heartbeat. */
export const HEARTBEAT_MISS_LIMIT = 3;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Requests still waiting at `now` that have waited past the service's reply timeout: they count as
 * unanswered even though the connection is still open.
 */
export function overdue(step: StepState, pending: readonly PendingRequest[], now: number): UnansweredRequest[] {
  return pending.filter((p) => p.gapFrame === undefined && isOverdue(step, p, now)).map((p) => ({ name: p.name, frame: p.frame, time: p.time }));
}

function isOverdue(step: StepState, p: PendingRequest, now: number): boolean {
  return (p.seenUntil !== undefined && p.seenUntil < now ? p.seenUntil : now) - p.time >= (step.replyTimeout ?? DEFAULT_REPLY_TIMEOUT);
}

/** Requests still waiting at `now` within their reply timeout, their reply not in a gap: neither answered nor unanswered. */
function stillWaiting(step: StepState, pending: readonly PendingRequest[], now: number): number {
  let n = 0;
  for (const p of pending) if (p.gapFrame === undefined && !isOverdue(step, p, now)) n++;
  return n;
}

function allUnanswered(step: StepState, pending: readonly PendingRequest[], now: number): UnansweredRequest[] {
  return (step.facts.unanswered ?? []).concat(overdue(step, pending, now));
}

/** Requests with no reply captured whose reply may be in bytes the capture lost: neither answered nor unanswered. */
function allUncaptured(step: StepState, pending: readonly PendingRequest[]): UnansweredRequest[] {
  const open = pending.filter((p) => p.gapFrame !== undefined).map(uncapturedOf);
  return open.length > 0 ? (step.facts.uncaptured ?? []).concat(open) : (step.facts.uncaptured ?? []);
}

/**
 * "reply not captured (the capture lost bytes from the server, frame 43)", or, when what was lost is the server's ACK of
 * the client's last data and what came with it, "reply not captured (nor the server's ACK of frame 42, …)".
 */
export function uncapturedText(u: UnansweredRequest): string {
  if (u.lostWithAck) return `reply not captured (nor the server's ACK of frame ${u.gapFrame}, which the client never sent again: the capture lost the server's packets)`;
  return `reply not captured (the capture lost bytes from the server${u.gapFrame !== undefined ? `, frame ${u.gapFrame}` : ''})`;
}

/** A step's result as described: `unseen` when the reply that decides it is in bytes the capture lost. */
interface Described {
  ok: boolean;
  summary: string;
  unseen?: true;
}

function typeCounts(counts: Map<string, number>, limit = 6): string {
  const parts = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = parts.slice(0, limit).map(([t, n]) => (n > 1 ? `${t} ×${n}` : t));
  if (parts.length > limit) shown.push(`${parts.length - limit} more types`);
  return shown.join(', ');
}

function unansweredText(u: UnansweredRequest): string {
  if (u.closedAt !== undefined) return `no reply; the connection closed ${formatDuration(u.closedAt - u.time)} later`;
  return 'no reply';
}

/** How long a connection had been up: "44.8 s", or "at least 24.8 s (it began before the capture)". */
export function connectionAge(c: { duration: number; midStream?: true }): string {
  return c.midStream ? `at least ${formatDuration(c.duration)} (it began before the capture)` : formatDuration(c.duration);
}

/** "the capture ends 0.2 s after the last" / "the capture ends with the last" (ConnFacts.stillTrying). */
export function afterLastSyn(seconds: number): string {
  return seconds < 0.0005 ? 'the capture ends with the last' : `the capture ends ${formatDuration(seconds)} after the last`;
}

function describeConnection(s: StepState): Described {
  const c = s.facts.conn!;
  const attempts = c.attempts > 1 ? ` (${c.attempts} attempts over ${formatDuration(c.span)})` : '';
  switch (c.failure) {
    case 'unreachable':
      if (c.icmp) return { ok: false, summary: `${s.server} unreachable: ICMP ${c.icmp.codeName} from ${c.icmp.from}${attempts}` };
      if (c.stillTrying !== undefined) return { ok: false, summary: `${s.server} not answered yet: ${plural(c.syns, 'SYN')} over ${formatDuration(c.synSpan)}${attempts}, ${afterLastSyn(c.stillTrying)}` };
      return { ok: false, summary: `${s.server} never answered: ${plural(c.syns, 'SYN')} over ${formatDuration(c.synSpan)}${attempts}` };
    case 'refused':
      return {
        ok: false,
        summary:
          c.attempts > 1
            ? `${s.server} refused ${c.attempts} connection attempts over ${formatDuration(c.span)} (SYN answered by RST)`
            : `${s.server} refused the connection (SYN answered by RST)`,
      };
    case 'reset':
      return { ok: false, summary: `${s.server} reset the connection after ${connectionAge(c)}` };
    case 'closed':
      return { ok: false, summary: `${s.server} closed the session after ${connectionAge(c)} (FIN, no CLOSE_REQ)` };
    default: {
      const bytes = c.bytes.c2s + c.bytes.s2c;
      return { ok: true, summary: `connected to ${s.label} ${s.server}: ${formatBytes(bytes)} exchanged over ${formatDuration(c.duration)}` };
    }
  }
}

function describeLdap(s: StepState, unanswered: UnansweredRequest[], uncaptured: UnansweredRequest[], waiting: number): Described {
  const l = s.facts.ldap!;
  const who = l.bindDn !== undefined ? `LDAP bind as ${l.bindDn || '(anonymous)'}` : 'LDAP';
  const searches = l.searches > 0 ? `${l.bindDn !== undefined ? ' and' : ''} ${plural(l.searches, 'search', 'searches')}` : '';
  const took = formatDuration(s.end - s.start);
  if (l.error) {
    const diag = l.error.diagnostic ? `: ${l.error.diagnostic}` : '';
    return { ok: false, summary: `${who}${searches} → ${l.error.op} ${codeText(l.error.name, l.error.code, 'result')}${diag}` };
  }
  if (unanswered.length > 0) return { ok: false, summary: `${who}${searches} → ${unanswered[0].name}: ${unansweredText(unanswered[0])}` };
  if (uncaptured.length > 0 && s.answered === 0) return { ok: true, unseen: true, summary: `${who}${searches} → ${uncaptured[0].name}: ${uncapturedText(uncaptured[0])}` };
  const lost = uncaptured.length > 0 ? `; ${uncaptured[0].name}: ${uncapturedText(uncaptured[0])}` : '';
  const entries = l.searches > 0 ? `: ${plural(l.entries, 'entry', 'entries')}` : l.binds > 0 ? ' → success' : `: ${plural(l.operations, 'operation')}`;
  const missing = l.missing && l.missing.length > 0 ? `; not found (noSuchObject): ${firstTwo(l.missing.map((x) => x.base))}` : '';
  const empty = l.empty && l.empty.length > 0 ? `; no entry for ${firstTwo(l.empty.map(emptySearchText))}` : '';
  // The capture ended, or was cut, before their replies.
  const open = waiting > 0 ? `; ${waiting} still waiting for ${waiting === 1 ? 'its reply' : 'their replies'}` : '';
  return { ok: true, summary: `${who}${searches}${entries}, ${took}${missing}${empty}${lost}${open}` };
}

/** "a; b and 3 more": the first two of a list, and how many it holds beyond them. */
function firstTwo(items: readonly string[]): string {
  return `${items.slice(0, 2).join('; ')}${items.length > 2 ? ` and ${items.length - 2} more` : ''}`;
}

/** "agent (cn=1031) under ou=Agents,…": what a search that found nothing looked for, and where. */
export function emptySearchText(e: { base: string; filter: string; names: 'agent' | 'team' }): string {
  return `${e.names} ${e.filter}${e.base ? ` under ${e.base}` : ''}`;
}

function describeGiop(s: StepState, unanswered: UnansweredRequest[], uncaptured: UnansweredRequest[]): Described {
  const g = s.facts.giop!;
  const op = s.count > 1 ? `${g.operation} ×${s.count}` : g.operation;
  const rt = s.firstResponseTime !== undefined ? ` in ${formatDuration(s.firstResponseTime)}` : '';
  if (g.exception) {
    const id = g.exception.id ? ` ${g.exception.id}` : '';
    return { ok: s.lastOk !== false, summary: `${op} → ${g.exception.status}${id}${s.count === 1 ? rt : ''}` };
  }
  if (unanswered.length > 0 && (s.lastOk === false || s.answered === 0)) {
    return { ok: false, summary: `${op} → ${unansweredText(unanswered[unanswered.length - 1])}` };
  }
  if (s.answered === 0 && uncaptured.length > 0) return { ok: true, unseen: true, summary: `${op} → ${uncapturedText(uncaptured[uncaptured.length - 1])}` };
  if (s.answered === 0) return { ok: s.lastOk !== false, summary: `${op} → waiting for a reply` };
  const missed = (unanswered.length > 0 ? `, ${unanswered.length} unanswered` : '') + (uncaptured.length > 0 ? `, ${uncaptured.length} ${uncaptured.length === 1 ? 'reply' : 'replies'} not captured` : '');
  const slow = s.count > 1 && s.facts.slowest ? ` (slowest ${formatDuration(s.facts.slowest.responseTime)})` : rt;
  return { ok: s.lastOk !== false, summary: `${op} → ${g.lastStatus ?? 'reply'}${slow}${missed}` };
}

function gedFailureText(f: NonNullable<StepState['facts']['ged']>): string {
  if (f.reply === 'CONTROL_FAILURE_CONF') {
    const periph = f.peripheralErrorCode ? ` ${codeText(f.peripheralErrorCodeName, f.peripheralErrorCode, 'peripheral error')}` : '';
    const fc = !f.peripheralErrorCode || f.failureCode ? ` failure ${codeText(f.failureCodeName, f.failureCode, 'code')}` : '';
    return `CONTROL_FAILURE_CONF${periph}${fc}`;
  }
  return `${f.reply} ${codeText(f.statusName, f.status, 'status')}`;
}

function describeCti(s: StepState, unanswered: UnansweredRequest[], uncaptured: UnansweredRequest[], agentLabel?: string): Described {
  const f = s.facts;
  const rt = s.firstResponseTime !== undefined ? ` in ${formatDuration(s.firstResponseTime)}` : '';
  switch (s.kind) {
    case 'cti-open': {
      if (f.ged) return { ok: false, summary: `OPEN_REQ → ${gedFailureText(f.ged)}${rt}` };
      if (f.open?.confirmed) {
        const extra: string[] = [];
        if (f.open.peripheralOnline === false) extra.push('peripheral offline');
        else if (f.open.peripheralOnline === true) extra.push('peripheral online');
        // A session not opened for one agent (a CTI OS server's, a bridge's) gets AgentState UNKNOWN: nothing to say.
        if (f.open.agentStateName && f.open.agentStateName !== 'UNKNOWN') extra.push(`agent ${f.open.agentStateName}`);
        const head = f.open.requestUnseen ? 'OPEN_CONF, its OPEN_REQ not in the capture' : `OPEN_REQ → OPEN_CONF${rt}`;
        return { ok: true, summary: `${head}${extra.length ? ` (${extra.join(', ')})` : ''}` };
      }
      if (unanswered.length > 0) return { ok: false, summary: `OPEN_REQ → ${unansweredText(unanswered[0])}` };
      if (uncaptured.length > 0) return { ok: true, unseen: true, summary: `OPEN_REQ → ${uncapturedText(uncaptured[0])}` };
      return { ok: true, summary: 'OPEN_REQ → waiting for OPEN_CONF' };
    }
    case 'cti-login': {
      const l = f.login!;
      if (f.ged) return { ok: false, summary: `SET_AGENT_STATE_REQ ${l.requested} → ${gedFailureText(f.ged)}${rt}` };
      if (l.event) {
        const state = l.event.stateName ? `, state ${l.event.stateName}` : '';
        // Never negative: an event captured before the request (two taps' clocks apart) took no time the capture can tell.
        const who = l.agentId ? `agent ${l.agentId}${l.extension ? ` on ext ${l.extension}` : ''}` : (agentLabel ?? 'agent');
        return { ok: true, summary: `${who} logged in${state}, ${formatDuration(Math.max(0, l.event.time - s.start))}` };
      }
      if (l.confirmed) return { ok: true, summary: `SET_AGENT_STATE_REQ ${l.requested} → SET_AGENT_STATE_CONF${rt}; no AGENT_STATE_EVENT yet` };
      if (unanswered.length > 0) return { ok: false, summary: `SET_AGENT_STATE_REQ ${l.requested} → ${unansweredText(unanswered[0])}` };
      if (uncaptured.length > 0) return { ok: true, unseen: true, summary: `SET_AGENT_STATE_REQ ${l.requested} → ${uncapturedText(uncaptured[0])}` };
      return { ok: true, summary: `SET_AGENT_STATE_REQ ${l.requested} → waiting for a reply` };
    }
    case 'cti-query': {
      if (f.ged) return { ok: s.lastOk !== false, summary: `QUERY_AGENT_STATE_REQ → ${gedFailureText(f.ged)}` };
      if (s.answered === 0 && unanswered.length > 0) return { ok: false, summary: `QUERY_AGENT_STATE_REQ → ${unansweredText(unanswered[0])}` };
      if (s.answered === 0 && uncaptured.length > 0) return { ok: true, unseen: true, summary: `QUERY_AGENT_STATE_REQ → ${uncapturedText(uncaptured[0])}` };
      const n = s.count > 1 ? ` ×${s.count}` : '';
      return { ok: true, summary: `QUERY_AGENT_STATE_REQ${n} → agent state ${f.query?.stateName ?? '?'}${rt}` };
    }
    case 'cti-heartbeat': {
      const h = f.heartbeat!;
      const every = h.sent > 1 ? ` every ${formatDuration((h.lastSent - h.firstSent) / (h.sent - 1))}` : '';
      const missed = h.missed + unanswered.length;
      const unseenCount = (h.uncaptured ?? 0) + uncaptured.length;
      const unseen = unseenCount > 0 ? `${unseenCount} ${unseenCount === 1 ? 'reply' : 'replies'} not captured (the capture lost bytes from the server)` : '';
      if (missed === 0) return { ok: true, summary: `${plural(h.sent, 'heartbeat')}${every}, ${unseen ? `none unanswered; ${unseen}` : 'all answered'}` };
      const run = Math.max(h.maxConsecutive, h.consecutive + unanswered.length);
      const ok = run < HEARTBEAT_MISS_LIMIT;
      return { ok, summary: `${plural(h.sent, 'heartbeat')}${every}, ${missed} unanswered${run > 1 ? ` (${run} in a row)` : ''}${unseen ? `, ${unseen}` : ''}` };
    }
    default: {
      const e = f.events!;
      const close = e.closeBy ? `; session closed by the ${e.closeBy === 'c2s' ? 'client' : 'server'}${e.closeStatusName ? ` (${e.closeStatusName})` : ''}` : '';
      // A refusal whose request the capture does not hold (lost, or sent before it began): something was refused, but
      // what cannot be seen, so the step is neither ✓ nor ✗ and says so.
      if (f.ged && f.ged.request === 'request') {
        return { ok: true, unseen: true, summary: `CTI messages: ${typeCounts(e.counts)}${close}; ${gedFailureText(f.ged)} (frame ${f.ged.frame}) refused a request that is not in the capture` };
      }
      return { ok: true, summary: `CTI messages: ${typeCounts(e.counts)}${close}` };
    }
  }
}

function describeDns(s: StepState, unanswered: UnansweredRequest[]): Described {
  const d = s.facts.dns!;
  const q = `DNS ${d.qtype} ${d.qname}`;
  const n = d.queries > 1 ? ` (${d.queries} queries)` : '';
  if (d.ok === true) {
    const answer = d.addresses.length > 0 ? d.addresses.slice(0, 4).join(', ') + (d.addresses.length > 4 ? ', …' : '') : d.rcodeName ?? 'answered';
    const rt = s.firstResponseTime !== undefined ? ` in ${formatDuration(s.firstResponseTime)}` : '';
    return { ok: true, summary: `${q} → ${answer}${rt}${n}` };
  }
  if (d.ok === false && d.lastFailure) return { ok: false, summary: `${q} → ${d.lastFailure.reason}${n}` };
  if (unanswered.length > 0) return { ok: false, summary: `${q} → no answer${n}` };
  return { ok: true, summary: `${q} → waiting for an answer${n}` };
}

function describeTls(s: StepState): Described {
  const t = s.facts.tls!;
  const sni = t.serverName ? ` (SNI ${t.serverName})` : '';
  const seen = t.handshakes.length > 0 ? t.handshakes.join(', ') : 'TLS records';
  if (t.alert) {
    const from = t.alert.from === 's2c' ? 'the server' : 'the desktop';
    const fatal = t.alert.level === 'fatal' || t.alert.level === undefined;
    return {
      ok: !fatal,
      summary: `TLS with ${s.server}${sni}: ${seen} → ${t.alert.level ?? ''} alert ${codeText(t.alert.description, t.alert.code, 'alert')} from ${from}`.replace('  ', ' '),
    };
  }
  return { ok: true, summary: `TLS with ${s.server}${sni}: ${seen}` };
}

/** The public form of a step at time `now`; `pending` are its requests still waiting on open connections. */
export function finalizeStep(s: StepState, pending: readonly PendingRequest[], now: number, agentLabel?: string): AnalyzedStep {
  const unanswered = allUnanswered(s, pending, now);
  const uncaptured = allUncaptured(s, pending);
  let r: Described;
  switch (s.kind) {
    case 'connection':
      r = describeConnection(s);
      break;
    case 'ldap':
      r = describeLdap(s, unanswered, uncaptured, stillWaiting(s, pending, now));
      break;
    case 'giop':
      r = describeGiop(s, unanswered, uncaptured);
      break;
    case 'cti-open':
    case 'cti-login':
    case 'cti-query':
    case 'cti-heartbeat':
    case 'cti-events':
      r = describeCti(s, unanswered, uncaptured, agentLabel);
      break;
    case 'ctios':
      r = { ok: true, summary: ctiosSessionSummary(s) };
      break;
    case 'dns':
      r = describeDns(s, unanswered);
      break;
    case 'tls':
      r = describeTls(s);
      break;
    default:
      r = { ok: true, summary: `${s.label}: ${typeCounts(s.facts.generic?.counts ?? new Map())}` };
  }

  const detail: StepDetail = {};
  if (s.flowId !== undefined) detail.flowId = s.flowId;
  if (s.messages > 0) detail.messages = s.messages;
  if (s.firstResponseTime !== undefined) detail.responseTime = roundSeconds(s.firstResponseTime);
  if (s.count > 1) detail.count = s.count;
  const missed = unanswered.length + (s.facts.heartbeat?.missed ?? 0);
  if (missed > 0) detail.missed = missed;
  const hb = s.facts.heartbeat;
  if (hb) {
    const run = Math.max(hb.maxConsecutive, hb.consecutive + unanswered.length);
    if (run > 0) detail.maxConsecutiveMissed = run;
  }
  const c = s.facts.conn;
  if (c) {
    detail.connState = c.state;
    if (c.syns > 0) detail.syns = c.syns;
    if (c.synSpan > 0) detail.synSpan = roundSeconds(c.synSpan);
    if (c.bytes.c2s + c.bytes.s2c > 0) detail.bytes = { ...c.bytes };
    // Its SYN still waiting for an answer when the capture ended.
    if (c.stillTrying !== undefined) detail.pending = 1;
  }
  if (s.facts.opaque) detail.bytes = { ...s.facts.opaque.bytes };
  if (s.facts.gap) detail.gapBytes = s.facts.gap.bytes;
  const op = s.facts.giop?.operation ?? s.facts.dns?.qname;
  if (op !== undefined) detail.operation = op;
  const g = s.facts.ged;
  if (g) {
    const code = g.peripheralErrorCode || g.status || g.failureCode;
    if (code !== undefined) detail.code = code;
    const name = g.peripheralErrorCode ? g.peripheralErrorCodeName : g.status !== undefined ? g.statusName : g.failureCodeName;
    if (name) detail.codeName = name;
  }
  const le = s.facts.ldap?.error;
  if (le) {
    if (le.code !== undefined) detail.code = le.code;
    if (le.name) detail.codeName = le.name;
  }
  // A CORBA exception is named by its repository id (IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0).
  const ex = s.facts.giop?.exception;
  if (ex?.id && detail.codeName === undefined) detail.codeName = ex.id;
  if (s.facts.tls?.alert) {
    if (s.facts.tls.alert.code !== undefined) detail.code = s.facts.tls.alert.code;
    detail.codeName = s.facts.tls.alert.description;
  }
  // allUncaptured added the waiting requests in a gap after the judged ones.
  const openInGap = uncaptured.length - (s.facts.uncaptured?.length ?? 0);
  const notCaptured = (s.facts.uncapturedTotal ?? 0) + openInGap + (s.facts.heartbeat?.uncaptured ?? 0);
  if (notCaptured > 0) detail.uncaptured = notCaptured;
  const waiting = pending.length - overdue(s, pending, now).length - openInGap;
  if (waiting > 0) detail.pending = waiting;

  const frames = s.frames.list();
  return {
    id: s.id,
    phase: s.phase,
    service: s.service,
    server: s.server,
    protocol: s.protocol,
    start: s.start,
    end: s.end,
    ok: r.ok,
    ...(r.unseen ? { notCaptured: true as const } : {}),
    summary: r.summary,
    frames,
    ...(s.frames.capped ? { framesTotal: s.frames.total } : {}),
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
    facts: s.facts,
    kind: s.kind,
    flowStart: s.flowStart,
    replyTimeout: s.replyTimeout,
    label: s.label,
    ...(uncaptured.length > 0 ? { uncaptured } : {}),
  };
}

