/**
 * The subject list: agents, CTI clients and workstations, each row with its outcome badge, what it is and, for
 * failures, the cause; filtered by kind and text, failures first. Virtualised (only the rows in view exist, and
 * they are reused while scrolling) so a SPAN capture with 1,000 agent PCs, or a CTI OS server's capture with
 * hundreds of agents, scrolls as smoothly as one with three.
 */

import { agentDeviceText, formatDuration, hostOf } from '../../src/timeline/format.js';
import { PHASE_ORDER, type Agent, type AnalysisDocument, type Outcome, type Workstation } from '../../src/timeline/model.js';
import { OUTCOME_ICON, OUTCOME_WORD, outcomeWord } from './outcome.js';
import { patternOf } from '../../src/timeline/patterns.js';
import { PHASE_LABELS } from './lanes.js';
import { allSubjects, causeText, KIND_NOUN, SUBJECT_KINDS, viaText, type Subject, type SubjectKind, type SubjectRef } from './subjects.js';

export type SortKey = 'outcome' | 'host' | 'start' | 'login' | 'agent';
export type KindFilter = 'all' | SubjectKind;

/**
 * Height of every row, in pixels: the rows are placed by it, and the stylesheet sizes them by it (the list sets
 * --ws-row-height). Room for the name, one line of facts and two of the failure's cause.
 */
const ROW_HEIGHT = 76;
const OVERSCAN = 6;
const OUTCOME_RANK: Record<Outcome, number> = { failed: 0, incomplete: 1, 'logged-in': 2 };
const KIND_TAG: Record<SubjectKind, string> = { agent: 'agent', 'cti-client': 'CTI', workstation: 'PC' };

interface Row {
  el: HTMLDivElement;
  badge: HTMLSpanElement;
  kind: HTMLSpanElement;
  host: HTMLSpanElement;
  name: HTMLSpanElement;
  meta: HTMLDivElement;
  failure: HTMLDivElement;
  index: number;
  /** The subject drawn in this row (a live update replaces only the subjects that changed). */
  value: object | null;
}

