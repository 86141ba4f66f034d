/**
 * A progress bar on stderr for long inputs, drawn only when stderr is a terminal (never in pipes or CI logs),
 * at most ten times a second so drawing never costs more than the work it reports.
 */

export interface Progress {
  update(done: number, total: number | undefined): void;
  done(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  const started = Date.now();
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 || now - started < 300) return;
      last = now;
      drawn = true;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const mb = (done / 1e6).toFixed(1);
      if (total && total > 0) {
        const f = Math.min(1, done / total);
        const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '░');
        stream.write(`\r${label} ${bar} ${(f * 100).toFixed(0).padStart(3)}% ${mb}/${(total / 1e6).toFixed(1)} MB`);
      } else {
        stream.write(`\r${label} ${mb} MB`);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
