import { describe, expect, it } from 'vitest';
import { Sim, NODE_A, cadLoginOk, ctiSession, dnsStep, ldapStep, licensingStep } from './sim.js';
import { renderTextReport, DETAIL_LIMIT } from '../../src/timeline/report-text.js';
import { renderHtmlReport } from '../../src/timeline/report-html.js';
import { renderTimelineSvg } from '../../src/timeline/render-svg.js';
import { escapeXml } from '../../src/timeline/escape.js';
import { createAnalyzer } from '../../src/timeline/analyzer.js';
import { NO_DESKTOP_MESSAGE } from '../../src/timeline/document.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { monoWidth } from '../../src/timeline/svg-text.js';

const SRC = { files: ['x.pcapng'], packets: 100 };

function licenceRefused(pc = '10.10.20.12'): Sim {
  const sim = new Sim();
  cadLoginOk(sim, '10.10.20.11', 0);
  let t = dnsStep(sim, pc, 1);
  t = ldapStep(sim, pc, NODE_A, t);
  licensingStep(sim, pc, NODE_A, t, 'no-licence');
  return sim;
}

/** Tags opened and closed in order (void and self-closing tags aside): a cheap well-formedness check. */
function balanced(markup: string): boolean {
  const stack: string[] = [];
  const body = markup.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '').replace(/<!DOCTYPE[^>]*>/, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self || ['meta', 'br', 'hr', 'img', 'input', 'link'].includes(name)) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

