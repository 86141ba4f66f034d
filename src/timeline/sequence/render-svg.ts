/**
 * The sequence diagram as SVG, built as a string (no DOM) for the CLI, the HTML report and the web UI.
 *
 * Readable at hundreds of messages because every row has its own band: one label per band, in a monospace
 * font whose width is known, cut to the room left of the right edge, so no two labels can overlap. The lifeline
 * headers and the column of times are SVGs of their own (`parts().header`, `parts().times`, with `corner` where
 * they meet), so that a page keeps the headers in view when scrolling down and the times when scrolling sideways.
 */

import { escapeXml as esc } from '../escape.js';
import { offsetText, type SequenceDiagram, type SequenceRow } from './model.js';
import { MONO_FONT_FAMILY } from '../svg-text.js';

export interface SequenceSvgOptions {
  /** Width of one lifeline's column (default 190). */
  column?: number;
  /** Id prefix, to keep ids unique when several diagrams share a page. */
  idPrefix?: string;
  /** Narrowest drawing, in pixels (default 760). */
  minWidth?: number;
}

export const SEQUENCE_LAYOUT = {
  timeColumn: 84,
  pad: 10,
  headerHeight: 46,
  rowHeight: 24,
  findingLine: 15,
  fontSize: 11,
  /** Advance of one character of the 11 px monospace font, rounded up (measured ≈ 6.6 px in common monospace fonts). */
  charWidth: 7,
} as const;

const FONT = `font-family="${MONO_FONT_FAMILY}" font-size="${SEQUENCE_LAYOUT.fontSize}"`;
const COLORS = { line: '#8a8f98', text: '#1d1f23', muted: '#6b7078', fail: '#c62828', warn: '#a86b00', head: '#eef1f5', fold: '#e7eefb', note: '#fdecea' };

function fit(text: string, px: number): string {
  const n = Math.max(1, Math.floor(px / SEQUENCE_LAYOUT.charWidth));
  return text.length <= n ? text : `${text.slice(0, Math.max(0, n - 1))}…`;
}

/** Splits text into lines of at most `px` wide (monospace), at most `maxLines` lines. */
function wrapLines(text: string, px: number, maxLines = 3): string[] {
  const n = Math.max(8, Math.floor(px / SEQUENCE_LAYOUT.charWidth));
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > n) {
      lines.push(line);
      line = '';
      if (lines.length === maxLines) break;
    }
    line = line ? `${line} ${w}` : w.length > n ? fit(w, px) : w;
  }
  if (line && lines.length < maxLines) lines.push(line);
  else if (lines.length === maxLines && words.join(' ').length > lines.join(' ').length) lines[maxLines - 1] = fit(`${lines[maxLines - 1]} …`, px);
  return lines;
}

function relTime(t: number, origin: number): string {
  return offsetText(t, origin, Math.abs(t - origin) < 1000 ? 3 : 0);
}

export interface SequenceSvgParts {
  width: number;
  headerHeight: number;
  bodyHeight: number;
  /** The lifeline headers alone (the time column's width left blank for `corner`). */
  header: string;
  /** The rows (lifelines continue through it), without their times. */
  body: string;
  /** The rows' times, as tall as `body` and as wide as its blank left column; each text's data-index is its row's. */
  times: string;
  /** The time column's head ("time"), as tall as `header`. */
  corner: string;
}

/** Baseline of a row's one line of text (its time, a fold's or an idle stretch's label). */
const textLine = (y: number): number => y + 20;

interface Placed {
  row: SequenceRow;
  y: number;
  height: number;
  findingLines: { text: string; severity: string }[];
}

