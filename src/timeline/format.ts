/** Wording helpers shared by the analyzer, the rules and the renderers. */

/** 0.018 → "18 ms", 9 → "9.0 s", 150 → "2 min 30 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 0.001) return seconds === 0 ? '0 ms' : '<1 ms';
  // Each branch rounds to the unit it shows first, so that 59.97 s reads "1 min", not "60.0 s" or "59 min 60 s".
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms} ms`;
  const tenths = Math.round(seconds * 10);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const wholeSeconds = Math.round(seconds);
  if (wholeSeconds < 3600) {
    const m = Math.floor(wholeSeconds / 60);
    const s = wholeSeconds - m * 60;
    return s === 0 ? `${m} min` : `${m} min ${s} s`;
  }
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes - h * 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "once", "twice", "3 times". */
export function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

/** "192.168.100.9:38983" → "192.168.100.9"; "[2001:db8::1]:389" → "2001:db8::1". */
export function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) {
    const end = endpoint.indexOf(']');
    return end > 0 ? endpoint.slice(1, end) : endpoint;
  }
  const colon = endpoint.lastIndexOf(':');
  return colon > 0 && endpoint.indexOf(':') === colon ? endpoint.slice(0, colon) : endpoint;
}

export function portOf(endpoint: string): number | null {
  const colon = endpoint.lastIndexOf(':');
  if (colon < 0) return null;
  const n = Number(endpoint.slice(colon + 1));
  return Number.isInteger(n) ? n : null;
}

/** How an agent's phone is named: "ext 2031", or "instrument 30017" when a (UCCE) login named only its instrument. */
export function agentDeviceText(a: { extension: string | null; instrument: string | null }): string | undefined {
  return a.extension ? `ext ${a.extension}` : a.instrument ? `instrument ${a.instrument}` : undefined;
}

/** A protocol code name made readable: "AGENT_DEVICE_OFF" → "agent device off", "CF_INVALID_LOGON_DEVICE_SPECIFIED" → "invalid logon device specified". */
export function humanize(name: string): string {
  return name.replace(/^(E_CTI_|CF_)/, '').replace(/_/g, ' ').toLowerCase();
}

/** "E_CTI_SERVER_NOT_MASTER (92)", or "status 92" when the decoder gave no name. */
export function codeText(name: string | undefined, code: number | undefined, what = 'code'): string {
  if (name && code !== undefined) return `${name} (${code})`;
  if (name) return name;
  if (code !== undefined) return `${what} ${code}`;
  return `unknown ${what}`;
}

/**
 * Seconds rounded to the microsecond. Times are epoch seconds in a double (about 0.24 µs apart near 2024), so a
 * difference of two carries noise below that: 1.1767199039459229 for 1.17672.
 */
export function roundSeconds(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * How a step reads at a glance: worked, failed, or what decides it is not in the capture: its reply is in bytes the
 * capture lost, or its SYNs were still unanswered when the capture ended too soon for the client to give up (a
 * connection step with `pending`).
 */
export type StepState = 'ok' | 'fail' | 'unseen';

type GlanceStep = { ok: boolean; notCaptured?: true; detail?: { pending?: number; syns?: number } };

/** A connection whose SYNs were still unanswered when the capture ended too soon to tell (describe.ts sets `pending`). */
export function stillConnecting(step: GlanceStep): boolean {
  return !step.ok && step.detail?.pending !== undefined && step.detail.syns !== undefined;
}

export function stepState(step: GlanceStep): StepState {
  if (!step.ok) return stillConnecting(step) ? 'unseen' : 'fail';
  return step.notCaptured ? 'unseen' : 'ok';
}

/** ✓, ✗, or ? for a step whose end the capture does not hold. */
export function stepGlyph(step: GlanceStep): string {
  const s = stepState(step);
  return s === 'ok' ? '✓' : s === 'fail' ? '✗' : '?';
}

/** "start-up 1 logged in, start-up 3 failed at licensing": how a restarted desktop's other start-ups ended. */
export function otherStartupsText(su: { others: readonly { index: number; outcome: string; failedPhase: string | null }[] }): string {
  return su.others.map((o) => `start-up ${o.index} ${o.outcome === 'logged-in' ? 'logged in' : o.outcome === 'failed' ? `failed at ${o.failedPhase ?? '?'}` : 'shows no end'}`).join(', ');
}

/**
 * What an incomplete CTI client's sessions show: one opened earlier and the client was opening again when the
 * capture ended (its session lost, its new SYN or OPEN_REQ not answered yet), or no open at all.
 */
export function ctiClientPendingText(c: { sessions: readonly { opened: boolean | null }[] }): string {
  return c.sessions.some((s) => s.opened === true) ? 'reconnecting when the capture ends' : 'no open seen';
}

/**
 * A subject that failed at cti-session after it had logged in: the session its login was made on was lost later
 * (outcome.ts, sessionLostAfterLogin; an agent's, with its CTI client: agent-document.ts, lostWithClient). Read from the
 * public document, so the renderers and the web UI can say it.
 */
export function lostAfterLogin(s: {
  failedPhase: string | null;
  failure: { step: string | null } | null;
  steps: readonly { id: string; start: number }[];
  attempts: readonly { outcome: string; time: number }[];
}): boolean {
  if (s.failedPhase !== 'cti-session' || !s.failure) return false;
  // An agent's loss is its CTI client's step, not one of its own: only a logged-in agent is failed so.
  return s.failure.step === null || loggedInBefore(s, s.failure.step);
}

/** Whether an attempt of the subject logged in before its step `stepId` began. */
export function loggedInBefore(s: { steps: readonly { id: string; start: number }[]; attempts: readonly { outcome: string; time: number }[] }, stepId: string | null): boolean {
  const at = s.steps.find((x) => x.id === stepId)?.start;
  return at !== undefined && s.attempts.some((a) => a.outcome === 'logged-in' && a.time <= at);
}
