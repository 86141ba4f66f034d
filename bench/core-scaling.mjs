#!/usr/bin/env node
// What the machine's cores give a sharded decode: the ceiling of any parallel analysis, measured.
//
//   node bench/core-scaling.mjs [--repeat 3] [FILE…]      (default: the bench's 1M-packet captures, bench/workloads.mjs)
//
// Per file and round, each in processes of their own (bench/shard-run.mjs):
//   whole          the decode of every packet, one process (what one thread does today, without the timeline);
//   half alone     one shard of two (reads every packet, decodes the half its addresses hash to), alone;
//   halves at once both shards of two started together: the wall time of an ideal two-shard decode, which would
//                  still have to hand its results to one thread and merge them;
//   two wholes     two whole decodes started together: what the machine gives two independent jobs.
// Reports medians (min–max), the speedup an ideal two-shard decode would have over one process
// (whole / halves at once), and the CPU the sharding costs (both halves' CPU over the whole's); every run is kept in
// bench/out/core-scaling.json. No assertion: this reports, the README records.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';
import { generated, outDir } from './workloads.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--repeat');
const repeat = at >= 0 ? Math.max(1, Number(args[at + 1])) : 3;
const given = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (!existsSync(join(root, 'dist', 'parallel', 'route.js')) || !existsSync(join(root, 'dist', 'lab', 'synth', 'mixed.js'))) {
  spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
// By default the bench's two 1M-packet workloads, written first if `npm run bench` has not yet.
const files = given.length ? given : [await generated('cti', 1_000_000), await generated('mixed', 1_000_000)];

/** Starts the given shard runs together; resolves with each one's line. */
function together(runs) {
  return Promise.all(
    runs.map(
      ([file, shard, shards]) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [join(root, 'bench', 'shard-run.mjs'), file, String(shard), String(shards)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`shard-run ${file} ${shard}/${shards} exited ${code}`))));
        }),
    ),
  );
}

const cell = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

console.log(`core-scaling: ${availableParallelism()} cores, Node ${process.version}, ${repeat} rounds`);
const results = [];
for (const file of files) {
  const rows = { whole: { wall: [], cpu: [] }, half: { wall: [], cpu: [] }, halves: { wall: [], cpu: [] }, wholes: { wall: [], cpu: [] } };
  const speedup = [];
  const cpuCost = [];
  let packets = 0;
  for (let r = 0; r < repeat; r++) {
    const [whole] = await together([[file, 0, 1]]);
    const [half] = await together([[file, 0, 2]]);
    const halves = await together([[file, 0, 2], [file, 1, 2]]);
    const wholes = await together([[file, 0, 1], [file, 0, 1]]);
    packets = whole.packets;
    rows.whole.wall.push(whole.seconds);
    rows.whole.cpu.push(whole.cpu);
    rows.half.wall.push(half.seconds);
    rows.half.cpu.push(half.cpu);
    const halvesWall = Math.max(...halves.map((h) => h.seconds));
    rows.halves.wall.push(halvesWall);
    rows.halves.cpu.push(halves[0].cpu + halves[1].cpu);
    rows.wholes.wall.push(Math.max(...wholes.map((h) => h.seconds)));
    rows.wholes.cpu.push(wholes[0].cpu + wholes[1].cpu);
    speedup.push(whole.seconds / halvesWall);
    cpuCost.push((halves[0].cpu + halves[1].cpu) / whole.cpu);
  }
  console.log(`\n${basename(file)}: ${packets.toLocaleString('en-US')} packets`);
  console.log('| run | wall s | CPU s (all processes) |');
  console.log('|---|---:|---:|');
  console.log(`| whole decode, one process | ${cell(rows.whole.wall)} | ${cell(rows.whole.cpu)} |`);
  console.log(`| one shard of two, alone | ${cell(rows.half.wall)} | ${cell(rows.half.cpu)} |`);
  console.log(`| both shards at once | ${cell(rows.halves.wall)} | ${cell(rows.halves.cpu)} |`);
  console.log(`| two whole decodes at once | ${cell(rows.wholes.wall)} | ${cell(rows.wholes.cpu)} |`);
  console.log(`ideal two-shard speedup over one process: ${median(speedup).toFixed(2)}× (${Math.min(...speedup).toFixed(2)}–${Math.max(...speedup).toFixed(2)}); CPU of two shards over one whole: ${median(cpuCost).toFixed(2)}×`);
  results.push({ file, packets, rows, speedup, cpuCost });
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'core-scaling.json'), JSON.stringify({ repeat, results, date: new Date().toISOString() }, null, 1));
