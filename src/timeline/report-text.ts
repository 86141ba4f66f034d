/**
 * The terminal report: per workstation a header and its steps as a compact timeline, failures with their
 * sentence and frames; with several workstations, a summary table and the grouped counts. Marks are words
 * and symbols (✓/✗) so the report reads without colour; ANSI colours only when asked.
 */

import type { Agent, AnalysisDocument, CtiClient, Finding, Outcome, Step, Workstation } from './model.js';
import { serverSideSubjects } from './model.js';
import { describeFrames } from './frames.js';
import { agentDeviceText, ctiClientPendingText, formatDuration, lostAfterLogin, stepState } from './format.js';
import { maxOf, pushAll } from '../array-loops.js';

export interface TextReportOptions {
  color: boolean;
  /** Wrap width (columns); 100 by default. */
  width?: number;
  /** Show every workstation in detail even when there are many. */
  verbose?: boolean;
}

/** Above this many workstations only the failing ones are shown in detail (unless verbose). */
export const DETAIL_LIMIT = 20;

const ANSI = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };
type Paint = (style: keyof typeof ANSI, text: string) => string;

/** Strips control characters from packet-derived text so a hostile string cannot drive the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '·');
}

/**
 * A word too long for a line of its own (a domain's SRV name, an LDAP DN, a CORBA repository ID) in pieces that
 * fit `room`, each cut after a dot, slash, comma, colon or equals sign where one falls in the second half of the
 * room, else at the room's end.
 */
function splitLongWord(w: string, room: number): string[] {
  if (room < 8 || w.length <= room) return [w];
  const out: string[] = [];
  let rest = w;
  while (rest.length > room) {
    let cut = room;
    for (let i = room - 1; i >= room / 2; i--) {
      if ('./,:='.includes(rest[i])) {
        cut = i + 1;
        break;
      }
    }
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) out.push(rest);
  return out;
}

function wrap(text: string, width: number, indent: string, firstIndent = indent): string[] {
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => splitLongWord(w, width - indent.length));
  const lines: string[] = [];
  let line = firstIndent;
  let fresh = true;
  for (const w of words) {
    if (!fresh && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line += (fresh ? '' : ' ') + w;
    fresh = false;
  }
  lines.push(line);
  return lines;
}

function relTime(t: number, origin: number): string {
  const d = t - origin;
  return `+${d.toFixed(3)}s`;
}

export function outcomeBadge(ws: Workstation): string {
  const which = ws.startup ? ` (start-up ${ws.startup.index} of ${ws.startup.count})` : '';
  switch (ws.outcome) {
    case 'logged-in':
      return `✓ LOGGED IN${ws.loginSeconds !== null ? ` in ${formatDuration(ws.loginSeconds)}` : ''}${which}`;
    case 'failed':
      return `✗ FAILED at ${ws.failedPhase ?? '?'}${lostAfterLogin(ws) ? ', after its login' : ''}${which}`;
    default:
      return `… INCOMPLETE${which}`;
  }
}

function badgeStyle(o: Outcome): keyof typeof ANSI {
  return o === 'logged-in' ? 'green' : o === 'failed' ? 'red' : 'yellow';
}

export function workstationTitle(ws: Workstation): string {
  const parts = [ws.host];
  if (ws.names.length > 0) parts[0] += ` (${ws.names.join(', ')})`;
  if (ws.agent.id || ws.agent.extension) parts.push(`agent ${ws.agent.id ?? '?'}${ws.agent.extension ? ` ext ${ws.agent.extension}` : ''}`);
  parts.push(ws.desktop === 'unknown' ? 'desktop unknown' : ws.desktop === 'ctios' ? 'CTI OS' : ws.desktop === 'cad' ? 'CAD' : 'Finesse');
  return clean(parts.join(' · '));
}

