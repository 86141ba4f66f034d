/**
 * A failure of ctiscope itself (a bug, an exhausted limit) after the input was read fine: not bad input.
 * The CLI reports it in one line with the phase and a hint, and its own exit status; the stack trace of
 * the original error (`cause`) only with --debug.
 */

export type Phase = 'reading' | 'decoding' | 'analysing' | 'writing output';

export class InternalError extends Error {
  constructor(
    readonly phase: Phase,
    override readonly cause: unknown,
    /** The frame being processed when it happened, when known. */
    readonly frame?: number,
  ) {
    super(`internal error while ${phase}${frame !== undefined ? ` (frame ${frame})` : ''}: ${describe(cause)}`);
    this.name = 'InternalError';
  }
}

/** `err` as an InternalError of `phase` (one already made keeps its own phase). */
export function asInternalError(phase: Phase, err: unknown, frame?: number): InternalError {
  return err instanceof InternalError ? err : new InternalError(phase, err, frame);
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
