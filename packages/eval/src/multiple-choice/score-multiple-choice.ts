import { CHOICE_LETTERS as LETTERS, parseChoiceLetter, type ChoiceLetterRule } from './parse-choice-letter';

/** One multiple-choice item: the prediction, the correct letter and the number of options. */
export interface ChoiceItem {
  id: string;
  prediction: string;
  answer: string;
  numChoices: number;
}

/** Accuracy (percentage, 2 decimals) with FAILED and out-of-range predictions counted wrong and reported. */
export interface ChoiceMetrics {
  n: number;
  correct: number;
  accuracy: number;
  failed: number;
  outOfRange: number;
  rules: Partial<Record<ChoiceLetterRule, number>>;
}

/** Scores multiple-choice predictions with {@link parseChoiceLetter}. */
export function scoreMultipleChoice(items: readonly ChoiceItem[]): ChoiceMetrics {
  let correct = 0, failed = 0, outOfRange = 0;
  const rules: Partial<Record<ChoiceLetterRule, number>> = {};
  for (const item of items) {
    const parsed = parseChoiceLetter(item.prediction, item.numChoices);
    if (parsed.letter === null) {
      failed++;
      continue;
    }
    rules[parsed.rule] = (rules[parsed.rule] ?? 0) + 1;
    if (LETTERS.indexOf(parsed.letter) >= item.numChoices) outOfRange++;
    else if (parsed.letter === item.answer.trim().toUpperCase()) correct++;
  }
  const n = items.length;
  return { n, correct, accuracy: n ? Math.round((correct / n) * 10000) / 100 : 0, failed, outOfRange, rules };
}
