/**
 * ctiscope web UI: wires the file input and drop zone, the analysis worker, the subject list (agents, CTI
 * clients, workstations), the timeline, the details pane and the summary, and keeps the selection and zoom in
 * the URL hash.
 *
 * Data comes from (1) a capture dropped or chosen here, analysed in a Web Worker (nothing is uploaded),
 * (2) an analysis JSON from `ctiscope analyze --json`, (3) the document `ctiscope ui FILE` serves at
 * api/analysis, with its decoded messages at api/messages, or (4) a live capture (`ctiscope ui --live`,
 * `ctiscope lab --ui`): api/analysis then carries an x-ctiscope-live header and the page follows api/live,
 * redrawing what changed without losing the selection, the zoom or the scroll positions.
 */

import { ANALYSIS_SCHEMA_ID, ANALYSIS_SCHEMA_V1, type AnalysisDocument, type Outcome } from '../../src/timeline/model.js';
import { formatDuration, lostAfterLogin, otherStartupsText } from '../../src/timeline/format.js';
import { renderFinding, renderMessage, renderStep, type DetailsContext } from './details.js';
import { exportPng, exportSvg } from './export.js';
import { formatHash, linkedSubject, linkSubject, parseHash, type LinkState } from './hash.js';
import { PHASE_LABELS } from './lanes.js';
import { SubjectList, type KindFilter, type SortKey } from './list.js';
import type { StoredMessage } from './message-store.js';
import { outcomeBadge } from './outcome.js';
import { addChanges, applyDelta, liveStatusText, mergeMessages, type Changed, type LiveDeltaEvent, type LiveFullEvent, type LiveStatus } from './live.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { SequenceFlow } from '../../src/timeline/sequence/model.js';
import { renderAgentOverview, renderCtiClientOverview, renderWorkstationOverview, type OverviewActions } from './subject-details.js';
import { agentsOfCtiClient, agentsOfDesktop, agentTitle, findSubject, groupOf, isAnalysisDocument, KIND_NOUN, normalizeDocument, ownGroup, timelineView, viaText, type Subject, type SubjectRef, type TimelineView } from './subjects.js';
import { renderSummary } from './summary.js';
import { Timeline, sameItem, type TimelineItem } from './timeline.js';
import { SequenceView } from './sequence.js';
import { downloadEvidence, evidenceTarget } from './evidence.js';
import { appendExplanation } from './explain.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

type MessageSource = 'worker' | 'server' | 'none';

interface HostMessages {
  messages: StoredMessage[];
  total: number;
  /** The host's TCP connections, when the analysis kept them (a dropped capture, `ctiscope ui FILE`): the sequence's connect and close rows. */
  flows?: SequenceFlow[];
}

const app = {
  doc: null as AnalysisDocument | null,
  sourceName: '',
  /** The file being read (the capture on show keeps its name until the new one is analysed). */
  loadingName: '',
  messageSource: 'none' as MessageSource,
  messages: new Map<string, HostMessages>(),
  link: parseHash(location.hash),
  detailsItem: null as TimelineItem | null,
  requestId: 0,
};

/** The subject and zoom of the link the page was opened with (`#ws=…`), until the first capture shown takes them. */
const openedWith = linkedSubject(app.link);
let openingLink: { ref: SubjectRef; window: [number, number] | null } | null = openedWith ? { ref: openedWith, window: app.link.window } : null;

const body = document.body;
const setState = (s: 'empty' | 'loading' | 'ready' | 'error'): void => {
  body.dataset.state = s;
};
setState('empty');

// ---------- worker ----------

let worker: Worker | null = null;
const pendingMessageRequests = new Map<number, (r: HostMessages) => void>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'ctiscope-analysis' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorkerMessage(e.data);
  worker.onerror = (e) => {
    showError(`The analysis worker failed: ${e.message || 'unknown error'}`);
    hideProgress();
    setState('error');
  };
  return worker;
}

function post(msg: ToWorker): void {
  getWorker().postMessage(msg);
}

