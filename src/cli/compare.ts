/** `ctiscope compare GOOD BAD`: a working login next to a failing one, aligned step by step. */

import { analyzeFiles } from '../pipeline-node.js';
import { compareSubjects, renderComparisonText } from '../timeline/compare.js';
import type { AnalysisDocument } from '../timeline/model.js';
import { findSubject, type SequenceSubject, type SubjectSelector } from '../timeline/sequence/subject.js';
import { CliError, checkFiles, printWarnings, profileOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';

export interface CompareArgs extends CommonArgs {
  good: string;
  bad: string;
  workstation?: string | string[];
  agent?: string | string[];
  ctiClient?: string | string[];
  json: boolean;
}

/** One value names the subject in both captures, two name it in each. */
function pick(given: string | string[] | undefined, i: 0 | 1, option: string): string | undefined {
  if (given === undefined) return undefined;
  const values = typeof given === 'string' ? [given] : given;
  if (values.length === 0) return undefined;
  if (values.length > 2) throw new CliError(`--${option} is given once (both captures) or twice (good, then bad), not ${values.length} times`, ExitCode.USAGE);
  return values.length === 1 ? values[0] : values[i];
}

async function load(file: string, sel: SubjectSelector, args: CompareArgs): Promise<SequenceSubject> {
  const [path] = checkFiles([file]);
  const result = await analyzeFiles([path], { ...profileOptions(args), analyze: true, decode: { showSecrets: args.showSecrets } });
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  const doc = result.doc as AnalysisDocument;
  const subject = findSubject(doc, sel);
  if (typeof subject === 'string') throw new CliError(`${file}: ${subject}`, ExitCode.USAGE);
  return subject;
}

export async function runCompare(args: CompareArgs): Promise<void> {
  const sel = (i: 0 | 1): SubjectSelector => ({ workstation: pick(args.workstation, i, 'workstation'), agent: pick(args.agent, i, 'agent'), ctiClient: pick(args.ctiClient, i, 'cti-client') });
  const good = await load(args.good, sel(0), args);
  const bad = await load(args.bad, sel(1), args);
  const c = compareSubjects(good, bad);
  if (args.json) process.stdout.write(JSON.stringify({ good: { file: args.good, ...c.good }, bad: { file: args.bad, ...c.bad }, divergence: c.divergence, otherServers: c.otherServers, totals: c.totals, steps: c.steps }, null, 1) + '\n');
  else process.stdout.write(renderComparisonText(c, process.stdout.columns ?? 110));
  process.exitCode = c.divergence ? ExitCode.LOGIN_FAILED : ExitCode.OK;
}
