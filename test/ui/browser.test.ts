/**
 * End-to-end tests of the web UI in Debian's Chromium: the built page served by the `ctiscope ui` server,
 * captures analysed in the page's worker, compared with what the Node pipeline makes of the same file.
 * Screenshots and frame-time measurements are kept in test-artifacts/.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../../src/cli/ui-server.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { artifactPath, browserSkipReason, buildUiOnce, launchChromium, openCapture, REPO, removeDir, scrollListFrames, watchErrors } from './browser.js';
import { HOSTILE, writeHostileCapture, writeSpanCapture } from './captures.js';
import { PHASE_LABELS } from '../../ui/src/lanes.js';

const LICENCE_REFUSED = join(REPO, 'samples', 'licence-refused.pcapng');
const LOGIN_REFUSED = join(REPO, 'samples', 'agent-login-refused.pcapng');

if (browserSkipReason) console.warn(`test/ui/browser.test.ts skipped: ${browserSkipReason}`);

async function nodeAnalysis(path: string): Promise<AnalysisDocument> {
  return (await analyzeFiles([path], { analyze: true })).doc!;
}

describe.skipIf(browserSkipReason !== null)('web UI in Chromium', () => {
  let dist: string;
  let server: UiServer;
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    dist = await buildUiOnce();
    server = await startUiServer({ port: 0, host: '127.0.0.1', distDir: dist });
    browser = await launchChromium();
    work = mkdtempSync(join(tmpdir(), 'ctiscope-ui-test-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) removeDir(dist);
    if (work) removeDir(work);
  });

  async function newPage(width = 1600, height = 900, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height }, colorScheme });
    const errors = watchErrors(page);
    return { page, errors };
  }

  test('a capture chosen with the file input is analysed in the page like the CLI does it', async () => {
    const expected = await nodeAnalysis(LICENCE_REFUSED);
    const ws = expected.workstations[0];
    const finding = ws.findings.find((f) => f.kind === 'licensing-failed')!;
    const { page, errors } = await newPage();
    await page.goto(server.url);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('empty');
    await openCapture(page, LICENCE_REFUSED);

    // Workstation list: one row per workstation, badge with icon and word, the failing step.
    const rows = page.locator('.ws-row:not([hidden])');
    expect(await rows.count()).toBe(expected.workstations.length);
    expect(await rows.first().locator('.ws-host').textContent()).toBe(ws.host);
    expect(await rows.first().locator('.badge').textContent()).toBe('✗ failed');
    expect(await rows.first().locator('.ws-failure').getAttribute('title')).toContain(ws.failure!.message);

    // The failing step is red, and the red marker carries the finding's sentence.
    const failedSteps = ws.steps.filter((s) => !s.ok).map((s) => s.id);
    expect(await page.locator('.tl-step.fail').count()).toBe(failedSteps.length);
    const marker = page.locator(`.tl-finding[data-kind="licensing-failed"]`);
    expect(await marker.count()).toBe(1);
    expect(await marker.locator('title').textContent()).toBe(`${finding.severity} · ${finding.kind}: ${finding.message}`);
    const shown = (await marker.locator('.tl-finding-text').textContent())!;
    expect(shown.length).toBeGreaterThan(20);
    expect(`${finding.kind}: ${finding.message}`.startsWith(shown.replace(/…$/, ''))).toBe(true);
    expect(await page.locator('.failure-banner').textContent()).toContain(ws.failure!.message);
    // One lane per server the steps talk to, and every step drawn.
    expect(await page.locator('.tl-labels .tl-lane').count()).toBe(new Set(ws.steps.map((s) => `${s.service} ${s.server}`)).size + 1);
    expect(await page.locator('.tl-step-g').count()).toBe(ws.steps.length);

    // The selection lands in the URL hash.
    await page.waitForFunction((host) => location.hash.includes(`ws=${host}`), ws.host);
    await page.screenshot({ path: artifactPath('licence-refused.png') });

    // The README picture: the failing step opened. Written to docs/ only on request.
    await page.setViewportSize({ width: 1440, height: 760 });
    await page.locator('.tl-step.fail').first().click();
    const picture = process.env.CTISCOPE_UPDATE_SCREENSHOT === '1' ? join(REPO, 'docs', 'screenshot-timeline.png') : artifactPath('screenshot-timeline.png');
    await page.waitForTimeout(200);
    await page.screenshot({ path: picture });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a NetMon .cap (as Wireshark saves one) is read in the page: the same analysis, and its messages decoded from it', async () => {
    const cap = join(work, 'agent-login-refused.cap');
    const converted = spawnSync('editcap', ['-F', 'netmon2', LOGIN_REFUSED, cap], { encoding: 'utf8' });
    expect(converted.status, converted.stderr).toBe(0);
    const expected = await nodeAnalysis(cap);
    const ws = expected.workstations[0];
    expect([ws.outcome, ws.failedPhase]).toEqual(['failed', 'login']);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, cap);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    const rows = page.locator('.ws-row:not([hidden])');
    expect(await rows.count()).toBe(expected.workstations.length);
    expect(await rows.first().locator('.ws-failure').getAttribute('title')).toContain(ws.failure!.message);
    const failed = ws.steps.find((s) => !s.ok)!;
    await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
    await page.locator('#details li[data-type="CONTROL_FAILURE_CONF"]').click();
    expect(await page.locator('#details dd[data-field="peripheralErrorCode"]').textContent()).toBe('88004');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('details of a GED-188 message: fields, Wireshark filter, hex with the field highlighted', async () => {
    const expected = await nodeAnalysis(LOGIN_REFUSED);
    const ws = expected.workstations[0];
    const failed = ws.steps.find((s) => !s.ok)!;
    const { page, errors } = await newPage(1700, 1000);
    await page.goto(server.url);
    await openCapture(page, LOGIN_REFUSED);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');

    await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
    expect(await page.locator('#details .sentence').first().textContent()).toBe(failed.summary);
    expect(await page.locator('#details .wireshark-filter').first().textContent()).toBe(
      failed.frames.length === 1 ? `frame.number == ${failed.frames[0]}` : `frame.number in {${failed.frames.join(' ')}}`,
    );
    const reply = page.locator('#details li[data-type="CONTROL_FAILURE_CONF"]');
    expect(await reply.count()).toBe(1);
    const frame = Number(await reply.getAttribute('data-frame'));
    expect(failed.frames).toContain(frame);
    await reply.click();

    expect(await page.locator('#details h3').textContent()).toBe('← CONTROL_FAILURE_CONF');
    expect(await page.locator('#details dd[data-field="peripheralErrorCode"]').textContent()).toBe('88004');
    expect(await page.locator('#details dd[data-field="peripheralErrorCodeName"]').textContent()).toBe('AGENT_DEVICE_OFF');
    const filters = await page.locator('#details .wireshark-filter').allTextContents();
    expect(filters[0]).toBe(`frame.number == ${frame}`);
    expect(filters[1]).toMatch(/^tcp\.stream eq \d+$/);
    expect(await page.locator('#details .hex .hl').count()).toBe(0);
    await page.locator('#details dd[data-field="messageType"]').hover();
    // GED-188 message type 35 is bytes 4–7 of the message.
    expect((await page.locator('#details .hex .hl').allTextContents()).join('|')).toBe('00 00 00 23 |...#');

    // The password of the login request stays hidden, bytes included.
    await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
    await page.locator('#details li[data-type="SET_AGENT_STATE_REQ"]').click();
    expect(await page.locator('#details').textContent()).toContain('<redacted>');
    expect(await page.locator('#details .hex').count()).toBe(0);
    expect(await page.locator('#details').textContent()).toContain('Bytes hidden');

    // Copy button puts the filter on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.locator('#details .copy-filter').first().click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^frame\.number == \d+$/);

    await page.screenshot({ path: artifactPath('agent-login-refused-details.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('keyboard: j/k and arrows move between steps and findings, Enter opens the details', async () => {
    const expected = await nodeAnalysis(LOGIN_REFUSED);
    const ws = expected.workstations[0];
    const { page } = await newPage();
    await page.goto(server.url);
    await openCapture(page, LOGIN_REFUSED);
    await page.focus('#timeline');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    const first = [...ws.steps].sort((a, b) => a.start - b.start)[0];
    expect(await page.locator('#details .sentence').first().textContent()).toBe(first.summary);
    expect(await page.locator('.tl-step.focused').count()).toBe(1);
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('k');
    for (let i = 0; i < 40; i++) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    // The last item in time order is a step or the finding at the failure.
    const kind = await page.evaluate(() => document.getElementById('details')!.dataset.kind);
    expect(['step', 'finding']).toContain(kind);
    await page.close();
  });

  test('findings are drawn in their severity\'s colour: a failover that worked is amber, not red', async () => {
    const failover = join(REPO, 'samples', 'cti-standby-failover-noisy.pcapng');
    const expected = await nodeAnalysis(failover);
    const ws = expected.workstations[0];
    expect(ws.outcome).toBe('logged-in');
    expect(ws.findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    const colours = (): Promise<{ fail: string; warn: string }> =>
      page.evaluate(() => {
        // The theme's colours as the page resolves them (a probe element, so the format matches getComputedStyle).
        const probe = document.createElement('span');
        document.body.append(probe);
        const of = (v: string): string => ((probe.style.color = `var(${v})`), getComputedStyle(probe).color);
        const out = { fail: of('--fail'), warn: of('--warn') };
        probe.remove();
        return out;
      });
    const listed = (on = page): Promise<Array<{ kind: string; text: string; border: string }>> =>
      on.$$eval('#details [data-finding-kind]', (ps) => ps.map((p) => ({ kind: (p as HTMLElement).dataset.findingKind!, text: p.textContent!, border: getComputedStyle(p).borderLeftColor })));

    await openCapture(page, failover);
    const { fail, warn } = await colours();
    expect(fail).not.toBe(warn);
    const shown = await listed();
    expect(shown.map((f) => f.kind)).toEqual(ws.findings.map((f) => f.kind));
    for (const [i, f] of shown.entries()) {
      expect(f.border).toBe(warn);
      expect(f.text).toBe(`⚠ ${ws.findings[i].kind}: ${ws.findings[i].message}`);
    }
    // Opened, the finding's own sentence keeps the colour.
    await page.locator('#details [data-finding-kind="failover"]').click();
    expect(await page.locator('#details .finding-sentence').evaluate((p) => getComputedStyle(p).borderLeftColor)).toBe(warn);

    expect(errors).toEqual([]);
    await page.close();

    // An error stays red (a page of its own: openCapture waits for a state the first capture already left set).
    const second = await newPage();
    await second.page.goto(server.url);
    await openCapture(second.page, LICENCE_REFUSED);
    const refused = await listed(second.page);
    const error = refused.find((f) => f.kind === 'licensing-failed')!;
    expect(error.border).toBe(fail);
    expect(error.text.startsWith('✗ licensing-failed: ')).toBe(true);
    expect(second.errors).toEqual([]);
    await second.page.close();
  });

  test('an incomplete workstation\'s line names the furthest start-up phase it reached, in amber like its badge', async () => {
    // CTI OS side A refused, side B took the session, no login in the capture; the PC's own chatter runs to the end.
    const sideDown = join(REPO, 'samples', 'ctios-side-down-noisy.pcapng');
    const ws = (await nodeAnalysis(sideDown)).workstations[0];
    expect(ws.outcome).toBe('incomplete');
    expect(ws.steps.some((st) => st.phase === 'other')).toBe(true);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, sideDown);
    const line = page.locator('.ws-row:not([hidden]) .ws-failure').first();
    expect(await line.textContent()).toBe('login not seen (last phase: CTI session)');
    const [colour, warn] = await line.evaluate((el) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--warn)';
      document.body.append(probe);
      const out = [getComputedStyle(el).color, getComputedStyle(probe).color];
      probe.remove();
      return out;
    });
    expect(colour).toBe(warn);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("a pattern the outcome does not say is on the subject's line: a session lost again and again, a start-up slow by its round trips", async () => {
    const { page, errors } = await newPage();
    await page.goto(server.url);
    for (const [name, text, kind] of [
      ['ctios-flapping-noisy', 'login not seen (last phase: CTI session) · CTI session lost and opened again and again', 'session-flapping'],
      ['remote-site-slow-noisy', 'slow start-up: network round trips', 'slow-step'],
    ] as const) {
      const file = join(REPO, 'samples', `${name}.pcapng`);
      const ws = (await nodeAnalysis(file)).workstations[0];
      const finding = ws.findings.find((f) => f.kind === kind && f.severity === 'warning')!;
      await openCapture(page, file);
      const line = page.locator('.ws-row:not([hidden]) .ws-failure').first();
      expect(await line.textContent(), name).toBe(text);
      expect(await line.getAttribute('title'), name).toContain(finding.message);
      // The timeline has room for six findings: the pattern is among them, however many warnings come before it.
      expect(ws.findings.length, name).toBeGreaterThan(kind === 'session-flapping' ? 6 : 0);
      expect(await page.locator(`.tl-finding[data-kind="${kind}"]`).count(), name).toBe(1);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test('on a noisy PC the start-up takes most of the timeline\'s width, the PC\'s own traffic squeezed around it', async () => {
    // Three minutes of the PC's lookups and directory traffic around a start-up of a second, refused a licence.
    const noisy = join(REPO, 'samples', 'span-many-agents-noisy.pcapng');
    const { page, errors } = await newPage(1400, 900);
    await page.goto(server.url);
    await openCapture(page, noisy);
    const shown = await page.evaluate(() => {
      const plot = Number(document.querySelector('.tl-clip-rect')!.getAttribute('width'));
      let bands = 0;
      for (const r of document.querySelectorAll('rect.tl-phase-band')) {
        const x = Number(r.getAttribute('x'));
        const w = Number(r.getAttribute('width'));
        bands += Math.max(0, Math.min(plot, x + w) - Math.max(0, x));
      }
      return { plot, bands };
    });
    expect(shown.plot).toBeGreaterThan(300);
    // Before, every lookup cut the scale and the start-up's phases had a tenth of the width.
    expect(shown.bands / shown.plot).toBeGreaterThan(0.6);
    // The PC's own lookups are still drawn, on their lane.
    expect(await page.locator('text.tl-lane-label', { hasText: 'dns other' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('an analysis JSON from the CLI opens too, and the summary counts outcomes', async () => {
    const doc = await nodeAnalysis(join(REPO, 'samples', 'span-many-agents.pcapng'));
    const path = join(work, 'span-analysis.json');
    writeFileSync(path, JSON.stringify(doc));
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, path);
    expect(await page.locator('#list-count').textContent()).toBe(`${doc.workstations.length} workstations`);
    await page.click('#view-summary');
    for (const outcome of ['logged-in', 'failed', 'incomplete'] as const) {
      expect(await page.locator(`.card[data-outcome="${outcome}"] .count`).textContent()).toBe(String(doc.summary.byOutcome[outcome]));
    }
    expect(await page.locator('.login-chart rect.bar').count()).toBeGreaterThan(0);
    // Findings by kind: each bar in its worst finding's colour, its mark by the name, errors first.
    const bars = await page.$$eval('.kind-chart g[data-kind]', (gs) => gs.map((g) => ({ kind: g.getAttribute('data-kind'), severity: g.getAttribute('data-severity'), bar: g.querySelector('rect')!.getAttribute('class'), fill: getComputedStyle(g.querySelector('rect')!).fill, label: g.querySelector('text')!.textContent })));
    const worst = new Map<string, string>();
    const rank = { error: 2, warning: 1, info: 0 } as const;
    for (const x of [...doc.workstations, ...doc.agents, ...doc.ctiClients]) for (const f of x.findings) if (!worst.has(f.kind) || rank[f.severity] > rank[worst.get(f.kind) as keyof typeof rank]) worst.set(f.kind, f.severity);
    expect(bars.length).toBe(Object.values(doc.summary.byFindingKind).filter((n) => (n ?? 0) > 0).length);
    expect(bars.some((b) => b.severity === 'error')).toBe(true);
    for (const b of bars) {
      expect(b.severity, b.kind!).toBe(worst.get(b.kind!));
      expect(b.bar).toBe(`bar ${b.severity}`);
      expect(b.label).toBe(`${b.severity === 'error' ? '✗' : b.severity === 'warning' ? '⚠' : 'ℹ'} ${b.kind}`);
    }
    const fills = new Map(bars.map((b) => [b.severity, b.fill]));
    expect(new Set(fills.values()).size).toBe(fills.size);
    expect(bars.map((b) => rank[b.severity as keyof typeof rank])).toEqual([...bars.map((b) => rank[b.severity as keyof typeof rank])].sort((a, b) => b - a));
    // Each agent logged in on its own desktop's session: no CTI client is said to have spoken for them.
    const summaryText = (await page.locator('#summary-view').textContent())!;
    expect(summaryText).toContain("each on its own desktop's CTI session");
    expect(summaryText).not.toContain('spoke for them');
    await page.click('.card[data-outcome="failed"]');
    expect(await page.locator('#list-count').textContent()).toBe(`${doc.summary.byOutcome.failed} of ${doc.workstations.length} workstations`);
    await page.screenshot({ path: artifactPath('summary.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('ctiscope ui FILE: the analysis is preloaded, and a deep link restores workstation and zoom', async () => {
    const expected = await nodeAnalysis(join(REPO, 'samples', 'span-many-agents.pcapng'));
    const preloaded = await startUiServer({ port: 0, distDir: dist, file: join(REPO, 'samples', 'span-many-agents.pcapng') });
    try {
      const target = expected.workstations.find((w) => w.host === '10.10.20.104')!;
      const window = [target.start + 0.1, target.start + 0.6];
      const { page, errors } = await newPage();
      await page.goto(`${preloaded.url}#ws=${target.host}&t=${window[0].toFixed(6)}~${window[1].toFixed(6)}`);
      await page.waitForFunction(() => document.body.dataset.state === 'ready');
      expect(await page.locator('.ws-row[aria-selected="true"] .ws-host').textContent()).toBe(target.host);
      expect(await page.locator('#ws-header h2').textContent()).toBe(target.host);
      // The zoom window survives: the axis starts near +0.1 s, not at 0.
      await page.waitForTimeout(300);
      expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('t')).toBe(`${window[0].toFixed(6)}~${window[1].toFixed(6)}`);
      const firstTick = await page.locator('.tl-tick text').first().textContent();
      expect(firstTick).not.toBe('0 s');
      // Messages come from the server for the details pane.
      await page.waitForFunction(() => document.body.dataset.messages === 'ready');
      await page.focus('#timeline');
      await page.keyboard.press('0');
      const failed = target.steps.find((s) => !s.ok)!;
      await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
      expect(await page.locator('#details li[data-type="CONTROL_FAILURE_CONF"]').count()).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await preloaded.close();
    }
  });

  test('export: the current timeline downloads as SVG and as PNG (dark scheme)', async () => {
    const { page } = await newPage(1600, 900, 'dark');
    await page.goto(server.url);
    await openCapture(page, LICENCE_REFUSED);
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const svgPath = join(work, 'timeline.svg');
    await svgDownload.saveAs(svgPath);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('licensing-failed');
    expect(svg).toContain('<style');
    expect(svg).not.toContain('var(--');
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    const pngPath = join(work, 'timeline.png');
    await pngDownload.saveAs(pngPath);
    const png = readFileSync(pngPath);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(5000);
    // The dark scheme's colours are the ones exported.
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
    expect(background).toBe('#15191f');
    expect(svg).toContain(background);
    await page.screenshot({ path: artifactPath('licence-refused-dark.png') });
    await page.close();
  });

  test('hostile strings in LDAP, GIOP, GED-188 and NRB names are shown as text and never run', async () => {
    const path = join(work, 'hostile.pcapng');
    const agent = writeHostileCapture(path);
    const { page, errors } = await newPage();
    await page.addInitScript(() => {
      (window as unknown as { __pwned?: string }).__pwned = undefined;
    });
    await page.goto(server.url);
    await openCapture(page, path);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    // Visit everything that shows packet strings: list, header, timeline, details of every step and message.
    const items = (await page.locator('.tl-step-g').count()) + (await page.locator('.tl-finding').count());
    for (let i = 0; i < items; i++) {
      await page.focus('#timeline');
      await page.keyboard.press('j');
      await page.keyboard.press('Enter');
      const messages = page.locator('#details .msg-list li');
      const n = await messages.count();
      if (n > 0) await messages.nth(n - 1).click();
    }
    await page.locator('.tl-finding .tl-finding-mark').first().click();
    expect(await page.evaluate(() => document.getElementById('details')!.dataset.kind)).toBe('finding');
    await page.check('#ladder-toggle');
    await page.click('#view-summary');
    await page.click('#view-timeline');
    await page.fill('#filter', 'script');
    expect(await page.locator('.ws-row:not([hidden])').count()).toBe(1);

    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#ws-list script, #center script, #details script, svg script').count()).toBe(0);
    // The payloads are there, as text.
    expect(await page.locator('.ws-row .ws-name').first().textContent()).toBe(HOSTILE.name);
    expect(await page.locator('.ws-row .ws-meta').first().textContent()).toContain(`agent ${agent.agentId}`);
    expect(await page.locator('.failure-banner').textContent()).toContain(HOSTILE.agentId);
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
    await page.close();
  });

  test('a list row shows its failure\'s cause in whole lines inside the row, two at most, the full sentence as its title', async () => {
    const span = join(REPO, 'samples', 'span-many-agents.pcapng');
    const expected = await nodeAnalysis(span);
    const { page, errors } = await newPage(1400, 900);
    await page.goto(server.url);
    await openCapture(page, span);
    const rows = await page.locator('.ws-row:not([hidden])').evaluateAll((els) =>
      els.map((el) => {
        const row = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        const failure = el.querySelector<HTMLElement>('.ws-failure')!;
        const box = failure.getBoundingClientRect();
        return {
          host: (el as HTMLElement).dataset.key!,
          top: Number(/translateY\(([\d.]+)px\)/.exec((el as HTMLElement).style.transform)![1]),
          height: row.height,
          contentBottom: row.bottom - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth),
          failureBottom: box.bottom,
          failureHeight: box.height,
          lineHeight: parseFloat(getComputedStyle(failure).lineHeight),
          text: failure.textContent ?? '',
          title: failure.title,
        };
      }),
    );
    const failed = rows.filter((r) => r.text.startsWith('✗ '));
    expect(failed.length).toBe(expected.workstations.filter((w) => w.outcome === 'failed').length);
    for (const r of failed) {
      // Whole lines, two at most, none cut by the row's edge: the failing step's answer, the finding's sentence as the title.
      expect(r.failureHeight).toBeLessThanOrEqual(2 * r.lineHeight + 0.5);
      const lines = r.failureHeight / r.lineHeight;
      expect(Math.abs(lines - Math.round(lines))).toBeLessThan(0.1);
      expect(r.failureBottom).toBeLessThanOrEqual(r.contentBottom + 0.5);
      const ws = expected.workstations.find((w) => w.host === r.host)!;
      const step = ws.steps.find((st) => st.id === ws.failure!.step)!;
      expect(r.text).toBe(`✗ ${PHASE_LABELS[ws.failure!.phase]}: ${step.summary}`);
      expect(r.title).toContain(ws.failure!.message);
    }
    // The reason is on show, not cut off after the server's names.
    expect(failed.find((r) => r.host === '10.10.20.101')!.text).toMatch(/NoLicenseAvailable/);
    // Rows are as tall as the list places them apart (virtualisation and stylesheet agree).
    const byTop = [...rows].sort((a, b) => a.top - b.top);
    for (let i = 1; i < byTop.length; i++) expect(byTop[i].top - byTop[i - 1].top).toBeCloseTo(byTop[i - 1].height, 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('at 800 × 700 the list, the timeline and the details are side by side or stacked, none cut off or drawn over another', async () => {
    const span = join(REPO, 'samples', 'span-many-agents.pcapng');
    const { page, errors } = await newPage(800, 700);
    await page.goto(server.url);
    await openCapture(page, span);
    const rect = (sel: string) => page.locator(sel).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
    const panes = { list: await rect('.list-pane'), center: await rect('#center'), details: await rect('#details') };
    const overlap = (a: DOMRect, b: DOMRect) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    expect(overlap(panes.list, panes.center)).toBe(false);
    expect(overlap(panes.list, panes.details)).toBe(false);
    expect(overlap(panes.center, panes.details)).toBe(false);
    for (const p of Object.values(panes)) {
      expect(p.left).toBeGreaterThanOrEqual(0);
      expect(p.right).toBeLessThanOrEqual(800);
      expect(p.bottom).toBeLessThanOrEqual(700);
      expect(p.width).toBeGreaterThanOrEqual(240);
      expect(p.height).toBeGreaterThanOrEqual(200);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    // The file name stays readable beside the buttons.
    expect((await rect('#source-name')).width).toBeGreaterThan(150);
    // The timeline is drawn at its own size, not shrunk into the pane.
    const svg = await page.locator('#timeline svg').evaluate((e) => ({ drawn: e.getBoundingClientRect().width, width: Number(e.getAttribute('width')) }));
    expect(svg.drawn).toBeCloseTo(svg.width, 0);
    expect(svg.drawn).toBeLessThanOrEqual(panes.center.width);
    // A row of the list is whole in view, and a step clicked on the timeline opens in the details, in view.
    const row = await rect('.ws-row[aria-selected="true"]');
    expect(row.bottom).toBeLessThanOrEqual(panes.list.bottom);
    await page.locator('.tl-step.fail').first().click();
    await page.waitForSelector('#details h3');
    const heading = await rect('#details h3');
    expect(heading.top).toBeGreaterThanOrEqual(panes.details.top);
    expect(heading.bottom).toBeLessThanOrEqual(panes.details.bottom);
    await page.screenshot({ path: artifactPath('narrow-800.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the time axis never draws two labels over each other: breaks of close idle gaps and ticks beside them', async () => {
    const { page, errors } = await newPage(1700, 900);
    await page.goto(server.url);
    // Three SYNs to a dead LDAP server (0, 3 and 9 s) then the working one at 21 s; a CTI failover's gaps.
    const overlaps = () =>
      page.evaluate(() => {
        const labels = [...document.querySelectorAll('#timeline .tl-tick text, #timeline .tl-break-label')]
          .filter((e) => (e.textContent ?? '') !== '')
          .map((e) => ({ text: e.textContent!, r: e.getBoundingClientRect() }));
        const out: string[] = [];
        for (let i = 0; i < labels.length; i++)
          for (let j = i + 1; j < labels.length; j++) {
            const a = labels[i].r;
            const b = labels[j].r;
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) out.push(`${labels[i].text} / ${labels[j].text}`);
          }
        return { out, durations: labels.filter((l) => /^≈ \d/.test(l.text)).length };
      });
    let durations = 0;
    for (const name of ['stale-ldap-failover', 'cti-failover']) {
      await openCapture(page, join(REPO, 'samples', `${name}.pcapng`));
      for (const width of [800, 1200, 1700, 2000]) {
        await page.setViewportSize({ width, height: 900 });
        await page.click('#reset-zoom');
        await page.waitForTimeout(200);
        const box = (await page.locator('#timeline svg').boundingBox())!;
        for (let zoom = 0; zoom < 3; zoom++) {
          const found = await overlaps();
          expect(found.out, `${name} at ${width} px, zoom step ${zoom}`).toEqual([]);
          durations += found.durations;
          await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6);
          await page.mouse.wheel(0, -240);
          await page.waitForTimeout(150);
        }
      }
    }
    // Breaks still say how long they lasted where there is room.
    expect(durations).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('at 800 × 700 and 1024 × 768 every label of the timeline fits its room or is cut with an ellipsis, its whole text a tooltip; none is clipped or drawn over another', async () => {
    /** Labels whose box leaves their room (the plot's clip, else the drawing), labels over each other, cut ones without their text as a tooltip. */
    const labelProblems = (page: Page) =>
      page.evaluate(() => {
        const svg = document.querySelector<SVGSVGElement>('#timeline svg.tl')!;
        const out: string[] = [];
        const drawing = svg.getBoundingClientRect();
        // The plot's clip, on the page: its rect's width from where the clipped group is drawn.
        const clipped = svg.querySelector<SVGGElement>('[clip-path]')!.getScreenCTM()!;
        const clipRect = svg.querySelector<SVGRectElement>('.tl-clip-rect')!;
        const clip = { left: clipped.e, right: clipped.e + clipRect.width.baseVal.value * clipped.a };
        const texts = [...svg.querySelectorAll('text')].filter((t) => (t.textContent ?? '') !== '').map((t) => ({ t, text: t.textContent!, r: t.getBoundingClientRect() }));
        for (const { t, text, r } of texts) {
          const room = t.closest('[clip-path]') ? clip : drawing;
          if (r.left < room.left - 0.5 || r.right > room.right + 0.5) out.push(`cut at the edge: ${t.getAttribute('class')} "${text}"`);
          if (text.endsWith('…')) {
            const tip = t.querySelector('title') ?? t.parentElement!.querySelector(':scope > title');
            if (!tip?.textContent?.includes(text.slice(0, -1))) out.push(`cut without its text as a tooltip: "${text}"`);
          }
        }
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++) {
            const a = texts[i].r;
            const b = texts[j].r;
            if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(`"${texts[i].text}" over "${texts[j].text}"`);
          }
        return { out, labels: texts.length, cut: texts.filter((x) => x.text.endsWith('…')).length };
      });
    let cut = 0;
    for (const [width, height] of [[800, 700], [1024, 768]]) {
      const { page, errors } = await newPage(width, height);
      await page.goto(server.url);
      // The ladder draws the most labels: every message's name beside its arrow.
      await page.check('#ladder-toggle');
      for (const name of ['cad-login-ok', 'span-many-agents', 'ctios-server']) {
        await openCapture(page, join(REPO, 'samples', `${name}.pcapng`));
        // The first subjects of the list (a CTI OS server capture's agents and its CTI client).
        const rows = page.locator('.ws-row:not([hidden])');
        const subjects = Math.min(6, await rows.count());
        for (let i = 0; i < subjects; i++) {
          await rows.nth(i).click();
          await page.waitForFunction(() => document.body.dataset.messages === 'ready');
          const found = await labelProblems(page);
          expect(found.labels).toBeGreaterThan(10);
          expect(found.out, `${name} at ${width} px, ${await page.locator('#ws-header h2').textContent()}`).toEqual([]);
          cut += found.cut;
        }
      }
      await page.screenshot({ path: artifactPath(`timeline-labels-${width}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }
    // Narrow phases and bars are there: labels were cut, and kept their text.
    expect(cut).toBeGreaterThan(10);
  });

  test('a second capture opened on the page starts at its own first subject; a deep link holds for the first capture only', async () => {
    const span = join(REPO, 'samples', 'span-many-agents.pcapng');
    const noisy = join(REPO, 'samples', 'span-many-agents-noisy.pcapng');
    const selected = (page: Page) =>
      page.evaluate(() => {
        const row = document.querySelector<HTMLElement>('.ws-row[aria-selected="true"]');
        return { key: row?.dataset.key, top: row?.style.transform, header: document.querySelector('#ws-header h2')?.textContent, hash: location.hash };
      });
    const firstOfList = { top: 'translateY(0px)' };

    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, span);
    await page.fill('#filter', '10.10.20.31');
    await page.locator('.ws-row[data-key="10.10.20.31"]').click();
    await page.fill('#filter', '');
    expect(await selected(page)).toMatchObject({ header: '10.10.20.31' });
    await page.waitForFunction(() => location.hash === '#ws=10.10.20.31');
    // The second capture has a 10.10.20.31 too: its first subject is selected all the same, failures first.
    await openCapture(page, noisy);
    const second = await selected(page);
    expect(second).toMatchObject(firstOfList);
    expect(second.key).not.toBe('10.10.20.31');
    expect(second.header).toBe(second.key);
    expect(await page.locator('.ws-row[aria-selected="true"] .badge').textContent()).toBe('✗ failed');
    await page.waitForFunction((k) => location.hash === `#ws=${k}`, second.key);

    // Opened with a link: the first capture shows the linked workstation; the next one its own first.
    const linked = await newPage();
    await linked.page.goto(`${server.url}#ws=10.10.20.105`);
    await openCapture(linked.page, span);
    expect(await selected(linked.page)).toMatchObject({ key: '10.10.20.105', header: '10.10.20.105' });
    await openCapture(linked.page, noisy);
    expect(await selected(linked.page)).toMatchObject({ ...firstOfList, key: second.key });
    expect(errors).toEqual([]);
    expect(linked.errors).toEqual([]);
    await page.close();
    await linked.page.close();
  });

  test('1,000 workstations from a SPAN capture: the list is virtualised and scrolls (frame times reported)', async () => {
    const path = join(work, 'span-1000.pcapng');
    const written = writeSpanCapture(path, 1000);
    const { page, errors } = await newPage(1600, 1000);
    await page.goto(server.url);
    await openCapture(page, path, 120_000);
    expect(await page.locator('#list-count').textContent()).toBe('1000 workstations');
    // Only the rows in view exist.
    const rowCount = await page.locator('.ws-row').count();
    expect(rowCount).toBeLessThan(60);

    const { frameTimes, medianMs, p95Ms, maxMs } = await scrollListFrames(page);
    const report = {
      capture: written,
      frames: frameTimes.length,
      medianMs,
      p95Ms,
      maxMs,
    };
    console.log(`UI list scroll over 1,000 workstations: ${JSON.stringify(report)}`);
    writeFileSync(artifactPath('span-1000-scroll-frames.json'), JSON.stringify({ ...report, frameTimes }, null, 1));
    // Scrolled to the end: the last workstation's row is there, still only a few rows in the DOM.
    const lastHost = await page.locator('.ws-row:not([hidden])').last().locator('.ws-host').textContent();
    expect(lastHost).toMatch(/^10\.10\.\d+\.\d+$/);
    expect(await page.locator('.ws-row').count()).toBeLessThan(60);
    await page.fill('#filter', 'failed');
    const failedCount = Number((await page.locator('#list-count').textContent())!.split(' ')[0]);
    expect(failedCount).toBeGreaterThan(0);
    await page.screenshot({ path: artifactPath('span-1000.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
