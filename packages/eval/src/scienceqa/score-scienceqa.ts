import { VlmError } from '@vlm/core';
import { SCIENCEQA_LETTERS } from './format-question';
import { parseScienceQaAnswer } from './parse-answer';
import type { ScienceQaProblem } from './problem';

/** Accuracy of one group of problems, as a percentage with 2 decimals. */
export interface AccuracyGroup {
  n: number;
  correct: number;
  accuracy: number;
}

/** Per-problem outcome. */
export interface ScienceQaItemScore {
  id: string;
  hasImage: boolean;
  subject?: string;
  /** Parsed letter; null when parsing FAILED or the prediction is missing. */
  predicted: string | null;
  expected: string;
  correct: boolean;
  status: 'parsed' | 'failed' | 'out-of-range' | 'missing';
}

/** ScienceQA accuracy overall and on image questions, with every failure counted. */
export interface ScienceQaMetrics {
  overall: AccuracyGroup;
  image: AccuracyGroup;
  /** Predictions no parsing rule understood (counted wrong). */
  failed: number;
  /** Parsed letters beyond the problem's choices (counted wrong). */
  outOfRange: number;
  /** Problems of the evaluated set without a prediction (counted wrong). */
  missing: number;
  /** Accuracy per subject (natural / social / language science), when problems carry one. */
  bySubject: Record<string, AccuracyGroup>;
  items: ScienceQaItemScore[];
}

function group(items: readonly ScienceQaItemScore[]): AccuracyGroup {
  const correct = items.filter((i) => i.correct).length;
  return { n: items.length, correct, accuracy: items.length ? Math.round((correct / items.length) * 10000) / 100 : 0 };
}

/**
 * Scores ScienceQA predictions. `ids` is the evaluated split (default: the predicted ids); a problem of
 * the split without a prediction counts as wrong and as missing, so a partial run cannot look better.
 */
export function scoreScienceQa(
  problems: ReadonlyMap<string, ScienceQaProblem>,
  predictions: ReadonlyMap<string, string>,
  options: { ids?: readonly string[] } = {},
): ScienceQaMetrics {
  const ids = options.ids ?? [...predictions.keys()];
  const items: ScienceQaItemScore[] = [];
  let failed = 0, outOfRange = 0, missing = 0;
  for (const id of ids) {
    const problem = problems.get(id);
    if (!problem) {
      throw new VlmError('scienceqa_unknown_id', `Prediction for unknown ScienceQA problem ${JSON.stringify(id)}.`, {
        location: { id },
        hint: 'Score predictions against the problems.json they were made from.',
      });
    }
    const expected = SCIENCEQA_LETTERS[problem.answer] as string;
    const hasImage = Boolean(problem.image);
    const base = { id, hasImage, ...(problem.subject ? { subject: problem.subject } : {}), expected };
    const prediction = predictions.get(id);
    if (prediction === undefined) {
      missing++;
      items.push({ ...base, predicted: null, correct: false, status: 'missing' });
      continue;
    }
    const parsed = parseScienceQaAnswer(prediction);
    if (parsed.letter === null) {
      failed++;
      items.push({ ...base, predicted: null, correct: false, status: 'failed' });
      continue;
    }
    const index = SCIENCEQA_LETTERS.indexOf(parsed.letter as (typeof SCIENCEQA_LETTERS)[number]);
    if (index < 0 || index >= problem.choices.length) {
      outOfRange++;
      items.push({ ...base, predicted: parsed.letter, correct: false, status: 'out-of-range' });
      continue;
    }
    items.push({ ...base, predicted: parsed.letter, correct: parsed.letter === expected, status: 'parsed' });
  }
  const bySubject: Record<string, AccuracyGroup> = {};
  for (const subject of [...new Set(items.flatMap((i) => (i.subject ? [i.subject] : [])))].sort()) {
    bySubject[subject] = group(items.filter((i) => i.subject === subject));
  }
  return { overall: group(items), image: group(items.filter((i) => i.hasImage)), failed, outOfRange, missing, bySubject, items };
}
