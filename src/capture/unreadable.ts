/**
 * A capture whose reading stopped at a record that cannot be read: the packets before it are analysed, what follows
 * is missing as from a file cut short, and is said as loudly (a login that "never came" may be in the unread part).
 */

import type { CaptureError, CaptureSummary, CaptureWarning } from './types.js';

/** The summary marked truncated, and the warning that says where the reading stopped and how much is left. */
export function unreadableRest(name: string, e: CaptureError, summary: CaptureSummary, totalBytes: number | undefined): { summary: CaptureSummary; warning: CaptureWarning } {
  const left = e.offset !== undefined && totalBytes !== undefined ? Math.max(0, totalBytes - e.offset) : undefined;
  return {
    summary: { ...summary, truncated: true },
    warning: {
      code: 'truncated-unreadable',
      message: `${name} could not be read past byte ${e.offset ?? '?'}${left !== undefined ? ` (${left.toLocaleString('en-US')} more bytes not read)` : ''}: ${e.message.replace(`${name}: `, '')}`,
      file: name,
      offset: e.offset,
      frame: summary.packets,
    },
  };
}
