/**
 * The live side of the `ctiscope ui` server: a sample replayed packet by packet through a live session, read at
 * /api/live with fetch as the page reads it. Growing documents, throttled; the last one is the file's analysis.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiveSession } from '../../src/cli/live.js';
import { startUiServer, UiLiveFeed, type UiServer } from '../../src/cli/ui-server.js';
import { MessageStore } from '../../src/message-store.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { REPO, removeDir } from './browser.js';
import { documentsOf, readEvents, readPackets, replay, withoutFiles } from './live-sse.js';

const STALE_LDAP = join(REPO, 'samples', 'stale-ldap-failover.pcapng');
const LOGIN_REFUSED = join(REPO, 'samples', 'agent-login-refused.pcapng');

function get(url: string, path: string, host?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A live session with its feed and message store, served on 127.0.0.1:0. */
async function liveServer(dist: string, feedOpts: { minIntervalMs?: number; refreshMs?: number; heartbeatMs?: number } = {}) {
  const messages = new MessageStore();
  let snapshots = 0;
  // eslint-disable-next-line prefer-const
  let session: ReturnType<typeof createLiveSession>;
  const feed = new UiLiveFeed({
    snapshot: () => {
      snapshots++;
      return session.snapshot();
    },
    packets: () => session.packets,
    interface: 'lo',
    filter: 'tcp',
    ...feedOpts,
  });
  session = createLiveSession({ label: 'live:lo', onUpdate: feed.changed, decode: { keepRaw: true }, onMessage: messages.add });
  const server = await startUiServer({ port: 0, distDir: dist, live: feed, messages });
  return { session, feed, server, messages, snapshots: () => snapshots };
}

