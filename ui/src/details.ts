/**
 * The details pane: what a step, finding or message is, its decoded fields, frames and timing, the raw bytes
 * as hex (the bytes of a field are highlighted while the pointer is on it, when they can be found), and the
 * Wireshark display filter that shows it, with a copy button.
 *
 * Built with createElement/textContent only: packet strings never become markup.
 */

import type { FieldValue } from '../../src/decoders/types.js';
import { stateWithCode } from '../../src/decoders/net/conn-states.js';
import { formatDuration, stepGlyph } from '../../src/timeline/format.js';
import type { Finding, Step } from '../../src/timeline/model.js';
import { PHASE_LABELS, serviceLabel } from './lanes.js';
import type { StoredMessage } from './message-store.js';

/** The subject whose step, finding or message is shown (for an agent's CTI client lane: the CTI client). */
export interface DetailsSubject {
  start: number;
  steps: readonly Step[];
  findings: readonly Finding[];
}

export interface DetailsContext {
  subject: DetailsSubject;
  messages: readonly StoredMessage[];
  /** False while the worker has not answered yet, or when the data came from an analysis JSON without messages. */
  messagesKnown: boolean;
  /** A step's messages are those of its frames only (an agent on a session shared with other agents). */
  framesOnly?: boolean;
  openStep(step: Step): void;
  openMessage(m: StoredMessage): void;
}

export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; text?: string; title?: string } = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  for (const c of children) if (c) e.append(c);
  return e;
}

/** Replaces a node's children, skipping the absent ones. */
export function fill(target: HTMLElement, ...children: Child[]): void {
  target.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)));
}

export function keyValues(rows: [string, Child][]): HTMLDListElement {
  const dl = el('dl', { class: 'kv' });
  for (const [k, v] of rows) {
    if (v === null || v === undefined || v === false || v === '') continue;
    dl.append(el('dt', { text: k }), el('dd', {}, v));
  }
  return dl;
}

/** "2024-03-12 08:00:21.003412 UTC": captures come from anywhere, so times are shown in UTC. */
export function formatClock(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds * 1000));
  const micros = Math.round((epochSeconds - Math.floor(epochSeconds)) * 1e6) % 1e6;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(micros, 6)} UTC`;
}

function timeText(t: number, origin: number): string {
  const rel = t - origin;
  return `${formatClock(t)} (+${rel.toFixed(rel < 10 ? 6 : 3)} s)`;
}

/** The display filter for a list of frames. */
export function frameFilter(frames: readonly number[]): string {
  if (frames.length === 1) return `frame.number == ${frames[0]}`;
  return `frame.number in {${frames.join(' ')}}`;
}

export function streamFilter(transport: 'tcp' | 'udp', flowId: number): string {
  return `${transport}.stream eq ${flowId}`;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (permissions, insecure origin): fall back to a selection copy.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

function filterRow(filter: string): HTMLDivElement {
  const button = el('button', { text: 'Copy', title: 'Copy this Wireshark display filter' });
  button.type = 'button';
  button.className = 'copy-filter';
  button.addEventListener('click', () => {
    void copyText(filter).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  });
  const code = el('code', { class: 'wireshark-filter', text: filter });
  return el('div', { class: 'filter-row' }, code, button);
}

function transportOf(step: Step, messages: readonly StoredMessage[]): 'tcp' | 'udp' {
  const m = messages.find((x) => x.flowId === step.detail?.flowId && x.server === step.server);
  if (m) return m.transport;
  return step.protocol === 'dns' || step.protocol === 'sip' ? 'udp' : 'tcp';
}

/**
 * Messages that belong to a step: same flow and server, within its time span (or carried by its frames); with
 * `framesOnly`, only those of its frames.
 */
export function messagesOfStep(step: Step, messages: readonly StoredMessage[], framesOnly = false): StoredMessage[] {
  const frames = new Set(step.frames);
  const flowId = step.detail?.flowId;
  return messages.filter((m) => {
    if (m.server !== step.server) return false;
    if (frames.has(m.frame)) return true;
    if (framesOnly) return false;
    if (flowId !== undefined && m.flowId !== flowId) return false;
    return m.time >= step.start - 1e-6 && m.time <= step.end + 1e-6;
  });
}

function messageList(messages: readonly StoredMessage[], ctx: DetailsContext): HTMLUListElement {
  const ul = el('ul', { class: 'msg-list' });
  for (const m of messages) {
    const li = el('li', { title: m.summary }, el('span', { class: 'msg-dir', text: `${m.direction === 'c2s' ? '→' : '←'} #${m.frame} ` }), m.summary);
    li.tabIndex = 0;
    li.dataset.frame = String(m.frame);
    li.dataset.type = m.type;
    li.addEventListener('click', () => ctx.openMessage(m));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') ctx.openMessage(m);
    });
    ul.append(li);
  }
  return ul;
}

