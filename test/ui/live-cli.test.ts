/**
 * `ctiscope ui --live -i lo` and `ctiscope lab --ui` as a user runs them (the built binary), read at /api/live
 * as the page reads it, against real loopback traffic: the lab's CTI server and a CTI client in this process,
 * or a whole lab run. Root and tcpdump are needed (and slapd for the lab); the tests skip with the reason otherwise.
 */

import { connect } from 'node:net';
import { runCli as run } from '../cli-process.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/capture/live-node.js';
import { findSlapd } from '../../src/lab/ldap-server.js';
import { startCtiServer } from '../../src/lab/cti-server.js';
import { labAddresses, labAgent } from '../../src/lab/scenarios.js';
import { cti } from '../../src/lab/synth/ged.js';
import { REPO } from './browser.js';
import { documentsOf, readEvents } from './live-sse.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tcpdump = await findExecutable('tcpdump');
const slapd = await findSlapd();
const built = existsSync(join(REPO, 'dist', 'cli', 'ui.js'));
const liveSkip = !isRoot ? 'not root (live capture on lo needs it)' : !tcpdump ? 'tcpdump not installed (apt-get install tcpdump)' : !built ? 'dist/ not built' : '';
const labSkip = liveSkip || (!slapd ? 'slapd not installed (apt-get install slapd)' : '');
if (liveSkip) console.warn(`test/ui/live-cli.test.ts: live capture tests skipped: ${liveSkip}`);
else if (labSkip) console.warn(`test/ui/live-cli.test.ts: lab --ui test skipped: ${labSkip}`);



describe('ctiscope ui --live: command line', () => {
  it('says what is missing or misplaced', async () => {
    const noIface = run(['ui', '--live']);
    expect(await noIface.exit).toBe(2);
    expect(noIface.stderr).toContain('ctiscope ui --live needs -i IFACE');
    const noLive = run(['ui', '-i', 'lo']);
    expect(await noLive.exit).toBe(2);
    expect(noLive.stderr).toContain('-i/--interface is for a live capture: add --live');
    const badSnaplen = run(['ui', '--live', '-i', 'lo', '--snaplen', '10']);
    expect(await badSnaplen.exit).toBe(2);
    expect(badSnaplen.stderr).toContain('--snaplen 10: bytes per packet, 64 to 262144');
  });

  it.skipIf(liveSkip !== '')('a capture that cannot start is reported exactly as ctiscope live reports it', async () => {
    const ui = run(['ui', '--live', '-i', 'no-such-if0', '--port', '0']);
    const live = run(['live', '-i', 'no-such-if0']);
    expect(await ui.exit).toBe(3);
    expect(await live.exit).toBe(3);
    expect(ui.stderr).toBe(live.stderr);
    expect(ui.stdout).toBe('');
  });
});