function renderWorkstation(ws: Workstation, width: number, paint: Paint): string[] {
  const out = [`${paint('bold', workstationTitle(ws))} · ${paint(badgeStyle(ws.outcome), outcomeBadge(ws))}`, ...renderSteps(ws, width, paint)];
  // A failure that is not one of the desktop's own findings (a CTI OS desktop lost with its CTI OS server's session):
  // said under its timeline, or nothing there would say why.
  const f = ws.failure;
  if (ws.outcome === 'failed' && f && f.step === null && !ws.findings.some((x) => x.kind === f.kind && x.severity === 'error')) {
    pushAll(out, wrap(clean(`✗ ${f.message}`), width, '      ', '    ').map((l) => paint('red', l)));
  }
  return out;
}

/** A subject's steps as a compact timeline, each with its findings under it; findings of no step last. */
function renderSteps(subject: { start: number; steps: readonly Step[]; findings: readonly Finding[] }, width: number, paint: Paint): string[] {
  const out: string[] = [];
  const origin = subject.start;
  const byStep = new Map<string, Finding[]>();
  const loose: Finding[] = [];
  const ids = new Set(subject.steps.map((s) => s.id));
  for (const f of subject.findings) {
    if (f.step && ids.has(f.step)) {
      const list = byStep.get(f.step) ?? [];
      list.push(f);
      byStep.set(f.step, list);
    } else loose.push(f);
  }
  const phaseWidth = maxOf(subject.steps, (s) => s.phase.length, 5);
  for (const s of subject.steps) pushAll(out, renderStep(s, origin, phaseWidth, width, byStep.get(s.id) ?? [], paint));
  for (const f of loose) pushAll(out, renderFinding(f, '  ', width, paint));
  return out;
}

function agentName(a: Agent): string {
  return a.id ?? (a.instrument ? `instrument ${a.instrument}` : '?');
}

export function agentTitle(a: Agent): string {
  const parts = [`agent ${agentName(a)}`];
  const device = agentDeviceText(a);
  if (device) parts.push(device);
  if (a.peripheralId !== null) parts.push(`peripheral ${a.peripheralId}`);
  if (a.via) parts.push(`via ${a.via.clientId ? `"${a.via.clientId}" ` : ''}${a.via.client} → ${a.via.server}`);
  if (a.desktop) parts.push(`desktop ${a.desktop}${a.desktopLink ? ` (by ${a.desktopLink.basis})` : ''}${a.previousDesktops?.length ? `, before on ${a.previousDesktops.join(', ')}` : ''}`);
  return clean(parts.join(' · '));
}

/** An agent that was logged in when its CTI client's session was lost (format.ts, lostAfterLogin). */
export function lostWithSession(a: Agent): boolean {
  return a.outcome === 'failed' && lostAfterLogin(a);
}

/** An agents table's cause for an agent lost with its session: "session lost: connection-reset". */
export function lostCauseText(a: Agent): string {
  return `session lost${a.failure?.kind ? `: ${a.failure.kind}` : ''}`;
}

/** The line that names the agents lost with their CTI client's session: "Agents 5201, 5202 and 3 more: their …". */
export function lostAgentsText(lost: readonly Agent[]): string {
  const names = lost.slice(0, 8).map((a) => a.id ?? a.instrument ?? '?');
  const more = lost.length > 8 ? ` and ${lost.length - 8} more` : '';
  const what = lost.length === 1 ? "its CTI client's session was lost after it logged in" : "their CTI client's session was lost after they logged in";
  return `${lost.length === 1 ? 'Agent' : 'Agents'} ${names.join(', ')}${more}: ${what} (shown above, with its cause).`;
}

function agentBadge(a: Agent): string {
  const tries = a.attempts.length > 1 ? ` (${a.attempts.length} attempts)` : '';
  if (a.outcome === 'logged-in') return `✓ LOGGED IN${tries}`;
  if (a.outcome === 'failed') return `✗ FAILED at ${a.failedPhase ?? 'login'}${lostWithSession(a) ? ', after its login' : ''}${tries}`;
  return `… INCOMPLETE${tries}`;
}

