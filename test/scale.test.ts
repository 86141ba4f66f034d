/**
 * The five shapes that broke ctiscope at scale (issue: robust at scale), written here at test size and run
 * through the built CLI as a user runs it. Each asserts what must hold at any size: the output is valid and
 * complete, its size is bounded by what is worth saying (not by how often a problem repeats), the exit status
 * is the documented one, and no stack trace is printed. Times are the benchmark's business (bench/scale.mjs).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANALYSIS_SCHEMA_ID } from '../src/timeline/model.js';
// @ts-expect-error: a plain JavaScript module shared with the benchmark
import { writeHugeLdapEntries, writeLossyLdap, writeUdpFlows, writeUnansweredOpens } from '../bench/scale-captures.mjs';

const bin = join(__dirname, '..', 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

function noStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('scale shapes through the CLI', () => {
  it('1. a lossy LDAP flow (20,000 one-byte holes): one STREAM_ERROR, a bounded list, every hole counted', async () => {
    const file = join(dir, 'lossy.pcap');
    await writeLossyLdap(file, 20_000);
    const r = await cli('decode', file, '--json');
    expect(r.code).toBe(0);
    noStackTrace(r.stderr);
    const messages = JSON.parse(r.stdout) as { type: string; summary: string; fields: { anomalies: number }; anomalies: unknown[]; omittedAnomalies?: { code: string; count: number; firstFrame: number; lastFrame: number }[] }[];
    expect(messages).toHaveLength(1);
    const m = messages[0];
    expect(m.type).toBe('STREAM_ERROR');
    expect(m.anomalies.length).toBeLessThanOrEqual(16 * 3);
    const cut = m.omittedAnomalies!.find((c) => c.code === 'message-cut-by-gap')!;
    expect(m.anomalies.length + m.omittedAnomalies!.reduce((n, c) => n + c.count, 0)).toBe(m.fields.anomalies);
    expect(m.fields.anomalies).toBeGreaterThanOrEqual(19_999);
    expect(cut.lastFrame).toBe(20_000);
    expect(m.summary.length).toBeLessThan(200);
    expect(r.stdout.length).toBeLessThan(40_000);
    // The text trace says how many more there were.
    const text = await cli('decode', file);
    expect(text.stdout).toMatch(/! and \d+ more message-cut-by-gap \(frames \d+–20000\)/);
  });

  it('2. 3,000 flows, each one unanswered GED-188 OPEN_REQ: analyze --json is valid, exit 4 (no complete login)', async () => {
    const file = join(dir, 'opens.pcap');
    await writeUnansweredOpens(file, 3_000);
    const r = await cli('analyze', file, '--json');
    noStackTrace(r.stderr);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe(ANALYSIS_SCHEMA_ID);
    const lines = await cli('decode', file, '--jsonl', '--protocol', 'ged188');
    expect(lines.code).toBe(0);
    const msgs = lines.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(msgs).toHaveLength(3_000);
    expect(new Set(msgs.map((m) => m.flowId)).size).toBe(3_000);
    expect(msgs.every((m) => m.type === 'OPEN_REQ' && m.raw === undefined && m.hex === undefined)).toBe(true);
  });

  it('3. LDAP entries with 2 MB names: decode --json gives each name cut at 64 KiB with its length, --hex every byte', async () => {
    const file = join(dir, 'huge.pcap');
    await writeHugeLdapEntries(file, 3, 2_000_000);
    const r = await cli('decode', file, '--json');
    noStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const messages = JSON.parse(r.stdout);
    expect(messages.map((m: { type: string }) => m.type)).toEqual(['searchResEntry', 'searchResEntry', 'searchResEntry']);
    for (const m of messages) {
      expect(m.hex).toBeUndefined();
      // A name is text up to 64 KiB, then its whole length; the message's bytes are still all there with --hex.
      const name = String(m.fields.objectName);
      expect(name.length).toBeGreaterThan(64 * 1024);
      expect(name.length).toBeLessThan(7 * 64 * 1024);
      expect(name).toMatch(/… \(2000000 bytes\)$/);
      expect(m.length).toBeGreaterThan(2_000_000);
    }
    const hex = await cli('decode', file, '--jsonl', '--hex');
    const withHex = hex.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(withHex.every((m: { hex: string; length: number }) => m.hex.length === 2 * m.length)).toBe(true);
  });

  it('4. the connection table of 130,000 flows (past the old call-stack limit) is printed whole', async () => {
    const file = join(dir, 'udp130k.pcap');
    await writeUdpFlows(file, 130_000);
    const r = await cli('flows', file);
    noStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^130000 packets, 130000 flows/);
    // Header, rule, a row per flow, a blank line, the count.
    expect(lines).toHaveLength(130_000 + 4);
    expect(lines[2]).toMatch(/^udp\/0 /);
    expect(lines[130_001]).toMatch(/^udp\/129999 /);
  });

  it('5. flows --json and --jsonl on 70,000 flows: every flow once, valid JSON', async () => {
    const file = join(dir, 'udp70k.pcap');
    await writeUdpFlows(file, 70_000);
    const r = await cli('flows', file, '--json');
    noStackTrace(r.stderr);
    expect(r.code).toBe(0);
    const flows = JSON.parse(r.stdout) as { id: number; transport: string }[];
    expect(flows).toHaveLength(70_000);
    expect(new Set(flows.map((f) => f.id)).size).toBe(70_000);
    const l = await cli('flows', file, '--jsonl');
    const rows = l.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(70_000);
    expect(rows.map((x) => JSON.parse(x).id).sort((a, b) => a - b)).toEqual(flows.map((f) => f.id).sort((a, b) => a - b));
  });

  it('output cut off by its reader (| head): a quiet stop, no stack trace', async () => {
    const file = join(dir, 'udp-pipe.pcap');
    await writeUdpFlows(file, 70_000);
    const child = spawn(process.execPath, [bin, 'flows', file, '--jsonl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t) => (stderr += t));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
