/**
 * ctiscope web UI: wires the file input and drop zone, the analysis worker, the workstation list, the
 * timeline, the details pane and the summary, and keeps the selection and zoom in the URL hash.
 *
 * Data comes from (1) a capture dropped or chosen here, analysed in a Web Worker (nothing is uploaded),
 * (2) an analysis JSON from `ctiscope analyze --json`, (3) the document `ctiscope ui FILE` serves at
 * api/analysis, with its decoded messages at api/messages, or (4) a live capture (`ctiscope ui --live`,
 * `ctiscope lab --ui`): api/analysis then carries an x-ctiscope-live header and the page follows api/live,
 * redrawing what changed without losing the selection, the zoom or the scroll positions.
 */

import { ANALYSIS_SCHEMA_ID, type AnalysisDocument, type Outcome, type Step, type Workstation } from '../../src/timeline/model.js';
import { formatDuration } from '../../src/timeline/format.js';
import { renderFinding, renderMessage, renderStep, formatClock, type DetailsContext } from './details.js';
import { exportPng, exportSvg } from './export.js';
import { formatHash, parseHash, type LinkState } from './hash.js';
import { PHASE_LABELS } from './lanes.js';
import { WorkstationList, type SortKey } from './list.js';
import type { StoredMessage } from './message-store.js';
import { outcomeBadge } from './outcome.js';
import { addChanges, applyDelta, liveStatusText, mergeMessages, type Changed, type LiveDeltaEvent, type LiveFullEvent, type LiveStatus } from './live.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { renderSummary } from './summary.js';
import { Timeline, sameItem, type TimelineItem } from './timeline.js';
import { SequenceView } from './sequence.js';
import { downloadEvidence } from './evidence.js';
import { appendExplanation } from './explain.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

type MessageSource = 'worker' | 'server' | 'none';

interface HostMessages {
  messages: StoredMessage[];
  total: number;
}

const app = {
  doc: null as AnalysisDocument | null,
  sourceName: '',
  messageSource: 'none' as MessageSource,
  messages: new Map<string, HostMessages>(),
  link: parseHash(location.hash),
  detailsItem: null as TimelineItem | null,
  requestId: 0,
};

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
      setDocument(msg.doc, app.sourceName, 'worker');
      $('source-name').title = `analysed in this tab in ${msg.elapsed.toFixed(2)} s`;
      break;
    case 'error':
      hideProgress();
      setState(app.doc ? 'ready' : 'error');
      showError(`Could not analyse ${app.sourceName}: ${msg.message}`);
      break;
    case 'reference':
      hideProgress();
      sequence.setReference(msg.doc, msg.name);
      break;
    case 'evidence':
      if (msg.bytes) downloadEvidence(msg.bytes, msg.host);
      else showError(`No evidence for ${msg.host}: ${msg.error ?? 'unknown error'}`);
      break;
    case 'messages': {
      const resolve = pendingMessageRequests.get(msg.requestId);
      pendingMessageRequests.delete(msg.requestId);
      resolve?.({ messages: msg.messages, total: msg.total });
      break;
    }
  }
}

// ---------- loading ----------