function onWorkerMessage(msg: FromWorker): void {
  switch (msg.type) {
    case 'progress':
      showProgress(msg.bytesRead, msg.totalBytes, `${msg.packets.toLocaleString()} packets`);
      break;
    case 'done':
      hideProgress();
      setDocument(msg.doc, msg.name, 'worker');
      $('source-name').title = `analysed in this tab in ${msg.elapsed.toFixed(2)} s`;
      break;
    case 'error':
      hideProgress();
      setState(app.doc ? 'ready' : 'error');
      // The capture on show (if any) stays, and keeps working: the worker kept its file and messages.
      showError(
        msg.reference
          ? `Could not read the capture to compare with, ${msg.name}: ${msg.message}`
          : `Could not analyse ${msg.name ?? app.sourceName}: ${msg.message}${app.doc ? ` (still showing ${app.sourceName})` : ''}`,
      );
      break;
    case 'reference':
      hideProgress();
      sequence.setReference(msg.doc, msg.name);
      break;
    case 'evidence':
      if (msg.bytes && msg.fileName) downloadEvidence(msg.bytes, msg.fileName);
      else showError(`No evidence for the ${KIND_NOUN[msg.subject.kind][0]} ${msg.subject.key}: ${msg.error ?? 'unknown error'}`);
      break;
    case 'messages': {
      const resolve = pendingMessageRequests.get(msg.requestId);
      pendingMessageRequests.delete(msg.requestId);
      resolve?.({ messages: msg.messages, total: msg.total, ...(msg.flows ? { flows: msg.flows } : {}) });
      break;
    }
  }
}

// ---------- loading ----------

async function loadFile(file: File): Promise<void> {
  clearError();
  stopLive();
  app.loadingName = file.name;
  const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  if (/\.json$/i.test(file.name) || head[0] === 0x7b) {
    try {
      const doc: unknown = JSON.parse(await file.text());
      // Documents of the previous version (no agents, no CTI clients) open too.
      if (!isAnalysisDocument(doc)) {
        throw new Error(`not an analysis document (expected "schema": "${ANALYSIS_SCHEMA_ID}" or "${ANALYSIS_SCHEMA_V1}"; produce one with ctiscope analyze --json)`);
      }
      setDocument(normalizeDocument(doc), file.name, 'none');
    } catch (e) {
      showError(`${file.name}: ${(e as Error).message}`);
    }
    return;
  }
  setState('loading');
  showProgress(0, file.size, 'starting');
  const showSecrets = $<HTMLInputElement>('show-secrets').checked;
  post({ type: 'analyze', file, name: file.name, showSecrets });
}