/** Header and body as two SVG documents of the same width. */
export function renderSequenceParts(d: SequenceDiagram, opts: SequenceSvgOptions = {}): SequenceSvgParts {
  const L = SEQUENCE_LAYOUT;
  const col = opts.column ?? 190;
  const prefix = opts.idPrefix ?? 'seq-';
  // With few lifelines, room on the right so labels are not cut short.
  const width = Math.max(L.timeColumn + Math.max(1, d.parties.length) * col + L.pad, opts.minWidth ?? 760);
  const x = (p: number): number => L.timeColumn + col * p + col / 2;
  const textWidth = width - L.timeColumn - 2 * L.pad;

  const placed: Placed[] = [];
  let y = 6;
  for (const row of d.rows) {
    const findingLines = row.findings.flatMap((f) => wrapLines(`${f.kind}: ${f.message}`, textWidth).map((text) => ({ text, severity: f.severity })));
    const height = L.rowHeight + findingLines.length * L.findingLine + (findingLines.length ? 4 : 0);
    placed.push({ row, y, height, findingLines });
    y += height;
  }
  const bodyHeight = y + 8;

  // Header: a box per party, role over address.
  const heads = d.parties
    .map((p, i) => {
      const cx = x(i);
      return `<g class="seq-party" data-party="${i}"><rect x="${cx - col / 2 + 6}" y="4" width="${col - 12}" height="${L.headerHeight - 8}" rx="4" fill="${p.side === 'subject' ? '#e6f2ea' : COLORS.head}" stroke="${COLORS.line}"/>`
        + `<text x="${cx}" y="21" text-anchor="middle" ${FONT} font-weight="600" fill="${COLORS.text}">${esc(fit(p.role, col - 20))}</text>`
        + `<text x="${cx}" y="35" text-anchor="middle" ${FONT} fill="${COLORS.muted}">${esc(fit(p.address, col - 20))}</text></g>`;
    })
    .join('');
  const header = `<svg xmlns="http://www.w3.org/2000/svg" class="seq-header" width="${width}" height="${L.headerHeight}" viewBox="0 0 ${width} ${L.headerHeight}" role="img" aria-label="${esc(`lifelines: ${d.parties.map((p) => `${p.role} ${p.address}`).join(', ')}`)}">`
    + `<rect width="${width}" height="${L.headerHeight}" fill="#fff"/>${heads}</svg>`;
  const corner = `<svg xmlns="http://www.w3.org/2000/svg" class="seq-corner" width="${L.timeColumn}" height="${L.headerHeight}" viewBox="0 0 ${L.timeColumn} ${L.headerHeight}" aria-hidden="true">`
    + `<rect width="${L.timeColumn}" height="${L.headerHeight}" fill="#fff"/><text x="6" y="27" ${FONT} fill="${COLORS.muted}">time</text></svg>`;
  const times = `<svg xmlns="http://www.w3.org/2000/svg" class="seq-times" width="${L.timeColumn}" height="${bodyHeight}" viewBox="0 0 ${L.timeColumn} ${bodyHeight}" role="img" aria-label="time of each row">`
    + `<rect width="${L.timeColumn}" height="${bodyHeight}" fill="#fff"/>`
    + placed.map((pl, index) => `<text class="seq-time" data-index="${index}" x="6" y="${textLine(pl.y)}" ${FONT} fill="${COLORS.muted}">${esc(relTime(pl.row.time, d.origin))}</text>`).join('')
    + '</svg>';

  const lifelines = d.parties.map((_, i) => `<line x1="${x(i)}" y1="0" x2="${x(i)}" y2="${bodyHeight}" stroke="${COLORS.line}" stroke-dasharray="3 3"/>`).join('');
  const rows = placed.map((pl, index) => renderRow(pl, index, x, width, col, prefix)).join('\n');
  const body = `<svg xmlns="http://www.w3.org/2000/svg" class="seq-body" width="${width}" height="${bodyHeight}" viewBox="0 0 ${width} ${bodyHeight}" role="img" aria-label="${esc(`${d.title}: ${d.rows.length} rows`)}">`
    + `<defs><marker id="${prefix}arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLORS.text}"/></marker>`
    + `<marker id="${prefix}arrow-fail" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLORS.fail}"/></marker>`
    + `<marker id="${prefix}lost" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9"><path d="M1,1 L9,9 M9,1 L1,9" stroke="${COLORS.fail}" stroke-width="2"/></marker></defs>`
    + `<rect width="${width}" height="${bodyHeight}" fill="#fff"/>${lifelines}\n${rows}</svg>`;
  return { width, headerHeight: L.headerHeight, bodyHeight, header, body, times, corner };
}

