/**
 * Shared set-up of the browser tests: builds the UI once into a temp dir, serves it with the `ctiscope ui`
 * server on 127.0.0.1:0 and drives Debian's Chromium through playwright-core. Tests skip, saying why, when
 * /usr/bin/chromium is missing (scripts/ensure-system-deps.mjs installs it on CI).
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts');
export const browserSkipReason = existsSync(CHROMIUM)
  ? process.env.CTISCOPE_BROWSER_TESTS === '0'
    ? 'browser tests disabled (CTISCOPE_BROWSER_TESTS=0)'
    : null
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium, or run scripts/ensure-system-deps.mjs as root) to run the UI browser tests`;

let built: Promise<string> | undefined;

/** Builds ui/ with Vite into a fresh temp dir (once per test process). */
export function buildUiOnce(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'ctiscope-ui-'));
    await build({
      configFile: join(REPO, 'ui', 'vite.config.ts'),
      root: join(REPO, 'ui'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    return outDir;
  })();
  return built;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Collects page errors and console errors, so a test can assert the page stayed healthy. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Chooses a file with the page's file input and waits until the analysis is shown. */
export async function openCapture(page: Page, path: string, timeout = 60_000): Promise<void> {
  const name = basename(path);
  await page.evaluate(() => {
    document.getElementById('error')!.hidden = true;
  });
  await page.setInputFiles('#file-input', path);
  // Ready with this file's name on show (a page already showing another file is 'ready' from the start), or an error.
  await page.waitForFunction(
    (n) =>
      document.body.dataset.state === 'error' ||
      !document.getElementById('error')!.hidden ||
      (document.body.dataset.state === 'ready' && (document.getElementById('source-name')!.textContent ?? '').startsWith(`${n} — `)),
    name,
    { timeout },
  );
  const failed = await page.evaluate(() => document.body.dataset.state === 'error' || !document.getElementById('error')!.hidden);
  if (failed) throw new Error(`analysis failed: ${await page.textContent('#error')}`);
}

/**
 * Scrolls the subject list from top to bottom in 120 frames and measures every frame the page drew meanwhile
 * (requestAnimationFrame deltas): the large-list tests judge smoothness by these.
 */
export async function scrollListFrames(page: Page): Promise<{ frameTimes: number[]; medianMs: number; p95Ms: number; maxMs: number }> {
  const frameTimes = await page.evaluate(async () => {
    const list = document.getElementById('ws-list')!;
    const times: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = (now: number): void => {
      times.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const max = list.scrollHeight - list.clientHeight;
    for (let step = 0; step < 120; step++) {
      list.scrollTop = (max * step) / 119;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    running = false;
    return times.slice(1);
  });
  const sorted = [...frameTimes].sort((a, b) => a - b);
  return { frameTimes, medianMs: sorted[Math.floor(sorted.length / 2)], p95Ms: sorted[Math.floor(sorted.length * 0.95)], maxMs: sorted[sorted.length - 1] };
}
