/**
 * The summary of a capture with many workstations or agents: counts by outcome and by finding kind, the groups
 * the analysis found (same outcome, same cause, same server; for agents also the same code), and a histogram
 * of login durations.
 */

import * as d3 from 'd3';
import { formatDuration } from '../../src/timeline/format.js';
import { OUTCOMES, type AnalysisDocument, type Finding, type Outcome } from '../../src/timeline/model.js';
import { OUTCOME_ICON, OUTCOME_WORD, outcomeBadge } from './outcome.js';
import { severityMark } from './details.js';
import { agentKey, type SubjectKind, type SubjectRef } from './subjects.js';

export interface SummaryActions {
  /** Lists only this outcome (failures: only failed), of one kind of subject when given. */
  filterOutcome(outcome: Outcome, kind?: SubjectKind): void;
  openSubject(ref: SubjectRef): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function renderSummary(target: HTMLElement, doc: AnalysisDocument, actions: SummaryActions): void {
  const s = doc.summary;
  const src = doc.source;
  const head = el('div');
  head.append(el('h2', undefined, 'Summary'), el('p', 'sentence', s.message));
  const merged = src.warnings.find((w) => w.code === 'merged-captures');
  const facts = [
    `${src.files.join(', ')}`,
    `${src.packets} packets`,
    src.duration !== null ? `${formatDuration(src.duration)} ${merged ? `from the first packet to the last (${src.files.length} captures merged)` : 'of capture'}` : '',
    src.truncated ? 'capture truncated' : '',
  ].filter(Boolean);
  head.append(el('p', 'muted', facts.join(' · ')));
  if (merged) head.append(el('p', 'muted merged-captures', merged.message));

  const cards = el('div', 'summary-cards');
  for (const outcome of OUTCOMES) {
    const card = el('button', `card ${outcome}`);
    card.type = 'button';
    card.dataset.outcome = outcome;
    card.append(el('span', 'count', String(s.byOutcome[outcome] ?? 0)), document.createTextNode(`${OUTCOME_ICON[outcome]} ${OUTCOME_WORD[outcome]}`));
    card.addEventListener('click', () => actions.filterOutcome(outcome));
    cards.append(card);
  }

  const groups = el('table', 'summary-table');
  const gh = el('tr');
  for (const h of ['outcome', 'cause', 'server', 'workstations', '']) gh.append(el('th', undefined, h));
  groups.append(gh);
  for (const g of s.groups) {
    const tr = el('tr', 'clickable');
    const hosts = g.hosts.slice(0, 6).join(', ') + (g.hosts.length > 6 ? `, … (${g.hosts.length - 6} more)` : '');
    const badgeCell = el('td');
    badgeCell.append(outcomeBadge(document, g.outcome));
    tr.append(badgeCell, el('td', undefined, g.kind ? `${g.kind}${g.cause ? ` · ${g.cause}` : ''}` : '—'), el('td', 'mono', g.server ?? '—'), el('td', undefined, String(g.count)), el('td', 'mono', hosts));
    tr.title = 'Open the first workstation of this group';
    tr.addEventListener('click', () => {
      if (g.hosts[0]) actions.openSubject({ kind: 'workstation', key: g.hosts[0] });
    });
    groups.append(tr);
  }

  const agentSection = doc.agents?.length ? renderAgentSummary(doc, actions) : [];

  // Each kind's bar in the colour of its worst finding, its mark beside the name (never colour alone).
  const worst = new Map<string, Finding['severity']>();
  const RANK = { error: 2, warning: 1, info: 0 } as const;
  for (const subject of [...doc.workstations, ...(doc.agents ?? []), ...(doc.ctiClients ?? [])]) {
    for (const f of subject.findings) {
      const was = worst.get(f.kind);
      if (was === undefined || RANK[f.severity] > RANK[was]) worst.set(f.kind, f.severity);
    }
  }
  const kinds = Object.entries(s.byFindingKind)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([kind, n]) => ({ kind, n: n ?? 0, severity: worst.get(kind) ?? 'info' }))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.n - a.n);

  const charts = el('div');
  charts.style.display = 'flex';
  charts.style.flexWrap = 'wrap';
  charts.style.gap = '28px';
  const kindBox = el('div');
  kindBox.append(el('h3', undefined, 'Findings by kind'));
  if (kinds.length) kindBox.append(kindChart(kinds));
  else kindBox.append(el('p', 'muted', 'No findings.'));
  const loginBox = el('div', 'login-durations');
  loginBox.append(el('h3', undefined, 'Login durations'));
  const durations = doc.workstations.map((w) => w.loginSeconds).filter((x): x is number => x !== null && Number.isFinite(x));
  if (durations.length) loginBox.append(durationChart(durations));
  // Durations are a workstation's, from its first step to its login: a server's capture of agents logged in
  // by CTI clients has none, however many logged in.
  else loginBox.append(el('p', 'muted', doc.workstations.length === 0 ? 'No desktop start-up in this capture: durations are measured on workstations, from their first step to the login.' : 'No workstation completed its login.'));
  charts.append(kindBox, loginBox);

  const warnings = src.warnings.length ? el('div') : null;
  if (warnings) {
    warnings.append(el('h3', undefined, 'Capture warnings'));
    const ul = el('ul');
    for (const w of src.warnings.slice(0, 50)) ul.append(el('li', undefined, w.message));
    warnings.append(ul);
  }

  const wsHeading = agentSection.length ? [el('h3', undefined, `Workstations (${s.workstations})`)] : [];
  const wsSection = doc.workstations.length || !agentSection.length ? [...wsHeading, cards, el('h3', undefined, 'Groups'), groups] : [];
  // A server-side capture's agents come first; a CAD desktop's agent is its workstation's, so workstations lead there.
  const agentsFirst = doc.agents.some((a) => a.desktopLink?.basis !== 'desktop-session');
  const sections = agentsFirst ? [...agentSection, ...wsSection] : [...wsSection, ...agentSection];
  target.replaceChildren(head, ...sections, charts, ...(warnings ? [warnings] : []));
}

