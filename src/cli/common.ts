/** What the CLI commands share: option parsing into pipeline options, error type, input checks. */

import { readFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { DEFAULT_PROFILES, parsePortOption, parseProfileJson, type PortProfile, type ServiceDef } from '../decoders/profile.js';
import { ExitCode } from './exit-codes.js';
import { createProgress } from './progress.js';
import type { FileRunOptions } from '../pipeline-node.js';
import { InternalError } from '../internal-error.js';

/** An error the CLI reports in one line, with its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.BAD_INPUT) {
    super(message);
  }
}

export interface CommonArgs {
  files?: string[];
  port?: string[];
  profile?: string;
  showSecrets?: boolean;
}

/** The profiles and port overrides named on the command line. */
export function profileOptions(args: CommonArgs): { profiles: PortProfile[]; ports: ServiceDef[] } {
  const profiles = [...DEFAULT_PROFILES];
  if (args.profile) {
    let text: string;
    try {
      text = readFileSync(args.profile, 'utf8');
    } catch (e) {
      throw new CliError(`--profile ${args.profile}: ${(e as Error).message}`, ExitCode.USAGE);
    }
    const p = parseProfileJson(text, args.profile);
    if (typeof p === 'string') throw new CliError(p, ExitCode.USAGE);
    profiles.push(p);
  }
  const ports: ServiceDef[] = [];
  for (const opt of args.port ?? []) {
    const def = parsePortOption(opt);
    if (typeof def === 'string') throw new CliError(def, ExitCode.USAGE);
    ports.push(def);
  }
  return { profiles, ports };
}

/** Checks the files exist before any work, so the error names the file and nothing else. */
export function checkFiles(given: string[] | undefined): string[] {
  const files = given?.map((f) => (f === '\u0000stdin' ? '-' : f));
  if (!files || files.length === 0) throw new CliError('name at least one capture file (or - for standard input)', ExitCode.USAGE);
  for (const f of files) {
    if (f === '-') continue;
    if (!existsSync(f)) throw new CliError(`${f}: no such file`);
    if (statSync(f).isDirectory()) throw new CliError(`${f}: is a directory, not a capture file`);
  }
  if (files.filter((f) => f === '-').length > 1) throw new CliError('standard input (-) can be named only once', ExitCode.USAGE);
  return files;
}

/** Progress on stderr while reading, only on a terminal. */
export function progressOptions(): Pick<FileRunOptions, 'onProgress'> & { doneProgress(): void } {
  const bar = createProgress('reading');
  return {
    onProgress: (done, total) => bar.update(done, total),
    doneProgress: () => bar.done(),
  };
}

/** The package's root folder (for bundled samples and the built UI). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function useColor(flag: boolean | undefined, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR) return false;
  return Boolean(stream.isTTY);
}

/** Prints capture warnings (truncation, corrupt records) on stderr, one line each. */
export function printWarnings(warnings: { message: string }[]): void {
  const seen = new Set<string>();
  for (const w of warnings) {
    // Said in the report's header; not a problem with the input.
    if ((w as { code?: string }).code === 'merged-captures') continue;
    if (seen.has(w.message)) continue;
    seen.add(w.message);
    process.stderr.write(`ctiscope: warning: ${w.message}\n`);
  }
}

/**
 * One line for a failure of ctiscope itself: the phase, what went wrong, and what to do. A limit that ran
 * out (string length, call stack, memory) is named as such; anything else is a bug to report.
 */
export function internalErrorLine(e: unknown): string {
  const err = e instanceof InternalError ? e : new InternalError('writing output', e);
  const cause = err.cause as Error | undefined;
  const limit = cause instanceof RangeError || /heap|memory/i.test(String(cause?.message ?? ''));
  const hint = limit
    ? 'a limit of ctiscope ran out on this input (try --jsonl, or a smaller capture: editcap -c)'
    : 'this is a fault in ctiscope, not in the capture; please report it with the output of --debug';
  return `ctiscope: ${err.message}; ${hint}`;
}
