/**
 * One workstation's timeline as SVG, built as a string (no DOM), so the CLI, the HTML report and the web
 * UI's static export share it. Lanes per service and server; a bar per step coloured by result; red markers
 * for findings; phase bands across the top; a time axis whose idle stretches are compressed behind a
 * visible break, so a 21 s SYN retry and a 2 ms exchange both stay readable.
 */

import type { Phase } from '../decoders/profile.js';
import type { Finding, Step, Workstation } from './model.js';
import { escapeXml } from './escape.js';
import { phaseBands } from './phase-bands.js';
import { formatDuration, stepGlyph, stepState } from './format.js';
import { fitMono, monoWidth, MONO_FONT_FAMILY } from './svg-text.js';

export interface SvgOptions {
  /** Total width in pixels (default 960). */
  width?: number;
  /** Idle stretches longer than this (seconds) are compressed behind a break mark (default 1 s). */
  breakAfter?: number;
  /** Id prefix, to keep ids unique when several SVGs share a page. */
  idPrefix?: string;
}

const LANE_HEIGHT = 22;
const LABEL_WIDTH = 264;
/** Type sizes: lane, phase and axis labels; findings' labels; breaks' durations (widths from svg-text.ts). */
const TEXT_SIZE = 11;
const FINDING_SIZE = 10;
const BREAK_SIZE = 9;
/** Room between two labels, and between a label and what it stands beside. */
const LABEL_GAP = 6;
const PHASE_BAND = 20;
/** The axis: its line, a row of times and, below it, a row of the breaks' durations. */
const AXIS_HEIGHT = 42;
const BREAK_WIDTH = 26;
const MIN_BAR = 4;
const PAD = 8;

const PHASE_COLORS: Record<Phase, string> = {
  dns: '#8e9aaf',
  config: '#4e79a7',
  licensing: '#b07aa1',
  'cti-session': '#59a14f',
  login: '#edc948',
  services: '#76b7b2',
  phone: '#ff9da7',
  other: '#bab0ac',
};

interface Segment {
  start: number;
  end: number;
  x: number;
  width: number;
}

/**
 * Busy stretches of the timeline: the times at which steps start and end, clustered, with a new stretch after
 * every stretch of more than `breakAfter` seconds in which no step starts or ends. A step's length alone makes
 * no stretch: a session's heartbeats or the PC's own lookups last the whole capture, and as one stretch they
 * left the start-up a few pixels of the width (a step that lasts longer than a break is drawn across it).
 */
function segments(steps: readonly Step[], breakAfter: number): { start: number; end: number }[] {
  const times: number[] = [];
  for (const s of steps) times.push(s.start, Math.max(s.end, s.start));
  times.sort((a, b) => a - b);
  const out: { start: number; end: number }[] = [];
  for (const t of times) {
    const last = out[out.length - 1];
    if (last && t - last.end <= breakAfter) last.end = t;
    else out.push({ start: t, end: t });
  }
  return out;
}

/**
 * Maps times to x: each busy stretch gets width by the square root of its length; breaks get a fixed width (less
 * when there are so many that they would take more than a third of the chart).
 */
function timeScale(steps: readonly Step[], x0: number, width: number, breakAfter: number): { x(t: number): number; segs: Segment[]; breakWidth: number } {
  const spans = segments(steps, breakAfter);
  const breakWidth = spans.length > 1 ? Math.min(BREAK_WIDTH, width / 3 / (spans.length - 1)) : BREAK_WIDTH;
  if (spans.length === 0) return { x: () => x0, segs: [], breakWidth };
  const avail = Math.max(60, width - breakWidth * (spans.length - 1));
  const weights = spans.map((s) => Math.sqrt(Math.max(s.end - s.start, 0.002)));
  const total = weights.reduce((a, b) => a + b, 0);
  const segs: Segment[] = [];
  let x = x0;
  spans.forEach((s, i) => {
    const w = (avail * weights[i]) / total;
    segs.push({ ...s, x, width: w });
    x += w + breakWidth;
  });
  const map = (t: number): number => {
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      if (t <= s.end || i === segs.length - 1) {
        if (t < s.start) return i === 0 ? s.x : s.x - breakWidth / 2;
        const span = s.end - s.start;
        const f = span > 0 ? Math.min(1, (t - s.start) / span) : 0;
        return s.x + f * s.width;
      }
    }
    return x0;
  };
  return { x: map, segs, breakWidth };
}

