/**
 * A 100 MB capture dropped on the page: analysed in the Web Worker, while the page stays responsive.
 * Measured, not asserted against the clock: the analysis time, throughput and the frame times of the page
 * during the analysis are printed and kept in test-artifacts/ui-100mb.json. What is asserted is that the
 * analysis completes and agrees with the Node pipeline on the same file.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startUiServer, type UiServer } from '../../src/cli/ui-server.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { buildSpanCapture } from '../../src/lab/synth/span.js';
import { artifactPath, browserSkipReason, buildUiOnce, launchChromium, removeDir, watchErrors } from './browser.js';

if (browserSkipReason) console.warn(`test/ui/large-capture.test.ts skipped: ${browserSkipReason}`);

describe.skipIf(browserSkipReason !== null)('a 100 MB capture in the browser', () => {
  let dist: string;
  let server: UiServer;
  let browser: Browser;
  let work: string;
  let capture: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ctiscope-ui-large-'));
    capture = join(work, 'span-1m.pcapng');
    const fd = openSync(capture, 'w');
    buildSpanCapture({ workstations: 500, failureRate: 0.06, seed: 7, targetPackets: 1_000_000, onChunk: (c) => writeSync(fd, c) });
    closeSync(fd);
    dist = await buildUiOnce();
    server = await startUiServer({ port: 0, host: '127.0.0.1', distDir: dist });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) removeDir(dist);
    if (work) removeDir(work);
  });

  test('is analysed in the worker like the CLI does it, and the page keeps drawing frames meanwhile', async () => {
    const size = statSync(capture).size;
    expect(size).toBeGreaterThan(95e6);
    const expected = (await analyzeFiles([capture], { analyze: true })).doc!;

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    // Page-side clocks: from the file input's change event to the analysis being shown, and every frame between.
    await page.evaluate(() => {
      const w = window as unknown as { __t: { start?: number; end?: number }; __frames: number[] };
      w.__t = {};
      w.__frames = [];
      document.getElementById('file-input')!.addEventListener('change', () => (w.__t.start = performance.now()), { capture: true });
      new MutationObserver(() => {
        if (document.body.dataset.state !== 'loading' && w.__t.start !== undefined && w.__t.end === undefined) w.__t.end = performance.now();
      }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
      let last = performance.now();
      const tick = (now: number): void => {
        if (w.__t.start !== undefined && w.__t.end === undefined) w.__frames.push(now - last);
        last = now;
        if (w.__t.end === undefined) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.setInputFiles('#file-input', capture);
    await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', undefined, { timeout: 170_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    const { start, end, frames } = await page.evaluate(() => {
      const w = window as unknown as { __t: { start: number; end: number }; __frames: number[] };
      return { start: w.__t.start, end: w.__t.end, frames: w.__frames };
    });

    // The shown workstation's messages are decoded again from the file when first asked for (ui/src/worker.ts):
    // time from the analysis shown to its ladder being ready.
    const messagesStart = Date.now();
    await page.waitForFunction(() => document.body.dataset.messages === 'ready', undefined, { timeout: 120_000 });
    const messagesSeconds = (Date.now() - messagesStart) / 1000;
    const shownHost = await page.evaluate(() => (document.querySelector('[aria-selected="true"][data-host]') as HTMLElement | null)?.dataset.host ?? null);
    expect(shownHost).not.toBeNull();
    // Its messages are drawn: the frames of its steps' messages are among them.
    const drawn = new Set((await page.locator('.tl-msg-g').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))) as number[]);
    const shownSteps = expected.workstations.find((w) => w.host === shownHost)!.steps.filter((st) => st.protocol === 'ged188' || st.protocol === 'ldap');
    expect(shownSteps.length).toBeGreaterThan(0);
    for (const st of shownSteps) expect(st.frames.some((f) => drawn.has(f))).toBe(true);

    // The same analysis as the Node pipeline.
    expect(await page.locator('#list-count').textContent()).toBe(`${expected.workstations.length} workstations`);
    const failed = expected.workstations.filter((w) => w.outcome === 'failed').length;
    await page.fill('#filter', 'failed');
    expect(await page.locator('#list-count').textContent()).toBe(`${failed} of ${expected.workstations.length} workstations`);

    const seconds = (end - start) / 1000;
    const sorted = [...frames].sort((a, b) => a - b);
    const report = {
      bytes: size,
      packets: expected.source.packets,
      workstations: expected.workstations.length,
      analysisSeconds: Number(seconds.toFixed(2)),
      megabytesPerSecond: Number((size / 1e6 / seconds).toFixed(1)),
      frames: frames.length,
      frameMedianMs: sorted[Math.floor(sorted.length / 2)],
      frameP95Ms: sorted[Math.floor(sorted.length * 0.95)],
      frameMaxMs: sorted[sorted.length - 1],
      framesOver50Ms: frames.filter((f) => f > 50).length,
      firstMessagesSeconds: Number(messagesSeconds.toFixed(2)),
      firstMessagesHost: shownHost,
    };
    console.log(`UI, 100 MB capture: ${JSON.stringify(report)}`);
    writeFileSync(artifactPath('ui-100mb.json'), JSON.stringify(report, null, 1));
    // The page drew frames throughout: the main thread was never blocked for the whole analysis.
    expect(frames.length).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
