import type { Rule } from '../state.js';
import { makeFinding } from './common.js';

/** The capture file was cut short: the end of every timeline may be missing. */
export const diagnoseTruncation: Rule = (ws) => {
  if (!ws.truncated) return [];
  const t = ws.truncation;
  const detail = t ? ` (${t.message})` : '';
  const frames = t?.frame !== undefined ? [t.frame] : [];
  return [makeFinding('truncated-capture', 'warning', null, `The capture file is cut short${detail}: what happened after its last complete packet is missing, so unfinished steps may only look unfinished.`, frames, null)];
};
