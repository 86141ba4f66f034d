/**
 * SVG to PNG for the CLI: a headless Chromium (Debian's `chromium`, or $CHROMIUM) renders the SVG at its own
 * size and writes the screenshot. ctiscope ships no rasteriser of its own; without a browser the command says so
 * and suggests --format svg.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './common.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export async function svgToPng(svg: string): Promise<Uint8Array> {
  const browser = [process.env.CHROMIUM, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!browser) throw new CliError('--format png needs Chromium (apt-get install chromium, or set CHROMIUM=/path/to/chrome); --format svg needs nothing');
  const size = /width="(\d+)" height="(\d+)"/.exec(svg);
  const width = size ? Number(size[1]) : 1200;
  const height = size ? Math.min(Number(size[2]), 16384) : 800;
  const dir = mkdtempSync(join(tmpdir(), 'ctiscope-png-'));
  try {
    const page = join(dir, 'diagram.html');
    writeFileSync(page, `<!doctype html><meta charset="utf-8"><style>html,body{margin:0;background:#fff}</style>${svg}`);
    const out = join(dir, 'diagram.png');
    const r = spawnSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`, `--screenshot=${out}`, `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
    if (!existsSync(out)) throw new CliError(`--format png: ${browser} wrote no screenshot (${(r.stderr || r.error?.message || 'no output').trim().split('\n').pop()})`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