export function ctiClientTitle(c: CtiClient): string {
  const parts = [`CTI client ${c.host}${c.names.length > 0 ? ` (${c.names[0]})` : ''}`];
  if (c.clientId) parts.push(`"${c.clientId}"`);
  if (c.version !== null) parts.push(`protocol v${c.version}`);
  if (c.services.granted.length > 0 || c.services.requested.length > 0) parts.push((c.services.granted.length > 0 ? c.services.granted : c.services.requested).join('+'));
  if (c.peripheralId !== null) parts.push(`peripheral ${c.peripheralId}${c.peripheralOnline === false ? ' OFFLINE' : c.peripheralOnline ? ' online' : ''}`);
  parts.push(`${c.agents === 1 ? '1 agent' : `${c.agents} agents`}`);
  return clean(parts.join(' · '));
}

function ctiClientBadge(c: CtiClient): string {
  const servers = c.servers.length > 0 ? ` — ${c.servers.join(' → ')}` : '';
  if (c.outcome === 'logged-in') return `✓ SESSION OPEN${servers}`;
  if (c.outcome === 'failed') return `✗ SESSION FAILED${servers}`;
  return `… ${ctiClientPendingText(c).toUpperCase()}${servers}`;
}

/**
 * Rows beyond DETAIL_LIMIT that tell nothing (logged in, with no finding) are one line, not hundreds: a server's
 * capture lists its failures and not its 494 agents that logged in, unless `verbose`.
 */
function foldQuiet<T>(rows: readonly T[], quiet: (x: T) => boolean, verbose: boolean): { shown: T[]; folded: number } {
  if (verbose || rows.length <= DETAIL_LIMIT) return { shown: [...rows], folded: 0 };
  const shown = rows.filter((x) => !quiet(x));
  return { shown, folded: rows.length - shown.length };
}

const quietSubject = (x: Pick<Agent, 'outcome' | 'findings'>): boolean => x.outcome === 'logged-in' && x.findings.every((f) => f.severity === 'info');

function foldedLine(n: number, noun: string, paint: Paint): string[] {
  return n > 0 ? [paint('dim', `… and ${n} more ${noun}${n === 1 ? '' : 's'} logged in, with no finding (--verbose lists them)`)] : [];
}

function agentTable(agents: readonly Agent[], paint: Paint, verbose: boolean): string[] {
  const { shown: rows, folded } = foldQuiet([...agents].sort((a, b) => OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome]), quietSubject, verbose);
  const data = rows.map((a) => {
    const last = a.attempts[a.attempts.length - 1];
    const cause = a.outcome !== 'failed' ? '' : lostWithSession(a) ? lostCauseText(a) : `${a.failure?.kind ?? 'failed'}${last?.code ? ` ${last.code}${last.codeName ? ` ${last.codeName}` : ''}` : ''}`;
    const via = a.via ? `${a.via.clientId ?? '?'}@${a.via.client}` : '';
    return {
      a,
      cells: [agentName(a), a.extension ?? a.instrument ?? '', via, a.outcome === 'failed' ? 'FAILED' : a.outcome === 'logged-in' ? 'logged in' : 'incomplete', cause, a.desktop ?? ''].map(clean),
    };
  });
  return [...table(['agent', 'extension', 'via', 'outcome', 'cause', 'desktop'], data.map((d) => ({ style: badgeStyle(d.a.outcome), cells: d.cells })), paint), ...foldedLine(folded, 'agent', paint)];
}

function table(header: string[], data: { style: keyof typeof ANSI; cells: string[] }[], paint: Paint): string[] {
  const widths = header.map((h) => h.length);
  for (const d of data) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], d.cells[i].length);
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [paint('bold', fmt(header)), fmt(widths.map((w) => '-'.repeat(w)))];
  for (const d of data) out.push(paint(d.style, fmt(d.cells)));
  return out;
}

