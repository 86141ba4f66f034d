/**
 * A piecewise-linear time scale that compresses idle gaps.
 *
 * A desktop start-up mixes 2 ms exchanges with 21 s SYN retries and 30 s heartbeat pauses; on a plain linear
 * axis either the waits fill the screen or the exchanges vanish. Here the axis is cut at every event (a step
 * starting or ending, a message): stretches up to `idleThreshold` keep their real length, longer ones grow only
 * logarithmically and are drawn as a visible break, and no stretch is narrower than `minSegmentPx`. The scale
 * maps time to "base" pixels [0, width]; zooming multiplies and shifts those (see timeline.ts).
 */

import { ticks as d3ticks, tickStep } from 'd3';

export interface TimeSegment {
  t0: number;
  t1: number;
  u0: number;
  u1: number;
  /** An idle gap drawn shorter than it lasted (shown with a break marker). */
  compressed: boolean;
}

export interface TimeScale {
  (t: number): number;
  invert(u: number): number;
  readonly segments: readonly TimeSegment[];
  /** First and last time covered (padding included). */
  readonly domain: readonly [number, number];
  readonly width: number;
}

export interface TimeScaleOptions {
  compress: boolean;
  /** Gaps longer than this (seconds) are compressed. */
  idleThreshold?: number;
  /** Smallest width of the stretch between two events, in pixels. */
  minSegmentPx?: number;
}

/** Sorted distinct event times; times closer than `epsilon` are merged. */
export function distinctTimes(times: Iterable<number>, epsilon = 1e-6): number[] {
  const sorted = [...times].filter(Number.isFinite).sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of sorted) if (out.length === 0 || t - out[out.length - 1] > epsilon) out.push(t);
  return out;
}

/** The weight (in seconds of "reading time") a gap of `d` seconds gets. */
function gapWeight(d: number, threshold: number): number {
  return d <= threshold ? d : threshold * (1 + Math.log(d / threshold));
}

export function buildTimeScale(eventTimes: Iterable<number>, width: number, opts: TimeScaleOptions): TimeScale {
  const threshold = opts.idleThreshold ?? 0.5;
  const minPx = opts.minSegmentPx ?? 12;
  let events = distinctTimes(eventTimes);
  if (events.length === 0) events = [0, 1];
  if (events.length === 1) events = [events[0] - 0.5, events[0] + 0.5];

  const span = events[events.length - 1] - events[0];
  const pad = Math.max(span * 0.03, 1e-3);
  const cuts = opts.compress ? [events[0] - pad, ...events, events[events.length - 1] + pad] : [events[0] - pad, events[events.length - 1] + pad];

  const n = cuts.length - 1;
  const durations = new Array<number>(n);
  const weights = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    durations[i] = cuts[i + 1] - cuts[i];
    weights[i] = opts.compress ? gapWeight(durations[i], threshold) : durations[i];
  }
  if (opts.compress && n > 2) {
    // The padding at both ends gets a fixed share, so the first and last steps never sit on the edge.
    let inner = 0;
    for (let i = 1; i < n - 1; i++) inner += weights[i];
    weights[0] = inner * 0.03;
    weights[n - 1] = inner * 0.06;
  }
  const px = distributeWidth(weights, width, opts.compress ? minPx : 0);

  const segments: TimeSegment[] = [];
  let u = 0;
  for (let i = 0; i < n; i++) {
    segments.push({ t0: cuts[i], t1: cuts[i + 1], u0: u, u1: u + px[i], compressed: opts.compress && durations[i] > threshold * 4 });
    u += px[i];
  }
  return makeScale(segments, width);
}

