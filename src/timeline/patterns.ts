/**
 * A pattern a subject's findings name that its outcome does not say, in a few words: sessions lost again and again
 * (rules/flapping.ts), a start-up slow by its round trips (rules/latency.ts). The list row of the web UI, the HTML
 * report and the one-workstation summary say it.
 */

import type { Finding } from './model.js';
import { isLatencyFinding } from './rules/latency.js';

export function patternOf(findings: readonly Finding[]): { text: string; finding: Finding } | undefined {
  const flapping = findings.find((f) => f.kind === 'session-flapping');
  if (flapping) return { text: 'CTI session lost and opened again and again', finding: flapping };
  const latency = findings.find(isLatencyFinding);
  if (latency) return { text: 'slow start-up: network round trips', finding: latency };
  return undefined;
}

/** Whether the finding is one of those patterns. */
export function isPatternFinding(f: Finding): boolean {
  return f.kind === 'session-flapping' || isLatencyFinding(f);
}
