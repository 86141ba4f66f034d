/**
 * Compare in the page: the selected workstation against another one of the same capture (a working PC against
 * a broken one), with the first difference in one sentence and the steps side by side, as `ctiscope compare`.
 */

import { compareSubjects, comparisonHeadline, sideGlyph, TOTALS_LABEL, type Comparison } from '../../src/timeline/compare.js';
import { compareAddresses } from './list.js';
import { formatDuration } from '../../src/timeline/format.js';
import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import { workstationSubject } from '../../src/timeline/sequence/subject.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface CompareBarOptions {
  /** Another capture's analysis (a working PC captured on its own). */
  reference?: { doc: AnalysisDocument; name: string } | null;
  /** Reads another capture for the comparison (in the worker); absent, only this capture's workstations are offered. */
  loadReference?: (file: File) => void;
  /** Select the reference capture's first workstation at once (it was just loaded). */
  pickReference?: boolean;
}

/** Working logins first: the usual question is "what does a good one do that this one does not". */
export function byOutcome<W extends Pick<Workstation, 'host' | 'outcome'>>(list: readonly W[]): W[] {
  return [...list].sort((a, b) => Number(b.outcome === 'logged-in') - Number(a.outcome === 'logged-in') || compareAddresses(a.host, b.host));
}

/** The bar above the sequence: pick a workstation, of this capture or another, to compare the selected one with. */
export function renderCompareBar(target: HTMLElement, doc: AnalysisDocument | null, ws: Workstation, opts: CompareBarOptions = {}): void {
  target.replaceChildren();
  const candidates: { key: string; text: string; ws: Workstation }[] = [];
  for (const o of byOutcome((doc?.workstations ?? []).filter((w) => w.host !== ws.host))) candidates.push({ key: `this ${o.host}`, text: `${o.host} (${o.outcome})`, ws: o });
  const ref = opts.reference;
  for (const o of byOutcome(ref?.doc.workstations ?? [])) candidates.push({ key: `ref ${o.host}`, text: `${ref!.name}: ${o.host} (${o.outcome})`, ws: o });
  if (candidates.length === 0 && !opts.loadReference) return;
  const label = el('label', 'compare-pick', 'Compare with ');
  const select = el('select');
  select.id = 'compare-with';
  select.append(el('option', undefined, '—'));
  for (const c of candidates) {
    const opt = el('option', undefined, c.text);
    opt.value = c.key;
    select.append(opt);
  }
  label.append(select);
  const parts: Node[] = [label];
  if (opts.loadReference) {
    const pick = el('label', 'button compare-file', 'another capture…');
    pick.title = 'Read a second capture (a working PC) in this tab and compare with its workstations';
    const input = el('input');
    input.type = 'file';
    input.id = 'compare-file';
    input.hidden = true;
    input.accept = '.pcap,.pcapng,.cap,.gz';
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file) opts.loadReference!(file);
    });
    pick.append(input);
    parts.push(pick);
  }
  const result = el('div', 'compare-result');
  const show = (): void => {
    const other = candidates.find((c) => c.key === select.value);
    result.replaceChildren();
    if (!other) return;
    // The other one is the reference ("working"), the selected workstation the one under study.
    result.append(renderComparison(compareSubjects(workstationSubject(other.ws), workstationSubject(ws))));
  };
  select.addEventListener('change', show);
  if (opts.pickReference) {
    const first = candidates.find((c) => c.key.startsWith('ref '));
    if (first) {
      select.value = first.key;
      show();
    }
  }
  target.append(...parts, result);
}

export function renderComparison(c: Comparison): HTMLElement {
  const box = el('div', 'comparison');
  box.append(el('p', 'sentence compare-divergence', comparisonHeadline(c)));
  const table = el('table', 'compare-table');
  const head = el('tr');
  for (const h of ['phase', c.good.title, c.bad.title, 'later by']) head.append(el('th', undefined, h));
  table.append(head);
  for (const r of c.steps) {
    const tr = el('tr');
    tr.append(el('td', undefined, r.phase));
    for (const s of [r.good, r.bad]) {
      const td = el('td', s ? (s.notCaptured ? 'unseen' : !s.ok ? 'fail' : undefined) : undefined, s ? `${sideGlyph(s)} +${s.at.toFixed(3)} s ${s.server} · ${formatDuration(s.duration)}` : '—');
      if (s) td.title = s.summary;
      tr.append(td);
    }
    tr.append(el('td', 'num', r.startDelta === null ? '' : `${r.startDelta >= 0 ? '+' : '−'}${formatDuration(Math.abs(r.startDelta))}`));
    table.append(tr);
  }
  box.append(table, el('p', 'muted', `${TOTALS_LABEL}: ${formatDuration(c.totals.good)} against ${formatDuration(c.totals.bad)}`));
  return box;
}
