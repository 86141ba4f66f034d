/**
 * The timeline of one subject (a workstation, an agent or a CTI client), drawn with d3: phases across the top,
 * the findings with their sentences, the time axis (drag on it to zoom to a range), the subject's row and one
 * lane per server, steps as bars (✓/✗), messages as ticks or, in the ladder view, as arrows between the
 * subject and the server. An agent's view adds labelled lanes for its CTI client's session and its desktop.
 * Wheel zooms and dragging pans (d3-zoom); the time scale compresses idle gaps (scales.ts).
 *
 * Every string that comes from a capture is set with `.text()`, never as markup.
 */

import * as d3 from 'd3';
import { formatDuration, hostOf, stepGlyph, stepState } from '../../src/timeline/format.js';
import type { Finding, Step } from '../../src/timeline/model.js';
import { drawAxis } from './axis.js';
import { buildLanes, findingTime, laneKey, laneOfMessage, PHASE_LABELS, type Lane } from './lanes.js';
import { isStartUpPhase, phaseBands } from '../../src/timeline/phase-bands.js';
import { isPatternFinding } from '../../src/timeline/patterns.js';
import type { StoredMessage } from './message-store.js';
import { ownGroup, viewTitle, type TimelineView } from './subjects.js';
import { buildTimeScale, type TimeScale } from './scales.js';

export type TimelineItem =
  /** `group`: the lane group of the step ('own', or 'cti' / 'desktop' in an agent's view). */
  | { kind: 'step'; step: Step; group: string; time: number }
  | { kind: 'finding'; finding: Finding; index: number; time: number }
  | { kind: 'message'; message: StoredMessage; time: number };

export interface TimelineOptions {
  container: HTMLElement;
  /** A step, finding or message was clicked, or Enter pressed on it. */
  onSelect(item: TimelineItem): void;
  /** The visible window changed (zoom, pan, brush); null when the whole subject is shown. */
  onWindow(window: [number, number] | null): void;
}

export interface ShowOptions {
  messages: readonly StoredMessage[];
  ladder: boolean;
  compress: boolean;
  window: [number, number] | null;
}

const MARGIN_LEFT = 210;
const MARGIN_RIGHT = 28;
const TITLE_HEIGHT = 30;
const PHASE_HEIGHT = 22;
const FINDING_ROW = 20;
const MAX_FINDING_ROWS = 6;
const AXIS_HEIGHT = 26;
const WS_LANE = 30;
const LANE_HEIGHT = 38;
const BAR_HEIGHT = 16;
/** Height of a line of ladder labels (10 px type). */
const LADDER_LINE = 12;

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const FONTS = {
  lane: `12px ${FONT}`,
  sub: '10.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  step: `11px ${FONT}`,
  phase: `600 11px ${FONT}`,
  finding: `600 12px ${FONT}`,
  title: `600 13px ${FONT}`,
  ladder: '10px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  tick: `11px ${FONT}`,
  breakLabel: `10.5px ${FONT}`,
};

let measureContext: CanvasRenderingContext2D | null | undefined;
/** Width of a text in a font, in pixels (canvas metrics; a rough estimate where there is no canvas). */
export function textWidth(text: string, font: string): number {
  if (measureContext === undefined) measureContext = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d') : null;
  if (!measureContext) return text.length * 6.6;
  measureContext.font = font;
  return measureContext.measureText(text).width;
}

/** Cuts a label to fit `px` pixels in `font`, with an ellipsis. */
export function fitText(text: string, px: number, font: string): string {
  if (px < 8) return '';
  if (textWidth(text, font) <= px) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (textWidth(`${text.slice(0, mid)}…`, font) <= px) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${text.slice(0, lo)}…`;
}

/** A message's id across the hosts a view draws messages of (arrival numbers count per host). */
export function messageKey(m: StoredMessage): string {
  return `${hostOf(m.client)}#${m.seq}`;
}

