#!/usr/bin/env node
// ctiscope's capture benchmark, measured against tshark in the same run.
//
//   npm run bench [-- --packets 1000000 --workstations 500 --repeat 5 --flat 3000000 --no-tshark]
//
// 1. Writes a synthetic SPAN capture (bench/out/span-<N>.pcapng) with the project's own generator: hundreds of
//    CAD desktops starting up (LDAP, GIOP licensing, GED-188 login), a share of them failing, then heartbeating.
// 2. Runs each stage in its own process and records wall time and peak RSS (getrusage of the child):
//    read (reader only), flows (reader + flow table + TCP reassembly), classify (+ port profile and content
//    detection: the `flows` command's pipeline), decode (+ protocol decoders), analyze (+ timeline), each
//    --repeat times with the stages interleaved; then the CLI's `flows --json` and `analyze --json` as a user
//    runs them, and `tshark -r FILE -q -z conv,tcp` as the peer.
// 3. Runs flows and analyze again on a capture three times larger (--flat N) to show memory does not grow with it.
// 4. Prints a table with packets/s, MB/s, peak RSS and the ratio to tshark, and writes bench/out/results.json.
// No wall-clock assertion anywhere: this reports, the README records.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeSync, closeSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const packetsWanted = Number(opt('packets', 1_000_000));
const workstations = Number(opt('workstations', 500));
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
if (!existsSync(join(root, 'dist', 'bundle', 'pipeline.js'))) {
  console.error('bench: building first (npm run build)');
  spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

const file = join(outDir, `span-${packetsWanted}-${workstations}.pcapng`);
if (!existsSync(file)) {
  const { buildSpanCapture } = await import('../dist/lab/synth/span.js');
  const fd = openSync(file, 'w');
  const t = performance.now();
  const r = buildSpanCapture({ workstations, failureRate: 0.06, seed: 7, targetPackets: packetsWanted, onChunk: (c) => writeSync(fd, c) });
  closeSync(fd);
  console.error(`bench: wrote ${file}: ${r.packets} packets, ${(r.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const size = statSync(file).size;

/** Runs a command, returns wall seconds and the child's peak RSS (MB) via python's getrusage(RUSAGE_CHILDREN). */
function measure(cmd, cmdArgs) {
  const py = 'import resource,subprocess,sys,time,json\n' +
    't=time.time()\n' +
    'p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\n' +
    'w=time.time()-t\n' +
    'print(json.dumps({"rc":p.returncode,"wall":w,"maxrss_kb":resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"out":p.stdout.decode(errors="replace")[-2000:],"err":p.stderr.decode(errors="replace")[-2000:]}))';
  const r = spawnSync('python3', ['-c', py, cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`measure ${cmd}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const rows = [];
const node = process.execPath;
// Each stage runs `repeat` times, the stages interleaved round by round, so that a slow spell of the machine
// hits them alike; a row reports the median wall time (and the spread), and ratios are taken per round.
const repeat = Math.max(1, Number(opt('repeat', 5)));
const MODES = ['read', 'flows', 'classify', 'decode', 'analyze'];
const runs = Object.fromEntries(MODES.map((m) => [m, []]));
for (let round = 0; round < repeat; round++) {
  for (const mode of MODES) {
    const m = measure(node, [join(root, 'bench', 'run-mode.mjs'), mode, file]);
    if (m.rc !== 0) throw new Error(`${mode}: ${m.err}`);
    runs[mode].push({ wall: m.wall, rssMB: m.maxrss_kb / 1024, inner: JSON.parse(m.out.trim().split('\n').pop()) });
  }
  console.error(`bench: round ${round + 1}/${repeat}: ${MODES.map((mode) => `${mode} ${runs[mode][round].wall.toFixed(2)} s`).join(', ')}`);
}
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
for (const mode of MODES) {
  const walls = runs[mode].map((r) => r.wall);
  const inner = runs[mode][0].inner;
  rows.push({
    name: `in-process ${mode}`,
    packets: inner.packets,
    seconds: median(walls),
    min: Math.min(...walls),
    max: Math.max(...walls),
    rssMB: Math.max(...runs[mode].map((r) => r.rssMB)),
    extra: inner,
  });
}
/** Per-round ratio of two stages' wall times: median and range. */
const ratio = (a, b) => {
  const per = runs[a].map((r, i) => r.wall / runs[b][i].wall);
  return { median: median(per), min: Math.min(...per), max: Math.max(...per) };
};
for (const cmd of [['flows', '--json'], ['analyze', '--json']]) {
  const m = measure(node, [join(root, 'bin', 'ctiscope.js'), cmd[0], file, ...cmd.slice(1)]);
  if (m.rc !== 0 && !(cmd[0] === 'analyze' && (m.rc === 1 || m.rc === 4))) throw new Error(`ctiscope ${cmd.join(' ')}: rc ${m.rc} ${m.err}`);
  rows.push({ name: `ctiscope ${cmd.join(' ')} > /dev/null`, packets: rows[0].packets, seconds: m.wall, rssMB: m.maxrss_kb / 1024 });
  console.error(`bench: ctiscope ${cmd[0]}: ${m.wall.toFixed(2)} s`);
}
let tshark = null;
if (spawnSync('sh', ['-c', 'command -v tshark'], { stdio: 'ignore' }).status === 0 && !args.includes('--no-tshark')) {
  const m = measure('tshark', ['-r', file, '-q', '-z', 'conv,tcp']);
  tshark = { name: 'tshark -r FILE -q -z conv,tcp', packets: rows[0].packets, seconds: m.wall, rssMB: m.maxrss_kb / 1024 };
  rows.push(tshark);
  console.error(`bench: tshark: ${m.wall.toFixed(2)} s`);
} else if (args.includes('--no-tshark')) {
  console.error('bench: tshark skipped (--no-tshark) — no ratio reported');
} else {
  console.error('bench: tshark not found (apt-get install -y tshark) — no ratio reported');
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  `capture: ${rows[0].packets.toLocaleString('en-US')} packets, ${fmt(size / 1e6)} MB, ${workstations} workstations (synthetic SPAN, bench/capture-bench.mjs)`,
  `machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}`,
  '',
  '| run | wall s | packets/s | MB/s | peak RSS MB | faster than tshark |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.seconds, 2)} | ${fmt(r.packets / r.seconds)} | ${fmt(size / 1e6 / r.seconds)} | ${fmt(r.rssMB)} | ${tshark && r !== tshark ? fmt(tshark.seconds / r.seconds, 1) + '×' : ''} |`),
];
// Flat memory: the same stages on a capture several times larger must not need more memory.
const flatPackets = Number(opt('flat', packetsWanted * 3));
let flat = null;
if (flatPackets > packetsWanted) {
  const big = join(outDir, `span-${flatPackets}-${workstations}.pcapng`);
  if (!existsSync(big)) {
    const { buildSpanCapture } = await import('../dist/lab/synth/span.js');
    const fd = openSync(big, 'w');
    buildSpanCapture({ workstations, failureRate: 0.06, seed: 7, targetPackets: flatPackets, onChunk: (c) => writeSync(fd, c) });
    closeSync(fd);
  }
  flat = [];
  for (const mode of ['flows', 'analyze']) {
    const m = measure(node, [join(root, 'bench', 'run-mode.mjs'), mode, big]);
    if (m.rc !== 0) throw new Error(`${mode} (flat): ${m.err}`);
    const inner = JSON.parse(m.out.trim().split('\n').pop());
    const small = rows.find((r) => r.name === `in-process ${mode}`);
    flat.push({ mode, packets: inner.packets, size: statSync(big).size, seconds: m.wall, rssMB: m.maxrss_kb / 1024, smallRssMB: small.rssMB });
    console.error(`bench: ${mode} on ${inner.packets} packets: ${m.wall.toFixed(2)} s, ${(m.maxrss_kb / 1024).toFixed(0)} MB`);
  }
}

const span = (r) => `${fmt(r.median, 2)}× (${fmt(r.min, 2)}–${fmt(r.max, 2)} over ${repeat} rounds)`;
const decoders = { classify: ratio('decode', 'classify'), flows: ratio('decode', 'flows'), timeline: ratio('analyze', 'decode') };
lines.push(
  '',
  `Wall times are medians of ${repeat} interleaved runs; the min–max range is in results.json.`,
  `Decoders cost ${span(decoders.classify)} the flow pipeline as \`ctiscope flows\` runs it (classify), ` +
    `and ${span(decoders.flows)} bare flow reassembly (flows); the timeline costs ${span(decoders.timeline)} decode-only.`,
);
if (flat) {
  lines.push('', `Memory as the capture grows (${workstations} workstations):`, '', `| stage | packets | wall s | peak RSS MB | peak RSS MB at ${(rows[0].packets / 1e6).toFixed(0)}M packets |`, '|---|---:|---:|---:|---:|');
  for (const f of flat) lines.push(`| ${f.mode} | ${f.packets.toLocaleString('en-US')} | ${fmt(f.seconds, 2)} | ${fmt(f.rssMB)} | ${fmt(f.smallRssMB)} |`);
}
console.log(lines.join('\n'));
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ file, size, workstations, repeat, rows, runs, ratios: decoders, flat, date: new Date().toISOString() }, null, 1));
