/**
 * Compare in the page: the selected workstation against another one of the same capture (a working PC against
 * a broken one), with the first difference in one sentence and the steps side by side, as `ctiscope compare`.
 */

import { compareSubjects, type Comparison } from '../../src/timeline/compare.js';
import { formatDuration } from '../../src/timeline/format.js';
import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import { workstationSubject } from '../../src/timeline/sequence/subject.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The bar above the sequence: pick a working workstation to compare the selected one with. */
export function renderCompareBar(target: HTMLElement, doc: AnalysisDocument | null, ws: Workstation): void {
  target.replaceChildren();
  const others = (doc?.workstations ?? []).filter((w) => w.host !== ws.host);
  if (others.length === 0) return;
  const label = el('label', 'compare-pick', 'Compare with ');
  const select = el('select');
  select.id = 'compare-with';
  select.append(el('option', undefined, '—'));
  // Working logins first: the usual question is "what does a good one do that this one does not".
  const sorted = [...others].sort((a, b) => Number(b.outcome === 'logged-in') - Number(a.outcome === 'logged-in') || a.host.localeCompare(b.host));
  for (const o of sorted) {
    const opt = el('option', undefined, `${o.host} (${o.outcome})`);
    opt.value = o.host;
    select.append(opt);
  }
  label.append(select);
  const result = el('div', 'compare-result');
  select.addEventListener('change', () => {
    const other = others.find((o) => o.host === select.value);
    result.replaceChildren();
    if (!other) return;
    // The other one is the reference ("working"), the selected workstation the one under study.
    result.append(renderComparison(compareSubjects(workstationSubject(other), workstationSubject(ws))));
  });
  target.append(label, result);
}

export function renderComparison(c: Comparison): HTMLElement {
  const box = el('div', 'comparison');
  box.append(el('p', 'sentence compare-divergence', c.divergence ? `First difference: ${c.divergence.sentence}` : 'The two start-ups went through the same servers with the same results.'));
  const table = el('table', 'compare-table');
  const head = el('tr');
  for (const h of ['phase', c.good.title, c.bad.title, 'later by']) head.append(el('th', undefined, h));
  table.append(head);
  for (const r of c.steps) {
    const tr = el('tr');
    tr.append(el('td', undefined, r.phase));
    for (const s of [r.good, r.bad]) {
      const td = el('td', s && !s.ok ? 'fail' : undefined, s ? `${s.ok ? '✓' : '✗'} +${s.at.toFixed(3)} s ${s.server} · ${formatDuration(s.duration)}` : '—');
      if (s) td.title = s.summary;
      tr.append(td);
    }
    tr.append(el('td', 'num', r.startDelta === null ? '' : `${r.startDelta >= 0 ? '+' : '−'}${formatDuration(Math.abs(r.startDelta))}`));
    table.append(tr);
  }
  box.append(table, el('p', 'muted', `start-up: ${formatDuration(c.totals.good)} against ${formatDuration(c.totals.bad)}`));
  return box;
}
