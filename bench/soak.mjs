#!/usr/bin/env node
// Soak test of the live mode: does `ctiscope live` stay in bounded memory over a long capture?
//
//   node bench/soak.mjs                      # 60 s
//   node bench/soak.mjs --minutes 60         # the hour-long run
//   node bench/soak.mjs --seconds 120 --rate 500 --sample 5
//
// Runs the live pipeline in this process (startLiveAnalysis: tcpdump on `lo` → the same pipeline as `ctiscope
// live`, with live printing counted and a snapshot every few seconds, as the UI would ask) while loopback traffic
// flows at a fixed rate:
//   - echo traffic: a TCP server on 127.0.0.1 and 4 clients exchanging small messages (`--rate` per second in all),
//     plus a new short connection every 200 ms (flows opening and closing, so the flow table churns);
//   - CAD desktops: the lab's CTI server on 127.0.71.1:12028 and a desktop PC every 10 s that opens a session,
//     logs in and heartbeats every second; after a minute it closes its session and a new PC takes its place.
// RSS and heap are sampled every `--sample` seconds; a table is printed and bench/out/soak-<time>.json written.
// Bounded means: after the first quarter (warm-up), the heap of the last quarter is within 25 % + 8 MiB of the
// second quarter's. Loopback only; stops by itself. Needs root (or CAP_NET_RAW for tcpdump) and a build (dist/).
import { spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { opt } from './cli-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const num = (name, dflt) => Number(opt(name, dflt));

// Heap figures mean more after a collection: re-run with --expose-gc when it is not on.
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const seconds = num('minutes', 0) > 0 ? num('minutes', 0) * 60 : num('seconds', 60);
const rate = num('rate', 200);
const sampleEvery = num('sample', seconds >= 600 ? 30 : 5);
if (!(seconds > 0) || !(rate > 0) || !(sampleEvery > 0)) {
  console.error('soak: --seconds/--minutes, --rate and --sample must be positive numbers');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'cli', 'live.js'))) {
  console.error('soak: building first (npm run build)');
  spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
const { startLiveAnalysis } = await import('../dist/cli/live.js');
const { startCtiServer } = await import('../dist/lab/cti-server.js');
const { labAddresses, labAgent } = await import('../dist/lab/scenarios.js');
const { cti } = await import('../dist/lab/synth/ged.js');

const lab = labAddresses(71);
const timers = new Set();
const every = (ms, fn) => {
  const t = setInterval(fn, ms);
  timers.add(t);
  return t;
};
const sockets = new Set();
const track = (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => s.destroy());
  return s;
};

// ------------------------------------------------------------------ traffic
const echo = createServer((s) => {
  track(s);
  s.on('data', (d) => s.write(d));
  s.on('end', () => s.end());
});
await new Promise((r) => echo.listen(0, '127.0.0.1', r));
const echoPort = echo.address().port;
const cti188 = await startCtiServer({ host: lab.nodeA, port: 12028 });

const clients = await Promise.all(
  [0, 1, 2, 3].map(
    () =>
      new Promise((resolve) => {
        const s = track(connect({ host: '127.0.0.1', port: echoPort }, () => resolve(s)));
        s.on('data', () => {});
      }),
  ),
);
let sent = 0;
const message = Buffer.alloc(64, 0x61);
// Fixed rate: every 10 ms, send the number of messages due by now.
const t0 = Date.now();
every(10, () => {
  const due = Math.floor(((Date.now() - t0) / 1000) * rate);
  while (sent < due) clients[sent++ % clients.length].write(message);
});
let shortConnections = 0;
every(200, () => {
  const s = track(connect({ host: '127.0.0.1', port: echoPort }, () => s.end(message)));
  s.on('data', () => {});
  shortConnections++;
});

