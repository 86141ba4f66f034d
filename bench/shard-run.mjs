#!/usr/bin/env node
// One shard of an ideal parallel decode, in a process of its own (bench/core-scaling.mjs runs it):
//   node bench/shard-run.mjs FILE SHARD SHARDS
// Reads the whole capture, as a worker that reads the file itself would, and feeds the decode pipeline only the
// packets whose addresses hash to SHARD (src/parallel/route.ts, the parallel analysis' own routing); SHARDS = 1 is
// the whole decode on one thread. Nothing is sent anywhere: the cost of handing results to a merging thread is
// left out, so the figure is a lower bound for what such a shard costs. Prints one JSON line: packets read, packets
// decoded, seconds since the process started, and the process's CPU seconds (user + system, all its threads).
const [file, shardText, shardsText] = process.argv.slice(2);
if (!file || shardText === undefined || shardsText === undefined) {
  console.error('usage: shard-run.mjs FILE SHARD SHARDS');
  process.exit(2);
}
const shard = Number(shardText);
const shards = Number(shardsText);
const { readCaptureFile } = await import('../dist/capture/source-node.js');
const { createDecodePipeline, sourceInfo } = await import('../dist/decode-pipeline.js');
const { ShardRouter } = await import('../dist/parallel/route.js');
const router = new ShardRouter(shards);
let events = 0;
const count = () => {
  events++;
};
const pipeline = createDecodePipeline({ analyze: false }, { message: count, flowStart: count, flowEnd: count, gap() {}, names() {}, warning() {} });
let packets = 0;
let own = 0;
const sink = pipeline.sink;
const summary = await readCaptureFile(file, {
  packet(p) {
    packets++;
    if (shards === 1 || router.shardOf(p) === shard) {
      own++;
      sink.packet(p);
    }
  },
});
pipeline.finish(sourceInfo([file], [summary]));
const u = process.resourceUsage();
console.log(JSON.stringify({ shard, shards, packets, own, events, seconds: performance.now() / 1000, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
