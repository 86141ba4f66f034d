/**
 * The web UI on server-side captures, in Debian's Chromium: a CTI OS server's one GED-188 session carrying
 * several agents' logins (one refused), with the agents' desktops beside it. The page lists agents, the CTI
 * client and workstations, filters by kind, draws an agent's timeline with its CTI client's and its desktop's
 * lanes, shows its attempts and desktop link, reopens agents and CTI clients from deep links, and still opens
 * analysis@1 documents. Everything is compared with what the Node pipeline makes of the same file.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../../src/cli/ui-server.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import type { Agent, AnalysisDocument } from '../../src/timeline/model.js';
import { hostOf } from '../../src/timeline/format.js';
import { writeSampleFrames } from '../sample-packets.js';
import { takeOver, write } from '../cti-session-captures.js';
import { SynthNet } from '../../src/lab/synth/tcp.js';
import { artifactPath, browserSkipReason, buildUiOnce, launchChromium, openCapture, REPO, removeDir, scrollListFrames, watchErrors } from './browser.js';
import { CLIENT_ID, CTI_PORT, CTI_SERVER, CTIOS_SERVER, REFUSED_CODE, writeServerSideCapture, type ServerSideAgent } from './server-side-capture.js';

if (browserSkipReason) console.warn(`test/ui/server-side.test.ts skipped: ${browserSkipReason}`);

async function nodeAnalysis(path: string): Promise<AnalysisDocument> {
  return (await analyzeFiles([path], { analyze: true })).doc!;
}

const agentKey = (a: Agent): string => `${a.peripheralId ?? '-'}/${a.id}`;


describe.skipIf(browserSkipReason !== null)('web UI on a CTI OS server capture', () => {
  let dist: string;
  let server: UiServer;
  let browser: Browser;
  let work: string;
  let capture: string;
  let written: ServerSideAgent[];
  let expected: AnalysisDocument;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ctiscope-ui-server-side-'));
    capture = join(work, 'ctios-server.pcapng');
    // Agent 5002 is refused; 5003's requests carry no tag 217, so its desktop is tied by timing.
    written = writeServerSideCapture(capture, { agents: 3, refused: [1], withoutTag217: [2] });
    expected = await nodeAnalysis(capture);
    dist = await buildUiOnce();
    server = await startUiServer({ port: 0, host: '127.0.0.1', distDir: dist });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dist) removeDir(dist);
    if (work) removeDir(work);
  });

  async function newPage(width = 1600, height = 900): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    return { page, errors: watchErrors(page) };
  }

  const rows = (page: Page) => page.locator('.ws-row:not([hidden])');

  test('the capture the test writes is what it says: one CTIOSServer session, three agents, one refused', () => {
    expect(expected.ctiClients).toHaveLength(1);
    const client = expected.ctiClients[0];
    expect(client).toMatchObject({ host: CTIOS_SERVER, clientId: CLIENT_ID, version: 15, servers: [`${CTI_SERVER}:${CTI_PORT}`] });
    expect(expected.agents.map((a) => [a.id, a.outcome])).toEqual(written.map((w) => [w.agentId, w.refused ? 'failed' : 'logged-in']));
    const refused = expected.agents.find((a) => a.outcome === 'failed')!;
    expect(refused.findings.map((f) => f.kind)).toContain('agent-login-failed');
    expect(refused.attempts.at(-1)!.code).toBe(REFUSED_CODE);
    expect(expected.agents.map((a) => a.desktopLink?.basis)).toEqual(['tag-217', 'tag-217', 'timing']);
    // The CTI OS server is a CTI client, not a workstation.
    expect(expected.workstations.map((w) => w.host)).not.toContain(CTIOS_SERVER);
  });

  test('the list shows agents, the CTI client and workstations, failures first, and filters by kind', async () => {
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, capture);
    const total = expected.agents.length + expected.ctiClients.length + expected.workstations.length;
    expect(await page.locator('#list-count').textContent()).toBe(`${total} subjects`);
    // Failures first: the refused agent leads, with its cause.
    const refused = expected.agents.find((a) => a.outcome === 'failed')!;
    const first = rows(page).first();
    expect(await first.getAttribute('data-kind')).toBe('agent');
    expect(await first.locator('.ws-host').textContent()).toBe(refused.id);
    expect(await first.locator('.badge').textContent()).toBe('✗ failed');
    expect(await first.locator('.ws-failure').getAttribute('title')).toBe(refused.failure!.message);
    expect(await first.locator('.ws-meta').textContent()).toContain(`via ${CLIENT_ID} @ ${CTIOS_SERVER}`);

    // Agents only: every agent with its outcome, extension and via.
    await page.selectOption('#kind-filter', 'agent');
    expect(await page.locator('#list-count').textContent()).toBe(`${expected.agents.length} agents`);
    expect(await rows(page).count()).toBe(expected.agents.length);
    for (const a of expected.agents) {
      const row = page.locator(`.ws-row[data-kind="agent"][data-key="${agentKey(a)}"]`);
      expect(await row.locator('.badge').textContent()).toBe(a.outcome === 'failed' ? '✗ failed' : '✓ logged in');
      expect(await row.locator('.ws-name').textContent()).toBe(`ext ${a.extension}`);
      expect(await row.locator('.ws-meta').textContent()).toContain(`via ${a.via!.clientId} @ ${hostOf(a.via!.client)}`);
      expect(await row.locator('.ws-meta').textContent()).toContain(`desktop ${a.desktop}`);
    }
    // CTI clients only: host, ClientID, version, server.
    await page.selectOption('#kind-filter', 'cti-client');
    expect(await page.locator('#list-count').textContent()).toBe('1 CTI client');
    expect(await rows(page).first().locator('.ws-host').textContent()).toBe(CTIOS_SERVER);
    expect(await rows(page).first().locator('.ws-name').textContent()).toBe(CLIENT_ID);
    expect(await rows(page).first().locator('.ws-meta').textContent()).toBe(`v15 · ${CTI_SERVER}:${CTI_PORT} · 3 agents`);
    // A CTI client logs no one in: its badge is its session's, as the CLI's report says it.
    expect(await rows(page).first().locator('.badge').textContent()).toBe('✓ session open');
    // Workstations only: the desktops.
    await page.selectOption('#kind-filter', 'workstation');
    expect(await page.locator('#list-count').textContent()).toBe(`${expected.workstations.length} workstations`);
    expect(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(expected.workstations.map(() => 'workstation'));
    // The text filter works within a kind; only failures too.
    await page.selectOption('#kind-filter', 'all');
    await page.check('#only-failures');
    // The refused agent and its CTI OS desktop, which takes its agent's outcome.
    const failures = [...expected.agents, ...expected.workstations, ...expected.ctiClients].filter((x) => x.outcome === 'failed').length;
    expect(failures).toBe(2);
    expect(await page.locator('#list-count').textContent()).toBe(`${failures} of ${total} subjects`);
    await page.uncheck('#only-failures');
    await page.fill('#filter', CLIENT_ID.toLowerCase());
    // The CTI client and the agents it spoke for.
    expect(await rows(page).count()).toBe(1 + expected.agents.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('clicking an agent draws its timeline with its CTI client and desktop lanes, and its attempts in the details', async () => {
    const refused = expected.agents.find((a) => a.outcome === 'failed')!;
    const client = expected.ctiClients[0];
    const desktop = expected.workstations.find((w) => w.host === refused.desktop)!;
    const others = expected.agents.filter((a) => a !== refused);
    const { page, errors } = await newPage(1600, 800);
    await page.goto(server.url);
    await openCapture(page, capture);
    await page.waitForFunction(() => document.body.dataset.messages === 'ready');
    await page.locator(`.ws-row[data-kind="agent"][data-key="${agentKey(refused)}"]`).click();
    expect(await page.locator('#ws-header h2').textContent()).toBe(`agent ${refused.id} @ ${refused.extension}`);
    expect(await page.locator('.failure-banner').textContent()).toContain(refused.failure!.message);

    // Lanes: the agent's own, then its CTI client's session, then its desktop's, each labelled.
    const label = (group: string) => page.locator(`.tl-labels .tl-lane[data-group="${group}"] .tl-lane-label`);
    expect(await page.locator('.tl-labels .tl-lane').first().locator('.tl-lane-label').textContent()).toBe('Agent');
    expect(await page.locator('.tl-labels .tl-lane').first().locator('.tl-lane-sub').textContent()).toBe(`${refused.id} @ ${refused.extension}`);
    expect(await label('cti').allTextContents()).toEqual([`CTI client ${CLIENT_ID}`]);
    expect(await page.locator('.tl-labels .tl-lane[data-group="cti"] .tl-lane-sub').textContent()).toBe(`${CTI_SERVER}:${CTI_PORT}`);
    expect(await label('desktop').allTextContents()).toEqual([`Desktop ${desktop.host}`]);
    expect(await page.locator('.tl-group-rule').count()).toBe(2);
    // Steps: the agent's own (the refused login red), the CTI client's session steps, the desktop's.
    expect(await page.locator('.tl-step-g[data-group="own"]').count()).toBe(refused.steps.length);
    expect(await page.locator('.tl-step-g[data-group="cti"]').count()).toBe(client.steps.length);
    expect(await page.locator('.tl-step-g[data-group="desktop"]').count()).toBe(desktop.steps.length);
    const failed = refused.steps.find((s) => !s.ok)!;
    expect(await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).getAttribute('class')).toContain('fail');
    expect(await page.locator('.tl-finding[data-kind="agent-login-failed"]').count()).toBe(1);

    // No message of another agent is drawn on this agent's timeline (they share one session).
    const own = new Set([...refused.steps, ...client.steps].flatMap((s) => s.frames));
    const foreign = new Set(others.flatMap((a) => a.steps.flatMap((s) => s.frames)).filter((f) => !own.has(f)));
    const drawn = (await page.locator('.tl-msg-g').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))) as number[];
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.filter((f) => foreign.has(f))).toEqual([]);
    expect(drawn).toEqual(expect.arrayContaining(refused.attempts[0].frames));

    // Details: the attempts and the desktop link with its basis and evidence.
    const attempts = page.locator('#details li.attempt');
    expect(await attempts.count()).toBe(refused.attempts.length);
    expect(await attempts.first().getAttribute('data-outcome')).toBe('failed');
    expect(await attempts.first().textContent()).toContain(String(REFUSED_CODE));
    expect(await attempts.first().textContent()).toContain(`${CLIENT_ID} @ ${refused.via!.client}`);
    expect(await page.locator('#details .link-basis').textContent()).toBe('linked by tag-217');
    expect(await page.locator('#details .link-evidence').textContent()).toBe(refused.desktopLink!.evidence);
    expect(await page.locator('#details').textContent()).toContain(refused.findings[0].message);

    // The selection lands in the URL hash.
    await page.waitForFunction((key) => new URLSearchParams(location.hash.slice(1)).get('agent') === key, agentKey(refused));
    // The README picture: the refused agent's view.
    const picture = process.env.CTISCOPE_UPDATE_SCREENSHOT === '1' ? join(REPO, 'docs', 'screenshot-agents.png') : artifactPath('screenshot-agents.png');
    await page.waitForTimeout(200);
    await page.screenshot({ path: picture });

    // The refused login opens with its CONTROL_FAILURE_CONF, from the CTI OS server's session.
    await page.locator(`.tl-step-g[data-step="${failed.id}"] rect`).click();
    expect(await page.locator('#details li[data-type="CONTROL_FAILURE_CONF"]').count()).toBe(1);
    expect(await page.locator('#details li[data-type="SET_AGENT_STATE_REQ"]').count()).toBe(1);
    // A step of the CTI client's lane opens as the CTI client's.
    const open = client.steps[0];
    await page.locator(`.tl-step-g[data-step="cti:${open.id}"] rect`).click();
    expect(await page.locator('#details .sentence').first().textContent()).toBe(open.summary);
    expect(await page.locator('#details li[data-type="OPEN_CONF"]').count()).toBe(1);

    // The agent tied by timing says so.
    const timed = expected.agents.find((a) => a.desktopLink?.basis === 'timing')!;
    await page.selectOption('#kind-filter', 'agent');
    await page.locator(`.ws-row[data-key="${agentKey(timed)}"]`).click();
    expect(await page.locator('#details .link-basis').textContent()).toBe('linked by timing');
    expect(await page.locator('#details .link-evidence').textContent()).toBe(timed.desktopLink!.evidence);
    expect(await page.locator('#details li.attempt').first().getAttribute('data-outcome')).toBe('logged-in');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the desktop link in the details opens the desktop, and keyboard moves through the agent timeline', async () => {
    const agent = expected.agents.find((a) => a.outcome === 'logged-in' && a.desktopLink?.basis === 'tag-217')!;
    const { page, errors } = await newPage();
    await page.goto(`${server.url}#agent=${encodeURIComponent(agentKey(agent))}`);
    await openCapture(page, capture);
    expect(await page.locator('#ws-header h2').textContent()).toBe(`agent ${agent.id} @ ${agent.extension}`);
    // Keyboard: the first item is the agent's first step (the CTI session's open comes earlier, in its lane).
    await page.focus('#timeline');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.getElementById('details')!.dataset.kind)).toBe('step');
    expect(await page.locator('.tl-step.focused').count()).toBe(1);
    for (let i = 0; i < 20; i++) await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    expect(['step', 'finding']).toContain(await page.evaluate(() => document.getElementById('details')!.dataset.kind));
    // Back to the agent's overview: its desktop opens from there.
    await page.locator('.ws-row[data-kind="workstation"]').first().click();
    await page.locator(`.ws-row[data-key="${agentKey(agent)}"]`).click();
    await page.locator('#details .desktop-link').click();
    expect(await page.locator('#ws-header h2').textContent()).toBe(agent.desktop);
    expect(await page.locator('.ws-row[aria-selected="true"]').getAttribute('data-key')).toBe(agent.desktop);
    await page.waitForFunction((host) => new URLSearchParams(location.hash.slice(1)).get('ws') === host, agent.desktop!);
    // The desktop's row and details say how its agent's login went through the CTI OS server, and lead back.
    expect(await page.locator('.ws-row[aria-selected="true"] .ws-failure').textContent()).toBe(`agent ${agent.id} logged in via ${CLIENT_ID}`);
    expect(await page.locator('#details .agent-link').allTextContents()).toEqual([`agent ${agent.id}`]);
    await page.locator('#details .agent-link').click();
    expect(await page.locator('#ws-header h2').textContent()).toBe(`agent ${agent.id} @ ${agent.extension}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('deep links reopen an agent and a CTI client (ctiscope ui FILE)', async () => {
    const preloaded = await startUiServer({ port: 0, distDir: dist, file: capture });
    try {
      const refused = expected.agents.find((a) => a.outcome === 'failed')!;
      const { page, errors } = await newPage();
      await page.goto(`${preloaded.url}#agent=${encodeURIComponent(agentKey(refused))}`);
      await page.waitForFunction(() => document.body.dataset.state === 'ready');
      expect(await page.locator('.ws-row[aria-selected="true"]').getAttribute('data-key')).toBe(agentKey(refused));
      expect(await page.locator('#ws-header h2').textContent()).toBe(`agent ${refused.id} @ ${refused.extension}`);
      expect(await page.locator('.tl-labels .tl-lane[data-group="cti"]').count()).toBe(1);
      expect(await page.locator('#details li.attempt').count()).toBe(refused.attempts.length);
      // Messages come from the server for the agent's steps.
      await page.waitForFunction(() => document.body.dataset.messages === 'ready');
      await page.locator(`.tl-step-g[data-step="${refused.steps.find((s) => !s.ok)!.id}"] rect`).click();
      expect(await page.locator('#details li[data-type="CONTROL_FAILURE_CONF"]').count()).toBe(1);
      await page.close();

      const client = expected.ctiClients[0];
      const key = `${client.host}/${client.clientId}`;
      const second = await newPage();
      await second.page.goto(`${preloaded.url}#cti=${encodeURIComponent(key)}`);
      await second.page.waitForFunction(() => document.body.dataset.state === 'ready');
      const p = second.page;
      expect(await p.locator('.ws-row[aria-selected="true"]').getAttribute('data-key')).toBe(key);
      expect(await p.locator('#ws-header h2').textContent()).toBe(`${CLIENT_ID} @ ${CTIOS_SERVER}`);
      expect(await p.locator('.tl-step-g').count()).toBe(client.steps.length);
      expect(await p.locator('.tl-labels .tl-lane').first().locator('.tl-lane-label').textContent()).toBe('CTI client');
      const details = (await p.locator('#details').textContent())!;
      for (const text of [`ClientID${CLIENT_ID}`, 'protocol version15', `services requested${client.services.requested.join(', ')}`, `services granted${client.services.granted.join(', ')}`, 'peripheral onlineyes', `agents${client.agents}`]) {
        expect(details).toContain(text);
      }
      expect(await p.locator('#details li.session').count()).toBe(client.sessions.length);
      expect(await p.locator('#details li.session .session-ends').first().textContent()).toBe(`${client.sessions[0].client} → ${CTI_SERVER}:${CTI_PORT}`);
      expect(await p.locator('#details li.session').first().getAttribute('data-opened')).toBe('true');
      expect(await p.locator('#ws-header .badge').textContent()).toBe('✓ session open');
      // The session's end in words, never a bare state code.
      expect(await p.locator('#details li.session .session-facts').first().textContent()).toMatch(/ · open at the end of the capture$/);
      // The agents it spoke for, failures first; each opens.
      expect(await p.locator('#details .agent-link').allTextContents()).toEqual(['5002', '5001', '5003']);
      await p.locator('#details .agent-link').first().click();
      expect(await p.locator('#ws-header h2').textContent()).toBe('agent 5002 @ 7002');
      expect(await p.locator('.tl-labels .tl-lane[data-group="cti"]').count()).toBe(1);

      expect([...errors, ...second.errors]).toEqual([]);
      await p.close();
    } finally {
      await preloaded.close();
    }
  });

  test('the summary of a PG capture (agents, no desktop) says why it has no login durations, not that none completed', async () => {
    const pg = join(REPO, 'samples', 'pg-span-500.pcapng');
    const doc = await nodeAnalysis(pg);
    expect(doc.workstations).toHaveLength(0);
    expect(doc.summary.agentsByOutcome['logged-in']).toBeGreaterThan(400);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, pg);
    await page.click('#view-summary');
    expect(await page.locator('.login-durations p').textContent()).toBe('No desktop start-up in this capture: durations are measured on workstations, from their first step to the login.');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the summary counts agents and groups them by cause', async () => {
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, capture);
    await page.click('#view-summary');
    for (const outcome of ['logged-in', 'failed', 'incomplete'] as const) {
      expect(await page.locator(`.card[data-agent-outcome="${outcome}"] .count`).textContent()).toBe(String(expected.summary.agentsByOutcome[outcome]));
    }
    expect(await page.locator('#summary-view').textContent()).toContain('1 CTI client spoke for them');
    const groups = page.locator('tr.agent-group');
    expect(await groups.count()).toBe(expected.summary.agentGroups.length);
    const failedGroup = expected.summary.agentGroups.find((g) => g.outcome === 'failed')!;
    const row = page.locator('tr.agent-group[data-outcome="failed"]');
    expect(await row.textContent()).toContain(`agent-login-failed${REFUSED_CODE}${failedGroup.server}${failedGroup.count}`);
    await row.click();
    expect(await page.locator('#ws-header h2').textContent()).toBe(`agent ${failedGroup.agents[0]} @ ${expected.agents.find((a) => a.id === failedGroup.agents[0])!.extension}`);
    await page.click('#view-summary');
    await page.click('.card[data-agent-outcome="logged-in"]');
    expect(await page.locator('#kind-filter').inputValue()).toBe('agent');
    expect(await page.locator('#list-count').textContent()).toBe(`${expected.summary.agentsByOutcome['logged-in']} of ${expected.agents.length} agents`);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('protocol version 20 (2-byte tags) shows the same agents', async () => {
    const path = join(work, 'ctios-server-v20.pcapng');
    writeServerSideCapture(path, { agents: 3, refused: [1], version: 20 });
    const doc = await nodeAnalysis(path);
    expect(doc.ctiClients[0].version).toBe(20);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, path);
    await page.selectOption('#kind-filter', 'agent');
    const shown = await rows(page).evaluateAll((els) => els.map((e) => [e.querySelector('.ws-host')!.textContent, e.querySelector('.badge')!.textContent]));
    expect(shown).toEqual([
      ['5002', '✗ failed'],
      ['5001', '✓ logged in'],
      ['5003', '✓ logged in'],
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('analysis JSON: an @2 document shows its agents, and an @1 document (no agents, no CTI clients) still opens', async () => {
    const v2 = join(work, 'server-side-analysis.json');
    writeFileSync(v2, JSON.stringify(expected));
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, v2);
    await page.selectOption('#kind-filter', 'agent');
    expect(await page.locator('#list-count').textContent()).toBe(`${expected.agents.length} agents`);
    await rows(page).first().click();
    expect(await page.locator('.tl-labels .tl-lane[data-group="cti"]').count()).toBe(1);

    // An @1 document, as ctiscope wrote them before agents and CTI clients.
    const doc = await nodeAnalysis(join(REPO, 'samples', 'licence-refused.pcapng'));
    const { agents: _a, ctiClients: _c, ...rest } = doc;
    const { agents: _sa, agentsByOutcome: _so, agentGroups: _sg, ctiClients: _sc, ...summary } = doc.summary;
    const v1 = join(work, 'licence-refused.v1.json');
    writeFileSync(v1, JSON.stringify({ ...rest, schema: 'ctiscope/analysis@1', summary }));
    await openCapture(page, v1);
    expect(await page.locator('#list-count').textContent()).toBe('1 workstation');
    expect(await page.locator('#kind-filter').inputValue()).toBe('all');
    expect(await page.locator('#kind-filter option[value="agent"]').isDisabled()).toBe(true);
    expect(await page.locator('#ws-header h2').textContent()).toBe(doc.workstations[0].host);
    expect(await page.locator('.tl-step-g').count()).toBe(doc.workstations[0].steps.length);
    await page.click('#view-summary');
    expect(await page.locator('.card[data-outcome="failed"] .count').textContent()).toBe('1');
    expect(await page.locator('.card[data-agent-outcome]').count()).toBe(0);
    // Something else is refused, naming both schemas.
    const bad = join(work, 'not-analysis.json');
    writeFileSync(bad, JSON.stringify({ schema: 'ctiscope/analysis@9', workstations: [] }));
    await page.setInputFiles('#file-input', bad);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toContain('ctiscope/analysis@1');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('an agent whose login did not carry over a failover is listed with that cause, failed or (capture cut just after) incomplete', async () => {
    // cti-failover without frame 64 (side B's login request for agent 5203), and also cut 4 ms after B's LOGOUT for it.
    const cases = [
      { file: writeSampleFrames('cti-failover.pcapng', 'no-login-req.pcapng', (f) => f !== 64), badge: '✗ failed' },
      { file: writeSampleFrames('cti-failover.pcapng', 'cut-after-query.pcapng', (f) => f <= 66 && f !== 64), badge: '◐ incomplete' },
    ];
    const { page, errors } = await newPage();
    await page.goto(server.url);
    for (const c of cases) {
      const doc = await nodeAnalysis(c.file);
      const a = doc.agents.find((x) => x.id === '5203')!;
      const lost = a.findings.find((f) => f.kind === 'agent-logged-out')!;
      expect(lost.message).toMatch(/^agent 5203 on extension 30203 was logged in on 10\.1\.1\.20:42027, but after the CTI client moved to 10\.1\.1\.21:43027 that server reported it LOGOUT/);
      await openCapture(page, c.file);
      await page.selectOption('#kind-filter', 'agent');
      const row = page.locator(`.ws-row[data-kind="agent"][data-key="${agentKey(a)}"]`);
      expect(await row.locator('.badge').textContent()).toBe(c.badge);
      expect(await row.locator('.ws-failure').getAttribute('title')).toContain(lost.message);
      expect(await row.locator('.ws-meta').textContent()).toContain('LOGOUT');
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test("agents logged in when their CTI client's session was lost, with none since: failed, the banner says they had logged in", async () => {
    // cti-failover up to side A's RST (frame 43): side B never comes.
    const file = writeSampleFrames('cti-failover.pcapng', 'until-reset.pcapng', (f) => f <= 43);
    const doc = await nodeAnalysis(file);
    const a = doc.agents.find((x) => x.id === '5201')!;
    expect([a.outcome, a.failedPhase, a.failure?.kind]).toEqual(['failed', 'cti-session', 'connection-reset']);
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await openCapture(page, file);
    await page.selectOption('#kind-filter', 'agent');
    const row = page.locator(`.ws-row[data-kind="agent"][data-key="${agentKey(a)}"]`);
    expect(await row.locator('.badge').textContent()).toBe('✗ failed');
    await row.click();
    const banner = page.locator('#ws-header .failure-banner');
    expect(await banner.locator('strong').textContent()).toBe('✗ Logged in, then lost its CTI session: ');
    expect(await banner.textContent()).toContain(a.failure!.message);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('an agent whose login a second desktop took over: its details name both desktops, each opening its own', async () => {
    // Agent 1077 logs in on 10.10.20.77, then on 10.10.20.78, the server logging it out on the first (AGT_RELOGON).
    const net = new SynthNet({ seed: 9 });
    takeOver(net, '10.10.20.77', '10.10.20.78', { id: '1077', ext: '2077' });
    const file = write('ui-taken-over', net);
    const agent = (await nodeAnalysis(file)).agents[0];
    expect([agent.desktop, agent.previousDesktops]).toEqual(['10.10.20.78', ['10.10.20.77']]);
    const { page, errors } = await newPage();
    await page.goto(`${server.url}#agent=${encodeURIComponent(agentKey(agent))}`);
    await openCapture(page, file);
    expect(await page.locator('#details .desktop-link').allTextContents()).toEqual(['10.10.20.78', '10.10.20.77']);
    expect(await page.locator('#details .link-evidence').textContent()).toBe(agent.desktopLink!.evidence);
    await page.locator('#details .desktop-link', { hasText: '10.10.20.77' }).click();
    expect(await page.locator('#ws-header h2').textContent()).toBe('10.10.20.77');
    // The desktop it was taken from shows the takeover.
    expect(await page.locator('#ws-header .failure-banner').textContent()).toContain('the other login took the agent over');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('500 agents on one CTI session: the list is virtualised and scrolls (frame times reported)', async () => {
    const path = join(work, 'ctios-server-500.pcapng');
    const refused = [7, 77, 177, 377];
    writeServerSideCapture(path, { agents: 500, refused, batch: 5, desktops: false });
    const { page, errors } = await newPage(1600, 1000);
    await page.goto(server.url);
    await openCapture(page, path, 120_000);
    await page.selectOption('#kind-filter', 'agent');
    expect(await page.locator('#list-count').textContent()).toBe('500 agents');
    expect(await page.locator('.ws-row').count()).toBeLessThan(60);
    // Failures first: the refused agents lead.
    const firstIds = await rows(page).evaluateAll((els) => els.slice(0, 5).map((e) => [e.querySelector('.ws-host')!.textContent, e.querySelector('.badge')!.textContent]));
    expect(firstIds.slice(0, 4)).toEqual(refused.map((k) => [String(5001 + k), '✗ failed']));
    expect(firstIds[4][1]).toBe('✓ logged in');

    const { frameTimes, medianMs, p95Ms, maxMs } = await scrollListFrames(page);
    const report = { agents: 500, frames: frameTimes.length, medianMs, p95Ms, maxMs };
    console.log(`UI list scroll over 500 agents: ${JSON.stringify(report)}`);
    writeFileSync(artifactPath('agents-500-scroll-frames.json'), JSON.stringify({ ...report, frameTimes }, null, 1));
    // Scrolled to the end: the last agent's row is there, still only a few rows in the DOM.
    expect(await rows(page).last().getAttribute('data-kind')).toBe('agent');
    expect(await page.locator('.ws-row').count()).toBeLessThan(60);
    // An agent far down the list opens with its CTI client lane.
    await rows(page).last().click();
    expect(await page.locator('.tl-labels .tl-lane[data-group="cti"]').count()).toBe(1);
    expect(await page.locator('.tl-step-g[data-group="own"]').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