async function loadFile(file: File): Promise<void> {
  clearError();
  stopLive();
  app.sourceName = file.name;
  const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  if (/\.json$/i.test(file.name) || head[0] === 0x7b) {
    try {
      const doc = JSON.parse(await file.text()) as AnalysisDocument;
      if (doc?.schema !== ANALYSIS_SCHEMA_ID || !Array.isArray(doc.workstations)) {
        throw new Error(`not an analysis document (expected "schema": "${ANALYSIS_SCHEMA_ID}"; produce one with ctiscope analyze --json)`);
      }
      setDocument(doc, file.name, 'none');
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
  const doc = (await res.json()) as AnalysisDocument;
  if (doc?.schema !== ANALYSIS_SCHEMA_ID) return;
  setDocument(doc, doc.source.files.join(', '), 'server');
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** A workstation's decoded messages from the server; with `after`, only those numbered above it. */
function fetchServerMessages(host: string, after = -1): Promise<HostMessages & { limits?: { head: number; tail: number } }> {
  return fetch(`api/messages?host=${encodeURIComponent(host)}${after >= 0 ? `&after=${after}` : ''}`)
    .then((r) => (r.ok ? r.json() : { messages: [], total: 0 }))
    .then((j: { messages: (StoredMessage & { raw?: unknown })[]; total: number; limits?: { head: number; tail: number } }) => ({
      total: j.total,
      limits: j.limits,
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
    queueLiveDocument(j.doc, 'all', j.status);
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
    queueLiveDocument(next, new Set(j.changed.map((w) => w.host)), j.status);
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
  // Messages kept for workstations not shown are fetched again when one is selected.
  for (const host of [...app.messages.keys()]) if (host !== app.link.ws && (changed === 'all' || changed.has(host))) app.messages.delete(host);
  list.setData(doc.workstations);
  const selected = workstation(app.link.ws);
  if (!selected) {
    // Nothing shown yet: the first workstation to appear is selected, as when a file is opened.
    const first = list.visible[0]?.host;
    if (first && !timeline.workstation) {
      $('empty').hidden = true;
      applyView();
      selectWorkstation(first, { window: null, reveal: false });
    }
  } else if (changed === 'all' || changed.has(selected.host) || timeline.workstation !== selected) {
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

/** The selected workstation changed: header, timeline (same zoom, same focus) and details (same item, same scroll). */
function redrawSelected(ws: Workstation): void {
  renderWorkstationHeader(ws);
  if (timeline.workstation?.host === ws.host) timeline.update(ws, app.messages.get(ws.host)?.messages);
  else timeline.show(ws, { messages: app.messages.get(ws.host)?.messages ?? [], ladder: app.link.ladder, compress: app.link.compress, window: app.link.window });
  showSequence();
  redrawDetails(ws);
}

function redrawDetails(ws: Workstation): void {
  const pane = $('details');
  const scroll = pane.scrollTop;
  const item = app.detailsItem;
  if (!item) renderWorkstationDetails(ws);
  else if (item.kind === 'step') {
    const step = ws.steps.find((s) => s.id === item.step.id);
    if (step) openItem({ kind: 'step', step, time: step.start });
  } else if (item.kind === 'finding') {
    const finding = ws.findings[item.index];
    if (finding) openItem({ kind: 'finding', finding, index: item.index, time: item.time });
  }
  // A message's details do not change.
  pane.scrollTop = scroll;
  const focused = timeline.focusedItem();
  if (focused && app.detailsItem && !sameItem(focused, app.detailsItem)) timeline.focusItem((it) => sameItem(it, app.detailsItem!));
}

/** Fetches the selected workstation's new messages: at most every half second, one request at a time. */
function scheduleLiveMessages(): void {
  if (!live.on || app.messageSource !== 'server' || !app.link.ws) return;
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
  const host = app.link.ws;
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
      const merged = { messages: mergeMessages(current.messages, r.messages, live.limits), total: r.total };
      app.messages.set(host, merged);
      if (app.link.ws === host && timeline.workstation?.host === host) {
        timeline.setMessages(merged.messages);
        if (app.detailsItem?.kind === 'step') redrawDetails(timeline.workstation);
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
  // The evidence is cut from the dropped file's bytes, which only the worker holds.
  $('export-evidence').hidden = source !== 'worker';
  app.messages.clear();
  app.detailsItem = null;
  $('source-name').textContent = `${name} — ${doc.summary.message}`;
  $('empty').hidden = true;
  list.setData(doc.workstations);
  const wanted = app.link.ws && doc.workstations.some((w) => w.host === app.link.ws) ? app.link.ws : (list.visible[0]?.host ?? null);
  const window = wanted === app.link.ws ? app.link.window : null;
  setState('ready');
  applyView();
  if (wanted) selectWorkstation(wanted, { window, reveal: true });
  else {
    $('timeline-view').hidden = true;
    $('details').replaceChildren(
      paragraph(
        live.on ? 'Waiting for a desktop: no login traffic to a known desktop service yet.' : 'No workstation in this capture: no login traffic to a known desktop service was found.',
        'muted',
      ),
    );
  }
}

function paragraph(text: string, cls?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  if (cls) p.className = cls;
  p.textContent = text;
  return p;
}

function workstation(host: string | null): Workstation | undefined {
  return app.doc?.workstations.find((w) => w.host === host);
}

function selectWorkstation(host: string, opts: { window?: [number, number] | null; reveal?: boolean } = {}): void {
  const ws = workstation(host);
  if (!ws) return;
  const changed = app.link.ws !== host || timeline.workstation !== ws;
  app.link.ws = host;
  list.select(host, opts.reveal ?? true);
  if (changed || opts.window !== undefined) {
    const cached = app.messages.get(host);
    renderWorkstationHeader(ws);
    if (app.link.view === 'timeline') {
      $('timeline-view').hidden = false;
    }
    timeline.show(ws, { messages: cached?.messages ?? [], ladder: app.link.ladder, compress: app.link.compress, window: opts.window ?? null });
    showSequence();
    app.link.window = opts.window ?? null;
    renderWorkstationDetails(ws);
    body.dataset.messages = cached || app.messageSource === 'none' ? 'ready' : 'loading';
    if (!cached && app.messageSource !== 'none') {
      void requestMessages(host).then((r) => {
        if (app.link.ws !== host) return;
        timeline.setMessages(r.messages);
        showSequence();
        body.dataset.messages = 'ready';
        if (app.detailsItem?.kind === 'step') openItem(app.detailsItem);
      });
    }
  }
  writeHash();
}

function renderWorkstationHeader(ws: Workstation): void {
  const header = $('ws-header');
  const title = document.createElement('div');
  title.className = 'ws-title';
  const h2 = document.createElement('h2');
  h2.textContent = ws.host;
  const meta = document.createElement('span');
  meta.className = 'muted';
  meta.textContent = [ws.names.join(', '), `agent ${ws.agent.id ?? '–'}`, `ext ${ws.agent.extension ?? '–'}`, ws.desktop !== 'unknown' ? ws.desktop.toUpperCase() : '', ws.loginSeconds !== null ? `login in ${formatDuration(ws.loginSeconds)}` : '']
    .filter(Boolean)
    .join(' · ');
  title.append(h2, outcomeBadge(document, ws.outcome), meta);
  const parts: Node[] = [title];
  if (ws.failure || ws.outcome === 'failed') {
    const banner = document.createElement('div');
    banner.className = 'failure-banner';
    const strong = document.createElement('strong');
    strong.textContent = `✗ Failed at ${ws.failedPhase ? PHASE_LABELS[ws.failedPhase] : 'an unknown phase'}: `;
    banner.append(strong, document.createTextNode(ws.failure?.message ?? 'see the findings below'));
    parts.push(banner);
  }
  header.replaceChildren(...parts);
}

function detailsContext(ws: Workstation): DetailsContext {
  const kept = app.messages.get(ws.host);
  return {
    ws,
    messages: kept?.messages ?? [],
    messagesKnown: app.messageSource !== 'none' && kept !== undefined,
    openStep: (step: Step) => {
      timeline.focusItem((it) => it.kind === 'step' && it.step.id === step.id);
      openItem({ kind: 'step', step, time: step.start });
    },
    openMessage: (m: StoredMessage) => openItem({ kind: 'message', message: m, time: m.time }),
  };
}

/** With nothing selected: the workstation at a glance, its findings clickable. */
function renderWorkstationDetails(ws: Workstation): void {
  const pane = $('details');
  app.detailsItem = null;
  const h3 = document.createElement('h3');
  h3.textContent = `Workstation ${ws.host}`;
  const dl = document.createElement('dl');
  dl.className = 'kv';
  const rows: [string, string][] = [
    ['names', ws.names.join(', ')],
    ['desktop', ws.desktop],
    ['agent ID', ws.agent.id ?? '–'],
    ['extension', ws.agent.extension ?? '–'],
    ['outcome', ws.outcome],
    ['failed phase', ws.failedPhase ? PHASE_LABELS[ws.failedPhase] : ''],
    ['login duration', ws.loginSeconds !== null ? formatDuration(ws.loginSeconds) : ''],
    ['first packet', formatClock(ws.start)],
    ['steps', String(ws.steps.length)],
  ];
  for (const [k, v] of rows) {
    if (!v) continue;
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  const children: Node[] = [h3, dl];
  if (ws.findings.length) {
    const h4 = document.createElement('h4');
    h4.textContent = 'Findings';
    children.push(h4);
    ws.findings.forEach((f, index) => {
      const p = paragraph(`${f.kind}: ${f.message}`, 'sentence');
      p.tabIndex = 0;
      p.style.cursor = 'pointer';
      const open = (): void => {
        timeline.focusItem((it) => it.kind === 'finding' && it.index === index);
        openItem({ kind: 'finding', finding: f, index, time: 0 });
      };
      p.addEventListener('click', open);
      p.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      children.push(p);
    });
  }
  children.push(paragraph('Click a step, a message or a finding on the timeline for its details.', 'muted'));
  pane.replaceChildren(...children);
}

function openItem(item: TimelineItem): void {
  const ws = timeline.workstation;
  if (!ws) return;
  app.detailsItem = item;
  const pane = $('details');
  const ctx = detailsContext(ws);
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
  $('timeline-view').hidden = summary || !app.doc || !app.link.ws;
  if (summary && app.doc) {
    renderSummary($('summary-view'), app.doc, {
      filterOutcome: (outcome: Outcome) => {
        const only = $<HTMLInputElement>('only-failures');
        only.checked = outcome === 'failed';
        list.setOnlyFailures(only.checked);
        const filter = $<HTMLInputElement>('filter');
        filter.value = outcome === 'failed' ? '' : outcome;
        list.setFilter(filter.value);
      },
      openWorkstation: (host: string) => {
        app.link.view = 'timeline';
        applyView();
        selectWorkstation(host, { window: null });
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
  if (next.ws && (next.ws !== app.link.ws || JSON.stringify(next.window) !== JSON.stringify(app.link.window))) {
    selectWorkstation(next.ws, { window: next.window });
  }
});

// ---------- progress and errors ----------

function showProgress(done: number, total: number, text: string): void {
  $('progress').hidden = false;
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  $('progress-fill').style.width = `${pct.toFixed(1)}%`;
  $('progress-text').textContent = `${app.sourceName}: ${pct.toFixed(0)} % · ${text}`;
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

const list = new WorkstationList({
  container: $('ws-list'),
  countLabel: $('list-count'),
  onSelect: (host) => {
    if (app.link.view !== 'timeline') {
      app.link.view = 'timeline';
      applyView();
    }
    selectWorkstation(host, { window: null });
  },
  onActivate: (host) => {
    selectWorkstation(host);
    $('timeline').focus();
  },
});

// The sequence view shares the timeline's selection; it is a way of looking, not kept in the URL.
let sequenceOn = false;
const sequence = new SequenceView(
  $('sequence-view'),
  (m) => openItem({ kind: 'message', message: m, time: m.time }),
  (file) => {
    showProgress(0, file.size, `${file.name}: reading for the comparison`);
    post({ type: 'analyze', file, name: file.name, showSecrets: false, reference: true });
  },
);
function showSequence(): void {
  const ws = timeline.workstation;
  if (sequenceOn && ws && app.link.view === 'timeline') sequence.show(ws, app.messages.get(ws.host)?.messages ?? [], app.doc);
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
const exportName = (ext: string): string => `ctiscope-${(app.link.ws ?? 'timeline').replace(/[^\w.-]+/g, '_')}.${ext}`;
// In the sequence view the buttons export the sequence diagram.
const exportNode = (): SVGSVGElement | null => (sequenceOn && app.link.view === 'timeline' ? sequence.standaloneSvg() : timeline.workstation ? timeline.svgNode : null);
$('export-svg').addEventListener('click', () => {
  const node = exportNode();
  if (node) exportSvg(node, exportName('svg'));
});
$('export-evidence').addEventListener('click', () => {
  if (app.link.ws && app.messageSource === 'worker') post({ type: 'evidence', host: app.link.ws, requestId: ++app.requestId });
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
