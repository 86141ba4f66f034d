/**
 * One self-contained HTML file: summary, then per workstation its timeline (inline SVG), steps table and
 * findings. Inline CSS with light and dark schemes, a few lines of inline JS to expand or collapse all;
 * no network access. Every string that came from packets is escaped.
 */

import type { Agent, AnalysisDocument, CtiClient, Finding, Outcome, Step, Workstation } from './model.js';
import { serverSideSubjects } from './model.js';
import { escapeXml as esc } from './escape.js';
import { describeFrames } from './frames.js';
import { ctiClientPendingText, formatDuration, stepState } from './format.js';
import { sessionEndText } from '../decoders/net/conn-states.js';
import { renderTimelineSvg } from './render-svg.js';
import { agentTitle, ctiClientTitle, lostAgentsText, lostCauseText, lostWithSession, outcomeBadge, workstationTitle } from './report-text.js';
import { explainStep } from './explain-steps.js';
import { patternOf } from './patterns.js';
import type { SequenceDiagram } from './sequence/model.js';
import { renderSequenceHtml } from './sequence/render-svg.js';

export interface HtmlReportOptions {
  /** The sequence diagram of a failed workstation, when the caller kept its messages. */
  sequence?(ws: Workstation): SequenceDiagram | undefined;
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d1f23;--muted:#666;--line:#ddd;--ok:#1f7a45;--fail:#c62828;--warn:#a86b00;--card:#f7f7f8}
@media (prefers-color-scheme:dark){:root{--bg:#16181c;--fg:#e4e4e4;--muted:#9a9a9a;--line:#33363c;--ok:#57c785;--fail:#ff6b6b;--warn:#f0b43c;--card:#1f2227}}
body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0}
.muted{color:var(--muted)}.ok{color:var(--ok)}.failed{color:var(--fail)}.incomplete,.warning{color:var(--warn)}.error{color:var(--fail)}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:6px 10px}
summary{cursor:pointer}.svg{overflow-x:auto;margin:8px 0}
.badge{font-weight:600}.findings li{margin:4px 0}.toolbar button{margin-right:6px}
code{font-size:12px}.explain{font-size:12px}h3{font-size:14px;margin:12px 0 4px}
`;

const JS = `document.getElementById('expand').onclick=function(){document.querySelectorAll('details').forEach(function(d){d.open=true})};
document.getElementById('collapse').onclick=function(){document.querySelectorAll('details').forEach(function(d){d.open=false})};`;

const RANK: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };

function anchor(ws: Workstation): string {
  return `ws-${ws.host.replace(/[^A-Za-z0-9]/g, '-')}`;
}

function outcomeClass(o: Outcome): string {
  return o === 'logged-in' ? 'ok' : o;
}

/** The step's plain-language explanation, once per kind within a table (repeats would drown the steps). */
function explained(s: Parameters<typeof explainStep>[0], seen: Set<string>): string {
  const text = explainStep(s);
  if (!text || seen.has(text)) return '';
  seen.add(text);
  return `<br><span class="muted explain">${esc(text)}</span>`;
}

interface Section {
  id: string;
  title: string;
  badge: string;
  outcome: Outcome;
  failure: string | null;
  /** Extra lines under the title (a desktop tie, sessions). */
  notes: string[];
  /** Prefix of the timeline SVG's element ids (the subject's host is appended). */
  svgPrefix: string;
  subject: { host: string; start: number; steps: Step[]; findings: Finding[]; outcome: Outcome; failedPhase: Workstation['failedPhase'] };
  /** More HTML at the end of the section (a workstation's sequence diagram). */
  extra?: string;
}

function subjectSection(x: Section, open: boolean): string {
  const origin = x.subject.start;
  const seen = new Set<string>();
  const rows = x.subject.steps
    .map((s) => {
      const state = stepState(s);
      const mark = state === 'fail' ? '<span class="failed">✗ failed</span>' : state === 'unseen' ? '<span class="warning">? not captured</span>' : '<span class="ok">✓ ok</span>';
      return `<tr><td class="num">+${(s.start - origin).toFixed(3)}s</td><td class="num">${esc(formatDuration(s.end - s.start))}</td><td>${esc(s.phase)}</td><td>${mark}</td><td>${esc(s.summary)}${explained(s, seen)}</td><td><code>${esc(s.server)}</code></td><td class="muted">${esc(describeFrames(s.frames, s.framesTotal))}</td></tr>`;
    })
    .join('\n');
  const findings = x.subject.findings.length
    ? `<ul class="findings">${x.subject.findings
        .map((f) => `<li class="${esc(f.severity)}"><strong>${esc(f.severity.toUpperCase())} ${esc(f.kind)}</strong>: ${esc(f.message)}${f.frames.length ? ` <span class="muted">(${esc(describeFrames(f.frames))})</span>` : ''}</li>`)
        .join('\n')}</ul>`
    : '<p class="muted">No findings.</p>';
  return `<details id="${x.id}"${open ? ' open' : ''}>
<summary><h2 style="display:inline">${esc(x.title)} · <span class="badge ${outcomeClass(x.outcome)}">${esc(x.badge)}</span></h2></summary>
${x.failure ? `<p class="failed">${esc(x.failure)}</p>` : ''}
${x.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('\n')}
<div class="svg">${renderTimelineSvg(x.subject, { idPrefix: x.svgPrefix })}</div>
<table><thead><tr><th>time</th><th>took</th><th>phase</th><th>result</th><th>step</th><th>server</th><th>frames</th></tr></thead><tbody>
${rows}
</tbody></table>
${findings}
${x.extra ?? ''}
</details>`;
}

/** A pattern the outcome does not say (patterns.ts), as a note under the subject's title. */
function patternNotes(findings: Workstation['findings']): string[] {
  const p = patternOf(findings);
  return p ? [`${p.text}: ${p.finding.message}`] : [];
}

function workstationSection(ws: Workstation, open: boolean, opts: HtmlReportOptions): string {
  return subjectSection(
    { id: anchor(ws), title: workstationTitle(ws), badge: outcomeBadge(ws), outcome: ws.outcome, failure: ws.failure?.message ?? null, notes: patternNotes(ws.findings), svgPrefix: 'tl-', subject: ws, extra: sequenceSection(ws, opts) },
    open,
  );
}

function agentSection(a: Agent, i: number): string {
  const name = a.id ?? a.instrument ?? '?';
  const tries = a.attempts.length > 1 ? ` (${a.attempts.length} attempts)` : '';
  const badge = a.outcome === 'logged-in' ? `✓ LOGGED IN${tries}` : a.outcome === 'failed' ? `✗ FAILED at ${a.failedPhase ?? 'login'}${lostWithSession(a) ? ', after its login' : ''}${tries}` : `… INCOMPLETE${tries}`;
  const notes = a.desktopLink ? [`desktop ${a.desktop}: ${a.desktopLink.evidence}`] : [];
  return subjectSection(
    { id: `agent-${i}`, title: agentTitle(a), badge, outcome: a.outcome, failure: a.failure?.message ?? null, notes, svgPrefix: `tl-agent-${i}-`, subject: { ...a, host: `agent ${name}` } },
    a.outcome !== 'logged-in',
  );
}

function ctiClientSection(c: CtiClient, i: number): string {
  const badge = c.outcome === 'logged-in' ? '✓ SESSION OPEN' : c.outcome === 'failed' ? '✗ SESSION FAILED' : `… ${ctiClientPendingText(c).toUpperCase()}`;
  const notes = [...patternNotes(c.findings), ...c.sessions.map((s) => `session ${s.client} → ${s.server}: ${s.opened === true ? 'opened' : s.opened === false ? 'refused' : 'no OPEN_CONF in the capture'}${s.endState ? `, ${sessionEndText(s.endState)}` : ''}`)];
  return subjectSection(
    { id: `cti-${i}`, title: ctiClientTitle(c), badge, outcome: c.outcome, failure: c.failure?.message ?? null, notes, svgPrefix: `tl-cti-${i}-`, subject: { ...c, failedPhase: c.outcome === 'failed' ? 'cti-session' : null } },
    c.outcome !== 'logged-in' || c.findings.length > 0,
  );
}

/** Agents and CTI clients that no listed workstation stands for (a server-side capture), failures first. */
function serverSide(doc: AnalysisDocument): string {
  const own = serverSideSubjects(doc.workstations, doc.agents, doc.ctiClients);
  const clients = own.ctiClients;
  const agents = own.agents.sort((a, b) => RANK[a.outcome] - RANK[b.outcome]);
  if (clients.length === 0 && agents.length === 0) return '';
  const table = agents.length
    ? `<table><thead><tr><th>agent</th><th>extension</th><th>via</th><th>outcome</th><th>cause</th><th>desktop</th></tr></thead><tbody>
${agents
  .map((a, i) => {
    const last = a.attempts[a.attempts.length - 1];
    const cause = a.outcome !== 'failed' ? '' : lostWithSession(a) ? lostCauseText(a) : `${a.failure?.kind ?? 'failed'}${last?.code ? ` ${last.code}` : ''}`;
    return `<tr><td><a href="#agent-${i}">${esc(a.id ?? a.instrument ?? '?')}</a></td><td>${esc(a.extension ?? a.instrument ?? '')}</td><td>${esc(a.via ? `${a.via.clientId ?? '?'}@${a.via.client}` : '')}</td><td class="${outcomeClass(a.outcome)}">${esc(a.outcome)}</td><td>${esc(cause)}</td><td>${esc(a.desktop ?? '')}</td></tr>`;
  })
  .join('\n')}
</tbody></table>`
    : '';
  // Every failed agent in detail; the ones that logged in are in the table (hundreds on a PG capture).
  // An agent lost with its CTI client's session has nothing of its own beyond its login: the client shows the loss.
  const detailed = agents.map((a, i) => ({ a, i })).filter(({ a }) => (a.outcome !== 'logged-in' && !lostWithSession(a)) || a.findings.some((f) => f.severity !== 'info') || agents.length <= 10);
  const lost = agents.filter(lostWithSession);
  const lostNote = lost.length > 0 ? `<p class="muted">${esc(lostAgentsText(lost))}</p>` : '';
  return `<h2>CTI clients</h2>
${clients.map(ctiClientSection).join('\n')}
${agents.length ? `<h2>Agents</h2>\n${table}\n${lostNote}${detailed.map(({ a, i }) => agentSection(a, i)).join('\n')}` : ''}`;
}

function sequenceSection(ws: Workstation, opts: HtmlReportOptions): string {
  if (ws.outcome !== 'failed' || !opts.sequence) return '';
  const d = opts.sequence(ws);
  if (!d || d.rows.length === 0) return '';
  return `<h3>Sequence of the start-up</h3>${renderSequenceHtml(d, { idPrefix: `seq-${anchor(ws)}-`, maxHeight: '60vh' })}`;
}

export function renderHtmlReport(doc: AnalysisDocument, opts: HtmlReportOptions = {}): string {
  const src = doc.source;
  const when = src.start !== null ? new Date(src.start * 1000).toISOString() : 'unknown time';
  const list = [...doc.workstations].sort((a, b) => RANK[a.outcome] - RANK[b.outcome]);
  const table = list.length
    ? `<table><thead><tr><th>host</th><th>agent</th><th>outcome</th><th>failing step</th><th>cause</th></tr></thead><tbody>
${list
  .map(
    (ws) =>
      `<tr><td><a href="#${anchor(ws)}">${esc(ws.host)}</a>${ws.names.length ? ` <span class="muted">${esc(ws.names[0])}</span>` : ''}</td><td>${esc(ws.agent.id ?? '')}</td><td class="${outcomeClass(ws.outcome)}">${esc(ws.outcome)}</td><td>${esc(ws.failure ? `${ws.failure.phase}${ws.failure.server ? ` ${ws.failure.server}` : ''}` : '')}</td><td>${esc(ws.failure?.kind ?? [...new Set(ws.findings.filter((f) => f.severity !== 'info').map((f) => f.kind))].join(', '))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '';
  const warnings = src.warnings.length
    ? `<ul>${src.warnings.map((w) => `<li class="warning">${esc(w.code)}: ${esc(w.message)}</li>`).join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>ctiscope: ${esc(src.files.join(', ') || 'capture')}</title>
<style>${CSS}</style>
</head>
<body>
<h1>ctiscope analysis</h1>
<p class="muted">${esc(src.files.join(', ') || 'capture')} · ${src.packets} packets · ${esc(when)}${src.duration !== null ? ` · ${esc(formatDuration(src.duration))}` : ''}${src.truncated ? ' · <span class="warning">truncated</span>' : ''} · ${esc(doc.generator.name)} ${esc(doc.generator.version)}</p>
${warnings}
<p><strong>${esc(doc.summary.message)}</strong></p>
${table}
${list.length || doc.agents?.length ? '<p class="toolbar"><button id="expand" type="button">expand all</button><button id="collapse" type="button">collapse all</button></p>' : ''}
${serverSide(doc)}
${list.map((ws) => workstationSection(ws, list.length <= 3 || ws.outcome !== 'logged-in' || ws.findings.some((f) => f.severity !== 'info'), opts)).join('\n')}
${list.length || doc.agents?.length ? `<script>${JS}</script>` : ''}
</body>
</html>
`;
}
