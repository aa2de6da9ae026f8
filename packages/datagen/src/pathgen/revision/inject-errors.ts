import type { Rng } from '@vlm/core';

import { ADDITION_SENTENCES, MODIFICATION_SWAPS } from './error-vocabulary';
import { applyEdit, invertEdit, type TextEdit } from './text-edit';

/** The three kinds of injected error. */
export type ErrorKind = 'addition' | 'deletion' | 'modification';

/** One injected error: the edit that made it and the inverse that repairs it. */
export interface InjectedError {
  kind: ErrorKind;
  edit: TextEdit;
  inverse: TextEdit;
}

/** A revise-agent training pair: the erroneous description, the correct one, and the operations between them. */
export interface RevisionPair {
  erroneous: string;
  correct: string;
  /** Applied in order to `correct` they give `erroneous`. */
  errors: InjectedError[];
  /** Applied in order to `erroneous` they give `correct` (the errors' inverses, last first). */
  repairs: TextEdit[];
}

/** Sentence spans `[start, end)` including the trailing space, so deleting one leaves clean text. */
export function sentenceSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const pattern = /[^.!?]+[.!?]+(?:\s+|$)|[^.!?]+$/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0].trim() !== '') spans.push({ start: match.index!, end: match.index! + match[0].length });
  }
  return spans;
}

function wordMatches(text: string): { start: number; end: number; replacement: string }[] {
  const found: { start: number; end: number; replacement: string }[] = [];
  for (const [a, b] of MODIFICATION_SWAPS) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const pattern = new RegExp(`(?<![\\w-])${from.replace(/[-]/g, '\\-')}(?![\\w-])`, 'gi');
      for (const match of text.matchAll(pattern)) {
        const original = match[0];
        const replacement = original[0] === original[0]!.toUpperCase() ? to[0]!.toUpperCase() + to.slice(1) : to;
        found.push({ start: match.index!, end: match.index! + original.length, replacement });
      }
    }
  }
  return found.sort((x, y) => x.start - y.start);
}

/** Proposes one error of the given kind, or undefined when the text offers none (e.g. one sentence to delete). */
export function proposeError(text: string, kind: ErrorKind, rng: Rng): TextEdit | undefined {
  const sentences = sentenceSpans(text);
  if (kind === 'deletion') {
    if (sentences.length < 2) return undefined;
    const span = rng.pick(sentences);
    return { start: span.start, end: span.end, insert: '' };
  }
  if (kind === 'addition') {
    const candidates = ADDITION_SENTENCES.filter((s) => !text.includes(s));
    if (candidates.length === 0) return undefined;
    const sentence = rng.pick(candidates);
    const boundaries = [0, ...sentences.map((s) => s.end)];
    const at = rng.pick(boundaries);
    // Inserted before the sentence starting at `at`, or appended with a separating space at the end.
    if (at >= text.length) return { start: text.length, end: text.length, insert: text.length > 0 && !/\s$/.test(text) ? ` ${sentence}` : sentence };
    return { start: at, end: at, insert: `${sentence} ` };
  }
  const words = wordMatches(text);
  if (words.length === 0) return undefined;
  const word = rng.pick(words);
  return { start: word.start, end: word.end, insert: word.replacement };
}

/**
 * Injects `count` errors (kinds drawn from `kinds`, falling back to another kind when the text
 * offers none) and records every inverse, so `repairs` turn the erroneous text back into the correct one.
 */
export function injectErrors(correct: string, rng: Rng, options: { count?: number; kinds?: readonly ErrorKind[] } = {}): RevisionPair {
  const kinds = options.kinds ?? (['addition', 'deletion', 'modification'] as const);
  const count = options.count ?? 1;
  let text = correct;
  const errors: InjectedError[] = [];
  for (let n = 0; n < count; n++) {
    const order = [rng.pick(kinds), ...rng.shuffle(kinds)];
    for (const kind of order) {
      const edit = proposeError(text, kind, rng);
      if (!edit) continue;
      const next = applyEdit(text, edit);
      errors.push({ kind, edit, inverse: invertEdit(text, edit) });
      text = next;
      break;
    }
  }
  return { erroneous: text, correct, errors, repairs: errors.map((e) => e.inverse).reverse() };
}

/** Applies the repairs of a pair to its erroneous text (equals `correct` by construction). */
export function repairText(pair: Pick<RevisionPair, 'erroneous' | 'repairs'>): string {
  return pair.repairs.reduce(applyEdit, pair.erroneous);
}
