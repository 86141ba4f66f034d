/** The time axis of the timeline: ticks relative to the workstation's first packet and idle-gap breaks. */

import type { Selection } from 'd3';
import { formatDuration } from '../../src/timeline/format.js';
import { axisTicks, relativeLabel, type TimeScale } from './scales.js';

/** Narrowest compressed gap that is drawn as a break. */
const MIN_BREAK_PX = 8;

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
}

export function drawAxis(
  axis: Selection<SVGGElement, unknown, null, undefined>,
  grid: Selection<SVGGElement, unknown, null, undefined>,
  scale: TimeScale,
  g: AxisGeometry,
): void {
  const ticks = axisTicks(scale, g.toPx, g.plotWidth);
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
    .selectAll<SVGGElement, (typeof ticks)[number]>('g.tl-tick')
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
    .text((d) => relativeLabel(d.time, g.origin, d.step));

  grid
    .selectAll<SVGLineElement, (typeof ticks)[number]>('line')
    .data(ticks, (d) => String(d.time))
    .join('line')
    .attr('x1', (d) => d.x)
    .attr('x2', (d) => d.x)
    .attr('y1', g.gridTop)
    .attr('y2', g.gridBottom);
}

/** Marks compressed idle gaps across the lanes, with how long they lasted. */
export function drawBreaks(
  layer: Selection<SVGGElement, unknown, null, undefined>,
  scale: TimeScale,
  g: AxisGeometry,
): void {
  const gaps = scale.segments.filter((s) => s.compressed).map((s) => ({ s, x0: g.toPx(s.u0), x1: g.toPx(s.u1) }));
  // A gap drawn only a few pixels wide (the PC's own traffic around the start-up) gets no mark: a row of them
  // would hide the axis; zoomed in, it is wide enough again.
  const visible = gaps.filter((d) => d.x1 >= 0 && d.x0 <= g.plotWidth && d.x1 - d.x0 >= MIN_BREAK_PX);
  const gap = layer
    .selectAll<SVGGElement, (typeof visible)[number]>('g.tl-gap')
    .data(visible, (d) => String(d.s.t0))
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
    .text((d) => (d.x1 - d.x0 >= 44 ? `≈ ${formatDuration(d.s.t1 - d.s.t0)}` : '≈'));
  gap.select('title').text((d) => `idle ${formatDuration(d.s.t1 - d.s.t0)} (compressed)`);
}
