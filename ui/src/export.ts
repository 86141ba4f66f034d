/**
 * Export of the timeline as it is on screen (zoom, ladder, colour scheme): an SVG with the page's timeline
 * styles inlined and the colour variables resolved, and a PNG drawn from it at twice the size.
 */

function timelineCss(): string {
  const root = getComputedStyle(document.documentElement);
  const resolve = (text: string): string => text.replace(/var\((--[\w-]+)\)/g, (_, name: string) => root.getPropertyValue(name).trim() || 'currentColor');
  const rules: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    let list: CSSRuleList;
    try {
      list = sheet.cssRules;
    } catch {
      continue;
    }
    for (const rule of Array.from(list)) {
      if (rule instanceof CSSStyleRule && /\.tl-/.test(rule.selectorText)) rules.push(resolve(rule.cssText));
    }
  }
  return rules.join('\n');
}

/** A standalone SVG document of the given (live) timeline SVG. */
export function timelineSvgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.querySelectorAll('.tl-brush').forEach((n) => n.remove());
  const root = getComputedStyle(document.documentElement);
  // Inline styles set by d3 (phase fills) use variables too.
  clone.querySelectorAll<SVGElement>('[style*="var("]').forEach((n) => {
    n.setAttribute('style', (n.getAttribute('style') ?? '').replace(/var\((--[\w-]+)\)/g, (_, name: string) => root.getPropertyValue(name).trim()));
  });
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = `${timelineCss()}\ntext { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }`;
  clone.insertBefore(style, clone.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportSvg(svg: SVGSVGElement, name: string): void {
  download(new Blob([timelineSvgText(svg)], { type: 'image/svg+xml' }), name);
}

export async function timelinePngBlob(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const text = timelineSvgText(svg);
  const width = Number(svg.getAttribute('width')) || svg.clientWidth;
  const height = Number(svg.getAttribute('height')) || svg.clientHeight;
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.width = width;
    img.height = height;
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the timeline SVG could not be drawn'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function exportPng(svg: SVGSVGElement, name: string): Promise<void> {
  download(await timelinePngBlob(svg), name);
}
