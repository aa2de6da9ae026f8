import type { ClipTokenizer } from './clip-tokenizer';

/**
 * Cuts text at a word boundary so that it fits `budget` tokens (start and end tokens included):
 * the longest prefix of whole words that fits, found by binary search. Returns the text unchanged
 * when it already fits.
 */
export function truncateToBudget(text: string, tokenizer: ClipTokenizer, budget: number): string {
  if (tokenizer.count(text) <= budget) return text;
  const words = text.trim().split(/\s+/);
  let low = 0;
  let high = words.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (tokenizer.count(words.slice(0, mid).join(' ')) <= budget) low = mid;
    else high = mid - 1;
  }
  return words.slice(0, low).join(' ');
}
