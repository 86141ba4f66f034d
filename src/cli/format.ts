/** Small text-formatting helpers for terminal output. */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  // Each unit is chosen by the value rounded as it would be shown: 119.96 s reads "2 min 0 s", not "120.0 s".
  if (Math.round(seconds * 1e6) < 1000) return `${Math.round(seconds * 1e6)} µs`;
  if (Math.round(seconds * 1e4) < 100) return `${(seconds * 1000).toFixed(1)} ms`;
  if (Math.round(seconds * 1000) < 1000) return `${Math.round(seconds * 1000)} ms`;
  if (Math.round(seconds * 100) < 1000) return `${seconds.toFixed(2)} s`;
  if (Math.round(seconds * 10) < 1200) return `${seconds.toFixed(1)} s`;
  // Whole seconds first: 179.7 s reads "3 min 0 s", not "2 min 60 s".
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  return m < 120 ? `${m} min ${whole - m * 60} s` : `${(seconds / 3600).toFixed(1)} h`;
}

/** Column widths of a table: each column's longest cell, header included, never narrower than `atLeast`. */
export function columnWidths(header: string[], rows: string[][], atLeast?: number[]): number[] {
  const widths = header.map((h, i) => Math.max(h.length, atLeast?.[i] ?? 0));
  for (const r of rows) {
    for (let i = 0; i < widths.length; i++) {
      const n = (r[i] ?? '').length;
      if (n > widths[i]) widths[i] = n;
    }
  }
  return widths;
}

/** One line of a table laid out with `widths`. */
export function tableLine(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
}

/** The header and rule lines of a table. */
export function tableHead(header: string[], widths: number[]): string {
  return tableLine(header, widths) + '\n' + tableLine(widths.map((w) => '─'.repeat(w)), widths) + '\n';
}

/** A plain aligned text table (no colours: safe for pipes). */
export function table(header: string[], rows: string[][]): string {
  const widths = columnWidths(header, rows);
  let out = tableHead(header, widths);
  for (const r of rows) out += tableLine(r, widths) + '\n';
  return out;
}