export class Timeline {
  private ws: TimelineView | null = null;
  private lanes: Lane[] = [];
  private laneY = new Map<string, number>();
  private messages: readonly StoredMessage[] = [];
  private ladder = false;
  private compress = true;
  private scale: TimeScale = buildTimeScale([0, 1], 800, { compress: true });
  private transform: d3.ZoomTransform = d3.zoomIdentity;
  private items: TimelineItem[] = [];
  private focusIndex = -1;
  private plotWidth = 800;
  private height = 200;
  private findingRows = 0;
  private stepById = new Map<string, Step>();
  private silentZoom = false;

  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly plot: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly zoom: d3.ZoomBehavior<SVGSVGElement, unknown>;
  private readonly brush: d3.BrushBehavior<unknown>;
  private readonly layers: Record<
    'title' | 'labels' | 'phases' | 'laneBg' | 'grid' | 'breaks' | 'steps' | 'glyphs' | 'messages' | 'findings' | 'axis' | 'brush',
    d3.Selection<SVGGElement, unknown, null, undefined>
  >;

  constructor(private readonly opts: TimelineOptions) {
    this.svg = d3.select(opts.container).append('svg').attr('class', 'tl').attr('xmlns', 'http://www.w3.org/2000/svg').attr('role', 'img');
    const defs = this.svg.append('defs');
    defs.append('clipPath').attr('id', 'tl-clip').append('rect').attr('class', 'tl-clip-rect');
    for (const dir of ['c2s', 's2c']) {
      defs
        .append('marker')
        .attr('id', `tl-arrow-${dir}`)
        .attr('viewBox', '0 0 8 8')
        .attr('refX', 7)
        .attr('refY', 4)
        .attr('markerWidth', 7)
        .attr('markerHeight', 7)
        .attr('orient', 'auto-start-reverse')
        .append('path')
        .attr('d', 'M0,0L8,4L0,8z')
        .attr('class', `tl-msg ${dir}`);
    }
    this.svg.append('rect').attr('class', 'tl-bg').attr('x', 0).attr('y', 0);
    const title = this.svg.append('g').attr('class', 'tl-title-layer');
    const labels = this.svg.append('g').attr('class', 'tl-labels');
    this.plot = this.svg.append('g').attr('class', 'tl-plot').attr('transform', `translate(${MARGIN_LEFT},0)`);
    const clipped = this.plot.append('g').attr('clip-path', 'url(#tl-clip)');
    this.layers = {
      title,
      labels,
      laneBg: clipped.append('g').attr('class', 'tl-lanes'),
      phases: clipped.append('g').attr('class', 'tl-phases'),
      grid: clipped.append('g').attr('class', 'tl-grid'),
      breaks: clipped.append('g').attr('class', 'tl-breaks'),
      messages: clipped.append('g').attr('class', 'tl-messages'),
      steps: clipped.append('g').attr('class', 'tl-steps'),
      findings: clipped.append('g').attr('class', 'tl-findings'),
      axis: clipped.append('g').attr('class', 'tl-axis'),
      // A step's ✓ or ✗ follows its bar's end: past the plot's right edge for a bar ending there (the right margin
      // has room for it), where the clip would cut it in half.
      glyphs: this.plot.append('g').attr('class', 'tl-glyphs'),
      brush: this.plot.append('g').attr('class', 'tl-brush'),
    };

    this.zoom = d3
      .zoom<SVGSVGElement, unknown>()
      .scaleExtent([1, 2e5])
      .filter((event: Event) => {
        const target = event.target as Element | null;
        if (target?.closest?.('.tl-brush') && event.type !== 'wheel') return false;
        const mouse = event as MouseEvent;
        return (!mouse.ctrlKey || event.type === 'wheel') && !mouse.button;
      })
      .on('zoom', (event: d3.D3ZoomEvent<SVGSVGElement, unknown>) => {
        this.transform = event.transform;
        this.redraw();
        if (!this.silentZoom) this.opts.onWindow(this.currentWindow());
      });
    this.svg.call(this.zoom).on('dblclick.zoom', null);

    this.brush = d3
      .brushX<unknown>()
      .on('end', (event: d3.D3BrushEvent<unknown>) => {
        const sel = event.selection as [number, number] | null;
        if (!sel || !event.sourceEvent) return;
        this.layers.brush.call(this.brush.move, null);
        if (sel[1] - sel[0] < 4) return;
        this.zoomTo(this.timeAt(sel[0]), this.timeAt(sel[1]));
      });

    opts.container.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => {
      if (this.ws && Math.abs(this.opts.container.clientWidth - MARGIN_LEFT - MARGIN_RIGHT - this.plotWidth) > 2) {
        const window = this.currentWindow();
        this.layout();
        this.applyWindow(window, true);
      }
    }).observe(opts.container);
  }

  get svgNode(): SVGSVGElement {
    return this.svg.node()!;
  }

  /** The view shown, or null. */
  get view(): TimelineView | null {
    return this.ws;
  }

  show(ws: TimelineView, o: ShowOptions): void {
    this.ws = ws;
    this.messages = o.messages;
    this.ladder = o.ladder;
    this.compress = o.compress;
    this.stepById = new Map(ownGroup(ws).steps.map((s) => [s.id, s]));
    this.focusIndex = -1;
    this.layout();
    this.applyWindow(o.window, true);
  }

  /**
   * A newer version of the subject shown (live capture): redrawn with the same zoom window (or, unzoomed,
   * the whole subject as it grows) and the same focused step or finding.
   */
  update(ws: TimelineView, messages?: readonly StoredMessage[]): void {
    if (!this.ws || this.ws.ref.kind !== ws.ref.kind || this.ws.ref.key !== ws.ref.key) return this.show(ws, { messages: messages ?? [], ladder: this.ladder, compress: this.compress, window: null });
    const window = this.currentWindow();
    const focused = this.focusedItem();
    this.ws = ws;
    if (messages) this.messages = messages;
    this.stepById = new Map(ownGroup(ws).steps.map((s) => [s.id, s]));
    this.layout();
    this.focusIndex = focused ? this.items.findIndex((it) => sameItem(it, focused)) : -1;
    this.applyWindow(window, true);
  }

  setMessages(messages: readonly StoredMessage[]): void {
    if (!this.ws) return;
    const window = this.currentWindow();
    this.messages = messages;
    this.layout();
    this.applyWindow(window, true);
  }

  setLadder(ladder: boolean): void {
    this.ladder = ladder;
    this.redraw();
  }

  setCompress(compress: boolean): void {
    if (!this.ws) return;
    const window = this.currentWindow();
    this.compress = compress;
    this.layout();
    this.applyWindow(window, true);
  }

  resetZoom(): void {
    this.svg.call(this.zoom.transform, d3.zoomIdentity);
  }

  /** Shows the time range [t0, t1] across the plot. */
  zoomTo(t0: number, t1: number): void {
    this.applyWindow([t0, t1], false);
  }

  /** The visible time window, or null when nothing is zoomed. */
  currentWindow(): [number, number] | null {
    if (this.transform.k === 1 && this.transform.x === 0) return null;
    return [this.timeAt(0), this.timeAt(this.plotWidth)];
  }

  /** Moves the keyboard focus to the next (+1) or previous (-1) step or finding. */
  moveFocus(delta: number): void {
    if (this.items.length === 0) return;
    this.focusIndex = this.focusIndex < 0 ? (delta > 0 ? 0 : this.items.length - 1) : Math.max(0, Math.min(this.items.length - 1, this.focusIndex + delta));
    const item = this.items[this.focusIndex];
    this.ensureVisible(item);
    this.redraw();
    this.opts.container.setAttribute('aria-activedescendant', '');
    this.opts.container.setAttribute('aria-label', `Timeline, focused: ${describeItem(item)}`);
  }

  focusedItem(): TimelineItem | undefined {
    return this.items[this.focusIndex];
  }

  /** Marks an item as the selected one (after a click or from the details pane). */
  focusItem(match: (item: TimelineItem) => boolean): void {
    const i = this.items.findIndex(match);
    if (i >= 0) {
      this.focusIndex = i;
      this.redraw();
    }
  }

  private timeAt(px: number): number {
    return this.scale.invert(this.transform.invertX(px));
  }

  private x(t: number): number {
    return this.transform.applyX(this.scale(t));
  }

  private applyWindow(window: [number, number] | null, silent: boolean): void {
    let t = d3.zoomIdentity;
    if (window) {
      const u0 = this.scale(window[0]);
      const u1 = this.scale(window[1]);
      if (u1 - u0 > 1e-9) {
        const k = Math.max(1, Math.min(2e5, this.plotWidth / (u1 - u0)));
        t = d3.zoomIdentity.scale(k).translate(-u0, 0);
      }
    }
    this.silentZoom = silent;
    this.svg.call(this.zoom.transform, t);
    this.silentZoom = false;
  }

  private ensureVisible(item: TimelineItem): void {
    const x = this.x(item.time);
    if (x >= 0 && x <= this.plotWidth) return;
    const u = this.scale(item.time);
    const t = d3.zoomIdentity.translate(this.plotWidth / 2 - u * this.transform.k, 0).scale(this.transform.k);
    this.svg.call(this.zoom.transform, t);
  }

  /** Geometry and the time scale for the current subject and width. */
  private layout(): void {
    const ws = this.ws;
    if (!ws) return;
    this.lanes = buildLanes(ws.groups, this.messages);
    this.findingRows = Math.min(MAX_FINDING_ROWS, ws.findings.length);
    const width = Math.max(640, this.opts.container.clientWidth);
    this.plotWidth = width - MARGIN_LEFT - MARGIN_RIGHT;

    // The start-up's steps and their messages shape the time scale; the PC's own traffic, which on a noisy
    // capture goes on for minutes around a start-up of a second, is only placed on it (scales.ts).
    const startUp: number[] = [];
    const around: number[] = [ws.start, ws.end];
    for (const g of ws.groups) for (const s of g.steps) (isStartUpPhase(s.phase) ? startUp : around).push(s.start, s.end);
    // Only messages drawn on a lane set the time range (an agent's view leaves the rest of its host's traffic out).
    for (const m of this.messages) {
      const lane = laneOfMessage(this.lanes, ws.groups, m);
      if (lane) (isStartUpPhase(lane.phase) ? startUp : around).push(m.time);
    }
    this.scale = buildTimeScale(startUp, this.plotWidth, { compress: this.compress, around });

    const lanesTop = this.lanesTop();
    this.laneY = new Map(this.lanes.map((l, i) => [l.key, lanesTop + WS_LANE + i * LANE_HEIGHT]));
    this.height = lanesTop + WS_LANE + this.lanes.length * LANE_HEIGHT + 12;

    // Keyboard order: steps and findings by time.
    const own = ownGroup(ws);
    this.items = [
      ...ws.groups.flatMap((g) => g.steps.map((step): TimelineItem => ({ kind: 'step', step, group: g.id, time: step.start }))),
      ...ws.findings.map((finding, index): TimelineItem => ({ kind: 'finding', finding, index, time: findingTime({ steps: own.steps, end: ws.end }, finding, this.stepById) })),
    ].sort((a, b) => a.time - b.time || (a.kind === 'step' ? -1 : 1));

    this.svg.attr('width', width).attr('height', this.height).attr('viewBox', `0 0 ${width} ${this.height}`);
    this.svg.select('rect.tl-bg').attr('width', width).attr('height', this.height);
    this.svg.select('.tl-clip-rect').attr('x', 0).attr('y', 0).attr('width', this.plotWidth).attr('height', this.height);
    this.zoom.extent([
      [0, 0],
      [this.plotWidth, this.height],
    ]);
    this.zoom.translateExtent([
      [0, 0],
      [this.plotWidth, this.height],
    ]);
    const axisTop = this.axisTop();
    this.brush.extent([
      [0, axisTop],
      [this.plotWidth, axisTop + AXIS_HEIGHT],
    ]);
    this.layers.brush.call(this.brush);
    this.drawStatic();
  }

  private findingsTop(): number {
    return TITLE_HEIGHT + PHASE_HEIGHT + 2;
  }

  private axisTop(): number {
    return this.findingsTop() + this.findingRows * FINDING_ROW + (this.findingRows ? 4 : 0);
  }

  private lanesTop(): number {
    return this.axisTop() + AXIS_HEIGHT;
  }

  /** What does not move with the zoom: the title, lane labels and backgrounds. */
  private drawStatic(): void {
    const ws = this.ws!;
    const titleText = viewTitle(ws);
    const title = this.layers.title
      .selectAll<SVGGElement, string>('g')
      .data([titleText])
      .join((enter) => {
        const g = enter.append('g');
        g.append('text').attr('class', 'tl-title').attr('x', 10).attr('y', 19);
        g.append('title');
        return g;
      });
    title.select('text').text((d) => fitText(d, MARGIN_LEFT + this.plotWidth - 10, FONTS.title));
    title.select('title').text((d) => d);

    const lanesTop = this.lanesTop();
    const labelRows = [
      { key: '\u0000ws', label: ws.rowLabel, sub: ws.rowSub, y: lanesTop, h: WS_LANE, group: 'own' },
      ...this.lanes.map((l) => ({ key: l.key, label: l.label, sub: l.server, y: this.laneY.get(l.key)!, h: LANE_HEIGHT, group: l.group })),
    ];
    const label = this.layers.labels
      .selectAll<SVGGElement, (typeof labelRows)[number]>('g.tl-lane')
      .data(labelRows, (d) => d.key)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'tl-lane');
        g.append('text').attr('class', 'tl-lane-label');
        g.append('text').attr('class', 'tl-lane-sub');
        g.append('title');
        return g;
      })
      .attr('transform', (d) => `translate(10,${d.y})`)
      .attr('data-group', (d) => d.group);
    label
      .select('.tl-lane-label')
      .attr('y', (d) => d.h / 2 - 2)
      .text((d) => fitText(d.label, MARGIN_LEFT - 20, FONTS.lane));
    label
      .select('.tl-lane-sub')
      .attr('y', (d) => d.h / 2 + 11)
      .text((d) => fitText(d.sub, MARGIN_LEFT - 20, FONTS.sub));
    label.select('title').text((d) => `${d.label} ${d.sub}`);

    // A dashed rule where another subject's lanes begin (an agent's CTI client, its desktop).
    const rules = this.lanes.filter((l, i) => l.group !== 'own' && (i === 0 || this.lanes[i - 1].group !== l.group)).map((l) => ({ key: l.key, y: this.laneY.get(l.key)! }));
    this.layers.labels
      .selectAll<SVGLineElement, (typeof rules)[number]>('line.tl-group-rule')
      .data(rules, (d) => d.key)
      .join('line')
      .attr('class', 'tl-group-rule')
      .attr('x1', 0)
      .attr('x2', MARGIN_LEFT + this.plotWidth)
      .attr('y1', (d) => d.y + 0.5)
      .attr('y2', (d) => d.y + 0.5);

    this.layers.laneBg
      .selectAll<SVGRectElement, (typeof labelRows)[number]>('rect')
      .data(labelRows.filter((_, i) => i % 2 === 1), (d) => d.key)
      .join('rect')
      .attr('class', 'tl-lane-bg')
      .attr('x', 0)
      .attr('width', this.plotWidth)
      .attr('y', (d) => d.y)
      .attr('height', (d) => d.h);
  }

  /** Everything that moves with the zoom. */
  private redraw(): void {
    const ws = this.ws;
    if (!ws) return;
    const lanesTop = this.lanesTop();
    const axisTop = this.axisTop();
    const bottom = this.height - 12;
    const geometry = {
      toPx: (u: number) => this.transform.applyX(u),
      plotWidth: this.plotWidth,
      axisTop,
      axisHeight: AXIS_HEIGHT,
      gridTop: lanesTop,
      gridBottom: bottom,
      origin: ws.start,
      tickLabelWidth: (text: string) => textWidth(text, FONTS.tick),
      breakLabelWidth: (text: string) => textWidth(text, FONTS.breakLabel),
    };
    drawAxis(this.layers.axis, this.layers.grid, this.layers.breaks, this.scale, geometry);
    this.drawPhases(lanesTop, bottom);
    this.drawSteps();
    this.drawMessages(lanesTop);
    this.drawFindings(lanesTop);
  }

  private drawPhases(lanesTop: number, bottom: number): void {
    const bands = phaseBands(ownGroup(this.ws!)).map((b, i) => ({ ...b, i, x0: this.x(b.start), x1: this.x(b.end) }));
    const band = this.layers.phases
      .selectAll<SVGGElement, (typeof bands)[number]>('g.tl-phase')
      .data(bands, (d) => d.phase)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'tl-phase');
        g.append('rect').attr('class', 'tl-phase-band');
        g.append('rect').attr('class', 'tl-phase-shade');
        g.append('text').attr('class', 'tl-phase-label');
        g.append('title');
        return g;
      });
    const fill = (d: { i: number }): string => `var(--phase-${(d.i % 6) + 1})`;
    band
      .select('.tl-phase-band')
      .attr('x', (d) => d.x0)
      .attr('width', (d) => Math.max(2, d.x1 - d.x0))
      .attr('y', TITLE_HEIGHT)
      .attr('height', PHASE_HEIGHT)
      .style('fill', fill);
    band
      .select('.tl-phase-shade')
      .attr('x', (d) => d.x0)
      .attr('width', (d) => Math.max(2, d.x1 - d.x0))
      .attr('y', lanesTop)
      .attr('height', Math.max(0, bottom - lanesTop))
      .style('fill', fill)
      .style('fill-opacity', 0.45);
    band
      .select('.tl-phase-label')
      .attr('x', (d) => Math.max(d.x0, 0) + 4)
      .attr('y', TITLE_HEIGHT + 15)
      .text((d) => fitText(PHASE_LABELS[d.phase], Math.min(d.x1, this.plotWidth) - Math.max(d.x0, 0) - 6, FONTS.phase));
    band.select('title').text((d) => `${PHASE_LABELS[d.phase]}: ${formatDuration(d.end - d.start)}`);
  }

  private drawSteps(): void {
    const ws = this.ws!;
    const focused = this.focusedItem();
    const data = ws.groups
      .flatMap((g) =>
        g.steps.map((step) => {
          const y = this.laneY.get(laneKey(step.service, step.server, g.id)) ?? 0;
          const x0 = this.x(step.start);
          const x1 = this.x(step.end);
          return { step, group: g.id, y, x0, w: Math.max(3, x1 - x0) };
        }),
      )
      .filter((d) => d.x0 + d.w >= -20 && d.x0 <= this.plotWidth + 20);
    const isFocused = (d: { step: Step; group: string }): boolean => focused?.kind === 'step' && focused.step.id === d.step.id && focused.group === d.group;
    const bar = this.layers.steps
      .selectAll<SVGGElement, (typeof data)[number]>('g.tl-step-g')
      .data(data, (d) => `${d.group}:${d.step.id}`)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'tl-step-g');
        g.append('rect').attr('rx', 3);
        g.append('text').attr('class', 'tl-step-label');
        g.append('title');
        g.on('click', (event: MouseEvent, d) => {
          event.stopPropagation();
          this.focusItem((it) => it.kind === 'step' && it.step.id === d.step.id && it.group === d.group);
          this.opts.onSelect({ kind: 'step', step: d.step, group: d.group, time: d.step.start });
        });
        return g;
      })
      // The subject's own steps by their id; the CTI client's and the desktop's prefixed with their group.
      .attr('data-step', (d) => (d.group === 'own' ? d.step.id : `${d.group}:${d.step.id}`))
      .attr('data-group', (d) => d.group);
    const barTop = (LANE_HEIGHT - BAR_HEIGHT) / 2;
    bar
      .select('rect')
      .attr('class', (d) => `tl-step ${stepState(d.step)}${isFocused(d) ? ' focused' : ''}`)
      .attr('x', (d) => d.x0)
      .attr('width', (d) => d.w)
      .attr('y', (d) => d.y + barTop)
      .attr('height', BAR_HEIGHT);
    bar
      .select('.tl-step-label')
      .attr('x', (d) => Math.max(d.x0, 0) + 4)
      .attr('y', (d) => d.y + barTop + 12)
      .text((d) => fitText(d.step.summary, Math.min(d.x0 + d.w, this.plotWidth) - Math.max(d.x0, 0) - 8, FONTS.step));
    bar.select('title').text((d) => `${stepGlyph(d.step)} ${d.step.summary}`);
    // Only where the bar's end is in view: the glyph layer is not clipped.
    this.layers.glyphs
      .selectAll<SVGTextElement, (typeof data)[number]>('text')
      .data(
        data.filter((d) => d.x0 + d.w >= 0 && d.x0 + d.w <= this.plotWidth + 0.5),
        (d) => `${d.group}:${d.step.id}`,
      )
      .join('text')
      .attr('class', (d) => `tl-glyph ${stepState(d.step)}`)
      .attr('x', (d) => d.x0 + d.w + 3)
      .attr('y', (d) => d.y + barTop + 13)
      .text((d) => stepGlyph(d.step));
  }

  private drawMessages(lanesTop: number): void {
    const wsY = lanesTop + WS_LANE / 2;
    const data = this.messages
      .map((m) => {
        const lane = laneOfMessage(this.lanes, this.ws!.groups, m);
        return { m, x: this.x(m.time), y: lane ? this.laneY.get(lane.key)! : null };
      })
      .filter((d): d is { m: StoredMessage; x: number; y: number } => d.y !== null && d.x >= -10 && d.x <= this.plotWidth + 10);
    const ladder = this.ladder;
    const barTop = (LANE_HEIGHT - BAR_HEIGHT) / 2;
    // A ladder label sits right of its arrow: on its lane's top for a request, on the subject's row for a reply.
    const labelY = (d: { m: StoredMessage; y: number }): number => (d.m.direction === 'c2s' ? d.y + 4 : wsY + 12);
    // Ladder labels only where there is room: each cut to the room before the plot's edge (66 px at most) and left
    // out where it would cross one set before it. The subject's row holds every lane's replies, and its bottom
    // meets the first lane's requests: two labels less than a line apart are on the same line.
    const labels = new Map<StoredMessage, string>();
    if (ladder) {
      const set: { x0: number; x1: number; y: number }[] = [];
      const crosses = (x0: number, x1: number, y: number): boolean => set.some((o) => Math.abs(o.y - y) < LADDER_LINE && x0 < o.x1 + 4 && o.x0 < x1 + 4);
      for (const d of data) {
        const x = d.x + 3;
        const y = labelY(d);
        // A label that would start on another is not measured at all.
        if (x < 0 || crosses(x, x, y)) continue;
        const text = fitText(d.m.type, Math.min(66, this.plotWidth - x), FONTS.ladder);
        const x1 = x + textWidth(text, FONTS.ladder);
        if (!text || crosses(x, x1, y)) continue;
        labels.set(d.m, text);
        set.push({ x0: x, x1, y });
      }
    }
    const msg = this.layers.messages
      .selectAll<SVGGElement, (typeof data)[number]>('g.tl-msg-g')
      .data(data, (d) => messageKey(d.m))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'tl-msg-g');
        g.append('line');
        g.append('text').attr('class', 'tl-ladder-label');
        g.append('title');
        g.on('click', (event: MouseEvent, d) => {
          event.stopPropagation();
          this.opts.onSelect({ kind: 'message', message: d.m, time: d.m.time });
        });
        return g;
      })
      .attr('data-frame', (d) => d.m.frame);
    msg
      .select('line')
      .attr('class', (d) => `tl-msg ${d.m.direction}${d.m.anomalies?.length ? ' anomaly' : ''}`)
      .attr('x1', (d) => d.x)
      .attr('x2', (d) => d.x)
      .attr('y1', (d) => (ladder ? (d.m.direction === 'c2s' ? wsY : d.y + LANE_HEIGHT / 2) : d.m.direction === 'c2s' ? d.y + 1 : d.y + barTop + BAR_HEIGHT + 1))
      .attr('y2', (d) => (ladder ? (d.m.direction === 'c2s' ? d.y + LANE_HEIGHT / 2 - 2 : wsY + 2) : d.m.direction === 'c2s' ? d.y + barTop - 1 : d.y + LANE_HEIGHT - 1))
      .attr('marker-end', (d) => (ladder ? `url(#tl-arrow-${d.m.direction})` : null))
      .style('stroke-width', ladder ? 1.2 : 2);
    msg
      .select('text')
      .attr('x', (d) => d.x + 3)
      .attr('y', labelY)
      .text((d) => labels.get(d.m) ?? '');
    msg.select('title').text((d) => `${d.m.direction === 'c2s' ? '→' : '←'} frame ${d.m.frame}: ${d.m.summary}`);
  }

  private drawFindings(lanesTop: number): void {
    const ws = this.ws!;
    const focused = this.focusedItem();
    const rowsTop = this.findingsTop();
    const own = { steps: ownGroup(ws).steps, end: ws.end };
    const data = shownFindings(ws.findings, MAX_FINDING_ROWS).map(({ finding, index }, row) => {
      const time = findingTime(own, finding, this.stepById);
      const step = finding.step ? this.stepById.get(finding.step) : undefined;
      const laneY = step ? this.laneY.get(laneKey(step.service, step.server)) : undefined;
      return { finding, index, x: this.x(time), rowY: rowsTop + row * FINDING_ROW, laneY: laneY !== undefined ? laneY + LANE_HEIGHT / 2 : lanesTop + WS_LANE / 2 };
    });
    const mark = this.layers.findings
      .selectAll<SVGGElement, (typeof data)[number]>('g.tl-finding')
      .data(data, (d) => String(d.index))
      .join((enter) => {
        const g = enter.append('g');
        g.append('line').attr('class', 'tl-finding-line');
        g.append('rect').attr('class', 'tl-finding-text-bg');
        g.append('path').attr('class', 'tl-finding-mark');
        g.append('text').attr('class', 'tl-finding-text');
        g.append('title');
        g.on('click', (event: MouseEvent, d) => {
          event.stopPropagation();
          this.focusItem((it) => it.kind === 'finding' && it.index === d.index);
          this.opts.onSelect({ kind: 'finding', finding: d.finding, index: d.index, time: findingTime(own, d.finding, this.stepById) });
        });
        return g;
      })
      .attr('class', (d) => `tl-finding ${d.finding.severity}${focused?.kind === 'finding' && focused.index === d.index ? ' focused' : ''}`)
      .attr('data-kind', (d) => d.finding.kind);
    mark
      .select('line')
      .attr('x1', (d) => d.x)
      .attr('x2', (d) => d.x)
      .attr('y1', (d) => d.rowY + 14)
      .attr('y2', (d) => d.laneY);
    mark.select('path').attr('d', (d) => `M${d.x - 6},${d.rowY + 3}L${d.x + 6},${d.rowY + 3}L${d.x},${d.rowY + 14}z`);
    // The sentence goes right of the marker, or left when the marker is near the right edge.
    const placed = new Map<number, { anchor: 'start' | 'end'; x: number; text: string; width: number }>();
    for (const d of data) {
      const right = this.plotWidth - d.x - 14;
      const left = d.x - 14;
      const full = `${d.finding.kind}: ${d.finding.message}`;
      const anchor = right >= 320 || right >= left ? 'start' : 'end';
      const text = fitText(full, anchor === 'start' ? right : left, FONTS.finding);
      placed.set(d.index, { anchor, x: anchor === 'start' ? d.x + 10 : d.x - 10, text, width: textWidth(text, FONTS.finding) });
    }
    mark
      .select('text')
      .attr('x', (d) => placed.get(d.index)!.x)
      .attr('y', (d) => d.rowY + 13)
      .attr('text-anchor', (d) => placed.get(d.index)!.anchor)
      .text((d) => placed.get(d.index)!.text);
    mark
      .select('rect')
      .attr('x', (d) => {
        const p = placed.get(d.index)!;
        return p.anchor === 'start' ? p.x - 2 : p.x - p.width - 2;
      })
      .attr('y', (d) => d.rowY + 1)
      .attr('width', (d) => placed.get(d.index)!.width + 4)
      .attr('height', FINDING_ROW - 3);
    mark.select('title').text((d) => `${d.finding.severity} · ${d.finding.kind}: ${d.finding.message}`);
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.ws || e.target instanceof HTMLInputElement) return;
    switch (e.key) {
      case 'ArrowRight':
      case 'j':
        this.moveFocus(1);
        break;
      case 'ArrowLeft':
      case 'k':
        this.moveFocus(-1);
        break;
      case 'Enter':
      case ' ': {
        const item = this.focusedItem();
        if (item) this.opts.onSelect(item);
        break;
      }
      case '0':
        this.resetZoom();
        break;
      case '+':
      case '=':
        this.svg.call(this.zoom.scaleBy, 1.6, [this.plotWidth / 2, 0]);
        break;
      case '-':
        this.svg.call(this.zoom.scaleBy, 1 / 1.6, [this.plotWidth / 2, 0]);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}