describe('text report', () => {
  it('shows the failing step with its sentence, frames and the grouped summary', () => {
    const doc = licenceRefused().an.finish(SRC);
    const text = renderTextReport(doc, { color: false });
    const failing = doc.workstations.find((w) => w.outcome === 'failed')!;
    expect(text).toContain('10.10.20.12 · CAD · ✗ FAILED at licensing');
    expect(text.replace(/\s+/g, ' ')).toMatch(/✗ FAILED acquireLicense → USER_EXCEPTION IDL:com\/cisco\/cad\/LRM\/NoLicenseAvailable:1\.0/);
    // The finding's sentence is there (wrapped): compare without line breaks.
    expect(text.replace(/\s+/g, ' ')).toContain(failing.findings[0].message.replace(/\s+/g, ' '));
    expect(text).toMatch(/ERROR licensing-failed/);
    expect(text).toMatch(/\+0\.000s/);
    expect(text).toContain('host         agent  outcome    failing step                  cause');
    expect(text.trimEnd().split('\n').pop()).toBe('1 logged in, 1 licensing-failed NoLicenseAvailable on 192.168.100.1:3000');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('colours only when asked', () => {
    const doc = licenceRefused().an.finish(SRC);
    const text = renderTextReport(doc, { color: true });
    expect(text).toContain('\x1b[31m');
    expect(text.replace(/\x1b\[[0-9;]*m/g, '')).toBe(renderTextReport(doc, { color: false }));
  });

  it('with many workstations prints the table and only the failing ones in detail', () => {
    const sim = new Sim();
    for (let i = 0; i <= DETAIL_LIMIT + 2; i++) cadLoginOk(sim, `10.10.20.${100 + i}`, i);
    let t = dnsStep(sim, '10.10.20.50', 30);
    t = ldapStep(sim, '10.10.20.50', NODE_A, t);
    licensingStep(sim, '10.10.20.50', NODE_A, t, 'no-licence');
    const doc = sim.an.finish(SRC);
    const text = renderTextReport(doc, { color: false });
    expect(text).toContain('10.10.20.50 · CAD · ✗ FAILED at licensing');
    expect(text).not.toContain('10.10.20.100 · agent');
    expect(text).toContain(`${DETAIL_LIMIT + 4} workstations: showing the one that failed (use --verbose for all)`);
    const lines = text.split('\n');
    expect(lines.findIndex((l) => l.startsWith('10.10.20.50 '))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('host ')));
    expect(renderTextReport(doc, { color: false, verbose: true })).toContain('10.10.20.100 · agent 1031 ext 2031');
  });

  it('with many subjects, the tables list the failed and those with findings, and fold the quiet rest into one line', async () => {
    const { analyzeFiles } = await import('../../src/pipeline-node.js');
    const sample = (name: string) => new URL(`../../samples/${name}.pcapng`, import.meta.url).pathname;
    const ws = (await analyzeFiles([sample('span-many-agents')], { analyze: true })).doc!;
    const rows = (text: string) => text.split('\n').filter((l) => /^10\.10\.20\.\d+ +\d+ +(FAILED|logged in|incomplete)/.test(l));
    const text = renderTextReport(ws, { color: false });
    // 40 PCs: 4 failed, 1 logged in after a failover (its findings in the cause column), 35 logged in with nothing to say.
    expect(rows(text).map((l) => l.split(/ +/)[0])).toEqual(['10.10.20.101', '10.10.20.102', '10.10.20.103', '10.10.20.104', '10.10.20.105']);
    expect(text).toContain('… and 35 more workstations logged in, with no finding (--verbose lists them)');
    expect(rows(renderTextReport(ws, { color: false, verbose: true }))).toHaveLength(40);
    const pg = (await analyzeFiles([sample('pg-span-500')], { analyze: true })).doc!;
    const agentRows = (t: string) => t.split('\n').filter((l) => /^5\d{3} +\d+ +\S+ +(FAILED|logged in|incomplete)/.test(l));
    const pgText = renderTextReport(pg, { color: false });
    expect(agentRows(pgText).map((l) => l.split(/ +/)[0])).toEqual(pg.agents.filter((a) => a.outcome !== 'logged-in').map((a) => a.id));
    expect(pgText).toContain(`… and ${pg.agents.length - 6} more agents logged in, with no finding (--verbose lists them)`);
    expect(agentRows(renderTextReport(pg, { color: false, verbose: true }))).toHaveLength(pg.agents.length);
  });

  it('with many workstations and none failed, says so rather than "showing the 0 that failed"', () => {
    const sim = new Sim();
    for (let i = 0; i <= DETAIL_LIMIT + 2; i++) cadLoginOk(sim, `10.10.20.${100 + i}`, i);
    const text = renderTextReport(sim.an.finish(SRC), { color: false });
    expect(text).toContain(`${DETAIL_LIMIT + 3} workstations: none failed, so none is shown step by step (use --verbose for all)`);
    expect(text).not.toMatch(/showing the 0/);
  });

  it('the empty case prints the plain message', () => {
    const text = renderTextReport(createAnalyzer().finish({ files: ['web.pcap'], packets: 3 }), { color: false });
    expect(text).toContain(NO_DESKTOP_MESSAGE);
  });

  it('control characters from packets cannot reach the terminal', () => {
    const sim = new Sim();
    const f = sim.connect('10.10.20.11', NODE_A, 38983, 0);
    f.send('c2s', 'ldap', 'bindRequest', { messageId: 1, name: 'cn=\x1b[2J\x1b]0;owned\x07', authentication: 'simple' }, 0.001);
    f.send('s2c', 'ldap', 'bindResponse', { messageId: 1, resultCode: 49, resultCodeName: 'invalidCredentials' }, 0.002);
    f.close(0.01);
    const text = renderTextReport(sim.an.finish(SRC), { color: false });
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

const HOSTILE_DN = 'cn=<script>alert(1)</script>,o="x"&y';
const HOSTILE_AGENT = '<img src=x onerror=alert(2)>';

function hostileDocument(): AnalysisDocument {
  const sim = new Sim();
  const pc = '10.10.20.66';
  const l = sim.connect(pc, NODE_A, 38983, 0);
  l.send('c2s', 'ldap', 'bindRequest', { messageId: 1, name: HOSTILE_DN, authentication: 'simple' }, 0.001);
  l.send('s2c', 'ldap', 'bindResponse', { messageId: 1, resultCode: 0, resultCodeName: 'success' }, 0.002);
  l.close(0.01);
  const cti = ctiSession(sim, pc, NODE_A, 1, { login: 'device-off', agent: HOSTILE_AGENT, ext: '<b>2031</b>' });
  void cti;
  sim.an.names(pc, ['<svg onload=alert(3)>.example.com']);
  return sim.an.finish({ files: ['<evil>.pcapng'], packets: sim.frame });
}

describe('HTML report and SVG escape every string from packets', () => {
  it('no hostile markup survives', () => {
    const doc = hostileDocument();
    expect(doc.workstations[0].agent.id).toBe(HOSTILE_AGENT);
    const html = renderHtmlReport(doc);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<b>2031');
    expect(html).not.toContain('<evil>');
    expect(html).toContain('cn=&lt;script&gt;alert(1)&lt;/script&gt;,o=&quot;x&quot;&amp;y');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    // The only script is our own collapse helper.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(balanced(html)).toBe(true);
  });

  it('is self-contained: no external resources', () => {
    const html = renderHtmlReport(hostileDocument());
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('<svg');
  });

  it('the SVG has lanes, bars by outcome, finding markers, phase bands and a break in the time axis', () => {
    const sim = new Sim();
    const pc = '10.10.20.11';
    let t = dnsStep(sim, pc, 0);
    sim.failedConnect(pc, '192.168.100.9', 38983, [t, t + 3, t + 9], 'S0');
    t = ldapStep(sim, pc, '192.168.100.2', t + 21);
    licensingStep(sim, pc, NODE_A, t);
    const ws = sim.an.finish(SRC).workstations[0];
    const svg = renderTimelineSvg(ws, { width: 800 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/class="ct-fail"/g)).toHaveLength(1);
    expect(svg.match(/class="ct-ok"/g)!.length).toBe(ws.steps.filter((s) => s.ok).length);
    expect(svg).toContain('data-kind="server-unreachable"');
    expect(svg).toContain('data-kind="failover"');
    expect(svg).toContain('class="ct-gap"');
    expect(svg).toContain('≈12.0 s'); // 9 s of SYNs end at +9.02 s, the next node is tried at +21.02 s
    for (const lane of ['ldap-directory</text>'.replace('</text>', ''), '192.168.100.9:38983', '192.168.100.2:38983', '192.168.100.1:3000']) expect(svg).toContain(lane);
    for (const phase of ['config', 'licensing', 'dns']) expect(svg).toContain(`<title>${phase}</title>`);
    // Every bar is at least a few pixels wide, even a 2 ms exchange.
    const widths = [...svg.matchAll(/class="ct-(?:ok|fail)"[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(4);
  });

  it('the SVG of a noisy PC draws the start-up phases side by side, as the page does, with no band for the PC\'s own traffic', async () => {
    const { analyzeFiles } = await import('../../src/pipeline-node.js');
    const { phaseBands } = await import('../../src/timeline/phase-bands.js');
    const { doc } = await analyzeFiles([new URL('../../samples/cti-standby-failover-noisy.pcapng', import.meta.url).pathname], { analyze: true });
    const ws = doc!.workstations[0];
    // The PC's lookups span the whole capture: a band of theirs would cover every other.
    expect(ws.steps.some((st) => st.phase === 'other' && st.end - st.start > 60)).toBe(true);
    const svg = renderTimelineSvg(ws, { width: 900 });
    const bands = [...svg.matchAll(/<g class="ct-phase"><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([\w-]+)<\/title>/g)].map((m) => ({ phase: m[3], x1: Number(m[1]), x2: Number(m[1]) + Number(m[2]) }));
    expect(bands.map((b) => b.phase)).toEqual(phaseBands(ws).map((b) => b.phase));
    expect(bands.map((b) => b.phase)).toEqual(['dns', 'config', 'licensing', 'cti-session', 'login', 'services']);
    // Side by side: a band overlaps the next by no more than the few pixels a short phase is widened to (MIN_BAR).
    for (let i = 1; i < bands.length; i++) expect(bands[i].x1).toBeGreaterThanOrEqual(bands[i - 1].x2 - 4.5);
  });

  it('the start-up takes most of the SVG\'s width, whatever lasts around it, and no axis label runs into another', async () => {
    const { analyzeFiles } = await import('../../src/pipeline-node.js');
    const width = 960;
    const chart = width - 264 - 16;
    for (const [sample, host] of [
      // Minutes of the PC's own lookups around a failed start-up of a second.
      ['span-many-agents-noisy', '10.10.20.101'],
      // A start-up of a second, then heartbeats every 30 s for a minute.
      ['cad-login-ok', '10.10.20.31'],
      ['cad-login-ok-noisy', '10.10.20.31'],
      ['stale-ldap-failover-noisy', '10.10.20.32'],
    ]) {
      const { doc } = await analyzeFiles([new URL(`../../samples/${sample}.pcapng`, import.meta.url).pathname], { analyze: true });
      const ws = doc!.workstations.find((w) => w.host === host)!;
      const svg = renderTimelineSvg(ws, { width });
      const bands = [...svg.matchAll(/<g class="ct-phase"><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[2]));
      // Before, the PC's lookups (or the heartbeats) made one stretch of the whole capture: 4 px a phase.
      expect(bands.reduce((a, b) => a + b, 0) / chart, sample).toBeGreaterThan(0.5);
      // Axis texts (times below the axis, durations of breaks under them): one row each, none overlapping, all inside.
      const rows = new Map<string, { x: number; anchor: string; text: string; size: number }[]>();
      for (const m of svg.matchAll(/<text class="ct-text ct-dim( ct-break-label)?" x="([\d.]+)" y="([\d.]+)"([^>]*)>([^<]*)<\/text>/g)) {
        const anchor = /text-anchor="(\w+)"/.exec(m[4])?.[1] ?? 'start';
        if (!rows.has(m[3])) rows.set(m[3], []);
        rows.get(m[3])!.push({ x: Number(m[2]), anchor, text: m[5], size: m[1] ? 9 : 11 });
      }
      expect(rows.size, sample).toBeGreaterThan(0);
      for (const row of rows.values()) {
        // The widest a monospace font draws them (svg-text.ts; test/ui/report-browser.test.ts measures them in Chromium).
        const spans = row.map((t) => {
          const w = monoWidth(t.text, t.size);
          const x0 = t.anchor === 'end' ? t.x - w : t.anchor === 'middle' ? t.x - w / 2 : t.x;
          return [x0, x0 + w];
        }).sort((a, b) => a[0] - b[0]);
        for (const [x0, x1] of spans) {
          expect(x0, sample).toBeGreaterThanOrEqual(0);
          expect(x1, sample).toBeLessThanOrEqual(width);
        }
        for (let i = 1; i < spans.length; i++) expect(spans[i][0], sample).toBeGreaterThanOrEqual(spans[i - 1][1]);
      }
    }
  });

  it('the text report keeps to its width: a word longer than a line (a domain\'s SRV name) is cut after a dot', async () => {
    const { analyzeFiles } = await import('../../src/pipeline-node.js');
    const { doc } = await analyzeFiles([new URL('../../samples/licence-refused-noisy.pcapng', import.meta.url).pathname], { analyze: true });
    for (const width of [80, 100]) {
      const text = renderTextReport(doc!, { color: false, width, verbose: true });
      // The timeline's rows and their wrapped lines (the summary sentences stay whole, for copying).
      for (const line of text.split('\n').filter((l) => l.startsWith('  '))) expect(line.length, line).toBeLessThanOrEqual(width);
      expect(text).toMatch(/\(_ldap\._tcp\.[\w.-]*\.\n\s+[\w.-]*corp\.example\.com,/);
    }
  });

  it('escapeXml handles quotes, ampersands and characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\ufffd');
  });
});
