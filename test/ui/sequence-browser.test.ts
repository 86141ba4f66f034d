/**
 * The sequence view in Debian's Chromium: the built page served by the `ctiscope ui` server, captures analysed in
 * the page's worker. Every message of a login in order with its name, no two labels overlapping at 300 messages
 * (from the SVG text boxes), the lifeline headers kept in view, an arrow opening its message's details; and the
 * Mermaid text `ctiscope sequence --format mermaid` writes, parsed and rendered by the mermaid package.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../../src/cli/ui-server.js';
import { messageLabel } from '../../src/timeline/sequence/model.js';
import { LONG_HOST, writeLongCtiCapture } from '../sequence/captures.js';
import { artifactPath, browserSkipReason, buildUiOnce, launchChromium, openCapture, REPO, removeDir, watchErrors } from './browser.js';

const sample = (name: string) => join(REPO, 'samples', `${name}.pcapng`);
const bin = join(REPO, 'bin', 'ctiscope.js');

function ctiscope(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`ctiscope ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `ctiscope sequence --format text`'s rows: "+12.803s" and the label (cut to the listing's width, "…"). */
function cliSequenceRows(capture: string, args: string[]): { time: string; label: string }[] {
  const rows: { time: string; label: string }[] = [];
  for (const line of ctiscope(['sequence', capture, ...args, '--format', 'text']).split('\n')) {
    const m = /^ *([+-]\d+\.\d{3}s)(?: ✗ | {3})(.*)$/.exec(line);
    // "from → to: label", "from ⇄ to: label", "note: label", "⋯ label ⋯".
    if (m) rows.push({ time: m[1], label: m[2].startsWith('⋯ ') ? m[2].slice(2, -2) : m[2].replace(/^.*? (?:→|-x|⇄) .*?: |^note: /, '') });
  }
  return rows;
}

/** The page's sequence rows: their time and their whole label (a cut one's is the row's tooltip). */
function pageSequenceRows(page: Page): Promise<{ time: string; label: string }[]> {
  return page.$$eval('#sequence-view .seq-row', (rows) =>
    rows.map((r) => ({
      time: document.querySelector(`#sequence-view .seq-time[data-index="${r.getAttribute('data-index')}"]`)!.textContent!,
      label: (r.querySelector(':scope > title')?.textContent ?? r.querySelector('.seq-label')?.textContent ?? '').replace(/^⋯ | ⋯$/g, ''),
    })),
  );
}

/** The page draws the rows the CLI draws, in its order, at its times (a CLI label may be cut to its width). */
function expectSameRows(shown: { time: string; label: string }[], cli: { time: string; label: string }[], what: string): void {
  expect(shown.map((r) => r.time), what).toEqual(cli.map((c) => c.time));
  shown.forEach((row, i) => expect(row.label.startsWith(cli[i].label.replace(/…$/, '')), `${what}: ${row.time} ${row.label} / ${cli[i].label}`).toBe(true));
}

if (browserSkipReason) console.warn(`test/ui/sequence-browser.test.ts skipped: ${browserSkipReason}`);

