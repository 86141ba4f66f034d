#!/usr/bin/env node
// Entry point for `npx ctiscope`: runs the compiled, bundled CLI (built by `npm install` via the prepare script:
// tsc to dist/, then scripts/bundle.mjs to dist/bundle/).
import '../dist/bundle/cli.js';
