/** Which rule of the cascade found the letter. */
export type ChoiceLetterRule =
  | 'exact-letter'
  | 'letter-colon-or-dot'
  | 'single-capital'
  | 'option-x'
  | 'space-x-colon'
  | 'quoted-x'
  | 'is-x';

/** A parsed multiple-choice prediction, or FAILED. */
export type ChoiceLetterParse = { letter: string; rule: ChoiceLetterRule } | { letter: null; rule: 'failed' };

/** Capital letters in option order. */
export const CHOICE_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LETTERS = CHOICE_LETTERS;

/**
 * Reads the chosen option letter with the PMC-VQA cascade, first rule that matches wins: the whole
 * prediction is a letter; it starts with "X:" or "X."; exactly one standalone option letter appears;
 * "option X"; " X:"; "'X'"; "is X"; else FAILED. `numChoices` bounds which letters count as options for
 * the single-capital rule (so the pronoun "I" is not read as a choice); the other rules return any
 * capital letter and the scorer counts one beyond the choices as wrong.
 */
export function parseChoiceLetter(prediction: string, numChoices = 4): ChoiceLetterParse {
  const text = prediction.trim();
  const options = LETTERS.slice(0, Math.max(1, Math.min(26, numChoices)));
  if (text.length === 1 && LETTERS.includes(text)) return { letter: text, rule: 'exact-letter' };
  const head = /^([A-Z])[:.](?![A-Za-z0-9])/.exec(text);
  if (head?.[1]) return { letter: head[1], rule: 'letter-colon-or-dot' };
  const standalone = new Set([...text.matchAll(/(?<![A-Za-z0-9])([A-Z])(?![A-Za-z0-9]|['’][a-z])/g)].map((m) => m[1] as string));
  const candidates = [...standalone].filter((l) => options.includes(l));
  if (candidates.length === 1 && standalone.size === 1) return { letter: candidates[0] as string, rule: 'single-capital' };
  const rules: Array<[ChoiceLetterRule, RegExp]> = [
    ['option-x', /\boption\s*\(?([A-Z])\)?(?![A-Za-z0-9])/i],
    ['space-x-colon', / ([A-Z]):/],
    ['quoted-x', /'([A-Z])'/],
    ['is-x', /\bis\s+\(?([A-Z])\)?(?![A-Za-z0-9])/],
  ];
  for (const [rule, pattern] of rules) {
    const match = pattern.exec(text);
    const letter = match?.[1];
    if (letter !== undefined && LETTERS.includes(letter)) return { letter, rule };
  }
  return { letter: null, rule: 'failed' };
}
