// Preloaded into every benchmarked Node process (node --import ./bench/gc-probe.mjs): sums the time this
// thread spent in garbage collection (PerformanceObserver 'gc' entries) and, at exit, appends one JSON line
// {thread, gcMs, gcs} to the file named by CTISCOPE_GC_PROBE. Worker threads preload it too, so the bench
// adds up every thread's collections.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { isMainThread, threadId } from 'node:worker_threads';

const out = process.env.CTISCOPE_GC_PROBE;
if (out) {
  let gcMs = 0;
  let gcs = 0;
  const add = (list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcs++;
    }
  };
  const observer = new PerformanceObserver(add);
  observer.observe({ entryTypes: ['gc'] });
  const report = () => {
    for (const e of observer.takeRecords()) {
      gcMs += e.duration;
      gcs++;
    }
    observer.disconnect();
    appendFileSync(out, JSON.stringify({ thread: isMainThread ? 'main' : `worker ${threadId}`, gcMs, gcs }) + '\n');
  };
  process.on('exit', report);
}
