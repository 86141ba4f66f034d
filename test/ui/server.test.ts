/** The `ctiscope ui` server: static files from the built UI, the preloaded analysis, loopback only. */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUiServer, type UiServer } from '../../src/cli/ui-server.js';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { ANALYSIS_SCHEMA_ID } from '../../src/timeline/model.js';
import { REPO, removeDir } from './browser.js';

const SAMPLE = join(REPO, 'samples', 'agent-login-refused.pcapng');

/** A raw GET with a chosen Host header (fetch does not let one set it). */
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

describe('ui server', () => {
  let dist: string;
  let server: UiServer;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'ctiscope-dist-'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>ctiscope test page</title>');
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    writeFileSync(join(dist, '..', 'ctiscope-secret.txt'), 'outside');
    server = await startUiServer({ port: 0, host: '127.0.0.1', distDir: dist, file: SAMPLE });
  });

  afterAll(async () => {
    await server?.close();
    removeDir(dist);
    removeDir(join(dist, '..', 'ctiscope-secret.txt'));
  });

  test('listens on 127.0.0.1 and serves the page with a strict content security policy', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('ctiscope test page');
    expect(String(page.headers['content-type'])).toContain('text/html');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    const asset = await get(server.url, '/assets/app-123.js');
    expect(asset.status).toBe(200);
    expect(String(asset.headers['content-type'])).toContain('javascript');
  });

  test('serves the analysis of the named capture, as the Node pipeline made it', async () => {
    const expected = (await analyzeFiles([SAMPLE], { analyze: true })).doc!;
    const res = await get(server.url, '/api/analysis');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.schema).toBe(ANALYSIS_SCHEMA_ID);
    expect(doc.workstations.map((w: { host: string; outcome: string }) => [w.host, w.outcome])).toEqual(expected.workstations.map((w) => [w.host, w.outcome]));
    expect(doc.workstations[0].failure.message).toBe(expected.workstations[0].failure!.message);
  });

  test('serves the decoded messages of a workstation with their bytes as hex, passwords hidden', async () => {
    const host = JSON.parse((await get(server.url, '/api/analysis')).body).workstations[0].host as string;
    const res = JSON.parse((await get(server.url, `/api/messages?host=${host}`)).body);
    expect(res.total).toBeGreaterThan(10);
    const failure = res.messages.find((m: { type: string }) => m.type === 'CONTROL_FAILURE_CONF');
    expect(failure.fields.peripheralErrorCode).toBe(88004);
    expect(failure.raw).toMatch(/^[0-9a-f]+$/);
    // GED-188 header: length of the body, then message type 35 (CONTROL_FAILURE_CONF).
    expect(failure.raw.slice(8, 16)).toBe('00000023');
    expect(failure.raw.length / 2).toBe(failure.length);
    const login = res.messages.find((m: { type: string; direction: string }) => m.type === 'SET_AGENT_STATE_REQ');
    expect(JSON.stringify(login.fields)).toContain('<redacted>');
    expect(login.raw).toBeUndefined();
    expect(login.rawHidden).toBe(true);
    // Its TCP connections, for the sequence view's connect and close rows: those the analysis saw from this host.
    const connections: string[] = [];
    await analyzeFiles([SAMPLE], { onFlowEnd: (r) => void (r.transport === 'tcp' && r.clientIp === host && connections.push(`${r.client} → ${r.server} ${r.state}`)) });
    expect(connections.length).toBeGreaterThan(1);
    expect(res.flows.map((f: { client: string; server: string; state: string }) => `${f.client} → ${f.server} ${f.state}`)).toEqual(connections);
    expect(JSON.parse((await get(server.url, '/api/messages?host=192.0.2.99')).body).messages).toEqual([]);
  });

  test('refuses other Host names (DNS rebinding), paths outside the UI, and other methods', async () => {
    expect((await get(server.url, '/', 'attacker.example:80')).status).toBe(403);
    expect((await get(server.url, '/api/analysis', 'evil.test')).status).toBe(403);
    expect((await get(server.url, '/', 'localhost')).status).toBe(200);
    for (const path of ['/../ctiscope-secret.txt', '/%2e%2e/ctiscope-secret.txt', '/assets/..%2f..%2fctiscope-secret.txt', '/..%5cctiscope-secret.txt']) {
      const res = await get(server.url, path);
      expect(res.status, path).not.toBe(200);
      expect(res.body).not.toContain('outside');
    }
    expect((await get(server.url, '/missing.js')).status).toBe(404);
    const post = await fetch(new URL('/api/analysis', server.url), { method: 'POST' });
    expect(post.status).toBe(405);
  });

  test('answers 204 without a capture, and will not listen beyond loopback', async () => {
    const bare = await startUiServer({ port: 0, distDir: dist });
    try {
      expect((await get(bare.url, '/api/analysis')).status).toBe(204);
    } finally {
      await bare.close();
    }
    await expect(startUiServer({ port: 0, host: '0.0.0.0', distDir: dist })).rejects.toThrow(/loopback/);
  });

  test('says how to build the UI when it is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ctiscope-empty-'));
    const s = await startUiServer({ port: 0, distDir: empty });
    try {
      const res = await get(s.url, '/');
      expect(res.status).toBe(503);
      expect(res.body).toContain('npm run build:ui');
    } finally {
      await s.close();
      removeDir(empty);
    }
  });
});