/** Pixels per segment proportional to weight, with a floor; segments at the floor are fixed and the rest share what is left. */
function distributeWidth(weights: number[], width: number, minPx: number): number[] {
  const n = weights.length;
  if (minPx * n >= width) return weights.map(() => width / n);
  const fixed = new Array<boolean>(n).fill(false);
  let px = new Array<number>(n).fill(0);
  for (let pass = 0; pass < 4; pass++) {
    let freeWidth = width;
    let freeWeight = 0;
    for (let i = 0; i < n; i++) {
      if (fixed[i]) freeWidth -= minPx;
      else freeWeight += weights[i];
    }
    let changed = false;
    px = weights.map((w, i) => (fixed[i] ? minPx : freeWeight > 0 ? (w / freeWeight) * freeWidth : freeWidth / n));
    for (let i = 0; i < n; i++) {
      if (!fixed[i] && px[i] < minPx) {
        fixed[i] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return px;
}

function makeScale(segments: TimeSegment[], width: number): TimeScale {
  const first = segments[0];
  const last = segments[segments.length - 1];
  const findByTime = (t: number): TimeSegment => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid].t1 < t) lo = mid + 1;
      else hi = mid;
    }
    return segments[lo];
  };
  const findByU = (u: number): TimeSegment => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid].u1 < u) lo = mid + 1;
      else hi = mid;
    }
    return segments[lo];
  };
  const lerp = (s: TimeSegment, t: number): number => (s.t1 === s.t0 ? s.u0 : s.u0 + ((t - s.t0) / (s.t1 - s.t0)) * (s.u1 - s.u0));
  const scale = ((t: number): number => {
    // Outside the domain, extend the end segments' rates so zoomed-out views stay continuous.
    if (t <= first.t0) return lerp(first, t);
    if (t >= last.t1) return lerp(last, t);
    return lerp(findByTime(t), t);
  }) as TimeScale;
  scale.invert = (u: number): number => {
    const s = u <= first.u0 ? first : u >= last.u1 ? last : findByU(u);
    return s.u1 === s.u0 ? s.t0 : s.t0 + ((u - s.u0) / (s.u1 - s.u0)) * (s.t1 - s.t0);
  };
  Object.assign(scale, { segments, domain: [first.t0, last.t1] as const, width });
  return scale;
}

export interface AxisTick {
  time: number;
  /** Pixel position after zoom. */
  x: number;
  /** Tick spacing in seconds (decides how many decimals the label needs). */
  step: number;
}

/**
 * Ticks for the visible part of a scale: nice times inside each uncompressed stretch, spaced about `spacingPx`
 * apart on screen. `toPx` maps base pixels to screen pixels (the zoom transform).
 */
export function axisTicks(scale: TimeScale, toPx: (u: number) => number, viewWidth: number, spacingPx = 90): AxisTick[] {
  const out: AxisTick[] = [];
  let lastX = -Infinity;
  for (const s of scale.segments) {
    if (s.compressed) continue;
    const x0 = toPx(s.u0);
    const x1 = toPx(s.u1);
    if (x1 < 0 || x0 > viewWidth) continue;
    const visible0 = Math.max(0, x0);
    const visible1 = Math.min(viewWidth, x1);
    const count = Math.floor((visible1 - visible0) / spacingPx);
    if (count < 1) continue;
    const ta = s.t0 + ((visible0 - x0) / (x1 - x0)) * (s.t1 - s.t0);
    const tb = s.t0 + ((visible1 - x0) / (x1 - x0)) * (s.t1 - s.t0);
    const step = tickStep(ta, tb, count);
    for (const t of d3ticks(ta, tb, count)) {
      const x = toPx(scale(t));
      if (x - lastX < spacingPx * 0.6) continue;
      out.push({ time: t, x, step });
      lastX = x;
    }
  }
  // Where stretches are too short for nice ticks (the compressed view of a few quick exchanges), label the
  // event times themselves, wherever there is room.
  const segs = scale.segments;
  for (let i = 1; i < segs.length; i++) {
    const t = segs[i].t0;
    const x = toPx(segs[i].u0);
    if (x < 0 || x > viewWidth) continue;
    if (out.some((k) => Math.abs(k.x - x) < spacingPx * 0.9)) continue;
    out.push({ time: t, x, step: 0.001 });
  }
  // Labels are centred on their tick: keep them whole inside the view.
  return out.filter((k) => k.x >= 14 && k.x <= viewWidth - 26).sort((a, b) => a.x - b.x);
}

/** A tick label relative to `origin`: "0 s", "+2.5 s", "+21.003 s", "+350 µs". */
export function relativeLabel(t: number, origin: number, step: number): string {
  const d = t - origin;
  if (Math.abs(d) < step / 2) return '0 s';
  const sign = d < 0 ? '−' : '+';
  const a = Math.abs(d);
  if (step < 1e-3 && a < 1) {
    const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step * 1e3))));
    return `${sign}${(a * 1e3).toFixed(decimals)} ms`;
  }
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return `${sign}${a.toFixed(decimals)} s`;
}