describe('ui server, live', () => {
  let dist: string;
  let fileDoc: AnalysisDocument;
  const servers: UiServer[] = [];

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'ctiscope-live-dist-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>live test page</title>');
    fileDoc = (await analyzeFiles([STALE_LDAP], { analyze: true })).doc!;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    removeDir(dist);
  });

  test('streams growing documents, throttled, steps in login order, and ends with the file analysis', async () => {
    const { session, feed, server } = await liveServer(dist, { minIntervalMs: 150, refreshMs: 600, heartbeatMs: 200 });
    servers.push(server);
    const packets = readPackets(STALE_LDAP);
    const reading = readEvents(new URL('api/live', server.url).href, { timeoutMs: 20_000 });
    const started = performance.now();
    await replay(session, packets, 15);
    const final = session.finish().doc!;
    feed.stop(final);
    const elapsed = performance.now() - started;
    const { events, status, headers, ended } = await reading;

    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/event-stream');
    expect(headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(ended).toBe(true);
    expect(events.some((e) => e.event === ':')).toBe(true);
    expect(events.at(-1)!.event).toBe('end');
    const lastStatus = JSON.parse(events.filter((e) => e.event === 'status').at(-1)!.data);
    expect(lastStatus).toEqual({ state: 'stopped', packets: packets.length, interface: 'lo', filter: 'tcp' });

    const docs = documentsOf(events);
    // Several documents, each with more packets, never fewer steps, and no step lost on the way.
    expect(docs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(docs.map((d) => d.workstations[0]?.steps.length ?? 0)).size).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < docs.length; i++) {
      expect(docs[i].source.packets).toBeGreaterThanOrEqual(docs[i - 1].source.packets);
      const before = new Set((docs[i - 1].workstations[0]?.steps ?? []).map((s) => s.id));
      const after = new Set((docs[i].workstations[0]?.steps ?? []).map((s) => s.id));
      for (const id of before) expect(after.has(id), `step ${id} kept in document ${i}`).toBe(true);
    }
    // At most two a second (here: one per 150 ms) plus the final one.
    expect(feed.published).toBeLessThanOrEqual(Math.ceil(elapsed / 150) + 2);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.at);
    for (let i = 1; i < deltas.length; i++) expect(deltas[i] - deltas[i - 1]).toBeGreaterThan(100);

    // Steps appear in the order they happened: each new step starts no earlier than the one shown before it. The
    // exception is a connection whose SYNs were never answered: it is a step only once its flow is given up,
    // which for the stale directory node is at the end of the capture.
    const firstSeen: string[] = [];
    for (const d of docs) for (const s of d.workstations[0]?.steps ?? []) if (!firstSeen.includes(s.id)) firstSeen.push(s.id);
    expect(firstSeen.length).toBe(final.workstations[0].steps.length);
    const stepOf = new Map(final.workstations[0].steps.map((s) => [s.id, s]));
    const unanswered = firstSeen.filter((id) => stepOf.get(id)!.detail?.connState === 'S0');
    expect(unanswered).toHaveLength(1);
    expect(docs.at(-2)!.workstations[0].steps.map((s) => s.id)).not.toContain(unanswered[0]);
    const inOrder = firstSeen.filter((id) => !unanswered.includes(id));
    for (let i = 1; i < inOrder.length; i++) {
      expect(stepOf.get(inOrder[i])!.start, `${inOrder[i]} after ${inOrder[i - 1]}`).toBeGreaterThanOrEqual(stepOf.get(inOrder[i - 1])!.start);
    }

    // The last document is the file's analysis.
    expect(withoutFiles(docs.at(-1)!)).toEqual(withoutFiles(fileDoc));
    expect(docs.at(-1)!.source.files).toEqual(['live:lo']);
  });

  test('a page that connects late gets the latest document at once; after the stop, the final one and the end', async () => {
    const { session, feed, server, snapshots } = await liveServer(dist, { minIntervalMs: 100 });
    servers.push(server);
    const packets = readPackets(LOGIN_REFUSED);
    await replay(session, packets.slice(0, 30), 0);
    // No page yet: no snapshot was taken.
    expect(snapshots()).toBe(0);
    const analysis = await get(server.url, '/api/analysis');
    expect(analysis.status).toBe(200);
    expect(analysis.headers['x-ctiscope-live']).toBe('capturing');
    expect(JSON.parse(analysis.body).source.packets).toBe(30);

    await replay(session, packets.slice(30, 40), 0);
    const first = await readEvents(new URL('api/live', server.url).href, { timeoutMs: 5000, until: (ev) => ev.some((e) => e.event === 'status') });
    const kinds = first.events.map((e) => e.event);
    expect(kinds.slice(0, 3)).toEqual(['retry', 'analysis', 'status']);
    const opening = JSON.parse(first.events[1].data);
    expect(opening.doc.source.packets).toBe(40);
    expect(opening.status).toMatchObject({ state: 'capturing', packets: 40 });

    await replay(session, packets.slice(40), 0);
    const final = session.finish().doc!;
    feed.stop(final);
    const after = await readEvents(new URL('api/live', server.url).href, { timeoutMs: 5000 });
    expect(after.ended).toBe(true);
    expect(after.events.map((e) => e.event)).toEqual(['retry', 'analysis', 'status', 'end']);
    expect(JSON.parse(after.events[1].data).doc).toEqual(final);
    expect(JSON.parse(after.events[2].data).state).toBe('stopped');
    const stopped = await get(server.url, '/api/analysis');
    expect(stopped.headers['x-ctiscope-live']).toBe('stopped');
    expect(JSON.parse(stopped.body)).toEqual(final);
  });

  test('before the first packet: an empty document with the live header; the workstation comes in a delta', async () => {
    const { session, feed, server } = await liveServer(dist, { minIntervalMs: 80 });
    servers.push(server);
    const empty = await get(server.url, '/api/analysis');
    expect(empty.status).toBe(200);
    expect(empty.headers['x-ctiscope-live']).toBe('capturing');
    expect(JSON.parse(empty.body)).toMatchObject({ source: { packets: 0 }, workstations: [] });
    const reading = readEvents(new URL('api/live', server.url).href, { timeoutMs: 8000, until: (ev) => documentsOf(ev).some((d) => d.workstations.length > 0) });
    expect(await feed.waitForViewer(5000)).toBe(true);
    await replay(session, readPackets(LOGIN_REFUSED), 5);
    const { events } = await reading;
    expect(events.map((e) => e.event).slice(0, 3)).toEqual(['retry', 'analysis', 'status']);
    expect(JSON.parse(events[1].data).doc.workstations).toEqual([]);
    const delta = JSON.parse(events.find((e) => e.event === 'delta' && JSON.parse(e.data).changed.length > 0)!.data);
    expect(delta.hosts).toEqual(['10.10.20.37']);
    expect(delta.changed[0].host).toBe('10.10.20.37');
    feed.stop(session.finish().doc);
  });

  test('decoded messages: all, or only those after a sequence number; the same Host and loopback rules', async () => {
    const { session, feed, server } = await liveServer(dist);
    servers.push(server);
    const packets = readPackets(LOGIN_REFUSED);
    await replay(session, packets.slice(0, 25), 0);
    const host = '10.10.20.37';
    const early = JSON.parse((await get(server.url, `/api/messages?host=${host}`)).body);
    expect(early.messages.length).toBeGreaterThan(3);
    expect(early.limits).toEqual({ head: 600, tail: 200 });
    // A live capture's flows are not over yet: no connections, so the page draws them from the steps.
    expect(early.flows).toBeUndefined();
    const lastSeq = early.messages.at(-1).seq as number;
    expect(early.messages.map((m: { seq: number }) => m.seq)).toEqual(early.messages.map((_: unknown, i: number) => i));
    await replay(session, packets.slice(25), 0);
    const later = JSON.parse((await get(server.url, `/api/messages?host=${host}&after=${lastSeq}`)).body);
    expect(later.messages.length).toBeGreaterThan(0);
    expect(later.messages[0].seq).toBe(lastSeq + 1);
    expect(later.total).toBe(lastSeq + 1 + later.messages.length);
    expect(later.messages.some((m: { type: string }) => m.type === 'CONTROL_FAILURE_CONF')).toBe(true);
    const none = JSON.parse((await get(server.url, `/api/messages?host=${host}&after=${later.total - 1}`)).body);
    expect(none.messages).toEqual([]);

    expect((await get(server.url, '/api/live', 'attacker.example')).status).toBe(403);
    const post = await fetch(new URL('/api/live', server.url), { method: 'POST' });
    expect(post.status).toBe(405);
    feed.stop(session.finish().doc);
  });

  test('a server without a live capture has no /api/live; closing the server ends open streams', async () => {
    const bare = await startUiServer({ port: 0, distDir: dist });
    try {
      expect((await get(bare.url, '/api/live')).status).toBe(404);
      expect((await get(bare.url, '/api/analysis')).headers['x-ctiscope-live']).toBeUndefined();
    } finally {
      await bare.close();
    }
    const { session, server } = await liveServer(dist, { minIntervalMs: 50 });
    await replay(session, readPackets(LOGIN_REFUSED).slice(0, 10), 0);
    const reading = readEvents(new URL('api/live', server.url).href, { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    await server.close();
    const { ended, events } = await reading;
    expect(ended).toBe(true);
    expect(events.some((e) => e.event === 'analysis')).toBe(true);
  });
});
