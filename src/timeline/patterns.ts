/**
 * A pattern a subject's findings name that its outcome does not say, in a few words: sessions lost again and again
 * (rules/flapping.ts), a start-up slow by its round trips (rules/latency.ts). The list row of the web UI, the HTML
 * report and the one-workstation summary say it.
 */

import type { Finding } from './model.js';

export function patternOf(findings: readonly Finding[]): { text: string; finding: Finding } | undefined {
  const flapping = findings.find((f) => f.kind === 'session-flapping');
  if (flapping) return { text: 'CTI session lost and opened again and again', finding: flapping };
  const latency = findings.find((f) => f.kind === 'slow-step' && / round trip/.test(f.message));
  if (latency) return { text: 'slow start-up: network round trips', finding: latency };
  return undefined;
}
