import type { Rule } from '../state.js';
import { makeFinding } from './common.js';

/**
 * The capture itself lost packets (libpcap's kernel or interface drop counters in live capture): any step may
 * be missing messages, although no TCP hole shows it yet. Per-connection holes are diagnoseCaptureGaps' job.
 */
export const diagnoseCaptureDrops: Rule = (ws) => {
  const d = ws.captureDrops;
  if (!d) return [];
  return [makeFinding('capture-gap', 'warning', null, `The capture lost packets: ${d.message}. A step that looks unanswered or missing may only be missing from the capture.`, d.frame !== undefined ? [d.frame] : [], null)];
};
