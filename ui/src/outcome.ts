/** Outcome badges: an icon and a word, never colour alone. */

import type { Outcome } from '../../src/timeline/model.js';
import type { SubjectKind } from './subjects.js';

export const OUTCOME_ICON: Record<Outcome, string> = { 'logged-in': '✓', failed: '✗', incomplete: '◐' };
export const OUTCOME_WORD: Record<Outcome, string> = { 'logged-in': 'logged in', failed: 'failed', incomplete: 'incomplete' };
/** A CTI client logs no one in: its outcome is its session's (as the CLI's report says it: SESSION OPEN). */
const CTI_CLIENT_WORD: Record<Outcome, string> = { 'logged-in': 'session open', failed: 'session failed', incomplete: 'incomplete' };

/** The outcome's word for a subject of this kind ("logged in", or "session open" for a CTI client). */
export function outcomeWord(outcome: Outcome, kind?: SubjectKind): string {
  return (kind === 'cti-client' ? CTI_CLIENT_WORD : OUTCOME_WORD)[outcome];
}

export function outcomeBadge(doc: Document, outcome: Outcome, kind?: SubjectKind): HTMLSpanElement {
  const badge = doc.createElement('span');
  badge.className = `badge ${outcome}`;
  badge.textContent = `${OUTCOME_ICON[outcome]} ${outcomeWord(outcome, kind)}`;
  return badge;
}
