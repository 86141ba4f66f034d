/**
 * The sequence view: the selected subject's login as a message sequence chart, beside the timeline (same
 * selection): a workstation's start-up, an agent's own exchanges on its CTI client's session, a CTI client's
 * session. Drawn by the same renderer as `ctiscope sequence` and the HTML report; the lifeline headers stick
 * to the top while the rows scroll, and the times to the left while the lifelines scroll sideways. Clicking an
 * arrow (or its time) opens that message's details.
 */

import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import { renderCompareBar } from './compare.js';
import { buildSequence, type SequenceDiagram, type SequenceFlow } from '../../src/timeline/sequence/model.js';
import { renderSequenceHtml, renderSequenceSvg } from '../../src/timeline/sequence/render-svg.js';
import { escapeXml } from '../../src/timeline/escape.js';
import { agentSubject, ctiClientSubject, workstationSubject } from '../../src/timeline/sequence/subject.js';
import type { StoredMessage } from './message-store.js';
import { KIND_NOUN, type Subject } from './subjects.js';

export class SequenceView {
  private messages: readonly StoredMessage[] = [];
  private shown: { value: object; count: number; flows: number; ws: Workstation | null } | null = null;
  private doc: AnalysisDocument | null = null;
  /** A second capture's analysis to compare with (read in the worker too). */
  private reference: { doc: AnalysisDocument; name: string } | null = null;
  diagram: SequenceDiagram | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly onMessage: (m: StoredMessage) => void,
    private readonly loadReference?: (file: File) => void,
    /** A row that is no message (a connect, SYN, RST or FIN) opens the step it belongs to. */
    private readonly onStep?: (stepId: string) => void,
  ) {
    container.addEventListener('click', (e) => this.click(e));
    container.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.click(e);
    });
  }

  /**
   * Draws the subject with the messages of its hosts (only when it or its messages changed, so a live redraw keeps
   * the scroll position). `messages` are the timeline's: a row's message index points into them.
   */
  show(s: Subject, messages: readonly StoredMessage[], doc: AnalysisDocument | null = null, notKept = 0, flows?: readonly SequenceFlow[]): void {
    if (this.shown && this.shown.value === s.value && this.shown.count === messages.length && this.shown.flows === (flows?.length ?? -1)) return;
    this.messages = messages;
    this.doc = doc;
    this.shown = { value: s.value, count: messages.length, flows: flows?.length ?? -1, ws: s.kind === 'workstation' ? s.value : null };
    const subject = s.kind === 'workstation' ? workstationSubject(s.value) : s.kind === 'agent' ? agentSubject(s.value) : ctiClientSubject(s.value);
    // With the hosts' connections (flow records), the same rows as `ctiscope sequence`; without, the steps' own.
    const diagram = buildSequence(subject, messages, flows);
    this.diagram = diagram;
    const old = this.container.querySelector('.seq-scroll');
    const scroll = { top: old?.scrollTop ?? 0, left: old?.scrollLeft ?? 0 };
    const noun = KIND_NOUN[s.kind][0];
    const option = s.kind === 'workstation' ? `--workstation ${s.value.host}` : s.kind === 'agent' ? `--agent ${s.value.id ?? '?'}` : `--cti-client ${s.value.host}`;
    const note =
      messages.length === 0
        ? `<p class="muted">No decoded messages for this ${noun} (an analysis JSON carries none): only connection attempts are drawn.</p>`
        : notKept > 0
          ? // A CTI client's session carries every agent's requests: the page keeps the first and last of them only.
            `<p class="muted seq-not-kept">${notKept.toLocaleString('en')} messages of ${s.kind === 'agent' ? 'the session this agent was logged in on' : `this ${noun}`} are beyond those the page keeps and are not drawn: <code>ctiscope sequence FILE ${escapeXml(option)}</code> draws them all.</p>`
          : '';
    // The renderer escapes every string that came from packets.
    this.container.innerHTML = `<div class="seq-compare"></div>${note}${renderSequenceHtml(diagram, { idPrefix: 'ui-seq-', maxHeight: 'calc(100vh - 190px)' })}`;
    this.renderCompare();
    const box = this.container.querySelector('.seq-scroll');
    if (box) {
      box.scrollTop = scroll.top;
      box.scrollLeft = scroll.left;
    }
    for (const row of this.container.querySelectorAll<SVGGElement>('.seq-row[data-message], .seq-row[data-step]')) {
      row.setAttribute('tabindex', '0');
      row.setAttribute('role', 'button');
      row.style.cursor = 'pointer';
    }
  }

  /** A second capture arrived: its workstations join the comparison list, the first of them picked. */
  setReference(doc: AnalysisDocument, name: string): void {
    this.reference = { doc, name };
    this.renderCompare(true);
  }

  private renderCompare(pickReference = false): void {
    const target = this.container.querySelector<HTMLElement>('.seq-compare');
    // Comparing start-ups is a workstation's: an agent's or a CTI client's view has no comparison bar.
    if (!target || !this.shown?.ws) return;
    renderCompareBar(target, this.doc, this.shown.ws, { reference: this.reference, loadReference: this.loadReference, pickReference });
  }

  /** The diagram as one standalone SVG (headers on top), for the SVG and PNG export buttons. */
  standaloneSvg(): SVGSVGElement | null {
    if (!this.diagram) return null;
    const parsed = new DOMParser().parseFromString(renderSequenceSvg(this.diagram), 'image/svg+xml');
    return parsed.documentElement as unknown as SVGSVGElement;
  }

  private click(e: Event): void {
    if ((e.target as Element).closest?.('.seq-compare')) return;
    // A time is drawn in the frozen column, apart from its row: it stands for the row of its index.
    const time = (e.target as Element).closest?.('.seq-time[data-index]');
    const at = time ? this.container.querySelector(`.seq-row[data-index="${time.getAttribute('data-index')}"]`) : e.target;
    const row = (at as Element | null)?.closest?.('.seq-row[data-message], .seq-row[data-step]');
    if (!row) return;
    const index = row.getAttribute('data-message');
    const m = index !== null ? this.messages[Number(index)] : undefined;
    const step = row.getAttribute('data-step');
    if (!m && (step === null || !this.onStep)) return;
    for (const r of this.container.querySelectorAll('.seq-row.seq-selected')) r.classList.remove('seq-selected');
    row.classList.add('seq-selected');
    if (m) this.onMessage(m);
    else this.onStep!(step!);
  }
}
