/**
 * The workstation list: outcome badge, address and name, agent and extension, failing step. Virtualised (only
 * the rows in view exist, and they are reused while scrolling) so a SPAN capture with 1,000 agent PCs scrolls
 * as smoothly as one with three.
 */

import { formatDuration } from '../../src/timeline/format.js';
import { PHASE_ORDER, type Outcome, type Workstation } from '../../src/timeline/model.js';
import { OUTCOME_ICON, OUTCOME_WORD } from './outcome.js';
import { PHASE_LABELS } from './lanes.js';

export type SortKey = 'outcome' | 'host' | 'start' | 'login' | 'agent';

const ROW_HEIGHT = 58;
const OVERSCAN = 6;
const OUTCOME_RANK: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };

interface Row {
  el: HTMLDivElement;
  badge: HTMLSpanElement;
  host: HTMLSpanElement;
  name: HTMLSpanElement;
  meta: HTMLDivElement;
  failure: HTMLDivElement;
  index: number;
  /** The workstation drawn in this row (a live update replaces only the workstations that changed). */
  ws: Workstation | null;
}

/** Sorts addresses numerically (10.0.0.9 before 10.0.0.10). */
export function compareAddresses(a: string, b: string): number {
  const pa = a.split(/[.:]/);
  const pb = b.split(/[.:]/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const na = parseInt(pa[i], a.includes(':') ? 16 : 10);
    const nb = parseInt(pb[i], b.includes(':') ? 16 : 10);
    if (na !== nb) return (Number.isNaN(na) ? -1 : na) - (Number.isNaN(nb) ? -1 : nb);
  }
  return pa.length - pb.length;
}

export function failingStepText(ws: Workstation): string {
  if (ws.failure) {
    return `${PHASE_LABELS[ws.failure.phase] ?? ws.failure.phase}: ${ws.failure.message}`;
  }
  if (ws.failedPhase) return `${PHASE_LABELS[ws.failedPhase] ?? ws.failedPhase} failed`;
  if (ws.outcome === 'incomplete') {
    const last = [...ws.steps].sort((a, b) => PHASE_ORDER.indexOf(b.phase) - PHASE_ORDER.indexOf(a.phase))[0];
    return last ? `login not seen (last phase: ${PHASE_LABELS[last.phase] ?? last.phase})` : 'login not seen';
  }
  return '';
}

export function sortWorkstations(list: Workstation[], key: SortKey): Workstation[] {
  const byHost = (a: Workstation, b: Workstation): number => compareAddresses(a.host, b.host);
  const cmp: Record<SortKey, (a: Workstation, b: Workstation) => number> = {
    outcome: (a, b) => OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome] || byHost(a, b),
    host: byHost,
    start: (a, b) => a.start - b.start || byHost(a, b),
    login: (a, b) => (b.loginSeconds ?? -1) - (a.loginSeconds ?? -1) || byHost(a, b),
    agent: (a, b) => (a.agent.id ?? '\uffff').localeCompare(b.agent.id ?? '\uffff', undefined, { numeric: true }) || byHost(a, b),
  };
  return [...list].sort(cmp[key]);
}

/** What the filter box searches in. */
function searchText(w: Workstation): string {
  return [w.host, ...w.names, w.agent.id ?? '', w.agent.extension ?? '', OUTCOME_WORD[w.outcome], w.outcome, w.desktop, w.failedPhase ?? '', w.failure?.message ?? '']
    .join('\n')
    .toLowerCase();
}

export interface WorkstationListOptions {
  container: HTMLElement;
  countLabel: HTMLElement;
  onSelect(host: string, how: 'click' | 'key'): void;
  onActivate(host: string): void;
}

export class WorkstationList {
  private all: Workstation[] = [];
  private haystack = new Map<Workstation, string>();
  private shown: Workstation[] = [];
  private readonly spacer: HTMLDivElement;
  private readonly rows: Row[] = [];
  private selected: string | null = null;
  private filterText = '';
  private sortKey: SortKey = 'outcome';
  private onlyFailures = false;
  private frame = 0;

