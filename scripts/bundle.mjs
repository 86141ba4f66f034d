#!/usr/bin/env node
// Bundles the compiled code (dist/, from tsc) into dist/bundle: the CLI and the library entry points the
// benchmark loads. Node's ESM loader resolves, reads and links every file on its own, so ~100 small modules
// cost tens of milliseconds at every start; a few bundled files cost a fraction of that, and calls between
// what were separate modules no longer go through module bindings.
//
// Chunks sit next to the entries (dist/bundle/*.js), two levels below the package root like dist/cli/*.js,
// so paths found from import.meta.url (packageRoot: samples, ui/dist) stay right.
import { build } from 'rolldown';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

await build({
  cwd: root,
  input: {
    cli: join(dist, 'cli', 'main.js'),
    'source-node': join(dist, 'capture', 'source-node.js'),
    net: join(dist, 'decoders', 'net', 'index.js'),
    'decode-pipeline': join(dist, 'decode-pipeline.js'),
    pipeline: join(dist, 'pipeline.js'),
    // A parallel analysis's worker threads load this file by name, next to the chunk that starts them.
    'shard-worker': join(dist, 'parallel', 'shard-worker.js'),
  },
  platform: 'node',
  // yargs is bundled too: resolving its dozen modules in node_modules (a package.json looked up for each) took
  // about 25 ms of every start (`ctiscope analyze` on a bundled sample: 204 → 180 ms, medians of 30 alternating
  // runs). Bundled, it finds no locale files (they stay in node_modules), so its own words (Options, Show help, its
  // errors) are English, as the rest of ctiscope's text is; src/cli/main.ts asks for English outright.
  external: [],
  logLevel: 'warn',
  output: {
    dir: join(dist, 'bundle'),
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