function renderRow(pl: Placed, index: number, x: (p: number) => number, width: number, col: number, prefix: string): string {
  const L = SEQUENCE_LAYOUT;
  const { row, y } = pl;
  const mid = y + 16;
  const color = row.failed ? COLORS.fail : COLORS.text;
  const attrs = `class="seq-row seq-${row.kind}${row.failed ? ' seq-failed' : ''}" data-index="${index}"${row.message !== undefined ? ` data-message="${row.message}"` : ''}${row.frames.length ? ` data-frame="${row.frames[0]}"` : ''}${row.step ? ` data-step="${esc(row.step)}"` : ''}`;
  const hit = `<rect class="seq-hit" x="${L.timeColumn}" y="${y}" width="${width - L.timeColumn}" height="${pl.height}" fill="transparent"/>`;
  const findings = pl.findingLines
    // A white halo under the letters: the text crosses the dashed lifelines.
    .map((f, i) => `<text class="seq-finding" x="${L.timeColumn + L.pad}" y="${y + L.rowHeight + 8 + i * L.findingLine}" ${FONT} fill="${f.severity === 'error' ? COLORS.fail : COLORS.warn}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(f.text)}</text>`)
    .join('');
  let shape = '';
  let label = '';
  let shown: string | undefined;
  if (row.kind === 'idle') {
    shape = `<rect x="${L.timeColumn}" y="${y + 4}" width="${width - L.timeColumn - L.pad}" height="${L.rowHeight - 6}" fill="#f4f4f5"/>`;
    label = `<text class="seq-label" x="${L.timeColumn + (width - L.timeColumn) / 2}" y="${textLine(y)}" text-anchor="middle" ${FONT} font-style="italic" fill="${COLORS.muted}">${esc(fit(`⋯ ${row.label} ⋯`, width - L.timeColumn - 2 * L.pad))}</text>`;
  } else if (row.kind === 'heartbeats' || row.kind === 'note') {
    const a = Math.min(row.from, row.to);
    const b = Math.max(row.from, row.to);
    const x0 = x(a) - col / 2 + 8;
    const x1 = x(b) + col / 2 - 8;
    shape = `<rect x="${x0}" y="${y + 3}" width="${x1 - x0}" height="${L.rowHeight - 4}" rx="3" fill="${row.kind === 'note' ? COLORS.note : COLORS.fold}" stroke="${row.failed ? COLORS.fail : COLORS.line}"/>`;
    shown = fit(row.label, width - x0 - 6 - L.pad);
    label = `<text class="seq-label" x="${x0 + 6}" y="${textLine(y)}" ${FONT} fill="${color}">${esc(shown)}</text>`;
  } else {
    const x0 = x(row.from);
    const x1 = x(row.to);
    const dir = x1 >= x0 ? 1 : -1;
    const lost = row.kind === 'syn' && /no answer/.test(row.label);
    // Opening and closing a connection are drawn quieter than the messages between.
    const quiet = row.kind === 'connect' || row.kind === 'fin';
    const stroke = row.failed ? COLORS.fail : quiet ? COLORS.muted : COLORS.text;
    const dash = quiet || (row.kind === 'message' && dir < 0) ? ' stroke-dasharray="5 3"' : '';
    const end = lost ? x1 - dir * 12 : x1 - dir * 2;
    const marker = lost ? `url(#${prefix}lost)` : row.failed ? `url(#${prefix}arrow-fail)` : `url(#${prefix}arrow)`;
    shape = `<line class="seq-arrow" x1="${x0}" y1="${mid + 6}" x2="${end}" y2="${mid + 6}" stroke="${stroke}" stroke-width="${row.failed ? 2 : 1.3}"${dash} marker-end="${marker}"/>`;
    const left = Math.min(x0, x1) + 6;
    shown = fit(row.label, width - left - L.pad);
    label = `<text class="seq-label" x="${left}" y="${mid + 1}" ${FONT}${quiet && !row.failed ? ` fill="${COLORS.muted}"` : ` fill="${color}"`}${row.failed ? ' font-weight="600"' : ''}>${esc(shown)}</text>`;
  }
  // A label cut to the room there is keeps its whole text as the row's tooltip.
  const tip = shown !== undefined && shown !== row.label ? `<title>${esc(row.label)}</title>` : '';
  return `<g ${attrs}>${tip}${hit}${shape}${label}${findings}</g>`;
}

/** One standalone SVG file: headers on top of the rows, the times on their left. */
export function renderSequenceSvg(d: SequenceDiagram, opts: SequenceSvgOptions = {}): string {
  const p = renderSequenceParts(d, opts);
  const height = p.headerHeight + p.bodyHeight;
  const inner = (svg: string, dy: number): string => svg.replace(/^<svg [^>]*>/, `<g transform="translate(0 ${dy})">`).replace(/<\/svg>$/, '</g>');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${height}" viewBox="0 0 ${p.width} ${height}">`
    + `<title>${esc(d.title)}</title>${inner(p.body, p.headerHeight)}${inner(p.times, p.headerHeight)}${inner(p.header, 0)}${inner(p.corner, 0)}</svg>\n`;
}

/**
 * The diagram for a page, in a box that scrolls both ways: the headers stick to its top and the times to its left
 * (a frozen column over the body's blank one), each still scrolling with the rows along the other axis.
 */
export function renderSequenceHtml(d: SequenceDiagram, opts: SequenceSvgOptions & { maxHeight?: string } = {}): string {
  const p = renderSequenceParts(d, opts);
  const col = SEQUENCE_LAYOUT.timeColumn;
  const block = (svg: string): string => svg.replace(/^<svg /, '<svg style="display:block" ');
  return `<div class="seq-scroll" style="max-height:${opts.maxHeight ?? '70vh'};overflow:auto;border:1px solid #ddd;background:#fff">`
    + `<div style="display:flex;align-items:flex-start;width:${p.width}px">`
    + `<div class="seq-time-column" style="position:sticky;left:0;z-index:2;flex:none;width:${col}px;margin-right:-${col}px;box-shadow:1px 0 0 #e3e6ea">`
    + `<div style="position:sticky;top:0;z-index:1">${block(p.corner)}</div>${block(p.times)}</div>`
    + `<div style="flex:none;width:${p.width}px"><div class="seq-sticky" style="position:sticky;top:0;z-index:1">${block(p.header)}</div>${block(p.body)}</div>`
    + '</div></div>';
}
