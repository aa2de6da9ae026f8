import { normalizeAnswerWords } from './normalize-answer';

/** Word overlap of a prediction with a reference answer, each in [0, 1]. */
export interface OpenAnswerScore {
  recall: number;
  precision: number;
  f1: number;
}

function counts(words: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const w of words) map.set(w, (map.get(w) ?? 0) + 1);
  return map;
}

/**
 * Recall (tp / reference words), precision (tp / predicted words) and F1 of an open answer after
 * normalisation. Words are counted as a multiset: a reference word repeated twice needs two matches.
 * An empty prediction scores 0; an empty reference is a caller error.
 */
export function scoreOpenAnswer(prediction: string, reference: string): OpenAnswerScore {
  const ref = normalizeAnswerWords(reference);
  if (ref.length === 0) throw new RangeError(`reference answer ${JSON.stringify(reference)} has no words after normalisation`);
  const pred = normalizeAnswerWords(prediction);
  const predCounts = counts(pred);
  let tp = 0;
  for (const [word, n] of counts(ref)) tp += Math.min(n, predCounts.get(word) ?? 0);
  const recall = tp / ref.length;
  const precision = pred.length === 0 ? 0 : tp / pred.length;
  const f1 = recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
  return { recall, precision, f1 };
}
