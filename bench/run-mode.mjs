#!/usr/bin/env node
// One benchmark measurement in its own process (so peak RSS is this mode's alone):
//   node bench/run-mode.mjs MODE FILE      MODE = read | flows | classify | decode | analyze
// Prints one JSON line: packets, bytes, seconds (in-process, from first byte to result), flows, messages (none
// counted by analyze).
import { statSync } from 'node:fs';
// Each mode imports only what it runs, as the CLI commands do, from the same bundle (dist/bundle) the CLI runs.
const { readCaptureFile } = await import('../dist/bundle/source-node.js');

const [mode, file] = process.argv.slice(2);
if (!mode || !file) {
  console.error('usage: run-mode.mjs read|flows|classify|decode|analyze FILE');
  process.exit(2);
}
const t0 = performance.now();
let packets = 0;
let flows = 0;
let messages = 0;
let summary;
if (mode === 'read') {
  summary = await readCaptureFile(file, { packet() { packets++; } });
} else if (mode === 'flows') {
  const { createFlowTracker } = await import('../dist/bundle/net.js');
  // Reading + flow table + TCP reassembly: every flow gets a consumer, so every byte is put in order.
  let delivered = 0;
  const tracker = createFlowTracker({
    factory: () => ({ data(_d, b) { delivered += b.length; }, gap() {}, end() { flows++; } }),
  });
  summary = await readCaptureFile(file, { packet(p) { packets++; tracker.packet(p); } });
  tracker.finish();
} else if (mode === 'classify' || mode === 'decode' || mode === 'analyze') {
  // classify is the `flows` command's pipeline: flows named by port profile or content, no protocol decoded.
  // decode adds the decoders, as the `decode` command runs them (no timeline); analyze adds the analyzer.
  const { createDecodePipeline, sourceInfo } = await import('../dist/bundle/decode-pipeline.js');
  // analyze takes no message callback, as `ctiscope analyze` takes none: with one the decoders would keep and
  // complete every message for it (DecodeOptions.forgetEmitted), work the command does not do.
  const create = mode === 'analyze' ? (await import('../dist/bundle/pipeline.js')).createPipeline : createDecodePipeline;
  const onMessage = mode === 'analyze' ? undefined : () => messages++;
  const pipeline = create({ analyze: mode === 'analyze', classifyOnly: mode === 'classify', onMessage, onFlowEnd() { flows++; } });
  summary = await readCaptureFile(file, { ...pipeline.sink, packet(p) { packets++; pipeline.sink.packet(p); } });
  const result = pipeline.finish(sourceInfo([file], [summary]));
  if (result.doc) flows = result.doc.workstations.length, (globalThis.workstations = result.doc.workstations.length);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const seconds = (performance.now() - t0) / 1000;
const bytes = statSync(file).size;
console.log(JSON.stringify({ mode, packets, bytes, seconds, flows, messages, workstations: globalThis.workstations ?? null }));
