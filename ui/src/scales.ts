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
  /**
   * Times of the PC's own traffic and other events that should not shape the scale: between the first and the
   * last event time they are only placed on it, and before and after those they get a small share of the width
   * (see squeezeOutside), so that minutes of a noisy PC's lookups do not squeeze a start-up of a second into a
   * corner.
   */
  around?: Iterable<number>;
}

/**
 * The most the stretches before the first event, and those after the last, may weigh together, as a share of
 * what the stretches between them weigh (so at most about a tenth and a sixth of the width), and the smallest width of each.
 */
const BEFORE_FOCUS_SHARE = 0.1;
const AFTER_FOCUS_SHARE = 0.2;
const OUTSIDE_FOCUS_MIN_PX = 1;

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
  let aroundTimes = opts.around ? distinctTimes(opts.around) : [];
  if (events.length === 0) {
    events = aroundTimes;
    aroundTimes = [];
  }
  if (events.length === 0) events = [0, 1];
  if (events.length === 1 && aroundTimes.length === 0) events = [events[0] - 0.5, events[0] + 0.5];
  const focus: [number, number] = [events[0], events[events.length - 1]];
  const before = aroundTimes.filter((t) => t < focus[0] - 1e-6);
  const after = aroundTimes.filter((t) => t > focus[1] + 1e-6);
  const all = [...before, ...events, ...after];

  const span = all[all.length - 1] - all[0];
  const pad = Math.max(span * 0.03, 1e-3);
  const cuts = opts.compress ? [all[0] - pad, ...all, all[all.length - 1] + pad] : [all[0] - pad, all[all.length - 1] + pad];

  const n = cuts.length - 1;
  const durations = new Array<number>(n);
  const weights = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    durations[i] = cuts[i + 1] - cuts[i];
    weights[i] = opts.compress ? gapWeight(durations[i], threshold) : durations[i];
  }
  const floors = new Array<number>(n).fill(opts.compress ? minPx : 0);
  if (opts.compress && before.length + after.length > 0) squeezeOutside(cuts, weights, floors, focus, minPx);
  if (opts.compress && n > 2) {
    // The padding at both ends gets a fixed share, so the first and last steps never sit on the edge.
    let inner = 0;
    for (let i = 1; i < n - 1; i++) inner += weights[i];
    weights[0] = inner * 0.03;
    weights[n - 1] = inner * 0.06;
  }
  const px = distributeWidth(weights, width, floors);

  const segments: TimeSegment[] = [];
  let u = 0;
  for (let i = 0; i < n; i++) {
    segments.push({ t0: cuts[i], t1: cuts[i + 1], u0: u, u1: u + px[i], compressed: opts.compress && durations[i] > threshold * 4 });
    u += px[i];
  }
  return makeScale(segments, width);
}

/**
 * Scales down the weights of the stretches wholly before and wholly after `focus` (the padding at both ends
 * excepted) so that each side weighs at most its share of the inside: however many events the PC's own traffic
 * makes around a start-up, and for however long, the start-up keeps most of the width.
 */
function squeezeOutside(cuts: readonly number[], weights: number[], floors: number[], focus: readonly [number, number], minPx: number): void {
  const n = weights.length;
  let inside = 0;
  let before = 0;
  let after = 0;
  for (let i = 1; i < n - 1; i++) {
    if (cuts[i + 1] <= focus[0]) before += weights[i];
    else if (cuts[i] >= focus[1]) after += weights[i];
    else inside += weights[i];
  }
  const beforeFactor = before > inside * BEFORE_FOCUS_SHARE ? (inside * BEFORE_FOCUS_SHARE) / before : 1;
  const afterFactor = after > inside * AFTER_FOCUS_SHARE ? (inside * AFTER_FOCUS_SHARE) / after : 1;
  for (let i = 1; i < n - 1; i++) {
    const outside = cuts[i + 1] <= focus[0] ? beforeFactor : cuts[i] >= focus[1] ? afterFactor : 0;
    if (outside === 0) continue;
    weights[i] *= outside;
    floors[i] = Math.min(minPx, OUTSIDE_FOCUS_MIN_PX);
  }
}

/** Pixels per segment proportional to weight, each with a floor; segments at their floor are fixed and the rest share what is left. */
function distributeWidth(weights: number[], width: number, floors: number[]): number[] {
  const n = weights.length;
  let floorSum = 0;
  for (const f of floors) floorSum += f;
  if (floorSum >= width) return floors.map((f) => (floorSum > 0 ? (f / floorSum) * width : width / n));
  const fixed = new Array<boolean>(n).fill(false);
  let px = new Array<number>(n).fill(0);
  for (let pass = 0; pass < 4; pass++) {
    let freeWidth = width;
    let freeWeight = 0;
    for (let i = 0; i < n; i++) {
      if (fixed[i]) freeWidth -= floors[i];
      else freeWeight += weights[i];
    }
    let changed = false;
    px = weights.map((w, i) => (fixed[i] ? floors[i] : freeWeight > 0 ? (w / freeWeight) * freeWidth : freeWidth / n));
    for (let i = 0; i < n; i++) {
      if (!fixed[i] && px[i] < floors[i]) {
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