/** Agents: counts by outcome, and the groups by cause ("9 agent-login-failed 10140 on 10.20.0.10:42027"). */
function renderAgentSummary(doc: AnalysisDocument, actions: SummaryActions): HTMLElement[] {
  const s = doc.summary;
  const byOutcome = s.agentsByOutcome ?? { 'logged-in': 0, failed: 0, incomplete: 0 };
  const heading = el('h3', undefined, `Agents (${s.agents ?? doc.agents.length})`);
  const clients = s.ctiClients ?? doc.ctiClients.length;
  // A desktop's agent logs in on the desktop's own session: no CTI client speaks for it but the desktop itself.
  const own = doc.agents.length > 0 && doc.agents.every((a) => a.desktopLink?.basis === 'desktop-session');
  const ctiLine = el('p', 'muted', own ? `each on its own desktop's CTI session` : `${clients} CTI client${clients === 1 ? '' : 's'} spoke for them`);
  const cards = el('div', 'summary-cards agent-cards');
  for (const outcome of OUTCOMES) {
    const card = el('button', `card ${outcome}`);
    card.type = 'button';
    card.dataset.agentOutcome = outcome;
    card.append(el('span', 'count', String(byOutcome[outcome] ?? 0)), document.createTextNode(`${OUTCOME_ICON[outcome]} ${OUTCOME_WORD[outcome]}`));
    card.addEventListener('click', () => actions.filterOutcome(outcome, 'agent'));
    cards.append(card);
  }
  const table = el('table', 'summary-table agent-groups');
  const head = el('tr');
  for (const h of ['outcome', 'cause', 'code', 'server', 'agents', '']) head.append(el('th', undefined, h));
  table.append(head);
  // Agent ids of a group: open the first one by the key of the agent with that id.
  const keyOf = new Map<string, string>();
  for (const a of doc.agents) if (a.id && !keyOf.has(a.id)) keyOf.set(a.id, agentKey(a));
  for (const g of s.agentGroups ?? []) {
    const tr = el('tr', 'clickable agent-group');
    tr.dataset.outcome = g.outcome;
    const names = g.agents.slice(0, 8).join(', ') + (g.agents.length > 8 ? `, … (${g.agents.length - 8} more)` : '');
    const badge = el('td');
    badge.append(outcomeBadge(document, g.outcome));
    tr.append(badge, el('td', undefined, g.kind ?? '—'), el('td', 'mono', g.code !== null ? String(g.code) : '—'), el('td', 'mono', g.server ?? '—'), el('td', 'count', String(g.count)), el('td', 'mono', names));
    tr.title = 'Open the first agent of this group';
    tr.addEventListener('click', () => {
      const key = g.agents[0] !== undefined ? keyOf.get(g.agents[0]) : undefined;
      if (key) actions.openSubject({ kind: 'agent', key });
    });
    table.append(tr);
  }
  return [heading, ctiLine, cards, el('h3', undefined, 'Agent groups'), table];
}

