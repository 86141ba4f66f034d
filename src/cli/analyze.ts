/** `ctiscope analyze`: the per-workstation login timelines. */

import { governedAfterChunk, HeapGovernor } from './heap-governor.js';
import { writeJson } from './json-writer.js';
import { writeFileSync } from 'node:fs';
import { analyzeFiles, type FileRunOptions } from '../pipeline-node.js';
import { renderTextReport } from '../timeline/report-text.js';
import { serverSideSubjects, type AnalysisDocument } from '../timeline/model.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, useColor, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';

export interface AnalyzeArgs extends CommonArgs {
  json: boolean;
  html?: string;
  workstation?: string;
  agent?: string;
  verbose: boolean;
  color?: boolean;
  explain?: boolean;
  writeEvidence?: string;
  /** Threads for the analysis (pipeline-node.ts chooses when absent). */
  threads?: number;
}

/**
 * Exit status from the outcomes: scripts can tell a failed login from an inconclusive capture. Agents count as
 * workstations do (those a listed workstation stands for are counted once, as it); CTI clients on hosts that are
 * not workstations count when nothing else does, and a failed one is a failure.
 */
export function exitCodeFor(doc: AnalysisDocument): number {
  const own = serverSideSubjects(doc.workstations, doc.agents, doc.ctiClients);
  const subjects: { outcome: string }[] = [...doc.workstations, ...own.agents];
  const clients = own.ctiClients;
  if (subjects.some((w) => w.outcome === 'failed') || clients.some((c) => c.outcome === 'failed')) return ExitCode.LOGIN_FAILED;
  const judged = subjects.length > 0 ? subjects : clients;
  if (judged.length > 0 && judged.every((w) => w.outcome === 'logged-in')) return ExitCode.OK;
  return ExitCode.INCONCLUSIVE;
}

export async function analyzeToDocument(args: AnalyzeArgs, extra: Partial<FileRunOptions> = {}): Promise<AnalysisDocument> {
  const files = checkFiles(args.files);
  if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 1 || args.threads > 64)) {
    throw new CliError(`--threads ${args.threads}: a whole number of threads, 1 to 64`, ExitCode.USAGE);
  }
  const progress = progressOptions();
  const governor = new HeapGovernor();
  const result = await analyzeFiles(files, {
    ...profileOptions(args),
    ...progress,
    analyze: true,
    workstation: args.workstation,
    agent: args.agent,
    decode: { showSecrets: args.showSecrets },
    ...extra,
    // A capture of many flows or hosts lets the heap grow far past what it holds: see heap-governor.ts.
    afterChunk: governedAfterChunk(extra.afterChunk, governor),
    beforeDocument: () => governor.collect(),
    threads: args.threads,
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  if (!result.doc) throw new CliError('internal error: no analysis document');
  return result.doc;
}

export async function runAnalyze(args: AnalyzeArgs): Promise<void> {
  const extras = args.writeEvidence || args.explain || args.html ? (await import('./analyze-extras.js')).prepareExtras(args) : undefined;
  const doc = await analyzeToDocument(args, extras?.options);
  // A subject asked for by name that the capture does not hold is a mistake in the command, as for sequence and
  // compare: said in one line (the summary's, naming those it holds), with nothing written.
  const missing = (args.agent !== undefined && doc.agents.length === 0) || (args.workstation !== undefined && doc.workstations.length === 0 && doc.ctiClients.length === 0);
  if (missing) throw new CliError(doc.summary.message, ExitCode.USAGE);
  const extraText = (await extras?.after(doc)) ?? '';
  if (args.html) {
    const { renderHtmlReport } = await import('../timeline/report-html.js');
    try {
      writeFileSync(args.html, renderHtmlReport(doc, extras?.html));
    } catch (e) {
      throw new CliError(`--html ${args.html}: ${(e as Error).message}`, ExitCode.USAGE);
    }
  }
  if (args.json) await writeJson(process.stdout, doc);
  else process.stdout.write(renderTextReport(doc, { color: useColor(args.color), width: process.stdout.columns, verbose: args.verbose }) + extraText);
  if (args.html && !args.json) process.stdout.write(`\nHTML report written to ${args.html}\n`);
  process.exitCode = exitCodeFor(doc);
}