  constructor(private readonly opts: WorkstationListOptions) {
    const doc = opts.container.ownerDocument;
    this.spacer = doc.createElement('div');
    this.spacer.className = 'ws-list-spacer';
    opts.container.append(this.spacer);
    opts.container.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    opts.container.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleRender()).observe(opts.container);
  }

  /**
   * Shows these workstations, keeping the filter, sort, selection and scroll position (anchored on the selected
   * row when it is in view). Workstations that are the same objects as before (a live update that did not touch
   * them) keep their search text and drawn rows.
   */
  setData(workstations: Workstation[]): void {
    // A selected row in view stays where it is on screen, even when rows are added or move above it (live).
    const c = this.opts.container;
    const before = this.selected ? this.shown.findIndex((w) => w.host === this.selected) : -1;
    const offset = before * ROW_HEIGHT - c.scrollTop;
    const inView = before >= 0 && offset > -ROW_HEIGHT && offset < c.clientHeight;
    this.all = workstations;
    const next = new Map<Workstation, string>();
    for (const w of workstations) next.set(w, this.haystack.get(w) ?? searchText(w));
    this.haystack = next;
    this.refresh();
    if (inView) {
      const after = this.shown.findIndex((w) => w.host === this.selected);
      if (after >= 0 && after !== before) {
        c.scrollTop = Math.max(0, after * ROW_HEIGHT - offset);
        this.render();
      }
    }
  }

  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.refresh();
  }

  setSort(key: SortKey): void {
    this.sortKey = key;
    this.refresh();
  }

  setOnlyFailures(only: boolean): void {
    this.onlyFailures = only;
    this.refresh();
  }

  /** Workstations as listed now (filtered and sorted). */
  get visible(): readonly Workstation[] {
    return this.shown;
  }

  select(host: string | null, reveal = true): void {
    this.selected = host;
    if (reveal && host) {
      const i = this.shown.findIndex((w) => w.host === host);
      if (i >= 0) this.scrollToIndex(i);
    }
    this.render();
  }

  private refresh(): void {
    const terms = this.filterText.split(/\s+/).filter(Boolean);
    const filtered = this.all.filter((w) => {
      if (this.onlyFailures && w.outcome !== 'failed') return false;
      const text = this.haystack.get(w) ?? '';
      return terms.every((t) => text.includes(t));
    });
    this.shown = sortWorkstations(filtered, this.sortKey);
    this.spacer.style.height = `${this.shown.length * ROW_HEIGHT}px`;
    const total = this.all.length;
    this.opts.countLabel.textContent =
      this.shown.length === total ? `${total} workstation${total === 1 ? '' : 's'}` : `${this.shown.length} of ${total} workstations`;
    this.render();
  }

  private scrollToIndex(i: number): void {
    const c = this.opts.container;
    const top = i * ROW_HEIGHT;
    if (top < c.scrollTop) c.scrollTop = top;
    else if (top + ROW_HEIGHT > c.scrollTop + c.clientHeight) c.scrollTop = top + ROW_HEIGHT - c.clientHeight;
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const c = this.opts.container;
    const first = Math.max(0, Math.floor(c.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.shown.length, Math.ceil((c.scrollTop + c.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const needed = last - first;
    while (this.rows.length < needed) this.rows.push(this.makeRow());
    for (let r = 0; r < this.rows.length; r++) {
      const row = this.rows[r];
      const index = first + r;
      if (r >= needed) {
        row.el.hidden = true;
        row.index = -1;
        row.ws = null;
        continue;
      }
      row.el.hidden = false;
      this.fillRow(row, index);
    }
  }

  private makeRow(): Row {
    const doc = this.opts.container.ownerDocument;
    const el = doc.createElement('div');
    el.className = 'ws-row';
    el.setAttribute('role', 'option');
    const line1 = doc.createElement('div');
    line1.className = 'ws-row-line';
    const badge = doc.createElement('span');
    const host = doc.createElement('span');
    host.className = 'ws-host';
    const name = doc.createElement('span');
    name.className = 'ws-name';
    line1.append(badge, host, name);
    const meta = doc.createElement('div');
    meta.className = 'ws-meta';
    const failure = doc.createElement('div');
    failure.className = 'ws-failure';
    el.append(line1, meta, failure);
    const row: Row = { el, badge, host, name, meta, failure, index: -1, ws: null };
    el.addEventListener('click', () => {
      const ws = this.shown[row.index];
      if (ws) this.opts.onSelect(ws.host, 'click');
    });
    el.addEventListener('dblclick', () => {
      const ws = this.shown[row.index];
      if (ws) this.opts.onActivate(ws.host);
    });
    this.spacer.append(el);
    return row;
  }

  private fillRow(row: Row, index: number): void {
    const ws = this.shown[index];
    const same = row.index === index && row.ws === ws;
    row.index = index;
    row.ws = ws;
    row.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.el.setAttribute('aria-selected', String(ws.host === this.selected));
    if (same) return;
    row.el.dataset.host = ws.host;
    row.badge.className = `badge ${ws.outcome}`;
    row.badge.textContent = `${OUTCOME_ICON[ws.outcome]} ${OUTCOME_WORD[ws.outcome]}`;
    row.host.textContent = ws.host;
    row.name.textContent = ws.names[0] ?? '';
    const meta: string[] = [];
    meta.push(`agent ${ws.agent.id ?? '–'}`);
    meta.push(`ext ${ws.agent.extension ?? '–'}`);
    if (ws.desktop !== 'unknown') meta.push(ws.desktop.toUpperCase());
    if (ws.loginSeconds !== null) meta.push(`login ${formatDuration(ws.loginSeconds)}`);
    row.meta.textContent = meta.join(' · ');
    const failing = failingStepText(ws);
    row.failure.textContent = failing ? `${ws.outcome === 'failed' ? '✗ ' : ''}${failing}` : '';
    row.failure.title = failing;
  }

  private onKey(e: KeyboardEvent): void {
    if (this.shown.length === 0) return;
    let i = this.shown.findIndex((w) => w.host === this.selected);
    const page = Math.max(1, Math.floor(this.opts.container.clientHeight / ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        i = Math.min(this.shown.length - 1, i + 1);
        break;
      case 'ArrowUp':
      case 'k':
        i = Math.max(0, i - 1);
        break;
      case 'PageDown':
        i = Math.min(this.shown.length - 1, i + page);
        break;
      case 'PageUp':
        i = Math.max(0, i - page);
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        i = this.shown.length - 1;
        break;
      case 'Enter':
        if (this.selected) this.opts.onActivate(this.selected);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.opts.onSelect(this.shown[i].host, 'key');
  }
}
