import type { QaPair } from '@vlm/prompts';

/** Lower-case, punctuation-free, single-spaced form of a question, for duplicate detection. */
export function normaliseQuestion(question: string): string {
  return question
    .toLowerCase()
    .replace(/<image>/g, ' ')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Drops pairs whose question repeats an earlier one (after normalisation); returns kept and removed. */
export function dedupeQuestions(pairs: readonly QaPair[]): { kept: QaPair[]; removed: QaPair[] } {
  const seen = new Set<string>();
  const kept: QaPair[] = [];
  const removed: QaPair[] = [];
  for (const pair of pairs) {
    const key = normaliseQuestion(pair.question);
    if (seen.has(key)) removed.push(pair);
    else {
      seen.add(key);
      kept.push(pair);
    }
  }
  return { kept, removed };
}