async function loadServerDocument(): Promise<void> {
  let res: Response;
  try {
    res = await fetch('api/analysis', { headers: { accept: 'application/json' } });
  } catch {
    return;
  }
  // A live capture: the event stream brings the document (at once) and every change after it.
  if (res.headers.get('x-ctiscope-live')) return startLive();
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return;
  const doc: unknown = await res.json();
  if (!isAnalysisDocument(doc)) return;
  setDocument(normalizeDocument(doc), doc.source.files.join(', '), 'server');
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** A host's decoded messages (those of the flows it is the client of) from the server; with `after`, only those numbered above it. */
function fetchServerMessages(host: string, after = -1): Promise<HostMessages & { limits?: { head: number; tail: number } }> {
  return fetch(`api/messages?host=${encodeURIComponent(host)}${after >= 0 ? `&after=${after}` : ''}`)
    .then((r) => (r.ok ? r.json() : { messages: [], total: 0 }))
    .then((j: { messages: (StoredMessage & { raw?: unknown })[]; total: number; limits?: { head: number; tail: number }; flows?: SequenceFlow[] }) => ({
      total: j.total,
      limits: j.limits,
      ...(Array.isArray(j.flows) ? { flows: j.flows } : {}),
      messages: j.messages.map((m) => ({ ...m, raw: typeof m.raw === 'string' ? hexToBytes(m.raw) : undefined })),
    }))
    .catch(() => ({ messages: [], total: 0 }));
}

function requestMessages(host: string): Promise<HostMessages> {
  const cached = app.messages.get(host);
  if (cached) return Promise.resolve(cached);
  let result: Promise<HostMessages>;
  if (app.messageSource === 'worker') {
    const requestId = ++app.requestId;
    result = new Promise((resolve) => pendingMessageRequests.set(requestId, resolve));
    post({ type: 'messages', host, requestId });
  } else if (app.messageSource === 'server') {
    result = fetchServerMessages(host);
  } else {
    result = Promise.resolve({ messages: [], total: 0 });
  }
  return result.then((r) => {
    if (app.messageSource !== 'none') app.messages.set(host, r);
    return r;
  });
}

// ---------- live capture ----------

const live = {
  on: false,
  source: null as EventSource | null,
  /** Number of the document the page holds (deltas name the one they were made from). */
  seq: 0,
  /** The newest document received and the workstations changed since the last drawing. */
  doc: null as AnalysisDocument | null,
  changed: null as Changed | null,
  frame: 0,
  status: null as LiveStatus | null,
  /** A status that arrived with (or after) a document not drawn yet: shown with it, so words and picture agree. */
  pendingStatus: null as LiveStatus | null,
  limits: { head: 600, tail: 200 },
  fetching: false,
  fetchAgain: false,
  lastFetch: 0,
  fetchTimer: 0,
};

function startLive(): void {
  if (live.source) return;
  live.on = true;
  live.seq = 0;
  body.dataset.live = 'capturing';
  const es = new EventSource('api/live');
  live.source = es;
  es.addEventListener('analysis', (e) => {
    const j = JSON.parse((e as MessageEvent<string>).data) as LiveFullEvent;
    live.seq = j.seq;
    queueLiveDocument(normalizeDocument(j.doc), 'all', j.status);
  });
  es.addEventListener('delta', (e) => {
    const j = JSON.parse((e as MessageEvent<string>).data) as LiveDeltaEvent;
    const next = applyDelta(live.doc ?? app.doc, live.seq, j);
    if (!next) {
      // Missed a document (should not happen on one connection): start over, the server sends the whole one.
      es.close();
      live.source = null;
      startLive();
      return;
    }
    live.seq = j.seq;
    queueLiveDocument(normalizeDocument(next), new Set(j.changed.map((w) => w.host)), j.status);
  });
  es.addEventListener('status', (e) => {
    const status = JSON.parse((e as MessageEvent<string>).data) as LiveStatus;
    const more = status.packets !== (live.pendingStatus ?? live.status)?.packets;
    setLiveStatus(status);
    // Packets that changed no step (heartbeats) still bring messages for the ladder and the details.
    if (more) scheduleLiveMessages();
  });
  es.addEventListener('end', () => {
    es.close();
    live.source = null;
    const last = live.pendingStatus ?? live.status;
    if (last) setLiveStatus({ ...last, state: 'stopped' });
  });
  es.onerror = () => {
    // The browser reconnects by itself (the server then sends the whole document again).
    if (es.readyState === EventSource.CONNECTING && live.status) showLiveStatus(live.status, true);
    if (es.readyState === EventSource.CLOSED) live.source = null;
  };
}

/** Leaves live mode (a file was opened on the page). */
function stopLive(): void {
  live.source?.close();
  live.source = null;
  live.on = false;
  live.doc = null;
  live.changed = null;
  live.pendingStatus = null;
  cancelAnimationFrame(live.frame);
  live.frame = 0;
  $('live-status').hidden = true;
  delete body.dataset.live;
}

function setLiveStatus(status: LiveStatus): void {
  if (live.frame) live.pendingStatus = status;
  else showLiveStatus(status);
}

function showLiveStatus(status: LiveStatus, reconnecting = false): void {
  live.status = status;
  const el = $('live-status');
  el.hidden = false;
  el.textContent = liveStatusText(status, reconnecting);
  el.title = status.filter ? `capture filter: ${status.filter}` : 'no capture filter';
  el.dataset.state = reconnecting ? 'reconnecting' : status.state;
  body.dataset.live = status.state;
}

/** Documents can arrive faster than frames (a hidden tab draws none): only the newest is drawn, once per frame. */
function queueLiveDocument(doc: AnalysisDocument, changed: Changed, status: LiveStatus): void {
  live.doc = doc;
  live.changed = addChanges(live.changed, changed);
  live.pendingStatus = status;
  if (live.frame) return;
  live.frame = requestAnimationFrame(() => {
    live.frame = 0;
    const next = live.doc;
    const what = live.changed;
    const words = live.pendingStatus;
    live.doc = null;
    live.changed = null;
    live.pendingStatus = null;
    if (next && what) drawLiveDocument(next, what);
    if (words) showLiveStatus(words);
  });
}

function drawLiveDocument(doc: AnalysisDocument, changed: Changed): void {
  if (!app.doc || app.messageSource !== 'server') {
    setDocument(doc, doc.source.files.join(', '), 'server');
    return;
  }
  app.doc = doc;
  $('source-name').textContent = `${doc.source.files.join(', ')} — ${doc.summary.message}`;
  // Messages kept for hosts not shown are fetched again when one is selected.
  const shownHosts = new Set(timeline.view?.messageHosts ?? []);
  for (const host of [...app.messages.keys()]) if (!shownHosts.has(host) && (changed === 'all' || changed.has(host))) app.messages.delete(host);
  list.setData(doc);
  const selected = findSubject(doc, linkedSubject(app.link));
  if (!selected) {
    // Nothing shown yet: the first subject to appear is selected, as when a file is opened.
    const first = list.visible[0]?.subject;
    if (first && !timeline.view) {
      $('empty').hidden = true;
      applyView();
      selectSubject({ kind: first.kind, key: first.key }, { window: null, reveal: false });
    }
  } else if (
    changed === 'all' ||
    // Agents and CTI clients come whole with every document; a workstation only when it changed.
    selected.kind !== 'workstation' ||
    changed.has(selected.key) ||
    timeline.view?.subject.value !== selected.value
  ) {
    redrawSelected(selected);
  }
  if (app.link.view === 'summary') {
    const pane = $('summary-view');
    const scroll = pane.scrollTop;
    applyView();
    pane.scrollTop = scroll;
  }
  scheduleLiveMessages();
}

/** The messages a view draws: those kept for each of its hosts, in time order. */
/** The view's hosts' TCP connections; undefined when the page has none of them (the sequence then takes its steps'). */
function viewFlows(view: TimelineView): SequenceFlow[] | undefined {
  const lists = view.messageHosts.map((h) => app.messages.get(h)?.flows);
  if (lists.some((l) => l === undefined)) return undefined;
  return lists.flat() as SequenceFlow[];
}

function viewMessages(view: TimelineView): StoredMessage[] {
  const lists = view.messageHosts.map((h) => app.messages.get(h)?.messages ?? []);
  if (lists.length === 1) return lists[0];
  return lists.flat().sort((a, b) => a.time - b.time);
}

/** The selected subject changed: header, timeline (same zoom, same focus) and details (same item, same scroll). */
function redrawSelected(s: Subject): void {
  const view = timelineView(app.doc!, s);
  renderSubjectHeader(s);
  if (timeline.view && timeline.view.ref.kind === s.kind && timeline.view.ref.key === s.key) timeline.update(view, viewMessages(view));
  else timeline.show(view, { messages: viewMessages(view), ladder: app.link.ladder, compress: app.link.compress, window: app.link.window });
  showSequence();
  redrawDetails(view);
}

function redrawDetails(view: TimelineView): void {
  const pane = $('details');
  const scroll = pane.scrollTop;
  const item = app.detailsItem;
  if (!item) renderOverview(view);
  else if (item.kind === 'step') {
    const step = groupOf(view, item.group)?.steps.find((s) => s.id === item.step.id);
    if (step) openItem({ kind: 'step', step, group: item.group, time: step.start });
  } else if (item.kind === 'finding') {
    const finding = view.findings[item.index];
    if (finding) openItem({ kind: 'finding', finding, index: item.index, time: item.time });
  }
  // A message's details do not change.
  pane.scrollTop = scroll;
  const focused = timeline.focusedItem();
  if (focused && app.detailsItem && !sameItem(focused, app.detailsItem)) timeline.focusItem((it) => sameItem(it, app.detailsItem!));
}

/** Fetches the selected subject's new messages (those of its first host): at most every half second, one request at a time. */
function scheduleLiveMessages(): void {
  const host = timeline.view?.messageHosts[0];
  if (!live.on || app.messageSource !== 'server' || !host) return;
  if (live.fetching) {
    live.fetchAgain = true;
    return;
  }
  const wait = live.lastFetch + 500 - performance.now();
  if (wait > 0) {
    if (!live.fetchTimer) live.fetchTimer = window.setTimeout(() => {
      live.fetchTimer = 0;
      scheduleLiveMessages();
    }, wait);
    return;
  }
  const kept = app.messages.get(host);
  // Without a first full fetch (requestMessages is on it), wait for that one.
  if (!kept) return;
  live.fetching = true;
  live.lastFetch = performance.now();
  const after = kept.messages.length ? kept.messages[kept.messages.length - 1].seq : -1;
  void fetchServerMessages(host, after).then((r) => {
    live.fetching = false;
    if (r.limits) live.limits = r.limits;
    const current = app.messages.get(host);
    if (current && r.messages.length) {
      const merged = { ...current, messages: mergeMessages(current.messages, r.messages, live.limits), total: r.total };
      app.messages.set(host, merged);
      const view = timeline.view;
      if (view?.messageHosts.includes(host)) {
        timeline.setMessages(viewMessages(view));
        if (app.detailsItem?.kind === 'step') redrawDetails(view);
      }
    }
    if (live.fetchAgain) {
      live.fetchAgain = false;
      scheduleLiveMessages();
    }
  });
}

// ---------- document ----------

function setDocument(doc: AnalysisDocument, name: string, source: MessageSource): void {
  app.doc = doc;
  app.sourceName = name;
  app.messageSource = source;
  app.messages.clear();
  app.detailsItem = null;
  $('source-name').textContent = `${name} — ${doc.summary.message}`;
  $('empty').hidden = true;
  list.setData(doc);
  syncKindFilter();
  // The link the page was opened with is for the first capture it shows; a capture opened after it starts at its
  // own first subject (the list's order), whatever the previous one had selected.
  const opening = openingLink;
  openingLink = null;
  const linked = opening && findSubject(doc, opening.ref) ? opening.ref : null;
  const first = list.visible[0]?.subject;
  const wanted: SubjectRef | null = linked ?? (first ? { kind: first.kind, key: first.key } : null);
  const window = linked ? opening!.window : null;
  if (!wanted) linkSubject(app.link, null);
  setState('ready');
  applyView();
  if (wanted) selectSubject(wanted, { window, reveal: true });
  else {
    syncEvidenceButton();
    $('timeline-view').hidden = true;
    $('details').replaceChildren(
      paragraph(
        live.on ? 'Waiting for a desktop: no login traffic to a known desktop service yet.' : 'No workstation, agent or CTI client in this capture: no login traffic to a known desktop service was found.',
        'muted',
      ),
    );
  }
}

/** The kind filter offers the kinds the document has. */
function syncKindFilter(): void {
  const kinds = list.kinds;
  const select = $<HTMLSelectElement>('kind-filter');
  for (const option of Array.from(select.options)) option.disabled = option.value !== 'all' && !kinds.has(option.value as Subject['kind']);
  if (select.selectedOptions[0]?.disabled) {
    select.value = 'all';
    list.setKind('all');
  }
}

function paragraph(text: string, cls?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  if (cls) p.className = cls;
  p.textContent = text;
  return p;
}

function sameRef(a: SubjectRef | null | undefined, b: SubjectRef | null | undefined): boolean {
  return !!a && !!b && a.kind === b.kind && a.key === b.key;
}

function selectSubject(ref: SubjectRef, opts: { window?: [number, number] | null; reveal?: boolean } = {}): void {
  const s = findSubject(app.doc, ref);
  if (!s) return;
  const changed = !sameRef(linkedSubject(app.link), ref) || timeline.view?.subject.value !== s.value;
  linkSubject(app.link, ref);
  // The list shows the selection: a subject the kind filter hides (a CAD desktop's own agent) brings its kind in.
  const kind = list.kindFor(ref);
  const kindSelect = $<HTMLSelectElement>('kind-filter');
  if (kindSelect.value !== kind) {
    kindSelect.value = kind;
    list.setKind(kind);
  }
  list.select(ref, opts.reveal ?? true);
  if (changed || opts.window !== undefined) {
    const view = timelineView(app.doc!, s);
    renderSubjectHeader(s);
    if (app.link.view === 'timeline') {
      $('timeline-view').hidden = false;
    }
    const missing = view.messageHosts.filter((h) => !app.messages.has(h));
    timeline.show(view, { messages: viewMessages(view), ladder: app.link.ladder, compress: app.link.compress, window: opts.window ?? null });
    showSequence();
    app.link.window = opts.window ?? null;
    app.detailsItem = null;
    renderOverview(view);
    body.dataset.messages = missing.length === 0 || app.messageSource === 'none' ? 'ready' : 'loading';
    if (missing.length && app.messageSource !== 'none') {
      void Promise.all(missing.map((h) => requestMessages(h))).then(() => {
        const now = timeline.view;
        if (!now || !sameRef(now.ref, ref)) return;
        timeline.setMessages(viewMessages(now));
        showSequence();
        body.dataset.messages = 'ready';
        if (app.detailsItem?.kind === 'step') openItem(app.detailsItem);
      });
    }
  }
  syncEvidenceButton();
  writeHash();
}

/**
 * The evidence button, for the subject on show: hidden where the page holds no capture bytes to cut it from (an
 * analysis JSON, a served document: only the worker holds a dropped file's), disabled with the reason where the
 * subject has no host to cut it for.
 */
function syncEvidenceButton(): void {
  const button = $<HTMLButtonElement>('export-evidence');
  const ref = linkedSubject(app.link);
  button.hidden = app.messageSource !== 'worker' || !app.doc || !ref;
  if (button.hidden || !app.doc || !ref) return;
  const target = evidenceTarget(app.doc, ref);
  button.disabled = typeof target === 'string';
  button.title = typeof target === 'string' ? `No evidence: ${target}` : `Download ${target.description} as a pcapng, findings as packet comments; built in this tab`;
}

function failureBanner(failure: { message: string } | null, outcome: Outcome, failedPhase: keyof typeof PHASE_LABELS | null, afterLogin = false): HTMLElement | null {
  if (!failure && outcome !== 'failed') return null;
  const banner = document.createElement('div');
  banner.className = 'failure-banner';
  const strong = document.createElement('strong');
  strong.textContent = afterLogin ? '✗ Logged in, then lost its CTI session: ' : `✗ Failed at ${failedPhase ? PHASE_LABELS[failedPhase] : 'an unknown phase'}: `;
  banner.append(strong, document.createTextNode(failure?.message ?? 'see the findings below'));
  return banner;
}

function renderSubjectHeader(s: Subject): void {
  const header = $('ws-header');
  header.dataset.kind = s.kind;
  const title = document.createElement('div');
  title.className = 'ws-title';
  const h2 = document.createElement('h2');
  const meta = document.createElement('span');
  meta.className = 'muted';
  let parts: string[];
  let banner: HTMLElement | null;
  if (s.kind === 'workstation') {
    const ws = s.value;
    h2.textContent = ws.host;
    parts = [ws.names.join(', '), `agent ${ws.agent.id ?? '–'}`, `ext ${ws.agent.extension ?? '–'}`, ws.desktop !== 'unknown' ? ws.desktop.toUpperCase() : '', ws.loginSeconds !== null ? `login in ${formatDuration(ws.loginSeconds)}` : '', ws.startup ? `start-up ${ws.startup.index} of ${ws.startup.count} (${otherStartupsText(ws.startup)})` : ''];
    banner = failureBanner(ws.failure, ws.outcome, ws.failedPhase, lostAfterLogin(ws));
  } else if (s.kind === 'agent') {
    const a = s.value;
    h2.textContent = `agent ${agentTitle(a)}`;
    parts = [`via ${viaText(a)}`, a.via ? `CTI server ${a.via.server}` : '', a.desktop ? `desktop ${a.desktop}` : 'no desktop seen', a.state ? `state ${a.state}` : '', `${a.attempts.length} login attempt${a.attempts.length === 1 ? '' : 's'}`];
    banner = failureBanner(a.failure, a.outcome, a.failedPhase, lostAfterLogin(a));
  } else {
    const c = s.value;
    h2.textContent = `${c.clientId ?? '?'} @ ${c.host}`;
    parts = [c.names.join(', '), c.version !== null ? `protocol ${c.version}` : '', c.servers.join(', '), `${c.agents} agent${c.agents === 1 ? '' : 's'}`];
    banner = failureBanner(c.failure, c.outcome, c.failure?.phase ?? null);
  }
  meta.textContent = parts.filter(Boolean).join(' · ');
  const kind = document.createElement('span');
  kind.className = 'kind-tag';
  kind.textContent = KIND_NOUN[s.kind][0];
  title.append(kind, h2, outcomeBadge(document, s.value.outcome, s.kind), meta);
  header.replaceChildren(...(banner ? [title, banner] : [title]));
}

/** The details context of an item: its group's subject (an agent's CTI client lane shows the CTI client's). */
function detailsContext(view: TimelineView, group = 'own'): DetailsContext {
  const g = groupOf(view, group) ?? ownGroup(view);
  return {
    subject: { start: g.start, steps: g.steps, findings: g.findings },
    messages: viewMessages(view),
    messagesKnown: app.messageSource !== 'none' && view.messageHosts.length > 0 && view.messageHosts.every((h) => app.messages.has(h)),
    framesOnly: !g.allMessages,
    openStep: (step) => {
      timeline.focusItem((it) => it.kind === 'step' && it.step.id === step.id && it.group === g.id);
      openItem({ kind: 'step', step, group: g.id, time: step.start });
    },
    openMessage: (m: StoredMessage) => openItem({ kind: 'message', message: m, time: m.time }),
  };
}

/** With nothing selected: the subject at a glance, its findings clickable. */
function renderOverview(view: TimelineView): void {
  const pane = $('details');
  app.detailsItem = null;
  delete pane.dataset.kind;
  const actions: OverviewActions = {
    openFinding: (f, index) => {
      timeline.focusItem((it) => it.kind === 'finding' && it.index === index);
      openItem({ kind: 'finding', finding: f, index, time: 0 });
    },
    openStep: (step) => {
      timeline.focusItem((it) => it.kind === 'step' && it.step.id === step.id && it.group === 'own');
      openItem({ kind: 'step', step, group: 'own', time: step.start });
    },
    openSubject: (ref) => selectSubject(ref, { window: null }),
  };
  const s = view.subject;
  if (s.kind === 'workstation') renderWorkstationOverview(pane, s.value, agentsOfDesktop(app.doc!, s.value.host), actions);
  else if (s.kind === 'agent') renderAgentOverview(pane, s.value, actions);
  else renderCtiClientOverview(pane, s.value, agentsOfCtiClient(app.doc!, s.value), actions);
  pane.dataset.subject = s.kind;
}

function openItem(item: TimelineItem): void {
  const view = timeline.view;
  if (!view) return;
  app.detailsItem = item;
  const pane = $('details');
  const ctx = detailsContext(view, item.kind === 'step' ? item.group : 'own');
  if (item.kind === 'step') {
    renderStep(pane, item.step, ctx);
    appendExplanation(pane, item.step);
  }
  else if (item.kind === 'finding') renderFinding(pane, item.finding, ctx);
  else renderMessage(pane, item.message, ctx);
  pane.dataset.kind = item.kind;
  pane.scrollTop = 0;
}

// ---------- views ----------

function applyView(): void {
  const summary = app.link.view === 'summary';
  $('view-timeline').setAttribute('aria-selected', String(!summary && !sequenceOn));
  $('view-sequence').setAttribute('aria-selected', String(!summary && sequenceOn));
  $('view-summary').setAttribute('aria-selected', String(summary));
  body.dataset.seq = sequenceOn && !summary ? 'on' : 'off';
  $('sequence-view').hidden = !sequenceOn || summary;
  showSequence();
  $('summary-view').hidden = !summary || !app.doc;
  $('timeline-view').hidden = summary || !app.doc || !linkedSubject(app.link);
  if (summary && app.doc) {
    renderSummary($('summary-view'), app.doc, {
      filterOutcome: (outcome: Outcome, kind?: KindFilter) => {
        if (kind) {
          $<HTMLSelectElement>('kind-filter').value = kind;
          list.setKind(kind);
        }
        const only = $<HTMLInputElement>('only-failures');
        only.checked = outcome === 'failed';
        list.setOnlyFailures(only.checked);
        const filter = $<HTMLInputElement>('filter');
        filter.value = outcome === 'failed' ? '' : outcome;
        list.setFilter(filter.value);
      },
      openSubject: (ref: SubjectRef) => {
        app.link.view = 'timeline';
        applyView();
        selectSubject(ref, { window: null });
      },
    });
  }
  writeHash();
}

let hashTimer = 0;
let writingHash = false;
function writeHash(): void {
  clearTimeout(hashTimer);
  hashTimer = window.setTimeout(() => {
    const text = formatHash(app.link);
    if (text !== location.hash && !(text === '' && location.hash === '')) {
      writingHash = true;
      history.replaceState(null, '', text || location.pathname + location.search);
      writingHash = false;
    }
  }, 150);
}

window.addEventListener('hashchange', () => {
  if (writingHash) return;
  const next: LinkState = parseHash(location.hash);
  const viewChanged = next.view !== app.link.view;
  const ladderChanged = next.ladder !== app.link.ladder;
  const compressChanged = next.compress !== app.link.compress;
  app.link.view = next.view;
  app.link.ladder = next.ladder;
  app.link.compress = next.compress;
  $<HTMLInputElement>('ladder-toggle').checked = next.ladder;
  $<HTMLInputElement>('compress-toggle').checked = next.compress;
  if (viewChanged) applyView();
  if (ladderChanged) timeline.setLadder(next.ladder);
  if (compressChanged) timeline.setCompress(next.compress);
  const ref = linkedSubject(next);
  // A link edited before any capture is shown is the one the first capture opens with.
  if (!app.doc) openingLink = ref ? { ref, window: next.window } : null;
  if (ref && (!sameRef(ref, linkedSubject(app.link)) || JSON.stringify(next.window) !== JSON.stringify(app.link.window))) {
    selectSubject(ref, { window: next.window });
  }
});

// ---------- progress and errors ----------

function showProgress(done: number, total: number, text: string): void {
  $('progress').hidden = false;
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  $('progress-fill').style.width = `${pct.toFixed(1)}%`;
  $('progress-text').textContent = `${app.loadingName || app.sourceName}: ${pct.toFixed(0)} % · ${text}`;
}

function hideProgress(): void {
  $('progress').hidden = true;
}

let errorTimer = 0;
function showError(message: string): void {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = window.setTimeout(() => (box.hidden = true), 10_000);
}

function clearError(): void {
  $('error').hidden = true;
}

// ---------- components ----------

const list = new SubjectList({
  container: $('ws-list'),
  countLabel: $('list-count'),
  onSelect: (ref) => {
    if (app.link.view !== 'timeline') {
      app.link.view = 'timeline';
      applyView();
    }
    selectSubject(ref, { window: null });
  },
  onActivate: (ref) => {
    selectSubject(ref);
    $('timeline').focus();
  },
});

// The sequence view shares the timeline's selection; it is a way of looking, not kept in the URL.
let sequenceOn = false;
const sequence = new SequenceView(
  $('sequence-view'),
  (m) => openItem({ kind: 'message', message: m, time: m.time }),
  (file) => {
    app.loadingName = file.name;
    showProgress(0, file.size, 'reading for the comparison');
    post({ type: 'analyze', file, name: file.name, showSecrets: false, reference: true });
  },
  (id) => {
    const step = timeline.view?.subject.value.steps.find((s) => s.id === id);
    if (step) openItem({ kind: 'step', step, group: 'own', time: step.start });
  },
);
function showSequence(): void {
  const view = timeline.view;
  if (!sequenceOn || !view || app.link.view !== 'timeline') return;
  // A host's messages beyond the first and last ones kept (message-store.ts) are not in the page.
  const left = view.messageHosts.reduce((n, h) => {
    const kept = app.messages.get(h);
    return n + (kept ? Math.max(0, kept.total - kept.messages.length) : 0);
  }, 0);
  sequence.show(view.subject, viewMessages(view), app.doc, left, viewFlows(view));
}

const timeline = new Timeline({
  container: $('timeline'),
  onSelect: (item) => openItem(item),
  onWindow: (window) => {
    app.link.window = window;
    writeHash();
  },
});

$<HTMLInputElement>('ladder-toggle').checked = app.link.ladder;
$<HTMLInputElement>('compress-toggle').checked = app.link.compress;

$<HTMLInputElement>('file-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file) void loadFile(file);
  input.value = '';
});
$<HTMLInputElement>('filter').addEventListener('input', (e) => list.setFilter((e.target as HTMLInputElement).value));
$<HTMLSelectElement>('sort').addEventListener('change', (e) => list.setSort((e.target as HTMLSelectElement).value as SortKey));
$<HTMLSelectElement>('kind-filter').addEventListener('change', (e) => list.setKind((e.target as HTMLSelectElement).value as KindFilter));
$<HTMLInputElement>('only-failures').addEventListener('change', (e) => list.setOnlyFailures((e.target as HTMLInputElement).checked));
$<HTMLInputElement>('ladder-toggle').addEventListener('change', (e) => {
  app.link.ladder = (e.target as HTMLInputElement).checked;
  timeline.setLadder(app.link.ladder);
  writeHash();
});
$<HTMLInputElement>('compress-toggle').addEventListener('change', (e) => {
  app.link.compress = (e.target as HTMLInputElement).checked;
  timeline.setCompress(app.link.compress);
  writeHash();
});
$('view-timeline').addEventListener('click', () => {
  app.link.view = 'timeline';
  sequenceOn = false;
  applyView();
});
$('view-sequence').addEventListener('click', () => {
  app.link.view = 'timeline';
  sequenceOn = true;
  applyView();
});
$('view-summary').addEventListener('click', () => {
  app.link.view = 'summary';
  applyView();
});
$('reset-zoom').addEventListener('click', () => timeline.resetZoom());
const exportName = (ext: string): string => `ctiscope-${(linkedSubject(app.link)?.key ?? 'timeline').replace(/[^\w.-]+/g, '_')}.${ext}`;
// In the sequence view the buttons export the sequence diagram.
const exportNode = (): SVGSVGElement | null => (sequenceOn && app.link.view === 'timeline' ? sequence.standaloneSvg() : timeline.view ? timeline.svgNode : null);
$('export-svg').addEventListener('click', () => {
  const node = exportNode();
  if (node) exportSvg(node, exportName('svg'));
});
$('export-evidence').addEventListener('click', () => {
  const ref = linkedSubject(app.link);
  if (ref && app.messageSource === 'worker') post({ type: 'evidence', subject: ref, requestId: ++app.requestId });
});
$('export-png').addEventListener('click', () => {
  const node = exportNode();
  if (node) exportPng(node, exportName('png')).catch((e: Error) => showError(e.message));
});

// Drop anywhere on the page.
let dragDepth = 0;
window.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  dragDepth++;
  $('drop-overlay').hidden = false;
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) $('drop-overlay').hidden = true;
});
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('drop-overlay').hidden = true;
  const file = e.dataTransfer?.files?.[0];
  if (file) void loadFile(file);
});

window.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
  if (e.key === '/') {
    e.preventDefault();
    $('filter').focus();
  } else if (e.key === '0' && !$('timeline').contains(target)) {
    timeline.resetZoom();
  }
});

void loadServerDocument();