function kindChart(kinds: { kind: string; n: number; severity: Finding['severity'] }[]): SVGSVGElement {
  const rowH = 22;
  const labelW = 170;
  const w = 460;
  const h = kinds.length * rowH + 10;
  const x = d3.scaleLinear().domain([0, d3.max(kinds, (d) => d.n) ?? 1]).range([0, w - labelW - 40]);
  const svg = d3.create('svg').attr('class', 'chart kind-chart').attr('width', w).attr('height', h);
  const row = svg
    .selectAll('g')
    .data(kinds)
    .join('g')
    .attr('transform', (_, i) => `translate(0,${i * rowH + 4})`);
  row.attr('data-kind', (d) => d.kind).attr('data-severity', (d) => d.severity);
  row.append('title').text((d) => `${d.n} ${d.kind}, the worst of them ${d.severity === 'error' ? 'an error' : `a ${d.severity}`}`);
  row.append('text').attr('x', labelW - 6).attr('y', 14).attr('text-anchor', 'end').text((d) => `${severityMark(d.severity)} ${d.kind}`);
  row.append('rect').attr('class', (d) => `bar ${d.severity}`).attr('x', labelW).attr('y', 3).attr('height', 14).attr('width', (d) => Math.max(2, x(d.n)));
  row.append('text').attr('x', (d) => labelW + Math.max(2, x(d.n)) + 5).attr('y', 14).text((d) => String(d.n));
  return svg.node()!;
}

/** Whole-number ticks from 0 to `max`, at most about `count` of them. */
export function integerTicks(max: number, count: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  const step = Math.max(1, Math.ceil(top / count));
  const out: number[] = [];
  for (let v = 0; v <= top; v += step) out.push(v);
  return out;
}

function durationChart(durations: number[]): SVGSVGElement {
  const w = 460;
  const h = 200;
  const m = { top: 8, right: 12, bottom: 34, left: 36 };
  const extent = d3.extent(durations) as [number, number];
  const hi = extent[1] > extent[0] ? extent[1] : extent[0] + 1;
  const x = d3.scaleLinear().domain([Math.min(0, extent[0]), hi]).nice().range([m.left, w - m.right]);
  const bins = d3.bin().domain(x.domain() as [number, number]).thresholds(x.ticks(20))(durations);
  const y = d3.scaleLinear().domain([0, d3.max(bins, (b) => b.length) ?? 1]).nice().range([h - m.bottom, m.top]);
  const svg = d3.create('svg').attr('class', 'chart login-chart').attr('width', w).attr('height', h);
  svg
    .append('g')
    .selectAll('rect')
    .data(bins)
    .join('rect')
    .attr('class', 'bar')
    .attr('x', (b) => x(b.x0!) + 1)
    .attr('width', (b) => Math.max(1, x(b.x1!) - x(b.x0!) - 2))
    .attr('y', (b) => y(b.length))
    .attr('height', (b) => y(0) - y(b.length))
    .append('title')
    .text((b) => `${b.length} login${b.length === 1 ? '' : 's'} between ${formatDuration(b.x0!)} and ${formatDuration(b.x1!)}`);
  svg.append('g').attr('transform', `translate(0,${h - m.bottom})`).call(d3.axisBottom(x).ticks(6).tickFormat((v) => `${v} s`));
  // Counts are whole: ticks only at integers (a domain of 0–1 would otherwise give 0, 0.2, … printed "0 0 0 1 1 1").
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).tickValues(integerTicks(y.domain()[1], 4)).tickFormat(d3.format('d')));
  svg.append('text').attr('x', (m.left + w - m.right) / 2).attr('y', h - 4).attr('text-anchor', 'middle').text('seconds from first start-up step to login confirmed');
  return svg.node()!;
}
