#!/usr/bin/env node
// Scale limits (`npm run bench:scale` after a build): runs each reproducer of ../shared/repro/ (or --repro DIR)
// and million-flow versions of its shapes 4 and 5 (written here, bench/scale-captures.mjs) through the built
// CLI, one process at a time, and reports per run: exit status, peak RSS (/usr/bin/time -f %M), wall time,
// output size and whether the output is valid (JSON checked structurally as it streams; the text table by its
// row count), and whether stderr holds a stack trace. Targets: peak RSS <= 256 MB, < 20 s, valid output,
// a documented exit status. Writes bench/out/scale.json. `--flows N` sizes the generated captures.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonShapeCheck, writeUdpFlows } from './scale-captures.mjs';
import { opt } from './cli-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repro = opt('repro', join(root, '..', 'shared', 'repro'));
const flows = Number(opt('flows', 1_000_000));
const only = opt('only', undefined);
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const bin = join(root, 'bin', 'ctiscope.js');

const flowsLabel = flows >= 1e6 ? `${flows / 1e6}M` : `${flows / 1e3}k`;
const cases = [
  { name: 'scale-1', file: join(repro, 'scale-1.pcap.gz'), args: ['decode', '--json'], check: 'json' },
  { name: 'scale-2', file: join(repro, 'scale-2.pcap.gz'), args: ['analyze', '--json'], check: 'json' },
  { name: 'scale-3', file: join(repro, 'scale-3.pcap.gz'), args: ['decode', '--json'], check: 'json' },
  { name: 'scale-4', file: join(repro, 'scale-4.pcap.gz'), args: ['flows'], check: 'table' },
  { name: 'scale-5', file: join(repro, 'scale-5.pcap.gz'), args: ['flows', '--json'], check: 'json' },
  { name: `scale-4-${flowsLabel}`, file: join(outDir, `scale-udp-${flows}.pcap.gz`), args: ['flows'], check: 'table', generate: true },
  { name: `scale-5-${flowsLabel}`, file: join(outDir, `scale-udp-${flows}.pcap.gz`), args: ['flows', '--json'], check: 'json', generate: true },
  { name: `scale-5-${flowsLabel}-jsonl`, file: join(outDir, `scale-udp-${flows}.pcap.gz`), args: ['flows', '--jsonl'], check: 'jsonl', generate: true },
].filter((c) => !only || c.name === only);

function run(c) {
  const out = join(tmpdir(), `ctiscope-scale-${process.pid}-${c.name}.out`);
  const timeFile = join(tmpdir(), `ctiscope-scale-${process.pid}.time`);
  const [command, ...flags] = c.args;
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M %e', '-o', timeFile, process.execPath, bin, command, c.file, ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    const check = c.check === 'table' ? null : new JsonShapeCheck(c.check === 'jsonl');
    let bytes = 0;
    let tail = '';
    let lines = 0;
    child.stdout.setEncoding('utf8').on('data', (t) => {
      bytes += t.length;
      if (check) check.push(t);
      else {
        for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) lines++;
        tail = (tail + t).slice(-400);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (t) => (stderr += t));
    child.on('exit', (code) => {
      const [kb, secs] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
      unlinkSync(timeFile);
      let valid;
      let detail;
      if (check) {
        const r = check.end();
        valid = r.ok && r.values >= 1;
        detail = r.ok ? `${r.values} JSON value${r.values === 1 ? '' : 's'}` : r.error;
      } else {
        const m = /(\d+) packets, (\d+) flows?/.exec(tail);
        // Header, rule, one line per flow, a blank line, the count line.
        valid = m !== null && lines === Number(m[2]) + 4;
        detail = m ? `${m[2]} rows` : 'no count line';
      }
      resolve({
        name: c.name,
        command: `ctiscope ${c.args[0]} ${c.file.replace(root + '/', '')} ${c.args.slice(1).join(' ')}`.trim(),
        exit: code,
        peakRssMB: Math.round(Number(kb) / 1024),
        seconds: Number(secs),
        outputMB: Math.round(bytes / 1e5) / 10,
        valid,
        detail,
        stackTrace: /\n\s+at .+:\d+:\d+/.test(stderr),
        stderr: stderr.trim().split('\n').slice(0, 3).join(' | '),
      });
    });
  });
}

const results = [];
for (const c of cases) {
  if (!existsSync(c.file)) {
    if (!c.generate) {
      console.log(`${c.name}: ${c.file} not found, skipped`);
      continue;
    }
    process.stdout.write(`writing ${c.file} (${flows} flows) … `);
    await writeUdpFlows(c.file, flows);
    console.log(`${Math.round(statSync(c.file).size / 1e6)} MB`);
  }
  const r = await run(c);
  results.push(r);
  const ok = r.valid && !r.stackTrace && r.peakRssMB <= 256 && r.seconds < 20 && [0, 1, 3, 4, 5].includes(r.exit);
  console.log(
    `${r.name.padEnd(18)} exit ${r.exit}  ${String(r.peakRssMB).padStart(5)} MB  ${r.seconds.toFixed(2).padStart(6)} s  out ${String(r.outputMB).padStart(7)} MB  ${r.valid ? 'valid' : 'INVALID'} (${r.detail})${r.stackTrace ? '  STACK TRACE' : ''}  ${ok ? 'ok' : 'OVER TARGET'}`,
  );
}
writeFileSync(join(outDir, 'scale.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, flows, results }, null, 2) + '\n');
