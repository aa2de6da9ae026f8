import { VlmError } from '@vlm/core';
import { SCIENCEQA_LETTERS } from './format-question';
import { parseScienceQaAnswer, type ScienceQaParsing } from './parse-answer';
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

/**
 * Where a problem without a prediction counts. `toolkit` (default): wrong, overall and in the image
 * subset when the problem has an image. `upstream`: as LLaVA's `eval_science_qa.py`, wrong overall but
 * left out of the image subset (its placeholder for a missing prediction has the prompt "Unknown", which
 * holds no `<image>`), so the image accuracy of a partial run is computed over the answered image questions.
 */
export type ScienceQaMissingRule = 'toolkit' | 'upstream';

/** ScienceQA accuracy overall and on image questions, with every failure counted. */
export interface ScienceQaMetrics {
  /** How missing predictions entered the image subset (see {@link ScienceQaMissingRule}). */
  missingRule: ScienceQaMissingRule;
  /** Which answer-parsing rules were applied (see {@link ScienceQaParsing}). */
  parsing: ScienceQaParsing;
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
 * `missingRule: 'upstream'` leaves missing image questions out of the image subset, and `parsing:
 * 'upstream'` parses answers with LLaVA's exact pattern, so both options together reproduce LLaVA's figures.
 */
export function scoreScienceQa(
  problems: ReadonlyMap<string, ScienceQaProblem>,
  predictions: ReadonlyMap<string, string>,
  options: { ids?: readonly string[]; missingRule?: ScienceQaMissingRule; parsing?: ScienceQaParsing } = {},
): ScienceQaMetrics {
  const missingRule = options.missingRule ?? 'toolkit';
  const parsing = options.parsing ?? 'toolkit';
  if (parsing !== 'toolkit' && parsing !== 'upstream') {
    throw new VlmError('scienceqa_bad_parsing', `parsing must be toolkit or upstream, got ${JSON.stringify(parsing)}.`, { location: { field: 'parsing' } });
  }
  if (missingRule !== 'toolkit' && missingRule !== 'upstream') {
    throw new VlmError('scienceqa_bad_missing_rule', `missingRule must be toolkit or upstream, got ${JSON.stringify(missingRule)}.`, { location: { field: 'missingRule' } });
  }
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
    const parsed = parseScienceQaAnswer(prediction, parsing);
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
  const imageItems = items.filter((i) => i.hasImage && !(missingRule === 'upstream' && i.status === 'missing'));
  return { missingRule, parsing, overall: group(items), image: group(imageItems), failed, outOfRange, missing, bySubject, items };
}
