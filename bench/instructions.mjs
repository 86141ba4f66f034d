#!/usr/bin/env node
// Instructions, not seconds: ctiscope's stages and tshark counted by valgrind (callgrind) on the same capture.
//
//   npm run bench:instructions [-- --packets 100000 --workloads cti,mixed --stages analyze,cli-analyze
//                                  --base ../other-checkout --no-tshark]
//
// Wall times on a shared 2-core machine move by 15% or more from run to run, which hides any change smaller than
// that (npm run bench needs many interleaved rounds to show a few percent). The number of instructions a run
// executes barely moves: two runs of the same build differed by 0.6% (analyze, cti) and 0.8% (read). So this bench
// answers two questions the wall-clock bench answers only slowly:
//   - how many instructions ctiscope spends against tshark's, per workload and stage (a ratio free of the
//     machine's mood, though blind to cache misses and to a second core). Both programs' start (Node's and the
//     bundle's; tshark's dissector registration, a good part of its count on a small capture) is measured on a
//     capture of 1,000 packets of the same kind and taken off: the ratio is of the cost per packet;
//   - with --base DIR (another checkout of ctiscope, built), what a change does: both builds counted on the same
//     captures, the ratio per stage.
// Node runs with --single-threaded (GC and compilation on the main thread, at points fixed by the program), so a
// run's count does not depend on when helper threads got the CPU. valgrind is Debian's, installed when missing by
// scripts/ensure-system-deps.mjs (as root).
// Each run is about 30-60 times slower than natively: the default captures have 100,000 packets (the bench's
// generators, bench/out/). At that size about a quarter of ctiscope's count is V8's optimising compiler and a few
// percent parsing (callgrind_annotate on mixed classify: compiler 27%, JIT-compiled code 14%, GC 7%), more of it
// on the larger capture than on the small one, so the count per packet overstates ctiscope's cost in a long run;
// and instructions are not time (tshark's run more slowly each: the wall-clock ratios of npm run bench are about
// twice these). Use it for A/B (--base), where both builds pay the same. Prints a table and writes
// bench/out/instructions.json. No assertion anywhere.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generated, outDir } from './workloads.mjs';
import { flag, opt } from './cli-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packets = Number(opt('packets', 100_000));
const wanted = String(opt('workloads', 'cti,mixed')).split(',').filter(Boolean);
const stageNames = String(opt('stages', 'read,classify,decode,analyze,cli-analyze')).split(',').filter(Boolean);
const base = opt('base') ? resolve(opt('base')) : undefined;
const withTshark = !flag('no-tshark');

const hasValgrind = () => spawnSync('sh', ['-c', 'command -v valgrind'], { stdio: 'ignore' }).status === 0;
// Installed from Debian's packages by the project's own script when it can (as root), as the tests' tools are.
if (!hasValgrind()) spawnSync(process.execPath, [join(root, 'scripts', 'ensure-system-deps.mjs'), 'valgrind'], { stdio: 'inherit' });
if (!hasValgrind()) {
  console.error('bench: valgrind not found (apt-get install -y valgrind)');
  process.exit(2);
}
for (const dir of [root, base].filter(Boolean)) {
  if (!existsSync(join(dir, 'dist', 'bundle', 'pipeline.js'))) {
    console.error(`bench: ${dir} is not built (npm run build there)`);
    process.exit(2);
  }
}

/**
 * A stage's arguments to node for the checkout at `dir`: what bench/capture-bench.mjs runs. The checkout's own
 * run-mode.mjs, which loads the build beside it.
 */
const STAGES = {
  ...Object.fromEntries(['read', 'classify', 'decode', 'analyze'].map((mode) => [mode, (dir, f) => [join(dir, 'bench', 'run-mode.mjs'), mode, f]])),
  'cli-flows': (dir, f) => [join(dir, 'bin', 'ctiscope.js'), 'flows', f, '--json'],
  'cli-analyze': (dir, f) => [join(dir, 'bin', 'ctiscope.js'), 'analyze', f, '--json'],
};
for (const s of stageNames) if (!STAGES[s]) throw new Error(`unknown stage ${s} (${Object.keys(STAGES).join(', ')})`);

/** Instructions executed by a command under callgrind (every thread), from its summary line. */
function instructions(cmd, cmdArgs) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', cmd, ...cmdArgs], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const m = /Collected : (\d+)/.exec(r.stderr);
  // analyze exits 1 or 4 when it found failed logins or no desktop: that is its answer, not an error.
  if (!m || (r.status !== 0 && r.status !== 1 && r.status !== 4)) throw new Error(`${cmd} ${cmdArgs.join(' ')}: status ${r.status}\n${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

/** Instructions of a stage of the checkout at `dir` on `file`, Node on one thread. */
const stageInstructions = (name, dir, file) => instructions(process.execPath, ['--single-threaded', ...STAGES[name](dir, file)]);

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const results = { packets, base: base ?? null, workloads: {} };
const lines = [`valgrind callgrind, Node ${process.version} --single-threaded; instructions of every thread of the process, Node's start included`];
const SMALL = 1000;
/** Instructions per packet beyond the start: the run on the workload less the run on its 1,000-packet version. */
const perPacket = (big, small) => (big - small) / (packets - SMALL);
for (const kind of wanted) {
  // The cti workload keeps its shape at any size: 2,000 packets per desktop (500 desktops at 1M packets).
  const sized = (n) => generated(kind, n, kind === 'cti' ? Math.max(1, Math.round(n / 2000)) : undefined);
  const file = await sized(packets);
  const small = await sized(SMALL);
  const w = (results.workloads[kind] = { file, small, stages: {} });
  let peer;
  if (withTshark) {
    const run = (f) => instructions('tshark', ['-r', f, '-q', '-z', 'conv,tcp']);
    w.tshark = { instructions: run(file), small: run(small) };
    peer = perPacket(w.tshark.instructions, w.tshark.small);
    console.error(`bench: ${kind} tshark: ${fmt(w.tshark.instructions / 1e6)} M, ${fmt(peer)} per packet`);
  }
  lines.push('', `### ${kind}: ${file}${peer !== undefined ? `; tshark -q -z conv,tcp ${fmt(w.tshark.instructions / 1e6)} M instructions, ${fmt(peer)} per packet beyond its start` : ''}`, '');
  lines.push(`| stage | M instructions | per packet beyond the start | × tshark per packet |${base ? ' base M | this / base |' : ''}`);
  lines.push(`|---|---:|---:|---:|${base ? '---:|---:|' : ''}`);
  for (const s of stageNames) {
    const n = stageInstructions(s, root, file);
    const each = perPacket(n, stageInstructions(s, root, small));
    const b = base ? stageInstructions(s, base, file) : undefined;
    w.stages[s] = { instructions: n, perPacket: each, base: b ?? null };
    const vs = peer !== undefined ? `${fmt(peer / each, 1)}×` : '';
    lines.push(`| ${s} | ${fmt(n / 1e6)} | ${fmt(each)} | ${vs} |${b !== undefined ? ` ${fmt(b / 1e6)} | ${fmt(n / b, 3)} |` : ''}`);
    console.error(`bench: ${kind} ${s}: ${fmt(n / 1e6)} M, ${fmt(each)} per packet${b !== undefined ? ` (base ${fmt(b / 1e6)} M)` : ''}`);
  }
}
console.log(lines.join('\n'));
writeFileSync(join(outDir, 'instructions.json'), JSON.stringify(results, null, 1) + '\n');
