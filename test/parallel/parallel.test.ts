// A parallel analysis (flow-hash shards in worker threads, merged back) gives the single-threaded document,
// byte for byte: on every sample, every public fixture, and generated SPAN captures of both bench workloads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
// The built pipeline (test/global-setup.ts builds it): worker threads load dist/parallel/shard-worker.js.
const load = async () => (await import(join(root, 'dist', 'pipeline-node.js'))) as typeof import('../../src/pipeline-node.js');

async function both(files: string[], threads = 3): Promise<{ single: string; parallel: string; usedThreads: number; expired: number }> {
  const { analyzeFiles } = await load();
  const one = await analyzeFiles(files, { analyze: true, threads: 1 });
  const many = await analyzeFiles(files, { analyze: true, threads });
  expect(one.threads).toBe(1);
  expect(many.flowStats).toEqual(one.flowStats);
  return { single: JSON.stringify(one.doc), parallel: JSON.stringify(many.doc), usedThreads: many.threads, expired: one.flowStats.flowsExpired };
}

const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(root, 'samples', f));
const fixtures = readdirSync(join(root, 'test', 'fixtures', 'public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(root, 'test', 'fixtures', 'public', f));

describe('parallel analysis gives the single-threaded document', () => {
  it.each(samples)('sample %s', async (file) => {
    const r = await both([file]);
    expect(r.usedThreads).toBe(3);
    expect(r.parallel).toBe(r.single);
  });

  it.each(fixtures)('public fixture %s', async (file) => {
    const r = await both([file]);
    expect(r.parallel).toBe(r.single);
  });

  it('several files analysed as one capture', async () => {
    const r = await both(samples.slice(0, 3), 2);
    expect(r.parallel).toBe(r.single);
  });

  describe('generated SPAN captures of both bench workloads', () => {
    let dir: string;
    let cti: string;
    let mixed: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ctiscope-parallel-'));
      const { buildSpanCapture } = await import(join(root, 'dist', 'lab', 'synth', 'span.js'));
      const { buildMixedCapture } = await import(join(root, 'dist', 'lab', 'synth', 'mixed.js'));
      const collect = () => {
        const chunks: Uint8Array[] = [];
        return { chunks, onChunk: (c: Uint8Array) => chunks.push(c.slice()) };
      };
      const a = collect();
      // Enough capture time (several minutes) for idle flows to expire and closed ones to be swept mid-capture.
      buildSpanCapture({ workstations: 60, failureRate: 0.2, seed: 11, targetPackets: 30_000, onChunk: a.onChunk });
      cti = join(dir, 'cti.pcapng');
      writeFileSync(cti, Buffer.concat(a.chunks));
      const b = collect();
      buildMixedCapture({ seed: 3, targetPackets: 30_000, onChunk: b.onChunk });
      mixed = join(dir, 'mixed.pcapng');
      writeFileSync(mixed, Buffer.concat(b.chunks));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('CTI-heavy (many desktops logging in, some failing)', async () => {
      const r = await both([cti]);
      expect(JSON.parse(r.single).workstations.length).toBe(60);
      // Long enough for idle flows to expire mid-capture (the sweeps the shards must replay in order).
      expect(r.expired).toBeGreaterThan(0);
      expect(r.parallel).toBe(r.single);
    });

    it('a capture cut inside a record, and a gzip-compressed one', async () => {
      const whole = readFileSync(cti);
      const cut = join(dir, 'cut.pcapng');
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6) + 3));
      const r = await both([cut]);
      expect(r.single).toContain('truncated-record');
      expect(r.parallel).toBe(r.single);
      const gz = join(dir, 'cti.pcapng.gz');
      writeFileSync(gz, gzipSync(whole));
      const g = await both([gz]);
      expect(g.parallel).toBe(g.single);
    });

    it('mixed bulk traffic', async () => {
      const r = await both([mixed]);
      expect(r.parallel).toBe(r.single);
    });

    it('the default goes parallel from the cut-over size on', async () => {
      const { analyzeFiles } = await load();
      const small = await analyzeFiles([cti], { analyze: true, parallelMinBytes: 1e12 });
      const big = await analyzeFiles([cti], { analyze: true, parallelMinBytes: 1 });
      expect(small.threads).toBe(1);
      expect(big.threads).toBeGreaterThan(1);
      expect(JSON.stringify(big.doc)).toBe(JSON.stringify(small.doc));
    });

    it('the CLI with --threads 2 prints the same document as with --threads 1', () => {
      const run = (threads: string): string => {
        try {
          return execFileSync(process.execPath, [join(root, 'bin', 'ctiscope.js'), 'analyze', cti, '--json', '--threads', threads], { encoding: 'utf8', maxBuffer: 1 << 28 });
        } catch (e) {
          // Exit status 1 or 4 is the verdict (failed logins), not an error.
          const err = e as { status: number; stdout: string };
          expect([1, 4]).toContain(err.status);
          return err.stdout;
        }
      };
      const one = run('1');
      expect(JSON.parse(one).workstations.length).toBe(60);
      expect(run('2')).toBe(one);
    });
  });
});
