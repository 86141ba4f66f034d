#!/usr/bin/env node
// `npm run fuzz -- --seconds N [--seed S] [--out DIR] [--timeout MS]`: mutates the bundled samples and the test
// fixtures (src/fuzz/mutate.ts: byte flips, record-header damage, truncation, splices, huge lengths, records out
// of order, deep BER, DNS pointer loops) and runs each mutant through the whole pipeline in process
// (src/fuzz/run-one.ts), in a worker thread watched by a watchdog: a mutant that throws, hangs past --timeout
// (default 10 s) or exhausts the worker's memory (512 MB) is saved to DIR (default fuzz-failures/) with a note
// of what happened. Same seed, same mutants. Exit status 1 when any mutant failed. Runs the compiled code
// (dist/, built by the npm script).
import { Worker } from 'node:worker_threads';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const seconds = Number(opt('seconds', 60));
const seed = Number(opt('seed', Date.now() % 1e9));
const outDir = opt('out', join(root, 'fuzz-failures'));
const timeoutMs = Number(opt('timeout', 10_000));

if (process.env.CTISCOPE_FUZZ_WORKER) {
  // Worker side: mutate and run what the parent asks, one at a time.
  const { parentPort } = await import('node:worker_threads');
  const { Random, mutate } = await import(join(root, 'dist/fuzz/mutate.js'));
  const { runOne } = await import(join(root, 'dist/fuzz/run-one.js'));
  const inputs = JSON.parse(process.env.CTISCOPE_FUZZ_INPUTS).map((p) => new Uint8Array(readFileSync(p)));
  parentPort.on('message', ({ index, caseSeed }) => {
    const r = new Random(caseSeed);
    const base = inputs[r.int(inputs.length)];
    const { bytes, ops } = mutate(base, r, inputs);
    parentPort.postMessage({ index, phase: 'start', ops, bytes });
    const out = runOne(bytes);
    const error = out.result === 'failed' ? String(out.error?.stack ?? out.error) : undefined;
    parentPort.postMessage({ index, phase: 'done', result: out.result, packets: out.packets, messages: out.messages, error });
  });
} else {
  const inputs = [
    ...readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(root, 'samples', f)),
    ...readdirSync(join(root, 'test/fixtures/public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(root, 'test/fixtures/public', f)),
  ];
  const counts = { read: 0, refused: 0, failed: 0, hung: 0, memory: 0 };
  const deadline = Date.now() + seconds * 1000;
  let index = 0;
  let worker;
  let current;
  const save = (kind, detail) => {
    mkdirSync(outDir, { recursive: true });
    const base = join(outDir, `${kind}-seed${seed}-case${current.index}`);
    writeFileSync(`${base}.pcap`, current.bytes);
    writeFileSync(`${base}.txt`, `${kind}\nops: ${current.ops.join(', ')}\n${detail}\n`);
    console.log(`${kind}: case ${current.index} (${current.ops.join(', ')}) saved to ${base}.pcap`);
  };
  const start = () => {
    worker = new Worker(fileURLToPath(import.meta.url), {
      env: { ...process.env, CTISCOPE_FUZZ_WORKER: '1', CTISCOPE_FUZZ_INPUTS: JSON.stringify(inputs) },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
  };
  const caseSeed = (i) => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
  const runCase = () =>
    new Promise((resolve) => {
      current = { index, ops: [], bytes: new Uint8Array(0) };
      let timer;
      const finish = (kind) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(kind);
      };
      const onMessage = (m) => {
        if (m.phase === 'start') {
          current.ops = m.ops;
          current.bytes = m.bytes;
          timer = setTimeout(() => {
            save('hung', `no result within ${timeoutMs} ms`);
            void worker.terminate();
            start();
            finish('hung');
          }, timeoutMs);
          return;
        }
        if (m.result === 'failed') save('failed', m.error);
        finish(m.result);
      };
      const onError = (e) => {
        const memory = /memory/i.test(String(e?.code ?? '') + String(e?.message ?? ''));
        save(memory ? 'memory' : 'failed', String(e?.stack ?? e));
        start();
        finish(memory ? 'memory' : 'failed');
      };
      const onExit = () => {
        save('failed', 'the worker exited');
        start();
        finish('failed');
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ index, caseSeed: caseSeed(index) });
    });
  start();
  console.log(`fuzz: seed ${seed}, ${inputs.length} inputs, ${seconds} s, failures to ${outDir}`);
  while (Date.now() < deadline) {
    counts[await runCase()]++;
    index++;
  }
  await worker.terminate();
  console.log(`fuzz: ${index} mutants (seed ${seed}): ${counts.read} read, ${counts.refused} refused as bad input, ${counts.failed} failed, ${counts.hung} hung, ${counts.memory} out of memory`);
  process.exitCode = counts.failed + counts.hung + counts.memory > 0 ? 1 : 0;
}
