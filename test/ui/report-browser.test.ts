/**
 * The HTML report's timelines in Debian's Chromium, measured as drawn (SVG text boxes): every label keeps to its
 * room (a lane's to the label column, a phase's to its band, a finding's and the axis's to the chart) and none is
 * drawn over another, on the report of every sample; and no label is wider than svg-text.ts says a monospace font
 * draws it, which is what the layout was computed from.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderTimelineSvg, type TimelineSubject } from '../../src/timeline/render-svg.js';
import { monoWidth } from '../../src/timeline/svg-text.js';
import { browserSkipReason, launchChromium, REPO, removeDir, watchErrors } from './browser.js';

const bin = join(REPO, 'bin', 'ctiscope.js');
const LABEL_COLUMN = 264;
const PAD = 8;

interface Box {
  kind: 'lane' | 'phase' | 'finding' | 'axis';
  text: string;
  size: number;
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  /** A phase label's band. */
  band?: [number, number];
  /** The width the browser gives the text. */
  drawn: number;
}

/** Every label of every timeline SVG on the page, with its box as drawn. */
function labelsOf(page: Page): Promise<{ width: number; labels: Box[] }[]> {
  return page.$$eval('svg.ctiscope-timeline', (els) =>
    (els as SVGSVGElement[]).map((svg) => {
      const labels: Box[] = [];
      for (const t of svg.querySelectorAll<SVGTextElement>('text')) {
        const b = t.getBBox();
        const kind: Box['kind'] = t.closest('.ct-phase') ? 'phase' : t.closest('.ct-finding') ? 'finding' : t.classList.contains('ct-dim') ? 'axis' : 'lane';
        const rect = kind === 'phase' ? t.closest('.ct-phase')!.querySelector('rect')! : null;
        labels.push({
          kind,
          // A lane label's own title is its tooltip, not drawn text.
          text: [...t.childNodes].filter((n) => n.nodeName !== 'title').map((n) => n.textContent).join(''),
          size: parseFloat(getComputedStyle(t).fontSize),
          x1: b.x,
          x2: b.x + b.width,
          y1: b.y,
          y2: b.y + b.height,
          ...(rect ? { band: [rect.x.baseVal.value, rect.x.baseVal.value + rect.width.baseVal.value] as [number, number] } : {}),
          drawn: t.getComputedTextLength(),
        });
      }
      return { width: svg.width.baseVal.value, labels };
    }),
  );
}

function expectLaidOut(svgs: { width: number; labels: Box[] }[], what: string): void {
  expect(svgs.length, what).toBeGreaterThan(0);
  for (const { width, labels } of svgs) {
    expect(labels.length, what).toBeGreaterThan(0);
    for (const l of labels) {
      const at = `${what}: ${l.kind} "${l.text}"`;
      // What the layout assumed is the most the browser draws.
      expect(l.drawn, at).toBeLessThanOrEqual(monoWidth(l.text, l.size) + 0.5);
      if (l.kind === 'lane') expect(l.x2, at).toBeLessThanOrEqual(LABEL_COLUMN);
      if (l.kind === 'phase') {
        expect(l.x1, at).toBeGreaterThanOrEqual(l.band![0]);
        expect(l.x2, at).toBeLessThanOrEqual(l.band![1]);
      }
      if (l.kind === 'finding') {
        expect(l.x1, at).toBeGreaterThanOrEqual(LABEL_COLUMN);
        expect(l.x2, at).toBeLessThanOrEqual(width - PAD + 0.5);
      }
      if (l.kind === 'axis') {
        expect(l.x1, at).toBeGreaterThanOrEqual(0);
        expect(l.x2, at).toBeLessThanOrEqual(width);
      }
    }
    // No two labels over each other (the boxes' heights overlap between rows by a pixel or two: a row is 22 px).
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i], labels[j]];
        const sameRow = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) > 3;
        const overlap = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
        expect(sameRow && overlap > 0.5, `${what}: "${a.text}" and "${b.text}" overlap by ${overlap.toFixed(1)} px`).toBe(false);
      }
    }
  }
}

if (browserSkipReason) console.warn(`test/ui/report-browser.test.ts skipped: ${browserSkipReason}`);

describe.skipIf(browserSkipReason !== null)('the HTML report in Chromium', () => {
  let browser: Browser;
  let work: string;

  beforeAll(async () => {
    browser = await launchChromium();
    work = mkdtempSync(join(tmpdir(), 'ctiscope-report-ui-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (work) removeDir(work);
  });

  test("every sample's report: each timeline label keeps to its room and none is drawn over another", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    const samples = readdirSync(join(REPO, 'samples')).filter((f) => f.endsWith('.pcapng'));
    expect(samples.length).toBeGreaterThan(20);
    let findings = 0;
    for (const name of samples) {
      const html = join(work, `${name}.html`);
      const r = spawnSync(process.execPath, [bin, 'analyze', join(REPO, 'samples', name), '--html', html], { encoding: 'utf8' });
      // 0 all logged in, 1 a failure, 4 inconclusive: each writes its report.
      expect([0, 1, 4], `${name}: ${r.stderr}`).toContain(r.status);
      await page.setContent(readFileSync(html, 'utf8'));
      const svgs = await labelsOf(page);
      findings += svgs.reduce((n, s) => n + s.labels.filter((l) => l.kind === 'finding').length, 0);
      expectLaidOut(svgs, name);
    }
    // The samples' failures are labelled, not only kept out of each other's way.
    expect(findings).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  test('a lane whose service and server outgrow the label column is cut, the server kept whole, the whole text its tooltip', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    const t0 = 1_700_000_000;
    const step = (id: string, service: string, server: string, start: number, ok = true) => ({
      id,
      kind: 'tcp-connect',
      phase: 'config',
      service,
      server,
      protocol: 'tcp',
      start: t0 + start,
      end: t0 + start + 0.01,
      ok,
      summary: 'connect',
      frames: [1],
    });
    // An IPv6 server and a long service name: no capture of the lab speaks IPv6, so the subject is written here.
    const subject = {
      host: '2001:db8:10:20::31',
      start: t0,
      outcome: 'failed',
      failedPhase: 'config',
      steps: [step('s1', 'desktop-services-recording', '[2001:db8:10:20::1234]:59004', 0, false), step('s2', 'ldap-directory', '[2001:db8:10:20:abcd:ef01:2345:6789]:38983', 0.5)],
      findings: [{ kind: 'connection-refused', severity: 'error', step: 's1', message: 'refused', frames: [1] }],
    } as unknown as TimelineSubject;
    const svg = renderTimelineSvg(subject);
    await page.setContent(`<!doctype html><body>${svg}</body>`);
    const [drawn] = await labelsOf(page);
    expectLaidOut([drawn], 'IPv6 lanes');
    const lanes = drawn.labels.filter((l) => l.kind === 'lane').map((l) => l.text);
    expect(lanes[0]).toBe('deskto… [2001:db8:10:20::1234]:59004');
    // An address too long for the column even alone is cut itself.
    expect(lanes[1]).toMatch(/^\[2001:db8:10:20:abcd:ef01:2345.*…$/);
    expect(await page.$$eval('svg text > title', (els) => els.map((e) => e.textContent))).toEqual([
      'desktop-services-recording [2001:db8:10:20::1234]:59004',
      'ldap-directory [2001:db8:10:20:abcd:ef01:2345:6789]:38983',
    ]);
    await page.close();
  });
});
