import { SCIENCEQA_LETTERS } from './format-question';

/** A parsed ScienceQA prediction: the letter, or FAILED when no rule matched. */
export type ScienceQaParse = { letter: string; rule: 'letter' | 'letter-dot' | 'the-answer-is' } | { letter: null; rule: 'failed' };

const OPTIONS: readonly string[] = SCIENCEQA_LETTERS;
// Upstream's pattern is `The answer is ([A-Z]).` where the dot matches any character, so "The answer is A"
// at the very end never matched and "The answer is Apple" did. Here the letter must stand alone.
const THE_ANSWER_IS = /The answer is \(?([A-Z])\)?(?![A-Za-z0-9])/g;
// LLaVA's eval_science_qa.py, character for character: `re.compile(r'The answer is ([A-Z]).')`.
const UPSTREAM_THE_ANSWER_IS = /The answer is ([A-Z])./g;

/**
 * Which parsing rules apply. `toolkit` (default): the prediction is trimmed and "The answer is X" needs
 * the letter to stand alone (optionally in parentheses). `upstream`: exactly LLaVA's `eval_science_qa.py`:
 * no trimming, and `The answer is ([A-Z]).` where the dot is any character, so "The answer is B" at the
 * very end fails and "The answer is Apple." reads as A.
 */
export type ScienceQaParsing = 'toolkit' | 'upstream';

/**
 * Parses a ScienceQA prediction in LLaVA's order: the whole prediction is a letter A–E; it starts with
 * "X. "; the phrase "The answer is X" occurs exactly once; else FAILED (counted wrong, never a random
 * guess as in some upstream versions). The letter is returned even when beyond the problem's choices,
 * so the scorer can count it wrong and report it.
 */
export function parseScienceQaAnswer(prediction: string, parsing: ScienceQaParsing = 'toolkit'): ScienceQaParse {
  const text = parsing === 'upstream' ? prediction : prediction.trim();
  if (OPTIONS.includes(text)) return { letter: text, rule: 'letter' };
  if (text.length >= 3 && OPTIONS.includes(text[0] ?? '') && text.slice(1, 3) === '. ') return { letter: text[0] as string, rule: 'letter-dot' };
  const found = [...text.matchAll(parsing === 'upstream' ? UPSTREAM_THE_ANSWER_IS : THE_ANSWER_IS)];
  if (found.length === 1 && found[0]?.[1] !== undefined) return { letter: found[0][1], rule: 'the-answer-is' };
  return { letter: null, rule: 'failed' };
}
