/**
 * The sequence view: the selected workstation's login as a message sequence chart, beside the timeline (same
 * selection). Drawn by the same renderer as `ctiscope sequence` and the HTML report; the lifeline headers stick
 * to the top while the rows scroll. Clicking an arrow opens that message's details.
 */

import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import { renderCompareBar } from './compare.js';
import { buildSequence, type SequenceDiagram } from '../../src/timeline/sequence/model.js';
import { renderSequenceHtml, renderSequenceSvg } from '../../src/timeline/sequence/render-svg.js';
import { workstationSubject } from '../../src/timeline/sequence/subject.js';
import type { StoredMessage } from './message-store.js';

export class SequenceView {
  private messages: readonly StoredMessage[] = [];
  private shown: { ws: Workstation; count: number } | null = null;
  private doc: AnalysisDocument | null = null;
  /** A second capture's analysis to compare with (read in the worker too). */
  private reference: { doc: AnalysisDocument; name: string } | null = null;
  diagram: SequenceDiagram | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly onMessage: (m: StoredMessage) => void,
    private readonly loadReference?: (file: File) => void,
  ) {
    container.addEventListener('click', (e) => this.click(e));
    container.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.click(e);
    });
  }

  /** Draws the workstation (only when it or its messages changed, so a live redraw keeps the scroll position). */
  show(ws: Workstation, messages: readonly StoredMessage[], doc: AnalysisDocument | null = null): void {
    if (this.shown && this.shown.ws === ws && this.shown.count === messages.length) return;
    this.messages = messages;
    this.doc = doc;
    this.shown = { ws, count: messages.length };
    const diagram = buildSequence(workstationSubject(ws), messages);
    this.diagram = diagram;
    const scroll = this.container.querySelector('.seq-scroll')?.scrollTop ?? 0;
    const note = messages.length === 0 ? '<p class="muted">No decoded messages for this workstation (an analysis JSON carries none): only connection attempts are drawn.</p>' : '';
    // The renderer escapes every string that came from packets.
    this.container.innerHTML = `<div class="seq-compare"></div>${note}${renderSequenceHtml(diagram, { idPrefix: 'ui-seq-', maxHeight: 'calc(100vh - 190px)' })}`;
    this.renderCompare();
    const box = this.container.querySelector('.seq-scroll');
    if (box) box.scrollTop = scroll;
    for (const row of this.container.querySelectorAll<SVGGElement>('.seq-row[data-message]')) {
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
    if (!target || !this.shown) return;
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
    const row = (e.target as Element).closest?.('.seq-row[data-message]');
    if (!row) return;
    const m = this.messages[Number(row.getAttribute('data-message'))];
    if (!m) return;
    for (const r of this.container.querySelectorAll('.seq-row.seq-selected')) r.classList.remove('seq-selected');
    row.classList.add('seq-selected');
    this.onMessage(m);
  }
}
