#!/usr/bin/env node
// ctiscope's capture benchmark, measured against tshark in the same run.
//
//   npm run bench [-- --packets 1000000 --workstations 500 --repeat 5 --flat 3000000 --workloads cti,mixed
//                     --file other.pcap --no-tshark]
//
// 1. Writes the workloads with the project's own generators (bench/out/, kept between runs):
//    cti   — a SPAN capture that is mostly desktop traffic (src/lab/synth/span.ts): hundreds of CAD desktops
//            starting up (LDAP, GIOP licensing, GED-188 login), a share of them failing, then heartbeating;
//    mixed — a SPAN capture that is mostly bulk traffic no decoder reads (src/lab/synth/mixed.ts): 30% HTTP on
//            80, 40% TLS on 443, 30% opaque on 40000–40999, heavy-tailed payloads, ~40k TCP flows per 1M packets.
//    --file PATH adds any other capture as a workload (e.g. the one ../shared/bench/gen-mixed-pcap.mjs writes).
// 2. Each round runs, per workload, every stage in its own process: read (reader only), flows (reader + flow
//    table + TCP reassembly), classify (+ port profile and content detection: the `flows` command's pipeline),
//    decode (+ protocol decoders), analyze (+ timeline); the CLI's `flows --json` and `analyze --json` as a
//    user runs them (and `analyze --threads 2`, the parallel analysis); and `tshark -r FILE -q -z conv,tcp` as the peer. Rounds are interleaved (--repeat), so a
//    slow spell of the shared machine hits every run alike; rows give medians and the min–max range.
// 3. Per run: wall, packets/s, MB/s, peak RSS and CPU time of the child (getrusage), CPU/wall (above 1 means
//    more than one core worked), and the share of wall time spent collecting garbage (bench/gc-probe.mjs,
//    summed over all threads of the process). The ratio to tshark is taken per round, then the median.
// 4. Runs flows and analyze again on captures three times larger (--flat N) to show memory does not grow.
// Prints the tables and writes bench/out/results.json. No wall-clock assertion anywhere: this reports, the
// README records.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, statSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';
import { generated as generateWorkload, outDir } from './workloads.mjs';
import { flag, opt } from './cli-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packetsWanted = Number(opt('packets', 1_000_000));
const workstations = Number(opt('workstations', 500));
const repeat = Math.max(1, Number(opt('repeat', 5)));
const wanted = String(opt('workloads', 'cti,mixed')).split(',').filter(Boolean);
mkdirSync(outDir, { recursive: true });
if (!existsSync(join(root, 'dist', 'bundle', 'pipeline.js')) || !existsSync(join(root, 'dist', 'lab', 'synth', 'mixed.js'))) {
  console.error('bench: building first (npm run build)');
  spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

const generated = (kind, packets) => generateWorkload(kind, packets, workstations);

const DESCRIBE = {
  cti: (n) => `synthetic SPAN, ${workstations} CAD desktops (logins, then mostly CTI heartbeats), src/lab/synth/span.ts`,
  mixed: () => 'synthetic SPAN, bulk TCP: 30% HTTP on 80, 40% TLS on 443, 30% opaque on 40000–40999, src/lab/synth/mixed.ts',
};
const workloads = [];
for (const kind of wanted) {
  if (!DESCRIBE[kind]) throw new Error(`unknown workload ${kind} (cti, mixed)`);
  workloads.push({ name: kind, file: await generated(kind, packetsWanted), describe: DESCRIBE[kind]() });
}
if (opt('file')) workloads.push({ name: basename(opt('file')), file: opt('file'), describe: `given file ${opt('file')}` });

const probeFile = join(outDir, 'gc-probe.jsonl');
const probe = join(root, 'bench', 'gc-probe.mjs');

/** Runs a command; returns wall seconds, the child's peak RSS (MB) and CPU seconds via python's getrusage(RUSAGE_CHILDREN). */
function measure(cmd, cmdArgs, { gc = false } = {}) {
  const py = 'import resource,subprocess,sys,time,json\n' +
    't=time.time()\n' +
    'p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\n' +
    'w=time.time()-t\n' +
    'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'print(json.dumps({"rc":p.returncode,"wall":w,"maxrss_kb":u.ru_maxrss,"cpu":u.ru_utime+u.ru_stime,"out":p.stdout.decode(errors="replace")[-2000:],"err":p.stderr.decode(errors="replace")[-2000:]}))';
  rmSync(probeFile, { force: true });
  const env = gc ? { ...process.env, CTISCOPE_GC_PROBE: probeFile } : process.env;
  const r = spawnSync('python3', ['-c', py, cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (r.status !== 0) throw new Error(`measure ${cmd}: ${r.stderr}`);
  const m = JSON.parse(r.stdout);
  m.gcSeconds = null;
  if (gc && existsSync(probeFile)) {
    m.gcSeconds = readFileSync(probeFile, 'utf8').trim().split('\n').filter(Boolean).reduce((s, l) => s + JSON.parse(l).gcMs / 1000, 0);
  }
  return m;
}

const node = process.execPath;
const hasTshark = !flag('no-tshark') && spawnSync('sh', ['-c', 'command -v tshark'], { stdio: 'ignore' }).status === 0;
if (!hasTshark) console.error(flag('no-tshark') ? 'bench: tshark skipped (--no-tshark): no ratio reported' : 'bench: tshark not found (apt-get install -y tshark): no ratio reported');

const STAGES = [
  { name: 'read', label: 'read (reader only)', cmd: (f) => [node, ['--import', probe, join(root, 'bench', 'run-mode.mjs'), 'read', f]] },
  { name: 'flows', label: 'flows (reader + flow table + TCP reassembly)', cmd: (f) => [node, ['--import', probe, join(root, 'bench', 'run-mode.mjs'), 'flows', f]] },
  { name: 'classify', label: 'classify (+ port profiles and content detection: what `ctiscope flows` runs)', cmd: (f) => [node, ['--import', probe, join(root, 'bench', 'run-mode.mjs'), 'classify', f]] },
  { name: 'decode', label: 'decode (+ all protocol decoders)', cmd: (f) => [node, ['--import', probe, join(root, 'bench', 'run-mode.mjs'), 'decode', f]] },
  { name: 'analyze', label: 'analyze (+ timeline and diagnoses)', cmd: (f) => [node, ['--import', probe, join(root, 'bench', 'run-mode.mjs'), 'analyze', f]] },
  { name: 'cli-flows', label: '`ctiscope flows --json > /dev/null`', cmd: (f) => [node, ['--import', probe, join(root, 'bin', 'ctiscope.js'), 'flows', f, '--json']], cli: true },
  { name: 'cli-analyze', label: '`ctiscope analyze --json > /dev/null`', cmd: (f) => [node, ['--import', probe, join(root, 'bin', 'ctiscope.js'), 'analyze', f, '--json']], cli: true },
  { name: 'cli-analyze-2', label: '`ctiscope analyze --json --threads 2` (flows in a worker thread)', cmd: (f) => [node, ['--import', probe, join(root, 'bin', 'ctiscope.js'), 'analyze', f, '--json', '--threads', '2']], cli: true },
];
if (hasTshark) STAGES.push({ name: 'tshark', label: '`tshark -r FILE -q -z conv,tcp`', cmd: (f) => ['tshark', ['-r', f, '-q', '-z', 'conv,tcp']], peer: true });

const runs = {};
for (const w of workloads) runs[w.name] = Object.fromEntries(STAGES.map((s) => [s.name, []]));
for (let round = 0; round < repeat; round++) {
  for (const w of workloads) {
    for (const s of STAGES) {
      const [cmd, cmdArgs] = s.cmd(w.file);
      const m = measure(cmd, cmdArgs, { gc: !s.peer });
      // analyze exits 1 or 4 when it found failed logins: that is its answer, not an error.
      if (m.rc !== 0 && !(s.name.startsWith('cli-analyze') && (m.rc === 1 || m.rc === 4))) throw new Error(`${w.name} ${s.name}: rc ${m.rc} ${m.err}`);
      let inner = null;
      if (!s.cli && !s.peer) inner = JSON.parse(m.out.trim().split('\n').pop());
      runs[w.name][s.name].push({ wall: m.wall, rssMB: m.maxrss_kb / 1024, cpu: m.cpu, gc: m.gcSeconds, inner });
    }
    console.error(`bench: round ${round + 1}/${repeat} ${w.name}: ${STAGES.map((s) => `${s.name} ${runs[w.name][s.name][round].wall.toFixed(2)} s`).join(', ')}`);
  }
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [`machine: ${cpus().length} cores, Node ${process.version}; ${repeat} interleaved rounds; medians, min–max in brackets`];
const summary = {};
for (const w of workloads) {
  const size = statSync(w.file).size;
  const r = runs[w.name];
  const packets = r.read[0].inner.packets;
  const flows = r.flows[0].inner.flows;
  lines.push('', `### ${w.name}: ${fmt(packets)} packets, ${fmt(size / 1e6)} MB, ${fmt(flows)} flows (${w.describe})`, '');
  lines.push('| run | wall s | packets/s | MB/s | peak RSS MB | CPU/wall | GC | × tshark conv,tcp |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  summary[w.name] = { file: w.file, size, packets, flows, stages: {} };
  for (const s of STAGES) {
    const list = r[s.name];
    const walls = list.map((x) => x.wall);
    const wall = median(walls);
    const cpuWall = median(list.map((x) => x.cpu / x.wall));
    const gcShare = list[0].gc === null ? null : median(list.map((x) => x.gc / x.wall));
    const rss = Math.max(...list.map((x) => x.rssMB));
    let vs = null;
    if (hasTshark && !s.peer) {
      const per = list.map((x, i) => r.tshark[i].wall / x.wall);
      vs = { median: median(per), min: Math.min(...per), max: Math.max(...per) };
    }
    summary[w.name].stages[s.name] = { wall, min: Math.min(...walls), max: Math.max(...walls), rssMB: rss, cpuWall, gcShare, vsTshark: vs };
    lines.push(
      `| ${s.label} | ${fmt(wall, 2)} (${fmt(Math.min(...walls), 2)}–${fmt(Math.max(...walls), 2)}) | ${fmt(packets / wall)} | ${fmt(size / 1e6 / wall)} | ${fmt(rss)} | ` +
        `${fmt(cpuWall, 2)} | ${gcShare === null ? '' : fmt(gcShare * 100) + '%'} | ${vs ? `${fmt(vs.median, 1)}× (${fmt(vs.min, 1)}–${fmt(vs.max, 1)})` : ''} |`,
    );
  }
}

// Flat memory: flows and analyze on captures several times larger must not need more memory.
const flatPackets = Number(opt('flat', packetsWanted * 3));
const flat = [];
if (flatPackets > packetsWanted) {
  lines.push('', `Memory as the capture grows:`, '', `| workload | run | packets | MB | wall s | peak RSS MB | peak RSS MB at ${fmt(packetsWanted)} packets |`, '|---|---|---:|---:|---:|---:|---:|');
  for (const w of workloads) {
    if (!DESCRIBE[w.name]) continue;
    const big = await generated(w.name, flatPackets);
    let bigPackets = flatPackets;
    for (const s of STAGES.filter((x) => x.name === 'flows' || x.name === 'analyze' || x.name === 'cli-analyze')) {
      const [cmd, cmdArgs] = s.cmd(big);
      const m = measure(cmd, cmdArgs);
      if (m.rc !== 0 && !(s.name.startsWith('cli-analyze') && (m.rc === 1 || m.rc === 4))) throw new Error(`${w.name} ${s.name} (flat): ${m.err}`);
      const row = { workload: w.name, stage: s.name, size: statSync(big).size, seconds: m.wall, rssMB: m.maxrss_kb / 1024, smallRssMB: summary[w.name].stages[s.name].rssMB };
      if (!s.cli) bigPackets = JSON.parse(m.out.trim().split('\n').pop()).packets;
      row.packets = bigPackets;
      flat.push(row);
      lines.push(`| ${w.name} | ${s.label} | ${fmt(row.packets)} | ${fmt(row.size / 1e6)} | ${fmt(row.seconds, 2)} | ${fmt(row.rssMB)} | ${fmt(row.smallRssMB)} |`);
      console.error(`bench: ${w.name} ${s.name} on ${flatPackets} packets: ${m.wall.toFixed(2)} s, ${(m.maxrss_kb / 1024).toFixed(0)} MB`);
    }
  }
}
rmSync(probeFile, { force: true });
console.log(lines.join('\n'));
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ repeat, workloads, summary, runs, flat, date: new Date().toISOString() }, null, 1));
