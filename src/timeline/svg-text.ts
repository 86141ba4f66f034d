/**
 * Text in the SVGs built as strings (no DOM to measure with): drawn in a monospace font, whose advance is the same
 * for every character, so a label's width is known before a browser draws it. 0.61 em is at or above the advance
 * of the common monospace fonts (DejaVu Sans Mono and Menlo 0.602, SF Mono 0.6, Liberation Mono and Courier 0.6,
 * Consolas 0.55): a label sized by it never runs past its room, whichever of them the viewer has.
 */

export const MONO_FONT_FAMILY = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace";

const ADVANCE_EM = 0.61;

/** The width of `text` at `size` px, at most. */
export function monoWidth(text: string, size: number): number {
  return [...text].length * ADVANCE_EM * size;
}

/** `text` cut to `px` wide at `size` px, its end an ellipsis when cut ('' when not even one character fits). */
export function fitMono(text: string, px: number, size: number): string {
  const chars = [...text];
  const n = Math.floor(px / (ADVANCE_EM * size));
  if (chars.length <= n) return text;
  return n < 2 ? '' : `${chars.slice(0, n - 1).join('')}…`;
}
