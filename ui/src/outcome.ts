/** Outcome badges: an icon and a word, never colour alone. */

import type { Outcome } from '../../src/timeline/model.js';

export const OUTCOME_ICON: Record<Outcome, string> = { 'logged-in': '✓', failed: '✗', incomplete: '◐' };
export const OUTCOME_WORD: Record<Outcome, string> = { 'logged-in': 'logged in', failed: 'failed', incomplete: 'incomplete' };

export function outcomeBadge(doc: Document, outcome: Outcome): HTMLSpanElement {
  const badge = doc.createElement('span');
  badge.className = `badge ${outcome}`;
  badge.textContent = `${OUTCOME_ICON[outcome]} ${OUTCOME_WORD[outcome]}`;
  return badge;
}
