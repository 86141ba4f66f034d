// Runs the built `ctiscope` binary as a child process for tests that watch it work over time
// (live capture, the lab, the live UI): output collected as it comes, a wait for a line, signals.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', 'bin', 'ctiscope.js');

export interface RunningCli {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  /** Resolves with the first match in stdout or stderr; rejects with both outputs after `ms`. */
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): void;
}

export function runCli(args: string[]): RunningCli {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const r: RunningCli = {
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; stdout: ${r.stdout}\nstderr: ${r.stderr}`)), ms);
        const check = (): void => {
          const m = re.exec(r.stdout) ?? re.exec(r.stderr);
          if (m) {
            clearTimeout(t);
            child.stdout!.off('data', check);
            child.stderr!.off('data', check);
            resolve(m);
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        check();
      }),
    kill: (s) => child.kill(s),
  };
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (r.stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (r.stderr += t));
  return r;
}