describe.skipIf(liveSkip !== '')('ctiscope ui --live -i lo', () => {
  it('the page\'s stream grows with the login as it happens; Ctrl-C prints the report and keeps the final timeline; a second Ctrl-C ends it', async () => {
    const a = labAddresses(91);
    const agent = labAgent(a, 1);
    const server = await startCtiServer({ host: a.nodeA, port: 12028, login: 'refused' });
    const ui = run(['ui', '--live', '-i', 'lo', '-f', `tcp and host ${a.nodeA}`, '--port', '0']);
    try {
      const url = (await ui.waitFor(/ctiscope ui: (http:\/\/127\.0\.0\.1:\d+\/)/, 10_000))[1];
      await ui.waitFor(/capturing on lo/, 10_000);
      const analysis = await fetch(new URL('api/analysis', url));
      expect(analysis.headers.get('x-ctiscope-live')).toBe('capturing');
      const failedIn = (events: Parameters<typeof documentsOf>[0]): boolean =>
        documentsOf(events).some((d) => d.workstations.some((w) => w.host === agent.host && w.steps.some((s) => !s.ok)));
      const reading = readEvents(new URL('api/live', url).href, { timeoutMs: 20_000, until: failedIn });

      // A CTI client: OPEN_REQ, a pause, then a LOGIN the server refuses.
      const s = connect({ host: a.nodeA, port: 12028, localAddress: agent.host });
      await new Promise((r) => s.once('connect', r));
      s.write(cti.openReq(1, agent));
      await new Promise((r) => setTimeout(r, 1200));
      s.write(cti.setAgentStateLoginReq(2, agent));
      const { events } = await reading;
      s.end();

      // The session opened (ok) in one document, the refused login (failed) in a later one.
      const docs = documentsOf(events);
      const stepsOf = (i: number) => docs[i].workstations.find((w) => w.host === agent.host)?.steps ?? [];
      const okAt = docs.findIndex((_, i) => stepsOf(i).some((st) => st.ok && st.phase === 'cti-session'));
      const failedAt = docs.findIndex((_, i) => stepsOf(i).some((st) => !st.ok && st.phase === 'login'));
      expect(okAt).toBeGreaterThanOrEqual(0);
      expect(failedAt).toBeGreaterThan(okAt);
      expect(stepsOf(okAt).some((st) => !st.ok)).toBe(false);
      const statuses = events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data));
      expect(statuses.at(-1)).toMatchObject({ state: 'capturing', interface: 'lo', filter: `tcp and host ${a.nodeA}` });
      expect(statuses.at(-1).packets).toBeGreaterThan(4);

      // First Ctrl-C: the capture stops, the report is printed, the server stays with the final document.
      await new Promise((r) => setTimeout(r, 300));
      ui.kill('SIGINT');
      await ui.waitFor(/the final timeline stays at/, 10_000);
      // The report (stdout) may reach us after the note on stderr.
      await ui.waitFor(/✗ FAILED at login/, 5000);
      expect(ui.stderr).toMatch(/\d+ packets captured/);
      const after = await readEvents(new URL('api/live', url).href, { timeoutMs: 5000 });
      expect(after.events.map((e) => e.event)).toEqual(['retry', 'analysis', 'status', 'end']);
      const final = JSON.parse(after.events[1].data).doc;
      expect(final.workstations.map((w: { host: string; outcome: string; failedPhase: string }) => [w.host, w.outcome, w.failedPhase])).toEqual([[agent.host, 'failed', 'login']]);
      expect(JSON.parse(after.events[2].data).state).toBe('stopped');
      const stopped = await fetch(new URL('api/analysis', url));
      expect(stopped.headers.get('x-ctiscope-live')).toBe('stopped');

      // Second Ctrl-C: the server ends; the exit status is the analysis's.
      ui.kill('SIGINT');
      expect(await ui.exit).toBe(1);
      await expect(fetch(new URL('api/analysis', url))).rejects.toThrow();
    } finally {
      ui.kill('SIGKILL');
      await server.close();
    }
  });
});

describe.skipIf(labSkip !== '')('ctiscope lab --ui', () => {
  it('the run starts when the page subscribes, is streamed as it happens, and the final timeline stays until Ctrl-C', async () => {
    const lab = run(['lab', '--ui', '--scenario', 'login-refused', '--network', '92', '--hold', '0.5']);
    try {
      const url = (await lab.waitFor(/as it happens: (http:\/\/127\.0\.0\.1:\d+\/)/, 15_000))[1];
      // No desktop before the page is there.
      await new Promise((r) => setTimeout(r, 500));
      expect(lab.stderr).not.toMatch(/desktop 127\.1\.92\.31/);
      const { events, ended } = await readEvents(new URL('api/live', url).href, { timeoutMs: 30_000 });
      expect(ended).toBe(true);
      expect(events.at(-1)!.event).toBe('end');
      const docs = documentsOf(events);
      expect(docs[0].workstations).toEqual([]);
      const final = docs.at(-1)!;
      expect(final.source.files).toEqual(['live:lo (lab login-refused)']);
      expect(final.workstations.map((w) => [w.outcome, w.failedPhase])).toEqual([['failed', 'login']]);
      // The details pane's messages were kept: the refusal is there, passwords hidden.
      const host = final.workstations[0].host;
      const messages = await (await fetch(new URL(`api/messages?host=${host}`, url))).json();
      expect(messages.messages.some((m: { type: string }) => m.type === 'CONTROL_FAILURE_CONF')).toBe(true);
      const login = messages.messages.find((m: { type: string }) => m.type === 'SET_AGENT_STATE_REQ');
      expect(login.rawHidden).toBe(true);
      await lab.waitFor(/stays in the browser/, 10_000);
      await lab.waitFor(/✗ FAILED at login/, 5000);
      lab.kill('SIGINT');
      expect(await lab.exit).toBe(1);
    } finally {
      lab.kill('SIGKILL');
    }
  });
});
