/** `ctiscope analyze`: the per-workstation login timelines. */

import { writeJson } from './json-writer.js';
import { writeFileSync } from 'node:fs';
import { analyzeFiles } from '../pipeline-node.js';
import { renderTextReport } from '../timeline/report-text.js';
import type { AnalysisDocument } from '../timeline/model.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, useColor, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';

export interface AnalyzeArgs extends CommonArgs {
  json: boolean;
  html?: string;
  workstation?: string;
  verbose: boolean;
  color?: boolean;
}

/** Exit status from the outcomes: scripts can tell a failed login from an inconclusive capture. */
export function exitCodeFor(doc: AnalysisDocument): number {
  const ws = doc.workstations;
  if (ws.some((w) => w.outcome === 'failed')) return ExitCode.LOGIN_FAILED;
  if (ws.length > 0 && ws.every((w) => w.outcome === 'logged-in')) return ExitCode.OK;
  return ExitCode.INCONCLUSIVE;
}

export async function analyzeToDocument(args: AnalyzeArgs): Promise<AnalysisDocument> {
  const files = checkFiles(args.files);
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...profileOptions(args),
    ...progress,
    analyze: true,
    workstation: args.workstation,
    decode: { showSecrets: args.showSecrets },
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  if (!result.doc) throw new CliError('internal error: no analysis document');
  return result.doc;
}

export async function runAnalyze(args: AnalyzeArgs): Promise<void> {
  const doc = await analyzeToDocument(args);
  if (args.html) {
    const { renderHtmlReport } = await import('../timeline/report-html.js');
    try {
      writeFileSync(args.html, renderHtmlReport(doc));
    } catch (e) {
      throw new CliError(`--html ${args.html}: ${(e as Error).message}`, ExitCode.USAGE);
    }
  }
  if (args.json) await writeJson(process.stdout, doc);
  else process.stdout.write(renderTextReport(doc, { color: useColor(args.color), width: process.stdout.columns, verbose: args.verbose }));
  if (args.html && !args.json) process.stdout.write(`\nHTML report written to ${args.html}\n`);
  process.exitCode = exitCodeFor(doc);
}