/** One subject of the list; `distinct` ones are listed under "all" (see allSubjects). */
export interface ListEntry {
  subject: Subject;
  distinct: boolean;
  /** A workstation's agent when a CTI OS server logged it in (the desktop's own traffic does not show the login). */
  agent?: Agent;
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
    // The failing step's own line says the answer in a few words ("acquireLicense → USER_EXCEPTION …"), where the
    // finding's sentence starts with the server's names and ends with its reason, past what two lines show; the
    // sentence is the row's title.
    const step = ws.failure.step ? ws.steps.find((st) => st.id === ws.failure!.step) : undefined;
    return `${PHASE_LABELS[ws.failure.phase] ?? ws.failure.phase}: ${step ? step.summary : ws.failure.message}`;
  }
  if (ws.failedPhase) return `${PHASE_LABELS[ws.failedPhase] ?? ws.failedPhase} failed`;
  if (ws.outcome === 'incomplete') {
    // The furthest start-up phase reached: 'other' (the PC's own lookups and chatter, on every noisy capture) is none.
    const last = ws.steps.filter((st) => st.phase !== 'other').sort((a, b) => PHASE_ORDER.indexOf(b.phase) - PHASE_ORDER.indexOf(a.phase))[0];
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


/** Sort fields of any subject. */
function addressOf(s: Subject): string {
  if (s.kind === 'workstation') return s.value.host;
  if (s.kind === 'cti-client') return s.value.host;
  return s.value.desktop ?? (s.value.via ? hostOf(s.value.via.client) : '');
}

function agentIdOf(s: Subject): string | null {
  if (s.kind === 'workstation') return s.value.agent.id;
  if (s.kind === 'agent') return s.value.id;
  return s.value.clientId;
}

const KIND_RANK: Record<SubjectKind, number> = { agent: 0, 'cti-client': 1, workstation: 2 };

export function sortEntries(list: ListEntry[], key: SortKey): ListEntry[] {
  const byAgent = (a: ListEntry, b: ListEntry): number => (agentIdOf(a.subject) ?? '\uffff').localeCompare(agentIdOf(b.subject) ?? '\uffff', undefined, { numeric: true });
  const byHost = (a: ListEntry, b: ListEntry): number =>
    KIND_RANK[a.subject.kind] - KIND_RANK[b.subject.kind] || compareAddresses(addressOf(a.subject), addressOf(b.subject)) || byAgent(a, b) || a.subject.key.localeCompare(b.subject.key);
  const login = (e: ListEntry): number => (e.subject.kind === 'workstation' ? (e.subject.value.loginSeconds ?? -1) : -1);
  const cmp: Record<SortKey, (a: ListEntry, b: ListEntry) => number> = {
    outcome: (a, b) => OUTCOME_RANK[a.subject.value.outcome] - OUTCOME_RANK[b.subject.value.outcome] || byHost(a, b),
    host: byHost,
    start: (a, b) => a.subject.value.start - b.subject.value.start || byHost(a, b),
    login: (a, b) => login(b) - login(a) || byHost(a, b),
    agent: (a, b) => byAgent(a, b) || byHost(a, b),
  };
  return [...list].sort(cmp[key]);
}

/** What the filter box searches in. */
function searchText(s: Subject): string {
  let parts: string[];
  if (s.kind === 'workstation') {
    const w = s.value;
    parts = [w.host, ...w.names, w.agent.id ?? '', w.agent.extension ?? '', w.desktop, w.failedPhase ?? ''];
  } else if (s.kind === 'agent') {
    const a = s.value;
    parts = ['agent', a.id ?? '', a.extension ?? '', a.instrument ?? '', a.via?.client ?? '', a.via?.clientId ?? '', a.via?.server ?? '', a.desktop ?? '', ...(a.previousDesktops ?? []), a.state ?? '', a.failedPhase ?? ''];
  } else {
    const c = s.value;
    parts = ['cti client', c.host, ...c.names, c.clientId ?? '', ...c.servers, c.version !== null ? `v${c.version}` : ''];
  }
  const v = s.value;
  return [...parts, OUTCOME_WORD[v.outcome], outcomeWord(v.outcome, s.kind), v.outcome, v.failure?.message ?? ''].join('\n').toLowerCase();
}

/** "3 agents", or "7 subjects" when several kinds are listed. */
function countNoun(n: number, kinds: ReadonlySet<SubjectKind>): string {
  if (kinds.size === 1) {
    const [k] = kinds;
    return KIND_NOUN[k][n === 1 ? 0 : 1];
  }
  return n === 1 ? 'subject' : 'subjects';
}

export interface SubjectListOptions {
  container: HTMLElement;
  countLabel: HTMLElement;
  onSelect(ref: SubjectRef, how: 'click' | 'key'): void;
  onActivate(ref: SubjectRef): void;
}

const sameRef = (a: SubjectRef | null, b: SubjectRef | null): boolean => !!a && !!b && a.kind === b.kind && a.key === b.key;
const refOf = (e: ListEntry): SubjectRef => ({ kind: e.subject.kind, key: e.subject.key });

export class SubjectList {
  private all: ListEntry[] = [];
  private haystack = new Map<object, string>();
  private shown: ListEntry[] = [];
  private readonly spacer: HTMLDivElement;
  private readonly rows: Row[] = [];
  private selected: SubjectRef | null = null;
  private filterText = '';
  private sortKey: SortKey = 'outcome';
  private kind: KindFilter = 'all';
  private onlyFailures = false;
  private frame = 0;

  constructor(private readonly opts: SubjectListOptions) {
    const doc = opts.container.ownerDocument;
    this.spacer = doc.createElement('div');
    this.spacer.className = 'ws-list-spacer';
    opts.container.style.setProperty('--ws-row-height', `${ROW_HEIGHT}px`);
    opts.container.append(this.spacer);
    opts.container.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    opts.container.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleRender()).observe(opts.container);
  }

  /**
   * Shows the document's subjects, keeping the filters, sort, selection and scroll position (anchored on the
   * selected row when it is in view). Subjects that are the same objects as before (a live update that did not
   * touch them) keep their search text and drawn rows.
   */
  setData(doc: AnalysisDocument): void {
    // A selected row in view stays where it is on screen, even when rows are added or move above it (live).
    const c = this.opts.container;
    const before = this.indexOf(this.selected);
    const offset = before * ROW_HEIGHT - c.scrollTop;
    const inView = before >= 0 && offset > -ROW_HEIGHT && offset < c.clientHeight;
    this.all = allSubjects(doc);
    const next = new Map<object, string>();
    for (const e of this.all) next.set(e.subject.value, this.haystack.get(e.subject.value) ?? searchText(e.subject));
    this.haystack = next;
    this.refresh();
    if (inView) {
      const after = this.indexOf(this.selected);
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

  setKind(kind: KindFilter): void {
    this.kind = kind;
    this.refresh();
  }

  setOnlyFailures(only: boolean): void {
    this.onlyFailures = only;
    this.refresh();
  }

  /** Subjects as listed now (filtered and sorted). */
  get visible(): readonly ListEntry[] {
    return this.shown;
  }

  /** The kinds the document has (for the kind filter). */
  get kinds(): Set<SubjectKind> {
    return new Set(this.all.map((e) => e.subject.kind));
  }

  /** The kind filter under which `ref` is listed: the current one when it lists it, else "all" or its own kind. */
  kindFor(ref: SubjectRef): KindFilter {
    const e = this.all.find((x) => x.subject.kind === ref.kind && x.subject.key === ref.key);
    if (!e) return this.kind;
    if (this.kind === ref.kind || (this.kind === 'all' && e.distinct)) return this.kind;
    return e.distinct ? 'all' : ref.kind;
  }

  select(ref: SubjectRef | null, reveal = true): void {
    this.selected = ref;
    if (reveal && ref) {
      const i = this.indexOf(ref);
      if (i >= 0) this.scrollToIndex(i);
    }
    this.render();
  }

  private indexOf(ref: SubjectRef | null): number {
    if (!ref) return -1;
    return this.shown.findIndex((e) => e.subject.kind === ref.kind && e.subject.key === ref.key);
  }

  private refresh(): void {
    const terms = this.filterText.split(/\s+/).filter(Boolean);
    const pool = this.all.filter((e) => (this.kind === 'all' ? e.distinct : e.subject.kind === this.kind));
    const filtered = pool.filter((e) => {
      if (this.onlyFailures && e.subject.value.outcome !== 'failed') return false;
      const text = this.haystack.get(e.subject.value) ?? '';
      return terms.every((t) => text.includes(t));
    });
    this.shown = sortEntries(filtered, this.sortKey);
    this.spacer.style.height = `${this.shown.length * ROW_HEIGHT}px`;
    const total = pool.length;
    const noun = countNoun(total, new Set(pool.map((e) => e.subject.kind)));
    this.opts.countLabel.textContent = this.shown.length === total ? `${total} ${noun}` : `${this.shown.length} of ${total} ${noun}`;
    if (this.kind === 'all' && new Set(pool.map((e) => e.subject.kind)).size > 1) {
      const by = SUBJECT_KINDS.map((k) => [k, pool.filter((e) => e.subject.kind === k).length] as const).filter(([, n]) => n > 0);
      this.opts.countLabel.title = by.map(([k, n]) => `${n} ${KIND_NOUN[k][n === 1 ? 0 : 1]}`).join(', ');
    } else this.opts.countLabel.title = '';
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
        row.value = null;
        delete row.el.dataset.kind;
        delete row.el.dataset.key;
        delete row.el.dataset.host;
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
    const kind = doc.createElement('span');
    kind.className = 'kind-tag';
    const host = doc.createElement('span');
    host.className = 'ws-host';
    const name = doc.createElement('span');
    name.className = 'ws-name';
    line1.append(badge, kind, host, name);
    const meta = doc.createElement('div');
    meta.className = 'ws-meta';
    const failure = doc.createElement('div');
    failure.className = 'ws-failure';
    el.append(line1, meta, failure);
    const row: Row = { el, badge, kind, host, name, meta, failure, index: -1, value: null };
    el.addEventListener('click', () => {
      const e = this.shown[row.index];
      if (e) this.opts.onSelect(refOf(e), 'click');
    });
    el.addEventListener('dblclick', () => {
      const e = this.shown[row.index];
      if (e) this.opts.onActivate(refOf(e));
    });
    this.spacer.append(el);
    return row;
  }

  private fillRow(row: Row, index: number): void {
    const entry = this.shown[index];
    const s = entry.subject;
    const same = row.index === index && row.value === s.value;
    row.index = index;
    row.value = s.value;
    row.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.el.setAttribute('aria-selected', String(sameRef(refOf(entry), this.selected)));
    if (same) return;
    row.el.dataset.kind = s.kind;
    row.el.dataset.key = s.key;
    if (s.kind === 'workstation') row.el.dataset.host = s.key;
    else delete row.el.dataset.host;
    const outcome = s.value.outcome;
    row.badge.className = `badge ${outcome}`;
    row.badge.textContent = `${OUTCOME_ICON[outcome]} ${outcomeWord(outcome, s.kind)}`;
    row.kind.textContent = KIND_TAG[s.kind];
    row.kind.title = KIND_NOUN[s.kind][0];
    const meta: string[] = [];
    let failing: string;
    let note = '';
    let detail = '';
    if (s.kind === 'workstation') {
      const ws = s.value;
      row.host.textContent = ws.host;
      row.name.textContent = ws.names[0] ?? '';
      meta.push(`agent ${ws.agent.id ?? '–'}`);
      meta.push(`ext ${ws.agent.extension ?? '–'}`);
      if (ws.desktop !== 'unknown') meta.push(ws.desktop.toUpperCase());
      if (ws.loginSeconds !== null) meta.push(`login ${formatDuration(ws.loginSeconds)}`);
      failing = failingStepText(ws);
      detail = ws.failure?.message ?? '';
      const a = entry.agent;
      if (a && ws.outcome !== 'failed') {
        // The login went through the CTI OS server: say how it went for the agent tied to this desktop.
        failing = a.outcome === 'failed' ? `agent ${a.id ?? '–'} refused via ${a.via?.clientId ?? 'its CTI client'}` : '';
        note = failing ? '' : `agent ${a.id ?? '–'} ${OUTCOME_WORD[a.outcome]} via ${a.via?.clientId ?? viaText(a)}`;
        detail = a.failure?.message ?? '';
      }
    } else if (s.kind === 'agent') {
      const a = s.value;
      row.host.textContent = a.id ?? '–';
      row.name.textContent = agentDeviceText(a) ?? '';
      if (a.instrument && a.instrument !== a.extension) meta.push(`instrument ${a.instrument}`);
      meta.push(`via ${viaText(a)}`);
      if (a.desktop) meta.push(`desktop ${a.desktop}`);
      if (a.state) meta.push(a.state);
      failing = outcome === 'logged-in' ? '' : causeText(s);
    } else {
      const c = s.value;
      row.host.textContent = c.host;
      row.name.textContent = c.clientId ?? '';
      if (c.version !== null) meta.push(`v${c.version}`);
      meta.push(c.servers.length ? c.servers.join(', ') : 'no server');
      meta.push(`${c.agents} agent${c.agents === 1 ? '' : 's'}`);
      failing = outcome === 'logged-in' ? '' : causeText(s);
    }
    row.meta.textContent = meta.join(' · ');
    if (s.kind !== 'agent') {
      const pattern = patternOf(s.value.findings);
      if (pattern && failing) {
        failing = `${failing} · ${pattern.text}`;
        detail = [detail, pattern.finding.message].filter(Boolean).join(' ');
      } else if (pattern && !note) {
        note = pattern.text;
        detail = pattern.finding.message;
      }
    }
    row.failure.textContent = failing ? `${outcome === 'failed' ? '✗ ' : ''}${failing}` : note;
    row.failure.title = [failing || note, detail].filter(Boolean).join(': ');
    row.failure.classList.toggle('note', !failing && !!note);
    // Not seen is not refused: an incomplete subject's line is amber, as its badge is.
    row.failure.classList.toggle('incomplete', !!failing && outcome === 'incomplete');
  }

  private onKey(e: KeyboardEvent): void {
    if (this.shown.length === 0) return;
    let i = this.indexOf(this.selected);
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
    this.opts.onSelect(refOf(this.shown[i]), 'key');
  }
}
