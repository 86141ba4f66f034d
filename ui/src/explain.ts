/** A step's plain-language explanation under its details (from src/timeline/explain-steps.ts). */

import type { Step } from '../../src/timeline/model.js';
import { explainStep } from '../../src/timeline/explain-steps.js';

export function appendExplanation(pane: HTMLElement, step: Step): void {
  const text = explainStep(step);
  if (!text) return;
  const p = document.createElement('p');
  p.className = 'muted step-explanation';
  p.textContent = text;
  // Under the step's sentence, before the facts.
  const sentence = pane.querySelector('.sentence');
  if (sentence) sentence.after(p);
  else pane.prepend(p);
}
