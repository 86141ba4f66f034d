/** The time axis of the timeline: ticks relative to the workstation's first packet and idle-gap breaks. */

import type { Selection } from 'd3';
import { formatDuration } from '../../src/timeline/format.js';
import { axisTicks, relativeLabel, type AxisTick, type TimeScale, type TimeSegment } from './scales.js';

/** Narrowest compressed gap that is drawn as a break. */
const MIN_BREAK_PX = 8;
/** Narrowest break whose label says how long the gap lasted (narrower ones get "≈" alone). */
const MIN_BREAK_DURATION_PX = 44;
/** Least room between two labels of the axis. */
const LABEL_GAP_PX = 6;

export interface AxisGeometry {
  /** Screen x of a base-pixel position (the zoom transform). */
  toPx(u: number): number;
  plotWidth: number;
  /** Top and height of the axis row; grid lines run from `gridTop` to `gridBottom`. */
  axisTop: number;
  axisHeight: number;
  gridTop: number;
  gridBottom: number;
  origin: number;
  /** Widths of a tick's label and of a break's label, in pixels, in the fonts they are drawn in. */
  tickLabelWidth(text: string): number;
  breakLabelWidth(text: string): number;
}

interface PlacedTick extends AxisTick {
  label: string;
}

interface PlacedGap {
  s: TimeSegment;
  x0: number;
  x1: number;
  /** "≈ 12.2 s", "≈", or '' where no label fits beside its neighbours. */
  label: string;
}

/**
 * The time axis: its ticks and the breaks of the compressed idle gaps, whose labels share one row. No two labels
 * overlap: tick labels are thinned first (left to right), then each break gets its duration where that fits
 * between them, else "≈" alone, else no label (its title still says how long it lasted).
 */
export function drawAxis(
  axis: Selection<SVGGElement, unknown, null, undefined>,
  grid: Selection<SVGGElement, unknown, null, undefined>,
  breaks: Selection<SVGGElement, unknown, null, undefined>,
  scale: TimeScale,
  g: AxisGeometry,
): void {
  const taken: { x0: number; x1: number }[] = [];
  // Takes the room a label centred at `x` needs, if no label placed so far is in it.
  const claim = (x: number, width: number): boolean => {
    const x0 = x - width / 2;
    const x1 = x + width / 2;
    if (!taken.every((t) => x1 + LABEL_GAP_PX <= t.x0 || x0 >= t.x1 + LABEL_GAP_PX)) return false;
    taken.push({ x0, x1 });
    return true;
  };
  const ticks: PlacedTick[] = [];
  for (const t of axisTicks(scale, g.toPx, g.plotWidth)) {
    const label = relativeLabel(t.time, g.origin, t.step);
    if (claim(t.x, g.tickLabelWidth(label))) ticks.push({ ...t, label });
  }
  const gaps: PlacedGap[] = [];
  for (const s of scale.segments) {
    if (!s.compressed) continue;
    const x0 = g.toPx(s.u0);
    const x1 = g.toPx(s.u1);
    // A gap drawn only a few pixels wide (the PC's own traffic around the start-up) gets no mark: a row of them
    // would hide the axis; zoomed in, it is wide enough again.
    if (x1 < 0 || x0 > g.plotWidth || x1 - x0 < MIN_BREAK_PX) continue;
    const candidates = x1 - x0 >= MIN_BREAK_DURATION_PX ? [`≈ ${formatDuration(s.t1 - s.t0)}`, '≈'] : ['≈'];
    const label = candidates.find((text) => claim((x0 + x1) / 2, g.breakLabelWidth(text))) ?? '';
    gaps.push({ s, x0, x1, label });
  }
  drawTicks(axis, grid, ticks, g);
  drawBreaks(breaks, gaps, g);
}

function drawTicks(
  axis: Selection<SVGGElement, unknown, null, undefined>,
  grid: Selection<SVGGElement, unknown, null, undefined>,
  ticks: readonly PlacedTick[],
  g: AxisGeometry,
): void {
  axis
    .selectAll<SVGLineElement, unknown>('line.tl-axis-baseline')
    .data([0])
    .join('line')
    .attr('class', 'tl-axis-baseline')
    .attr('x1', 0)
    .attr('x2', g.plotWidth)
    .attr('y1', g.axisTop + g.axisHeight - 0.5)
    .attr('y2', g.axisTop + g.axisHeight - 0.5);
  const tick = axis
    .selectAll<SVGGElement, PlacedTick>('g.tl-tick')
    .data(ticks, (d) => String(d.time))
    .join((enter) => {
      const t = enter.append('g').attr('class', 'tl-tick');
      t.append('line');
      t.append('text');
      return t;
    })
    .attr('transform', (d) => `translate(${d.x},0)`);
  tick
    .select('line')
    .attr('y1', g.axisTop + g.axisHeight - 6)
    .attr('y2', g.axisTop + g.axisHeight);
  tick
    .select('text')
    .attr('y', g.axisTop + g.axisHeight - 9)
    .attr('text-anchor', 'middle')
    .text((d) => d.label);

  grid
    .selectAll<SVGLineElement, PlacedTick>('line')
    .data(ticks, (d) => String(d.time))
    .join('line')
    .attr('x1', (d) => d.x)
    .attr('x2', (d) => d.x)
    .attr('y1', g.gridTop)
    .attr('y2', g.gridBottom);
}

/** Marks compressed idle gaps across the lanes, with how long they lasted. */
function drawBreaks(layer: Selection<SVGGElement, unknown, null, undefined>, gaps: readonly PlacedGap[], g: AxisGeometry): void {
  const gap = layer
    .selectAll<SVGGElement, PlacedGap>('g.tl-gap')
    .data(gaps, (d) => String(d.s.t0))
    .join((enter) => {
      const e = enter.append('g').attr('class', 'tl-gap');
      e.append('rect').attr('class', 'tl-break');
      e.append('text').attr('class', 'tl-break-label');
      e.append('title');
      return e;
    });
  gap
    .select('rect')
    .attr('x', (d) => d.x0 + Math.min(3, (d.x1 - d.x0) / 4))
    .attr('width', (d) => Math.max(2, d.x1 - d.x0 - Math.min(6, (d.x1 - d.x0) / 2)))
    .attr('y', g.gridTop)
    .attr('height', Math.max(0, g.gridBottom - g.gridTop));
  gap
    .select('text')
    .attr('x', (d) => (d.x0 + d.x1) / 2)
    .attr('y', g.axisTop + g.axisHeight - 9)
    .attr('text-anchor', 'middle')
    .text((d) => d.label);
  gap.select('title').text((d) => `idle ${formatDuration(d.s.t1 - d.s.t0)} (compressed)`);
}
