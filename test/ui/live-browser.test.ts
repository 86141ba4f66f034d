/**
 * The live page in Chromium: the built UI served with a live feed while a sample is replayed packet by packet
 * through a live session. The workstation appears, then its steps; the user's selection, zoom and scroll
 * survive the updates; "capture stopped" at the end, with the file's analysis on the page.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createLiveSession, type LiveSession } from '../../src/cli/live.js';
import { startUiServer, UiLiveFeed, type UiServer } from '../../src/cli/ui-server.js';
import { MessageStore } from '../../src/message-store.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { stepTitle } from '../../ui/src/details.js';
import { artifactPath, browserSkipReason, buildUiOnce, launchChromium, REPO, removeDir, watchErrors } from './browser.js';
import { writeSpanCapture } from './captures.js';
import { readPackets, replay } from './live-sse.js';

const LOGIN_REFUSED = join(REPO, 'samples', 'agent-login-refused.pcapng');

if (browserSkipReason) console.warn(`test/ui/live-browser.test.ts skipped: ${browserSkipReason}`);

interface Live {
  session: LiveSession;
  feed: UiLiveFeed;
  server: UiServer;
}

describe.skipIf(browserSkipReason !== null)('live web UI in Chromium', () => {
  let dist: string;
  let browser: Browser;
  let work: string;
  const servers: UiServer[] = [];

  beforeAll(async () => {
    dist = await buildUiOnce();
    browser = await launchChromium();
    work = mkdtempSync(join(tmpdir(), 'ctiscope-live-ui-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    if (dist) removeDir(dist);
    if (work) removeDir(work);
  });

  async function startLive(minIntervalMs = 200): Promise<Live> {
    const messages = new MessageStore();
    let session: LiveSession | undefined;
    const feed = new UiLiveFeed({ snapshot: () => session?.snapshot(), packets: () => session?.packets ?? 0, interface: 'lo', filter: 'tcp', minIntervalMs, refreshMs: 1000 });
    session = createLiveSession({ label: 'live:lo', onUpdate: feed.changed, decode: { keepRaw: true }, onMessage: messages.add });
    const server = await startUiServer({ port: 0, distDir: dist, live: feed, messages });
    servers.push(server);
    return { session, feed, server };
  }

  const liveText = (page: Page): Promise<string | null> => page.textContent('#live-status');

  test('the workstation appears, then its steps; selection and zoom survive the updates; capture stopped at the end', async () => {
    const expected = (await analyzeFiles([LOGIN_REFUSED], { analyze: true })).doc!;
    const ws = expected.workstations[0];
    const failed = ws.steps.find((s) => !s.ok)!;
    const { session, feed, server } = await startLive();
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.live === 'capturing');
    expect(await liveText(page)).toBe('live · 0 packets · capturing on lo');
    expect(await page.textContent('#details')).toContain('Waiting for a desktop');

    // The first packets: the workstation appears with its first (ok) steps, and is selected.
    const packets = readPackets(LOGIN_REFUSED);
    const failedFrame = Math.max(...failed.frames);
    await replay(session, packets.slice(0, 12), 20);
    await page.waitForSelector(`.ws-row[data-host="${ws.host}"]`, { timeout: 10_000 });
    await page.waitForSelector('.tl-step.ok', { timeout: 10_000 });
    expect(await page.locator('.tl-step.fail').count()).toBe(0);
    await page.waitForFunction(() => /live · 1\d packets · capturing on lo/.test(document.getElementById('live-status')!.textContent ?? ''));
    expect(await page.getAttribute('#live-status', 'title')).toBe('capture filter: tcp');

    // The user zooms to the first 0.2 s and opens the first step.
    const window: [number, number] = [ws.start, ws.start + 0.2];
    await page.evaluate(({ host, w }) => (location.hash = `ws=${host}&t=${w[0].toFixed(6)}~${w[1].toFixed(6)}`), { host: ws.host, w: window });
    await page.locator('.tl-step-g[data-step="s1"] rect').click();
    expect(await page.textContent('#details h3[data-step="s1"]')).toBe(`✓ ${stepTitle(ws.steps[0])}`);
    const windowParam = (): Promise<string | null> => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('t'));
    const zoomed = `${window[0].toFixed(6)}~${window[1].toFixed(6)}`;
    expect(await windowParam()).toBe(zoomed);

    // The rest of the start-up, the failed login among it.
    await replay(session, packets.slice(12, failedFrame + 2), 25);
    await page.waitForFunction((host) => document.querySelector(`.ws-row[data-host="${host}"] .badge`)?.textContent === '✗ failed', ws.host, { timeout: 10_000 });
    await page.waitForSelector('.failure-banner', { timeout: 5000 });
    expect(await page.textContent('.failure-banner')).toContain(ws.failure!.message);
    // Still zoomed on the first 0.2 s (the failed step, later, is off screen), still showing step s1.
    expect(await windowParam()).toBe(zoomed);
    expect(await page.locator('.tl-step.fail').count()).toBe(0);
    expect(await page.textContent('#details h3[data-step="s1"]')).toBe(`✓ ${stepTitle(ws.steps[0])}`);
    expect(await page.locator('.tl-step-g[data-step="s1"] rect').getAttribute('class')).toContain('focused');
    await page.screenshot({ path: artifactPath('live-capturing-zoomed.png') });

    // Whole workstation: the failed step is there, red, with its finding.
    await page.click('#reset-zoom');
    await page.waitForSelector('.tl-step.fail');
    expect(await page.locator('.tl-finding[data-kind="agent-login-failed"]').count()).toBe(1);
    // Its messages came in too (fetched as they arrive): the refusal is in the step's details.
    await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
    await page.waitForSelector('#details li[data-type="CONTROL_FAILURE_CONF"]', { timeout: 5000 });

    // The capture ends: the page shows the final document, "capture stopped".
    await replay(session, packets.slice(failedFrame + 2), 5);
    feed.stop(session.finish().doc);
    await page.waitForFunction(() => document.body.dataset.live === 'stopped', undefined, { timeout: 5000 });
    expect(await liveText(page)).toBe(`capture stopped · ${packets.length} packets on lo`);
    expect(await page.locator('.tl-step-g').count()).toBe(ws.steps.length);
    expect(await page.locator('.tl-step.fail').count()).toBe(ws.steps.filter((s) => !s.ok).length);
    expect(await page.textContent('#source-name')).toBe(`live:lo — ${expected.summary.message}`);
    await page.screenshot({ path: artifactPath('live-stopped.png') });

    // A page opened after the stop shows the final timeline at once.
    const late = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const lateErrors = watchErrors(late);
    await late.goto(server.url);
    await late.waitForFunction(() => document.body.dataset.live === 'stopped' && document.querySelectorAll('.tl-step-g').length > 0);
    expect(await late.locator('.tl-step-g').count()).toBe(ws.steps.length);
    expect(await late.textContent('#live-status')).toContain('capture stopped');
    expect(errors).toEqual([]);
    expect(lateErrors).toEqual([]);
    await page.close();
    await late.close();
  });

  test('hundreds of workstations: the list keeps its scroll and selection, updates stay cheap', async () => {
    const path = join(work, 'span-300.pcapng');
    writeSpanCapture(path, 300, 77);
    const packets = readPackets(path);
    const expected = (await analyzeFiles([path], { analyze: true })).doc!;
    const { session, feed, server } = await startLive(250);
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.live === 'capturing');
    // Frame gaps while the updates are drawn (a janky page shows long gaps).
    await page.evaluate(() => {
      const w = window as unknown as { __gaps: number[] };
      w.__gaps = [];
      let last = performance.now();
      const loop = (t: number): void => {
        w.__gaps.push(t - last);
        last = t;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });

    const chunk = Math.ceil(packets.length / 40);
    const half = Math.floor(packets.length / 2);
    // First half, then the user scrolls the list and selects a workstation in the middle of it.
    for (let at = 0; at < half; at += chunk) {
      for (const p of packets.slice(at, Math.min(at + chunk, half))) session.sink.packet(p);
      await new Promise((r) => setTimeout(r, 50));
    }
    const firstHalf = session.snapshot()!.workstations.length;
    expect(firstHalf).toBeGreaterThan(100);
    expect(firstHalf).toBeLessThan(expected.workstations.length);
    await page.waitForFunction((n) => document.getElementById('list-count')!.textContent === `${n} workstations`, firstHalf, { timeout: 15_000 });
    await page.selectOption('#sort', 'host');
    await page.evaluate(() => (document.getElementById('ws-list')!.scrollTop = 2000));
    await page.waitForTimeout(100);
    const row = page.locator('.ws-row:not([hidden])').nth(8);
    const chosen = (await row.getAttribute('data-host'))!;
    await row.click();
    await page.waitForFunction((host) => location.hash.includes(`ws=${host}`), chosen);
    // Where the chosen row is on screen (rows sorted by address: new ones are inserted above and below it).
    const rowOnScreen = (host: string): Promise<number | null> =>
      page.evaluate((h) => {
        const el = document.querySelector<HTMLElement>(`.ws-row[data-host="${h}"]:not([hidden])`);
        return el ? el.getBoundingClientRect().top : null;
      }, host);
    const screenBefore = await rowOnScreen(chosen);
    expect(screenBefore).not.toBeNull();

    await page.evaluate(() => {
      const w = window as unknown as { __gaps: number[]; __rows: { added: number; removed: number } };
      w.__gaps = [];
      // Rows made or thrown away while the updates come: none, if the list reuses its rows as it should.
      w.__rows = { added: 0, removed: 0 };
      const isRow = (n: Node): boolean => n instanceof HTMLElement && n.classList.contains('ws-row');
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) if (isRow(n)) w.__rows.added++;
          for (const n of r.removedNodes) if (isRow(n)) w.__rows.removed++;
        }
      }).observe(document.getElementById('ws-list')!, { childList: true, subtree: true });
    });
    const publishedBefore = feed.published;
    const started = performance.now();
    for (let at = half; at < packets.length; at += chunk) {
      for (const p of packets.slice(at, Math.min(at + chunk, packets.length))) session.sink.packet(p);
      await new Promise((r) => setTimeout(r, 50));
    }
    const published = feed.published - publishedBefore;
    feed.stop(session.finish().doc);
    await page.waitForFunction(() => document.body.dataset.live === 'stopped', undefined, { timeout: 10_000 });
    const feeding = performance.now() - started;
    await page.waitForFunction((n) => document.getElementById('list-count')!.textContent === `${n} workstations`, expected.workstations.length, { timeout: 5000 });

    // The list did not jump under the user: the selected row is where it was, still selected.
    expect(await rowOnScreen(chosen)).toBe(screenBefore);
    expect(await page.getAttribute(`.ws-row[data-host="${chosen}"]`, 'aria-selected', { timeout: 1000 })).toBe('true');
    expect(await page.textContent('#ws-header h2')).toBe(chosen);
    const final = expected.workstations.find((w) => w.host === chosen)!;
    expect(await page.locator('.tl-step-g').count()).toBe(final.steps.filter((s) => s.end >= final.start).length);

    const gaps = await page.evaluate(() => (window as unknown as { __gaps: number[] }).__gaps.slice(1));
    gaps.sort((a, b) => a - b);
    const p95 = gaps[Math.floor(gaps.length * 0.95)];
    writeFileSync(artifactPath('live-300-frames.json'), JSON.stringify({ workstations: expected.workstations.length, packets: packets.length, documents: published, feedingMs: feeding, frames: gaps.length, p95, max: gaps.at(-1) }, null, 1));
    // Throttled on the server (250 ms): a handful of documents. Each is drawn into the same few rows, a screenful
    // of the hundreds of workstations, none made or thrown away (the frame times are in the artifact, for people:
    // a test asserts no wall-clock time, which a loaded machine stretches).
    expect(published).toBeLessThanOrEqual(Math.ceil(feeding / 250) + 2);
    expect(await page.evaluate(() => (window as unknown as { __rows: { added: number; removed: number } }).__rows)).toEqual({ added: 0, removed: 0 });
    expect(await page.locator('.ws-row').count()).toBeLessThan(expected.workstations.length / 4);
    expect(errors).toEqual([]);
    await page.close();
  });
});