function laneKey(s: Step): string {
  return `${s.service}|${s.server}`;
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** What the timeline draws: any subject's steps and findings (a workstation, an agent, a CTI client). */
export type TimelineSubject = Pick<Workstation, 'host' | 'steps' | 'start' | 'outcome' | 'failedPhase' | 'findings'>;

export function renderTimelineSvg(ws: TimelineSubject, opts: SvgOptions = {}): string {
  const width = opts.width ?? 960;
  const breakAfter = opts.breakAfter ?? 1;
  const id = (opts.idPrefix ?? 'ct') + ws.host.replace(/[^A-Za-z0-9]/g, '-');
  const steps = ws.steps;
  const lanes: { key: string; label: string; server: string }[] = [];
  for (const s of steps) {
    const key = laneKey(s);
    if (!lanes.some((l) => l.key === key)) lanes.push({ key, label: s.service, server: s.server });
  }
  const chartX = LABEL_WIDTH;
  const chartW = width - LABEL_WIDTH - PAD * 2;
  const { x, segs, breakWidth } = timeScale(steps, chartX, chartW, breakAfter);
  const top = PAD + PHASE_BAND + 4;
  const height = top + lanes.length * LANE_HEIGHT + AXIS_HEIGHT + PAD;
  const origin = ws.start;
  const out: string[] = [];
  const title = `${ws.host} ${ws.outcome}${ws.failedPhase ? ` at ${ws.failedPhase}` : ''}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ctiscope-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title">`,
    `<title id="${id}-title">${escapeXml(`Timeline of ${title}`)}</title>`,
    '<style>' +
      `.ct-bg{fill:#fff}.ct-text{font:${TEXT_SIZE}px ${MONO_FONT_FAMILY};fill:#222}` +
      // Sizes by class: the font shorthand above would win over a font-size attribute.
      `.ct-dim{fill:#666}.ct-text.ct-finding-label{font-size:${FINDING_SIZE}px}.ct-text.ct-break-label{font-size:${BREAK_SIZE}px}.ct-lane{fill:#f4f4f4}` +
      '.ct-ok{fill:#2e9d5b}.ct-fail{fill:#d62f2f}.ct-unseen{fill:#e8a317}.ct-mark{fill:#d62f2f;stroke:#fff;stroke-width:1}.ct-warn{fill:#e8a317;stroke:#fff;stroke-width:1}' +
      '.ct-axis{stroke:#999;stroke-width:1}.ct-break{stroke:#999;stroke-width:1.5;fill:none}' +
      '@media (prefers-color-scheme:dark){.ct-bg{fill:#16181c}.ct-text{fill:#ddd}.ct-dim{fill:#999}.ct-lane{fill:#23262b}.ct-mark,.ct-warn{stroke:#16181c}}' +
      '</style>',
    `<rect class="ct-bg" x="0" y="0" width="${width}" height="${height}"/>`,
  );

  // Phase bands, as the web UI draws them (phase-bands.ts): side by side, none for the PC's own traffic.
  for (const { phase: p, start, end } of phaseBands({ steps })) {
    const x1 = x(start);
    const x2 = Math.max(x1 + MIN_BAR, x(end));
    out.push(
      `<g class="ct-phase"><rect x="${fmt(x1)}" y="${PAD}" width="${fmt(x2 - x1)}" height="${PHASE_BAND - 4}" fill="${PHASE_COLORS[p]}" opacity="0.55"><title>${escapeXml(p)}</title></rect>` +
        (x2 - x1 >= monoWidth(p, TEXT_SIZE) + LABEL_GAP ? `<text class="ct-text" x="${fmt(x1 + 3)}" y="${PAD + 12}">${escapeXml(p)}</text>` : '') +
        '</g>',
    );
  }

  // Lanes with their labels.
  lanes.forEach((l, i) => {
    const y = top + i * LANE_HEIGHT;
    if (i % 2 === 0) out.push(`<rect class="ct-lane" x="${PAD}" y="${y}" width="${width - PAD * 2}" height="${LANE_HEIGHT}"/>`);
    out.push(laneLabel(l.label, l.server, y));
  });

  // Bars.
  const laneIndex = new Map(lanes.map((l, i) => [l.key, i]));
  const barOf = new Map<string, { x: number; y: number; w: number }>();
  for (const s of steps) {
    const i = laneIndex.get(laneKey(s)) ?? 0;
    const x1 = x(s.start);
    const w = Math.max(MIN_BAR, x(s.end) - x1);
    const y = top + i * LANE_HEIGHT + 5;
    barOf.set(s.id, { x: x1, y, w });
    const tip = `${stepGlyph(s)} ${s.phase}: ${s.summary} (+${(s.start - origin).toFixed(3)} s, ${formatDuration(s.end - s.start)})`;
    out.push(`<rect class="ct-${stepState(s)}" data-step="${escapeXml(s.id)}" x="${fmt(x1)}" y="${y}" width="${fmt(w)}" height="${LANE_HEIGHT - 10}" rx="2"><title>${escapeXml(tip)}</title></rect>`);
  }

  // Findings: a marker at the end of their step, with the kind as a label.
  const labelled = new Set<string>();
  const taken: LabelBox[] = [];
  for (const f of ws.findings) out.push(findingMarker(f, barOf, labelled, taken, chartX, top, width - PAD));

  // Axis with a tick at the start of each busy stretch (labelled where there is room) and a break mark between
  // stretches.
  const axisY = top + lanes.length * LANE_HEIGHT + 6;
  out.push(`<line class="ct-axis" x1="${chartX}" y1="${axisY}" x2="${width - PAD}" y2="${axisY}"/>`);
  let labelledTo = -Infinity;
  let breakLabelledTo = -Infinity;
  segs.forEach((s, i) => {
    out.push(`<line class="ct-axis" x1="${fmt(s.x)}" y1="${axisY}" x2="${fmt(s.x)}" y2="${axisY + 5}"/>`);
    // A stretch too close to the last label gets only its tick; the last labels end at their tick rather than
    // run off the chart.
    const time = `+${(s.start - origin).toFixed(3)}s`;
    const w = monoWidth(time, TEXT_SIZE);
    const end = s.x + w > width - PAD;
    if ((end ? s.x - w : s.x) >= labelledTo) {
      out.push(`<text class="ct-text ct-dim" x="${fmt(s.x)}" y="${axisY + 17}"${end ? ' text-anchor="end"' : ''}>${time}</text>`);
      labelledTo = (end ? s.x : s.x + w) + LABEL_GAP;
    }
    if (i > 0) {
      const bx = s.x - breakWidth / 2;
      const idle = s.start - segs[i - 1].end;
      const text = `≈${formatDuration(idle)}`;
      const half = monoWidth(text, BREAK_SIZE) / 2;
      let label = '';
      if (bx - half >= breakLabelledTo && bx + half <= width - PAD) {
        label = `<text class="ct-text ct-dim ct-break-label" x="${fmt(bx)}" y="${axisY + 31}" text-anchor="middle">${escapeXml(text)}</text>`;
        breakLabelledTo = bx + half + LABEL_GAP;
      }
      out.push(
        `<g class="ct-gap"><path class="ct-break" d="M${fmt(bx - 4)} ${axisY - 5} l4 -4 l4 8 l4 -8"/>` +
          `<title>${escapeXml(`${formatDuration(idle)} in which no step starts or ends (compressed)`)}</title>${label}</g>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

/** A lane's label, "service server", cut to the label column (the service first, the server's address whole while it fits). */
function laneLabel(service: string, server: string, y: number): string {
  const room = LABEL_WIDTH - PAD - 2 - LABEL_GAP;
  const whole = `${service} ${server}`;
  let head = service;
  let tail = server;
  if (monoWidth(whole, TEXT_SIZE) > room) {
    const serverRoom = room - monoWidth(' ', TEXT_SIZE);
    if (monoWidth(server, TEXT_SIZE) <= serverRoom - monoWidth('d…', TEXT_SIZE)) head = fitMono(service, serverRoom - monoWidth(server, TEXT_SIZE), TEXT_SIZE);
    else {
      head = '';
      tail = fitMono(server, room, TEXT_SIZE);
    }
  }
  const tip = head === service && tail === server ? '' : `<title>${escapeXml(whole)}</title>`;
  return `<text class="ct-text" x="${PAD + 2}" y="${y + 15}">${tip}${head ? `${escapeXml(head)} ` : ''}<tspan class="ct-dim">${escapeXml(tail)}</tspan></text>`;
}

/** Where a label was drawn: its lane's row (y) and its extent. */
interface LabelBox {
  y: number;
  x1: number;
  x2: number;
}

function findingMarker(
  f: Finding,
  barOf: Map<string, { x: number; y: number; w: number }>,
  labelled: Set<string>,
  taken: LabelBox[],
  chartX: number,
  top: number,
  right: number,
): string {
  const bar = f.step ? barOf.get(f.step) : undefined;
  const cx = bar ? bar.x + bar.w : chartX;
  const cy = bar ? bar.y + (LANE_HEIGHT - 10) / 2 : top;
  const cls = f.severity === 'error' ? 'ct-mark' : 'ct-warn';
  const key = `${f.step}|${f.kind}`;
  // A label that would run past the chart's right edge goes to the left of its marker; one that would lie over
  // another label in its row is left out (the marker's tooltip has it).
  const w = monoWidth(f.kind, FINDING_SIZE);
  const left = cx + 7 + w > right;
  const box = left ? { y: cy, x1: cx - 8 - w, x2: cx - 8 } : { y: cy, x1: cx + 7, x2: cx + 7 + w };
  const free = box.x1 >= chartX && !taken.some((b) => b.y === box.y && b.x1 < box.x2 + LABEL_GAP && box.x1 < b.x2 + LABEL_GAP);
  const label =
    labelled.has(f.step ?? '') || !free
      ? ''
      : `<text class="ct-text ct-finding-label" x="${fmt(left ? cx - 8 : cx + 7)}" y="${fmt(cy + 4)}"${left ? ' text-anchor="end"' : ''}>${escapeXml(f.kind)}</text>`;
  if (label) taken.push(box);
  labelled.add(f.step ?? '');
  return `<g class="ct-finding" data-kind="${escapeXml(f.kind)}" data-key="${escapeXml(key)}"><path class="${cls}" d="M${fmt(cx)} ${fmt(cy - 6)} l6 12 h-12 z"><title>${escapeXml(`${f.severity} ${f.kind}: ${f.message}`)}</title></path>${label}</g>`;
}