/** The server-side part of the report: CTI clients, the agents' table, then each failed agent's timeline. */
function renderServerSide(doc: AnalysisDocument, width: number, verbose: boolean, paint: Paint): string[] {
  const out: string[] = [];
  const { agents, ctiClients: clients } = serverSideSubjects(doc.workstations, doc.agents, doc.ctiClients);
  for (const c of clients) {
    out.push(`${paint('bold', ctiClientTitle(c))} · ${paint(badgeStyle(c.outcome), ctiClientBadge(c))}`);
    if (verbose || c.outcome !== 'logged-in' || c.findings.length > 0 || clients.length <= 3) pushAll(out, renderSteps(c, width, paint));
    out.push('');
  }
  if (agents.length === 0) return out;
  pushAll(out, agentTable(agents, paint, verbose)).push('');
  // An agent lost with its CTI client's session has nothing of its own to show beyond its login: the client above
  // shows the loss, and the line below names them.
  const lost = agents.filter(lostWithSession);
  if (lost.length > 0 && !verbose) out.push(lostAgentsText(lost), '');
  const failed = agents.filter((a) => verbose || (a.outcome === 'failed' && !lostWithSession(a)) || a.findings.some((f) => f.severity !== 'info'));
  const shown = verbose ? failed : failed.slice(0, DETAIL_LIMIT);
  for (const a of shown) {
    out.push(`${paint('bold', agentTitle(a))} · ${paint(badgeStyle(a.outcome), agentBadge(a))}`);
    if (a.desktopLink) out.push(paint('dim', clean(`  desktop ${a.desktop}: ${a.desktopLink.evidence}`)));
    pushAll(out, renderSteps(a, width, paint)).push('');
  }
  if (shown.length < failed.length) out.push(paint('dim', `… and ${failed.length - shown.length} more agents with failures (use --verbose or --agent ID)`), '');
  return out;
}

function renderStep(s: Step, origin: number, phaseWidth: number, width: number, findings: Finding[], paint: Paint): string[] {
  const state = stepState(s);
  const mark = state === 'ok' ? paint('green', '✓ ok    ') : state === 'unseen' ? paint('yellow', '? unseen') : paint('red', '✗ FAILED');
  const dur = formatDuration(s.end - s.start).padStart(9);
  const head = `  ${relTime(s.start, origin).padStart(10)} ${dur}  ${s.phase.padEnd(phaseWidth)}  ${mark} `;
  const visibleHead = head.replace(/\x1b\[[0-9;]*m/g, '');
  const frames = describeFrames(s.frames, s.framesTotal);
  const server = s.summary.includes(s.server) ? '' : ` — ${s.server}`;
  const text = clean(`${s.summary}${server}${frames ? ` (${frames})` : ''}`);
  const indent = ' '.repeat(visibleHead.length);
  // Continuation lines align under the summary; the first line follows the head.
  const lines = wrap(text, Math.max(width, visibleHead.length + 30), indent);
  const first = lines[0].slice(indent.length);
  const body = [head + (s.ok ? first : paint('red', first)), ...lines.slice(1).map((l) => (s.ok ? l : paint('red', l)))];
  for (const f of findings) pushAll(body, renderFinding(f, '    ', width, paint));
  return body;
}

function renderFinding(f: Finding, indent: string, width: number, paint: Paint): string[] {
  const style: keyof typeof ANSI = f.severity === 'error' ? 'red' : f.severity === 'warning' ? 'yellow' : 'dim';
  const word = f.severity === 'error' ? 'ERROR' : f.severity === 'warning' ? 'WARNING' : 'NOTE';
  const frames = f.frames.length > 0 && !/\bframes? \d/.test(f.message) ? ` (${describeFrames(f.frames)})` : '';
  const text = clean(`${word} ${f.kind}: ${f.message}${frames}`);
  return wrap(text, width, `${indent}    `, `${indent}  ▲ `).map((l) => paint(style, l));
}

/**
 * One step as the report prints it, for live mode (`ctiscope live`, `ctiscope lab`): the same line(s) and words
 * as in the workstation's timeline, with times relative to `origin` and findings left out (they have their own line).
 */
export function renderStepLines(s: Step, origin: number, opts: TextReportOptions & { phaseWidth?: number }): string[] {
  return renderStep(s, origin, opts.phaseWidth ?? LIVE_PHASE_WIDTH, opts.width ?? 100, [], painter(opts.color));
}

/** One finding as the report prints it under its step (live mode). */
export function renderFindingLines(f: Finding, opts: TextReportOptions & { indent?: string }): string[] {
  return renderFinding(f, opts.indent ?? '    ', opts.width ?? 100, painter(opts.color));
}

/** Wide enough for every phase name ('cti-session'), so live lines align without knowing the steps to come. */
const LIVE_PHASE_WIDTH = 11;

function painter(color: boolean): Paint {
  return color ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_s, text) => text;
}

