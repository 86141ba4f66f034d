// The bench's generated captures (bench/out/), written once and kept between runs: what capture-bench.mjs and
// core-scaling.mjs measure.
//   cti   — a SPAN capture that is mostly desktop traffic (src/lab/synth/span.ts);
//   mixed — a SPAN capture that is mostly bulk traffic no decoder reads (src/lab/synth/mixed.ts).
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out');

/** The file of a workload, whether written yet or not. */
function workloadFile(kind, packets, workstations = 500) {
  return join(outDir, kind === 'cti' ? `span-${packets}-${workstations}.pcapng` : `mixed-${packets}-seed1.pcapng`);
}

/** Writes a generated capture once (to a temporary name first, so an interrupted run leaves nothing half-made). */
export async function generated(kind, packets, workstations = 500) {
  const file = workloadFile(kind, packets, workstations);
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  const tmp = `${file}.part`;
  const fd = openSync(tmp, 'w');
  const t = performance.now();
  const onChunk = (c) => writeSync(fd, c);
  let r;
  if (kind === 'cti') {
    const { buildSpanCapture } = await import('../dist/lab/synth/span.js');
    r = buildSpanCapture({ workstations, failureRate: 0.06, seed: 7, targetPackets: packets, onChunk });
  } else {
    const { buildMixedCapture } = await import('../dist/lab/synth/mixed.js');
    r = buildMixedCapture({ seed: 1, targetPackets: packets, onChunk });
  }
  closeSync(fd);
  renameSync(tmp, file);
  console.error(`bench: wrote ${file}: ${r.packets} packets, ${(r.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return file;
}
