#!/usr/bin/env node
// The reader against pcap-parser, the npm pcap reader the original design named (not a dependency): both read
// the same classic pcap of the bench capture, interleaved, 5 rounds; prints each round and the median ratio.
//   node bench/peer-readers.mjs [FILE.pcapng]   (needs editcap from Debian; installs pcap-parser under bench/out/peers)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = process.argv[2] ?? join(root, 'bench/out/span-1000000-500.pcapng');
if (!existsSync(src)) {
  console.error(`peer-readers: ${src} is missing (npm run bench writes it)`);
  process.exit(2);
}
const peers = join(root, 'bench/out/peers');
mkdirSync(peers, { recursive: true });
if (!existsSync(join(peers, 'node_modules/pcap-parser'))) execFileSync('npm', ['install', '--prefix', peers, '--no-save', '--no-audit', '--no-fund', 'pcap-parser'], { stdio: 'inherit' });
const pcap = join(peers, 'bench.pcap');
if (!existsSync(pcap)) execFileSync('editcap', ['-F', 'pcap', src, pcap]);
const script = join(peers, 'pcap-parser-read.cjs');
writeFileSync(
  script,
  `const p = require(${JSON.stringify(join(peers, 'node_modules/pcap-parser'))}).parse(process.argv[2]);
let n = 0; const t = process.hrtime.bigint();
p.on('packet', () => n++);
p.on('end', () => console.log(JSON.stringify({ packets: n, seconds: Number(process.hrtime.bigint() - t) / 1e9 })));\n`,
);
const run = (args) => JSON.parse(spawnSync(process.execPath, args, { encoding: 'utf8' }).stdout.trim().split('\n').pop());
const ratios = [];
for (let round = 1; round <= 5; round++) {
  const ours = run([join(root, 'bench/run-mode.mjs'), 'read', pcap]);
  const theirs = run([script, pcap]);
  if (ours.packets !== theirs.packets) throw new Error(`packet counts differ: ${ours.packets} vs ${theirs.packets}`);
  ratios.push(theirs.seconds / ours.seconds);
  console.log(`round ${round}: ctiscope ${ours.seconds.toFixed(3)} s, pcap-parser ${theirs.seconds.toFixed(3)} s, ${(theirs.seconds / ours.seconds).toFixed(1)}×`);
}
ratios.sort((a, b) => a - b);
console.log(`median: ctiscope's reader is ${ratios[2].toFixed(1)}× faster than pcap-parser (${ratios[0].toFixed(1)}–${ratios[4].toFixed(1)}×)`);
