const ARTICLES = new Set(['a', 'an', 'the']);

// zero..twenty. "none" is deliberately NOT mapped to 0 (the VQA v2 evaluator does): in pathology "none of
// the above" or "none seen" must not turn into a count.
const NUMBER_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16',
  seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20',
};

/**
 * The words of an answer after normalisation: lower case, punctuation removed (a decimal point between
 * digits is kept, an apostrophe inside a word is dropped so "don't" stays one word), articles removed,
 * number words zero..twenty written as digits.
 */
export function normalizeAnswerWords(text: string): string[] {
  const lowered = text.toLowerCase().normalize('NFKC');
  const cleaned = lowered
    .replace(/(\d)\.(\d)/g, '$1\u0000$2')
    .replace(/(\p{L})['’](\p{L})/gu, '$1$2')
    .replace(/[^\p{L}\p{N}\u0000]+/gu, ' ')
    .replace(/\u0000/g, '.');
  const words: string[] = [];
  for (const word of cleaned.split(/\s+/)) {
    if (word === '' || ARTICLES.has(word)) continue;
    words.push(NUMBER_WORDS[word] ?? word);
  }
  return words;
}

/** The normalised answer as one string (words joined by single spaces). */
export function normalizeAnswer(text: string): string {
  return normalizeAnswerWords(text).join(' ');
}