/** A step's heading: its phase and server ("Licensing · 192.168.100.1:3000"). */
export function stepTitle(step: Pick<Step, 'phase' | 'server'>): string {
  return `${PHASE_LABELS[step.phase] ?? step.phase} · ${step.server}`;
}

export function renderStep(pane: HTMLElement, step: Step, ctx: DetailsContext): void {
  const ws = ctx.subject;
  const d = step.detail ?? {};
  const frames = step.frames;
  const rows: [string, Child][] = [
    ['phase', PHASE_LABELS[step.phase] ?? step.phase],
    ['service', `${serviceLabel(step.service, step.server)} (${step.service})`],
    ['server', step.server],
    ['protocol', step.protocol],
    ['start', timeText(step.start, ws.start)],
    ['end', timeText(step.end, ws.start)],
    ['duration', formatDuration(step.end - step.start)],
    ['response time', d.responseTime !== undefined ? formatDuration(d.responseTime) : null],
    ['operation', d.operation ?? null],
    ['code', d.codeName || d.code !== undefined ? `${d.codeName ?? ''}${d.code !== undefined ? ` (${d.code})` : ''}`.trim() : null],
    ['messages', d.messages !== undefined ? String(d.messages) : null],
    ['exchanges', d.count !== undefined ? `${d.count}${d.missed ? `, ${d.missed} unanswered` : ''}${d.maxConsecutiveMissed ? ` (at most ${d.maxConsecutiveMissed} in a row)` : ''}` : null],
    ['pending', d.pending ? String(d.pending) : null],
    ['connection', d.connState ? stateWithCode(d.connState) : null],
    ['SYNs', d.syns !== undefined ? `${d.syns}${d.synSpan ? ` over ${formatDuration(d.synSpan)}` : ''}` : null],
    ['bytes', d.bytes ? `${d.bytes.c2s} sent, ${d.bytes.s2c} received` : null],
    ['bytes not captured', d.gapBytes ? String(d.gapBytes) : null],
    ['frames', frames.length ? `${frames.join(', ')}${step.framesTotal && step.framesTotal > frames.length ? ` (${step.framesTotal} in all)` : ''}` : null],
  ];
  const findings = ws.findings.filter((f) => f.step === step.id);
  // Named as a person reads it (the phase and the server), not by the document's step id.
  const title = el('h3', { text: `${stepGlyph(step)} ${stepTitle(step)}` });
  title.dataset.step = step.id;
  fill(pane,
    title,
    el('p', { class: `sentence${step.ok ? ' ok' : ''}`, text: step.summary }),
    keyValues(rows),
    el('h4', { text: 'Wireshark filter' }),
    frames.length ? filterRow(frameFilter(frames.length > 30 ? frames.slice(0, 30) : frames)) : null,
    d.flowId !== undefined ? filterRow(streamFilter(transportOf(step, ctx.messages), d.flowId)) : null,
    findings.length ? el('h4', { text: 'Findings' }) : null,
    ...findings.map(findingSentence),
    el('h4', { text: 'Messages' }),
    stepMessages(step, ctx),
  );
}

function stepMessages(step: Step, ctx: DetailsContext): Node {
  if (!ctx.messagesKnown) return el('p', { class: 'muted', text: 'Decoded messages are available when a capture is opened (not for an analysis JSON).' });
  const list = messagesOfStep(step, ctx.messages, ctx.framesOnly);
  if (list.length === 0) return el('p', { class: 'muted', text: 'No decoded messages in this step (connection-level, or beyond the messages kept per workstation).' });
  return messageList(list, ctx);
}