// Desktops: one more every 10 s, each logged in for a minute with a heartbeat per second.
let pc = 0;
let logins = 0;
function startDesktop() {
  const agent = labAgent(lab, (pc++ % 200) + 1);
  const s = track(connect({ host: lab.nodeA, port: 12028, localAddress: agent.host }));
  let invoke = 1;
  s.on('data', () => {});
  s.on('connect', () => {
    s.write(cti.openReq(invoke++, agent));
    setTimeout(() => {
      s.write(cti.setAgentStateLoginReq(invoke++, agent));
      logins++;
    }, 50);
    const hb = setInterval(() => s.write(cti.heartbeatReq(invoke++)), 1000);
    timers.add(hb);
    const stop = setTimeout(() => {
      clearInterval(hb);
      timers.delete(hb);
      s.write(cti.closeReq(invoke++));
      setTimeout(() => s.end(), 50);
    }, 60_000);
    timers.add(stop);
  });
}
startDesktop();
every(10_000, startDesktop);

// ------------------------------------------------------------------ live analysis
let steps = 0;
let findings = 0;
const live = await startLiveAnalysis({
  label: 'live:lo (soak)',
  onUpdate: (u) => (u.kind === 'step' ? steps++ : findings++),
  capture: { iface: 'lo', filter: `tcp and ((host 127.0.0.1 and port ${echoPort}) or net ${lab.nodeA.replace(/\.\d+$/, '.0/24')})`, snaplen: 16384 },
}).catch((e) => {
  console.error(`soak: cannot capture on lo: ${e.message}`);
  process.exit(2);
});
let snapshots = 0;
every(5000, () => {
  live.session.snapshot();
  snapshots++;
});

const mb = (n) => Math.round((n / 1048576) * 10) / 10;
const samples = [];
const sample = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  samples.push({ t: Math.round((Date.now() - t0) / 1000), rssMiB: mb(m.rss), heapMiB: mb(m.heapUsed), packets: live.session.packets, messagesSent: sent, steps, findings });
  const s = samples[samples.length - 1];
  console.log(`${String(s.t).padStart(6)} s  rss ${String(s.rssMiB).padStart(7)} MiB  heap ${String(s.heapMiB).padStart(6)} MiB  packets ${String(s.packets).padStart(9)}  steps ${steps}`);
};
console.log(`soak: ${seconds} s, ${rate} messages/s on 127.0.0.1:${echoPort}, a short connection every 200 ms, CAD desktops on ${lab.nodeA}:12028; sampling every ${sampleEvery} s`);
sample();
every(sampleEvery * 1000, sample);
await new Promise((r) => setTimeout(r, seconds * 1000));

// ------------------------------------------------------------------ stop and report
for (const t of timers) {
  clearInterval(t);
  clearTimeout(t);
}
sample();
const { result, stats } = await live.stop();
for (const s of sockets) s.destroy();
await new Promise((r) => echo.close(r));
await cti188.close();

const q = Math.max(1, Math.floor(samples.length / 4));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const second = median(samples.slice(q, 2 * q).map((s) => s.heapMiB));
const last = median(samples.slice(-q).map((s) => s.heapMiB));
const limit = second * 1.25 + 8;
const bounded = samples.length >= 8 ? last <= limit : null;
const summary = {
  seconds,
  rate,
  packets: result.source.packets,
  dropped: stats?.dropped ?? null,
  messagesSent: sent,
  shortConnections,
  desktops: pc,
  logins,
  liveSteps: steps,
  liveFindings: findings,
  snapshots,
  workstations: result.doc?.workstations.length ?? 0,
  heapSecondQuarterMiB: second,
  heapLastQuarterMiB: last,
  heapLimitMiB: Math.round(limit * 10) / 10,
  peakRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
  bounded,
  samples,
};
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
const file = join(root, 'bench', 'out', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(summary, null, 1) + '\n');
console.log(
  `\n${summary.packets} packets (${summary.dropped ?? '?'} dropped by the kernel), ${pc} desktops, ${steps} live steps, ${snapshots} snapshots; ` +
    `heap ${second} MiB (2nd quarter) → ${last} MiB (last quarter), peak RSS ${summary.peakRssMiB} MiB`,
);
console.log(bounded === null ? 'too few samples to judge (run longer or sample more often)' : bounded ? `memory stayed bounded (last quarter within ${summary.heapLimitMiB} MiB)` : `memory grew past ${summary.heapLimitMiB} MiB: NOT bounded`);
console.log(`written to ${file}`);
process.exit(bounded === false ? 1 : 0);