const OUTCOME_RANK: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };

function summaryTable(doc: AnalysisDocument, paint: Paint, verbose: boolean): string[] {
  const { shown: rows, folded } = foldQuiet([...doc.workstations].sort((a, b) => OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome]), quietSubject, verbose);
  const data = rows.map((ws) => {
    const failing = ws.failure ? `${ws.failure.phase}${ws.failure.server ? ` ${ws.failure.server}` : ''}` : '';
    const cause = ws.failure?.kind ?? [...new Set(ws.findings.filter((f) => f.severity !== 'info').map((f) => f.kind))].join(', ');
    return {
      ws,
      cells: [ws.host, ws.agent.id ?? '', ws.outcome === 'failed' ? 'FAILED' : ws.outcome === 'logged-in' ? 'logged in' : 'incomplete', failing, cause].map(clean),
    };
  });
  const header = ['host', 'agent', 'outcome', 'failing step', 'cause'];
  return [...table(header, data.map((d) => ({ style: badgeStyle(d.ws.outcome), cells: d.cells })), paint), ...foldedLine(folded, 'workstation', paint)];
}

export function renderTextReport(doc: AnalysisDocument, opts: TextReportOptions): string {
  const width = opts.width ?? 100;
  const paint = painter(opts.color);
  const out: string[] = [];
  const src = doc.source;
  const span = src.duration !== null ? `, ${formatDuration(src.duration)}` : '';
  out.push(paint('dim', clean(`${src.files.join(', ') || 'capture'}: ${src.packets} packets${span}${src.truncated ? ', TRUNCATED' : ''}`)));
  for (const w of src.warnings.slice(0, 5)) out.push(w.code === 'merged-captures' ? paint('dim', clean(`  ${w.message}`)) : paint('yellow', clean(`  warning ${w.code}: ${w.message}`)));
  if (src.warnings.length > 5) out.push(paint('yellow', `  … and ${src.warnings.length - 5} more warnings`));
  out.push('');
  // Older documents (analysis@1) have no CTI clients or agents.
  const serverSide = renderServerSide({ ...doc, ctiClients: doc.ctiClients ?? [], agents: doc.agents ?? [] }, width, opts.verbose === true, paint);
  pushAll(out, serverSide);
  if (doc.workstations.length === 0) {
    out.push(serverSide.length > 0 ? paint('bold', clean(doc.summary.message)) : clean(doc.summary.message));
    return out.join('\n') + '\n';
  }
  const many = doc.workstations.length > DETAIL_LIMIT && !opts.verbose;
  const detailed = many ? doc.workstations.filter((w) => w.outcome === 'failed') : doc.workstations;
  if (doc.workstations.length > 1) {
    pushAll(out, summaryTable(doc, paint, opts.verbose === true));
    out.push('');
  }
  if (many) {
    const n = doc.workstations.length;
    const which = detailed.length === 0 ? `none failed, so none is shown step by step` : `showing the ${detailed.length === 1 ? 'one' : detailed.length} that failed`;
    out.push(paint('dim', `${n} workstations: ${which} (use --verbose for all)`), '');
  }
  for (const ws of detailed) {
    pushAll(out, renderWorkstation(ws, width, paint));
    out.push('');
  }
  out.push(paint('bold', clean(doc.summary.message)));
  return out.join('\n') + '\n';
}