/** A finding's mark: ✗ for an error, ⚠ for a warning, ℹ for a note (the colour says it again, for who sees colour). */
export function severityMark(severity: Finding['severity']): string {
  return severity === 'error' ? '✗' : severity === 'warning' ? '⚠' : 'ℹ';
}

/**
 * A finding in a list: its mark, kind and sentence, bordered in its severity's colour. A warning (a failover that
 * worked, a slow answer) is not drawn red beside a login that succeeded.
 */
export function findingSentence(f: Finding): HTMLParagraphElement {
  return el('p', { class: `sentence ${f.severity}`, text: `${severityMark(f.severity)} ${f.kind}: ${f.message}` });
}

export function renderFinding(pane: HTMLElement, finding: Finding, ctx: DetailsContext): void {
  const step = finding.step ? ctx.subject.steps.find((s) => s.id === finding.step) : undefined;
  const stepLink = step
    ? (() => {
        const a = el('button', { text: `${stepGlyph(step)} ${step.summary}`, title: 'Show this step' });
        a.type = 'button';
        a.className = 'link-step';
        a.addEventListener('click', () => ctx.openStep(step));
        return a;
      })()
    : null;
  fill(pane,
    el('h3', { text: `${severityMark(finding.severity)} ${finding.kind}` }),
    el('p', { class: `sentence finding-sentence ${finding.severity}`, text: finding.message }),
    keyValues([
      ['severity', finding.severity],
      ['server', finding.server ?? 'capture-wide'],
      ['step', stepLink],
      ['frames', finding.frames.length ? finding.frames.join(', ') : null],
    ]),
    finding.frames.length ? el('h4', { text: 'Wireshark filter' }) : null,
    finding.frames.length ? filterRow(frameFilter(finding.frames)) : null,
  );
}

/** Byte ranges of a field's value inside the message, when they can be found. */
export function locateField(m: StoredMessage, name: string, value: FieldValue): [number, number] | null {
  const raw = m.raw;
  if (!raw) return null;
  if (m.protocol === 'ged188') {
    // GED-188 header: 4-byte length, then 4-byte message type.
    if (name === 'messageType') return [4, 8];
  }
  if (typeof value !== 'string' || value.length < 2 || value === '<redacted>') return null;
  const needle = new TextEncoder().encode(value);
  outer: for (let i = 0; i + needle.length <= raw.length; i++) {
    for (let j = 0; j < needle.length; j++) if (raw[i + j] !== needle[j]) continue outer;
    return [i, i + needle.length];
  }
  return null;
}

/** A hex dump, 16 bytes a line, with an optional highlighted range. */
export function renderHex(target: HTMLElement, raw: Uint8Array, highlight: [number, number] | null): void {
  const frag = document.createDocumentFragment();
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const inRange = (i: number): boolean => highlight !== null && i >= highlight[0] && i < highlight[1];
  for (let line = 0; line < raw.length; line += 16) {
    frag.append(el('span', { class: 'off', text: `${line.toString(16).padStart(4, '0')}  ` }));
    // Hex column, then the printable column, each split into runs inside/outside the highlight.
    for (const column of ['hex', 'ascii'] as const) {
      let run = '';
      let runHl = false;
      const flush = (): void => {
        if (!run) return;
        frag.append(runHl ? el('span', { class: 'hl', text: run }) : document.createTextNode(run));
        run = '';
      };
      for (let i = line; i < line + 16; i++) {
        const present = i < raw.length;
        const hl = present && inRange(i);
        if (hl !== runHl) {
          flush();
          runHl = hl;
        }
        if (column === 'hex') run += present ? `${hex(raw[i])} ` : '   ';
        else if (present) run += raw[i] >= 0x20 && raw[i] < 0x7f ? String.fromCharCode(raw[i]) : '.';
      }
      flush();
      if (column === 'hex') frag.append(document.createTextNode(' '));
    }
    frag.append(document.createTextNode('\n'));
  }
  target.replaceChildren(frag);
}