describe.skipIf(browserSkipReason !== null)('sequence view in Chromium', () => {
  let dist: string;
  let server: UiServer;
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    dist = await buildUiOnce();
    server = await startUiServer({ port: 0, host: '127.0.0.1', distDir: dist });
    browser = await launchChromium();
    work = mkdtempSync(join(tmpdir(), 'ctiscope-seq-ui-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) removeDir(dist);
    if (work) removeDir(work);
  });

  async function openSequence(path: string, width = 1700, height = 1000): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await openCapture(page, path);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.click('#view-sequence');
    await page.waitForSelector('#sequence-view .seq-body');
    return { page, errors };
  }

  test('an agent on a session shared by 500 (a PG capture): its own exchanges only, the refusal red; a CTI client: its session', async () => {
    const pg = sample('pg-span-500');
    // What the CLI draws for the same agent: the page must draw the same rows.
    const cli = ctiscope(['sequence', pg, '--agent', '5017', '--format', 'text']);
    const { page, errors } = await openSequence(pg);
    // Failures first: the selection is the first refused agent.
    expect(await page.locator('#ws-header h2').textContent()).toBe('agent 5017 @ 30017');
    const rows = await page.$$eval('#sequence-view .seq-row.seq-message .seq-label', (els) => els.map((e) => e.textContent!));
    expect(rows.length).toBeGreaterThan(4);
    const named = rows.filter((l) => /agent=/.test(l));
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const l of named) expect(l).toMatch(/agent=5017 /);
    expect(rows.filter((l) => l.startsWith('SET_AGENT_STATE_REQ LOGIN'))).toHaveLength(1);
    for (const l of rows) expect(cli).toContain(l.replace(/…$/, ''));
    expect(await page.locator('#sequence-view .seq-row.seq-failed', { hasText: 'CONTROL_FAILURE_CONF' }).count()).toBe(1);
    expect(await page.$$eval('#sequence-view .seq-header .seq-party text:first-of-type', (els) => els.map((e) => e.textContent))).toEqual(['CTI client', 'CTI server']);
    // The session carries every agent's requests, more than the page keeps per host: it says so, and what draws them all.
    expect(await page.locator('#sequence-view .seq-not-kept').textContent()).toMatch(/^[\d,]+ messages of the session this agent was logged in on are beyond those the page keeps and are not drawn: ctiscope sequence FILE --agent 5017 draws them all\.$/);

    // The CTI client that spoke for it: its session, every agent's requests on it.
    await page.selectOption('#kind-filter', 'cti-client');
    await page.locator('.ws-row:not([hidden])').first().click();
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.waitForSelector('#sequence-view .seq-body');
    const clientRows = await page.$$eval('#sequence-view .seq-row.seq-message .seq-label', (els) => els.map((e) => e.textContent!));
    expect(new Set(clientRows.flatMap((l) => /agent=(\d+)/.exec(l)?.[1] ?? [])).size).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the page and ctiscope sequence give every row the same time (a CTI OS server capture: an agent and its CTI client)', async () => {
    const capture = sample('ctios-server');
    const { page, errors } = await openSequence(capture, 1400, 900);
    const compare = async (args: string[]) => {
      const cli = cliSequenceRows(capture, args);
      const shown = await pageSequenceRows(page);
      expect(shown.length).toBeGreaterThan(5);
      // The page has the hosts' connections (flow records) as the CLI has: the same rows, in the same order, at the same times.
      expectSameRows(shown, cli, args.join(' '));
      // Time zero is the first message; the SYN came a millisecond before it.
      expect(cli[0]).toEqual({ time: '-0.001s', label: 'TCP connect' });
      expect(shown[0]).toEqual({ time: '-0.001s', label: 'TCP connect' });
    };
    await page.selectOption('#kind-filter', 'agent');
    await page.locator('.ws-row[data-kind="agent"][data-key="5000/5053"]').click();
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.waitForSelector('#sequence-view .seq-body');
    await compare(['--agent', '5053']);
    await page.selectOption('#kind-filter', 'cti-client');
    await page.locator('.ws-row[data-kind="cti-client"]').first().click();
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.waitForSelector('#sequence-view .seq-body');
    expect(await page.locator('#ws-header h2').textContent()).toBe('CTIOSServer @ 10.1.1.10');
    await compare(['--cti-client', '10.1.1.10']);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('shows every message of a login in order with its name; an arrow opens its details', async () => {
    const decoded = JSON.parse(ctiscope(['decode', sample('agent-login-refused'), '--json'])) as { type: string; summary: string; frame: number }[];
    const { page, errors } = await openSequence(sample('agent-login-refused'));
    expect(await page.locator('#timeline').isVisible()).toBe(false);
    expect(await page.getAttribute('#view-sequence', 'aria-selected')).toBe('true');
    const rows = await page.$$eval('#sequence-view .seq-row.seq-message', (els) =>
      els.map((e) => ({ label: e.querySelector('.seq-label')!.textContent!, frame: Number(e.getAttribute('data-frame')) })),
    );
    // No heartbeats in this login: every decoded message is a row, in the same order, named as the decoder names it.
    expect(rows.map((r) => r.frame)).toEqual(decoded.map((m) => m.frame));
    rows.forEach((r, i) => {
      const label = messageLabel(decoded[i]);
      expect(r.label === label || (r.label.endsWith('…') && label.startsWith(r.label.slice(0, -1))), `${r.label} / ${label}`).toBe(true);
      expect(r.label.split(' ')[0]).toBe(label.split(' ')[0]);
    });
    // Lifelines by role.
    expect(await page.$$eval('#sequence-view .seq-header .seq-party text:first-of-type', (els) => els.map((e) => e.textContent))).toEqual([
      'desktop',
      'DNS',
      'CAD LDAP directory',
      'licensing service (LRM)',
      'UCCX CTI server',
    ]);
    // The refusal is red, with its finding under it; clicking it opens the message's details.
    const failure = page.locator('#sequence-view .seq-row.seq-failed', { hasText: 'CONTROL_FAILURE_CONF' });
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('.seq-finding').first().textContent()).toMatch(/^agent-login-failed: 192\.168\.100\.1:12028/);
    await failure.locator('.seq-arrow').click({ force: true });
    expect(await page.locator('#details h3').textContent()).toBe('← CONTROL_FAILURE_CONF');
    expect(await page.locator('#details dd[data-field="peripheralErrorCode"]').textContent()).toBe('88004');
    await page.locator('#sequence-view .seq-row.seq-message', { hasText: 'OPEN_REQ' }).click();
    expect(await page.locator('#details h3').textContent()).toBe('→ OPEN_REQ');
    // The export buttons export the sequence diagram while it is shown.
    const [svgFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const exported = readFileSync((await svgFile.path())!, 'utf8');
    expect(exported).toContain('class="seq-party"');
    expect(exported).toContain('CONTROL_FAILURE_CONF');
    const [pngFile] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    expect(readFileSync((await pngFile.path())!).subarray(1, 4).toString('latin1')).toBe('PNG');
    // Back to the timeline, same workstation.
    await page.click('#view-timeline');
    expect(await page.locator('#timeline').isVisible()).toBe(true);
    expect(await page.locator('#sequence-view').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a CTI session the server closed: its FIN row red with the finding, and clicking it opens the step; cut labels keep their text as a tooltip', async () => {
    const file = join(work, 'server-closed.pcapng');
    writeLongCtiCapture(file, 6, 's2c');
    const { page, errors } = await openSequence(file, 900, 900);
    const fin = page.locator('#sequence-view .seq-row.seq-fin');
    expect(await fin.count()).toBe(1);
    expect(await fin.getAttribute('class')).toContain('seq-failed');
    expect(await fin.locator('.seq-label').textContent()).toBe('FIN: closed by the server');
    expect(await fin.locator('.seq-finding').first().textContent()).toMatch(/^session-closed: 192\.168\.100\.1:12028/);
    await fin.locator('.seq-arrow').click({ force: true });
    const step = await fin.getAttribute('data-step');
    expect(await page.locator('#details h3').getAttribute('data-step')).toBe(step);
    expect(await page.locator('#details p.sentence').first().textContent()).toMatch(/^192\.168\.100\.1:12028 closed the session after .* \(FIN, no CLOSE_REQ\)$/);
    expect(await page.locator('#details').textContent()).toContain('closed (SF)');
    // Explained as the server's doing, never as the desktop ending its session.
    expect(await page.locator('#details .step-explanation').textContent()).toMatch(/^The server ended the session on its own \(its FIN, no CLOSE_REQ\)/);
    // At 900 px OPEN_CONF's label is cut: the row's tooltip has it whole.
    const cut = page.locator('#sequence-view .seq-row.seq-message', { hasText: 'OPEN_CONF' });
    const shown = (await cut.locator('.seq-label').textContent())!;
    expect(shown.endsWith('…')).toBe(true);
    const tip = (await cut.locator('title').textContent())!;
    expect(tip.startsWith(shown.slice(0, -1))).toBe(true);
    expect(tip.length).toBeGreaterThan(shown.length);
    await page.screenshot({ path: artifactPath('sequence-server-closed.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a CTI session the desktop closed, both sides agreeing: the page draws its TCP connect and its FIN as ctiscope sequence does', async () => {
    const file = join(work, 'desktop-closed.pcapng');
    writeLongCtiCapture(file, 6, 'c2s');
    const cli = cliSequenceRows(file, []);
    expect(cli[0]).toEqual({ time: '-0.002s', label: 'TCP connect' });
    expect(cli.at(-1)!.label).toBe('FIN: closed by the desktop');
    const { page, errors } = await openSequence(file, 1400, 900);
    expectSameRows(await pageSequenceRows(page), cli, 'desktop-closed');
    expect(await page.locator('#sequence-view .seq-row.seq-connect').count()).toBe(1);
    expect(await page.locator('#sequence-view .seq-row.seq-fin .seq-label').textContent()).toBe('FIN: closed by the desktop');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a diagram wider than its pane: the times stay in view as it scrolls sideways, each beside its row as it scrolls down', async () => {
    const { page, errors } = await openSequence(sample('cad-login-ok'), 800, 700);
    const box = page.locator('#sequence-view .seq-scroll');
    /** Each time's place against its row, and whether it is whole in the pane's visible box and not drawn over. */
    const times = () =>
      page.evaluate(() => {
        // What is in view of the diagram's box: its inside, cut by every scrolling box around it (the centre pane).
        const pane = { left: -Infinity, right: Infinity, top: -Infinity, bottom: Infinity };
        for (let e: HTMLElement | null = document.querySelector<HTMLElement>('#sequence-view .seq-scroll'); e; e = e.parentElement) {
          if (getComputedStyle(e).overflow === 'visible') continue;
          const r = e.getBoundingClientRect();
          pane.left = Math.max(pane.left, r.left + e.clientLeft);
          pane.right = Math.min(pane.right, r.left + e.clientLeft + e.clientWidth);
          pane.top = Math.max(pane.top, r.top + e.clientTop);
          pane.bottom = Math.min(pane.bottom, r.top + e.clientTop + e.clientHeight);
        }
        const header = document.querySelector('#sequence-view .seq-header')!.getBoundingClientRect();
        return [...document.querySelectorAll('#sequence-view .seq-time')].map((t) => {
          const tr = t.getBoundingClientRect();
          // Its row: the one of its index (or, drawn inside a row, that one).
          const row = (t.closest('.seq-row') ?? document.querySelector(`#sequence-view .seq-row[data-index="${t.getAttribute('data-index')}"]`))!.querySelector('.seq-hit')!.getBoundingClientRect();
          const shown = tr.top >= header.bottom && tr.bottom <= pane.bottom;
          const top = document.elementFromPoint(tr.left + tr.width / 2, tr.top + tr.height / 2);
          return {
            text: t.textContent!,
            offset: tr.top - row.top,
            shown,
            inPane: tr.left >= pane.left && tr.right <= pane.right,
            // Nothing of the lifelines drawn over it.
            onTop: top?.closest('.seq-times') === t.closest('.seq-times'),
          };
        });
      });
    const before = await times();
    expect(before.length).toBeGreaterThan(20);
    const { scrollWidth, clientWidth } = await box.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    // Eight lifelines: the diagram is twice as wide as the pane.
    expect(scrollWidth).toBeGreaterThan(clientWidth + 600);
    const check = async (where: string) => {
      const now = await times();
      expect(now.filter((t) => t.shown).length, where).toBeGreaterThan(3);
      now.forEach((t, i) => {
        // Beside its row, as before scrolling: on the row's line of text.
        expect(t.offset, `${where}: ${t.text}`).toBeCloseTo(before[i].offset, 0);
        expect(t.offset).toBeGreaterThan(0);
        expect(t.offset).toBeLessThan(24);
        if (t.shown) expect(t, `${where}: ${t.text}`).toMatchObject({ inPane: true, onTop: true });
      });
    };
    await box.evaluate((el) => (el.scrollLeft = el.scrollWidth));
    await check('scrolled right');
    await box.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await check('scrolled right and down');
    // The column's head stays in the top left corner, over the lifeline headers scrolled under it.
    const [corner, pane] = await page.evaluate(() => [document.querySelector('#sequence-view .seq-corner')!.getBoundingClientRect().toJSON(), document.querySelector('#sequence-view .seq-scroll')!.getBoundingClientRect().toJSON()] as DOMRect[]);
    expect(Math.abs(corner.left - pane.left)).toBeLessThan(3);
    expect(Math.abs(corner.top - pane.top)).toBeLessThan(3);
    // A time in the frozen column opens its row's message, as the row does.
    const row = await page.evaluate(() => {
      const bottom = document.querySelector('#sequence-view .seq-scroll')!.getBoundingClientRect().bottom;
      const header = document.querySelector('#sequence-view .seq-header')!.getBoundingClientRect().bottom;
      for (const r of document.querySelectorAll('#sequence-view .seq-row[data-message]')) {
        const hit = r.querySelector('.seq-hit')!.getBoundingClientRect();
        if (hit.top > header && hit.bottom < bottom) return { index: r.getAttribute('data-index')!, name: r.querySelector('.seq-label')!.textContent!.split(' ')[0] };
      }
      return null;
    });
    expect(row).not.toBeNull();
    await page.locator(`#sequence-view .seq-time[data-index="${row!.index}"]`).click();
    expect(await page.locator('#details h3').textContent()).toMatch(new RegExp(`^[→←] ${row!.name}\\b`));
    await page.screenshot({ path: artifactPath('sequence-scrolled-sideways.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('300 messages: one row each, no two labels overlap, the lifeline headers stay in view', async () => {
    const file = join(work, 'long-cti.pcapng');
    writeLongCtiCapture(file, 300);
    const { page, errors } = await openSequence(file, 1400, 900);
    expect(await page.locator('#sequence-view .seq-row.seq-message').count()).toBe(300);
    const overlaps = await page.$$eval('#sequence-view svg', (svgs) => {
      const found: string[] = [];
      let texts = 0;
      for (const svg of svgs) {
        const boxes = [...svg.querySelectorAll('text')].map((t) => ({ t: t.textContent ?? '', b: (t as SVGTextElement).getBBox() }));
        texts += boxes.length;
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].b;
            const b = boxes[j].b;
            if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${boxes[i].t} × ${boxes[j].t}`);
          }
        }
        // Every label stays inside its SVG (cut to the room there is, not drawn past the edge).
        const w = (svg as SVGSVGElement).viewBox.baseVal.width;
        for (const { t, b } of boxes) if (b.x < 0 || b.x + b.width > w + 0.5) found.push(`outside: ${t}`);
      }
      return { found, texts };
    });
    expect(overlaps.texts).toBeGreaterThan(600);
    expect(overlaps.found).toEqual([]);
    // The page scrolls; the headers stick to the top of the scrolling box.
    const box = page.locator('#sequence-view .seq-scroll');
    await box.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const [boxTop, headerTop, lastRow] = await page.evaluate(() => {
      const b = document.querySelector('#sequence-view .seq-scroll')!.getBoundingClientRect();
      const h = document.querySelector('#sequence-view .seq-header')!.getBoundingClientRect();
      const rows = document.querySelectorAll('#sequence-view .seq-row');
      return [b.top, h.top, rows[rows.length - 1].getBoundingClientRect().bottom];
    });
    expect(Math.abs(headerTop - boxTop)).toBeLessThan(3);
    expect(lastRow).toBeLessThan(900);
    expect(await page.locator('#sequence-view .seq-header').textContent()).toContain(LONG_HOST);
    await page.screenshot({ path: artifactPath('sequence-300.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('compare in the page: the selected workstation against a working one; steps explained in their details', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(`${server.url}#ws=10.10.20.105`);
    await openCapture(page, sample('span-many-agents'));
    const failedStep = page.locator('.tl-step-g').first();
    await failedStep.locator('rect').first().click();
    expect(await page.locator('#details .step-explanation').textContent()).toMatch(/^The desktop looks up the addresses of its servers by name/);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.click('#view-sequence');
    await page.selectOption('#compare-with', 'this 10.10.20.11');
    const sentence = await page.locator('#sequence-view .compare-divergence').textContent();
    expect(sentence).toBe(
      'First difference: config: the working desktop got its configuration from 192.168.100.1:38983; this one first tried 192.168.100.9:38983, which never answered (3 SYNs over 9.0 s); then 192.168.100.2:38983 worked, 21.1 s after the first try.',
    );
    expect(await page.locator('#sequence-view .compare-table tr').count()).toBeGreaterThan(8);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('compare with a second capture read in the page: a working PC against the failing one', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await openCapture(page, sample('licensing-down'));
    await page.click('#view-sequence');
    await page.setInputFiles('#compare-file', sample('cad-login-ok'));
    await page.waitForSelector('#sequence-view .compare-divergence');
    expect(await page.locator('#compare-with').inputValue()).toBe('ref 10.10.20.31');
    expect(await page.locator('#sequence-view .compare-divergence').textContent()).toBe(
      'First difference: licensing: the working desktop got its licence from 192.168.100.1:3000; this one asked 192.168.100.1:3000 too, which refused the connection (SYN answered by RST); then 192.168.100.2:3000, which refused the connection (SYN answered by RST).',
    );
    // The failing capture is still the one shown.
    expect(await page.locator('#ws-header h2').textContent()).toBe('10.10.20.34');
    expect(await page.locator('#sequence-view .seq-header').textContent()).toContain('10.10.20.34');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the evidence download is cut in the page from the dropped file: the workstation\'s flows, findings as comments', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(`${server.url}#ws=10.10.20.105`);
    await openCapture(page, sample('span-many-agents'));
    expect(await page.locator('#ws-header h2').textContent()).toBe('10.10.20.105');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-evidence')]);
    expect(download.suggestedFilename()).toBe('ctiscope-evidence-10.10.20.105.pcapng');
    const out = join(work, 'evidence-105.pcapng');
    await download.saveAs(out);
    // The same file the CLI writes for the same workstation.
    const cli = join(work, 'evidence-105-cli.pcapng');
    ctiscope(['analyze', sample('span-many-agents'), '--workstation', '10.10.20.105', '--write-evidence', cli]);
    const flows = (f: string) => (JSON.parse(ctiscope(['flows', f, '--json'])) as { client: string; server: string }[]).map((x) => `${x.client} ${x.server}`).sort();
    expect(flows(out)).toEqual(flows(cli));
    expect(flows(out).every((f) => f.startsWith('10.10.20.105:'))).toBe(true);
    const tshark = spawnSync('tshark', ['-r', out, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment'], { encoding: 'utf8' });
    if (tshark.status === 0) {
      const lines = tshark.stdout.trim().split('\n');
      expect(lines.map((l) => Number(l.split('\t')[0]))).toEqual([5, 6, 7, 11, 12, 13]);
      expect(lines[0]).toMatch(/\tctiscope: server-unreachable: 192\.168\.100\.9:38983/);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the evidence of an agent and of a CTI client (a CTI OS server capture): cut for the CTI client\'s host, named for the subject', async () => {
    const capture = sample('ctios-server');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await openCapture(page, capture);
    const flows = (f: string) => (JSON.parse(ctiscope(['flows', f, '--json'])) as { client: string; server: string }[]).map((x) => `${x.client} ${x.server}`).sort();
    const download = async (name: string): Promise<string> => {
      const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#export-evidence')]);
      const out = join(work, name);
      await d.saveAs(out);
      expect(d.suggestedFilename()).toBe(name);
      return out;
    };

    // The refused agent: its login requests went over the CTIOSServer session from 10.1.1.10; its desktop's flows
    // come too, as `analyze --agent --write-evidence` writes them.
    await page.selectOption('#kind-filter', 'agent');
    await page.locator('.ws-row[data-kind="agent"][data-key="5000/5053"]').click();
    expect(await page.locator('#ws-header h2').textContent()).toBe('agent 5053 @ 30053');
    const button = page.locator('#export-evidence');
    expect(await button.isVisible()).toBe(true);
    expect(await button.isEnabled()).toBe(true);
    expect(await button.getAttribute('title')).toContain('10.1.1.10');
    const agentOut = await download('ctiscope-evidence-agent-5000_5053.pcapng');
    const cli = join(work, 'evidence-5053-cli.pcapng');
    ctiscope(['analyze', capture, '--agent', '5053', '--write-evidence', cli]);
    expect(flows(agentOut)).toEqual(flows(cli));
    expect(flows(agentOut)).toContain('10.1.1.10:50064 10.1.1.20:42027');
    const tshark = spawnSync('tshark', ['-r', agentOut, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
    if (tshark.status === 0) expect(tshark.stdout).toMatch(/ctiscope: agent-login-failed: .*agent 5053/);

    // The CTI client: its session, from its host only.
    await page.selectOption('#kind-filter', 'cti-client');
    await page.locator('.ws-row[data-kind="cti-client"]').first().click();
    expect(await page.locator('#ws-header h2').textContent()).toBe('CTIOSServer @ 10.1.1.10');
    const clientFlows = flows(await download('ctiscope-evidence-cti-client-10.1.1.10_CTIOSServer.pcapng'));
    expect(clientFlows).toContain('10.1.1.10:50064 10.1.1.20:42027');
    expect(clientFlows.every((f) => f.startsWith('10.1.1.10:'))).toBe(true);

    // No subject leaves a dead button: each one's is enabled, or disabled saying why.
    await page.selectOption('#kind-filter', 'all');
    const keys = await page.locator('.ws-row:not([hidden])').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.kind!, (e as HTMLElement).dataset.key!]));
    expect(keys.length).toBeGreaterThan(6);
    for (const [kind, key] of keys) {
      await page.locator(`.ws-row[data-kind="${kind}"][data-key="${key}"]`).click();
      expect(await button.isVisible()).toBe(true);
      if (!(await button.isEnabled())) expect(await button.getAttribute('title')).toMatch(/^No evidence: ./);
      else expect(await button.getAttribute('title')).toMatch(/^Download .*'s packets/);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a file that cannot be read leaves the capture on show working: its evidence, its messages, its name', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await openCapture(page, sample('licence-refused'));
    const bad = join(work, 'not-a-capture.pcap');
    writeFileSync(bad, 'this is a text file, not a capture\n'.repeat(20));
    await page.setInputFiles('#file-input', bad);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/^Could not analyse not-a-capture\.pcap: .*not-a-capture\.pcap.* \(still showing licence-refused\.pcapng\)/);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    expect(await page.locator('#source-name').textContent()).toMatch(/^licence-refused\.pcapng — /);
    // The worker still holds the file on show: the evidence is cut from it, and a step's messages come.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-evidence')]);
    expect(download.suggestedFilename()).toBe('ctiscope-evidence-10.10.20.33.pcapng');
    await page.locator('.tl-step.fail').first().click();
    await page.waitForSelector('#details li[data-type]');
    expect(await page.locator('#details li[data-type]').count()).toBeGreaterThan(0);
    // A comparison capture that cannot be read is named as such, not as the capture on show.
    await page.click('#view-sequence');
    await page.setInputFiles('#compare-file', bad);
    await page.waitForFunction(() => /capture to compare with/.test(document.getElementById('error')?.textContent ?? ''));
    expect(await page.textContent('#error')).toMatch(/^Could not read the capture to compare with, not-a-capture\.pcap: /);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('ctiscope sequence --format mermaid is a valid Mermaid sequence diagram (mermaid.parse and render)', async () => {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
    await page.addScriptTag({ path: join(REPO, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
    await page.evaluate(() => (window as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false }));
    for (const [name, extra] of [['stale-ldap-failover', []], ['licensing-down', []], ['agent-login-refused', []], ['cad-login-ok', []], ['span-many-agents', ['--agent', '1104']]] as const) {
      const text = ctiscope(['sequence', sample(name), ...extra, '--format', 'mermaid']);
      const result = await page.evaluate(async (t) => {
        const m = (window as unknown as { mermaid: { parse(t: string): Promise<unknown>; render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
        try {
          const parsed = await m.parse(t);
          const { svg } = await m.render(`d${Math.random().toString(36).slice(2)}`, t);
          return { ok: true, parsed: JSON.stringify(parsed), svg };
        } catch (e) {
          return { ok: false, error: String((e as Error).message ?? e) };
        }
      }, text);
      expect(result.ok ? '' : `${name}: ${result.error}`).toBe('');
      expect(result.parsed).toContain('sequence');
      // Participants and a message name made it into the drawing.
      expect(result.svg).toMatch(/desktop 10\.10\.20\.\d+|CTI client 10\.10\.20\.104/);
      expect(result.svg).toMatch(/OPEN_REQ|acquireLicense|bindRequest/);
    }
    await page.close();
  });
});
