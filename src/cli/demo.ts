/** `ctiscope demo` (`npm start`): the most instructive bundled sample, analysed. */

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { packageRoot, CliError } from './common.js';
import { runAnalyze } from './analyze.js';
import { runUi } from './ui.js';

export const DEMO_SAMPLE = 'licence-refused.pcapng';

export async function runDemo(args: { ui?: boolean; port?: number }): Promise<void> {
  const file = join(packageRoot(), 'samples', DEMO_SAMPLE);
  if (!existsSync(file)) throw new CliError(`${file}: bundled sample missing (run npm run samples)`);
  process.stdout.write(`ctiscope demo: analysing the bundled sample ${join('samples', DEMO_SAMPLE)}\n`);
  process.stdout.write(`(a synthetic CAD start-up whose licence request is refused; try your own: npx ctiscope analyze FILE)\n\n`);
  await runAnalyze({ files: [file], json: false, verbose: true });
  // The demo shows a failure on purpose: that is a successful demo.
  process.exitCode = 0;
  if (args.ui === false) return;
  process.stdout.write(`\nThe same timeline as a picture, in your browser (nothing leaves this machine):\n`);
  await runUi({ files: [file], port: args.port, anyPortIfBusy: args.port === undefined, summaryShown: true });
}