export function describeItem(item: TimelineItem): string {
  switch (item.kind) {
    case 'step':
      return `step ${stepGlyph(item.step)} ${item.step.summary}`;
    case 'finding':
      return `finding ${item.finding.kind}: ${item.finding.message}`;
    case 'message':
      return `message ${item.message.summary}`;
  }
}

/**
 * The findings that get a row, when there are more than `max`: errors first, then a pattern the outcome does not
 * say (patterns.ts: its sessions lost again and again), then warnings, then notes; drawn in the document's order.
 * A CTI OS desktop flipping between its sides has ten warnings before the finding that says why.
 */
export function shownFindings(findings: readonly Finding[], max: number): { finding: Finding; index: number }[] {
  const rank = (f: Finding): number => (f.severity === 'error' ? 0 : isPatternFinding(f) ? 1 : f.severity === 'warning' ? 2 : 3);
  const all = findings.map((finding, index) => ({ finding, index }));
  if (all.length <= max) return all;
  return all
    .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
    .slice(0, max)
    .sort((a, b) => a.index - b.index);
}

/** The same step (by group and id), finding (by position) or message (by host and arrival number) in two versions of a subject. */
export function sameItem(a: TimelineItem, b: TimelineItem): boolean {
  if (a.kind === 'step' && b.kind === 'step') return a.step.id === b.step.id && a.group === b.group;
  if (a.kind === 'finding' && b.kind === 'finding') return a.index === b.index;
  if (a.kind === 'message' && b.kind === 'message') return messageKey(a.message) === messageKey(b.message);
  return false;
}