function fieldText(v: FieldValue): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function renderMessage(pane: HTMLElement, m: StoredMessage, ctx: DetailsContext): void {
  const hexBox = el('pre', { class: 'hex' });
  const setHighlight = (range: [number, number] | null): void => {
    if (m.raw) renderHex(hexBox, m.raw, range);
  };
  setHighlight(null);

  const fields = el('dl', { class: 'kv fields' });
  for (const [name, value] of Object.entries(m.fields)) {
    if (name === 'floating') continue;
    const dt = el('dt', { class: 'field-name', text: name });
    const dd = el('dd', { class: 'field-value', text: fieldText(value) });
    dd.dataset.field = name;
    const range = locateField(m, name, value);
    if (range) {
      for (const cell of [dt, dd]) {
        cell.title = `bytes ${range[0]}–${range[1] - 1}`;
        cell.addEventListener('mouseenter', () => setHighlight(range));
        cell.addEventListener('mouseleave', () => setHighlight(null));
      }
    }
    fields.append(dt, dd);
  }
  const floating = m.fields.floating;
  const floatingList =
    Array.isArray(floating) && floating.length
      ? (() => {
          const dl = el('dl', { class: 'kv floating' });
          for (const f of floating) {
            if (!f || typeof f !== 'object' || Array.isArray(f)) continue;
            const name = `${String(f.name ?? 'tag')} (tag ${String(f.tag ?? '?')})`;
            const value = f.value ?? null;
            const dt = el('dt', { class: 'field-name', text: name });
            const dd = el('dd', { class: 'field-value', text: fieldText(value) });
            const range = locateField(m, String(f.name ?? ''), value);
            if (range) {
              for (const cell of [dt, dd]) {
                cell.addEventListener('mouseenter', () => setHighlight(range));
                cell.addEventListener('mouseleave', () => setHighlight(null));
              }
            }
            dl.append(dt, dd);
          }
          return dl;
        })()
      : null;

  const step = ctx.subject.steps.find((s) => messagesOfStep(s, [m], ctx.framesOnly).length > 0);
  const stepButton = step
    ? (() => {
        const b = el('button', { text: `${stepGlyph(step)} ${step.summary}` });
        b.type = 'button';
        b.className = 'link-step';
        b.addEventListener('click', () => ctx.openStep(step));
        return b;
      })()
    : null;

  fill(pane,
    el('h3', { text: `${m.direction === 'c2s' ? '→' : '←'} ${m.type}` }),
    el('p', { class: 'mono', text: m.summary }),
    keyValues([
      ['protocol', m.protocol],
      ['direction', m.direction === 'c2s' ? `client → server (${m.client} → ${m.server})` : `server → client (${m.server} → ${m.client})`],
      ['frame', m.frames.length > 1 ? `${m.frame} (carried by ${m.frames.join(', ')})` : String(m.frame)],
      ['time', timeText(m.time, ctx.subject.start)],
      ['response time', m.responseTime !== undefined ? formatDuration(m.responseTime) : null],
      ['paired with', m.pairedFrame !== undefined ? `frame ${m.pairedFrame}` : null],
      ['stream offset', `${m.offset}, ${m.length} bytes`],
      ['step', stepButton],
    ]),
    el('h4', { text: 'Wireshark filter' }),
    filterRow(frameFilter([m.frame])),
    filterRow(streamFilter(m.transport, m.flowId)),
    el('h4', { text: 'Fields' }),
    fields,
    floatingList ? el('h4', { text: 'Floating fields' }) : null,
    floatingList,
    m.anomalies?.length ? el('h4', { text: 'Anomalies' }) : null,
    ...(m.anomalies ?? []).map((a) => el('p', { class: 'sentence', text: `${a.code}: ${a.message}` })),
    el('h4', { text: 'Bytes' }),
    m.raw
      ? hexBox
      : el('p', { class: 'muted', text: m.rawHidden ? 'Bytes hidden: this message carries a password (open the capture with “show secrets” to see them).' : 'Bytes not kept.' }),
    m.rawCut ? el('p', { class: 'muted', text: `${m.rawCut} more bytes not kept.` }) : null,
  );
}
