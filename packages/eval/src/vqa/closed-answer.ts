import { normalizeAnswerWords } from './normalize-answer';

/** The yes/no verdict read from a prediction: one of the words, both (ambiguous) or neither. */
export type YesNoVerdict = 'yes' | 'no' | 'ambiguous' | 'none';

/**
 * Reads yes/no from a prediction on whole words: "not" and "normal" are not "no" (upstream LLaVA-Med
 * tested substrings, so "normal" counted as a "no"). A prediction holding both words is ambiguous.
 */
export function yesNoVerdict(prediction: string): YesNoVerdict {
  const words = new Set(normalizeAnswerWords(prediction));
  const yes = words.has('yes');
  const no = words.has('no');
  if (yes && no) return 'ambiguous';
  if (yes) return 'yes';
  if (no) return 'no';
  return 'none';
}

/** True when a reference answer is a closed yes/no answer ("Yes", "no.", ...). */
export function isYesNoAnswer(reference: string): boolean {
  const words = normalizeAnswerWords(reference);
  return words.length === 1 && (words[0] === 'yes' || words[0] === 'no');
}

/** Outcome of scoring one closed answer. */
export interface ClosedAnswerScore {
  correct: boolean;
  /** For yes/no references: the verdict read from the prediction. */
  verdict?: YesNoVerdict;
}

/**
 * Scores a closed answer. Yes/no references compare the prediction's verdict (ambiguous or missing is
 * wrong). Other closed references (a choice such as "left") need their normalised words to appear as a
 * contiguous run of whole words in the prediction.
 */
export function scoreClosedAnswer(prediction: string, reference: string): ClosedAnswerScore {
  if (isYesNoAnswer(reference)) {
    const verdict = yesNoVerdict(prediction);
    return { correct: verdict === normalizeAnswerWords(reference)[0], verdict };
  }
  const ref = normalizeAnswerWords(reference);
  if (ref.length === 0) throw new RangeError(`reference answer ${JSON.stringify(reference)} has no words after normalisation`);
  const pred = normalizeAnswerWords(prediction);
  for (let start = 0; start + ref.length <= pred.length; start++) {
    if (ref.every((word, k) => pred[start + k] === word)) return { correct: true };
  }
  return { correct: false };
}
