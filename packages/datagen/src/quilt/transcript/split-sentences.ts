import type { TimedWord, Utterance } from './utterance';

/** A word that ends a sentence: `.`, `!`, `?` or `…`, possibly followed by closing quotes or brackets. */
const SENTENCE_END = /[.!?…]["'”’)\]]*$/;
/** Words whose final period is not a sentence end. */
const ABBREVIATION = /^(?:[A-Za-z]|e\.g|i\.e|cf|vs|etc|approx|Dr|Mr|Mrs|Ms|Prof|St|Fig|No|Nr|ca)\.$/i;
/** A sentence starts with a capital, a digit, or an opening quote or bracket. */
const SENTENCE_START = /^["'“‘(\[]*[\p{Lu}\p{N}]/u;

function endsSentence(word: TimedWord, next: TimedWord | undefined): boolean {
  if (!next || !SENTENCE_END.test(word.word)) return false;
  if (ABBREVIATION.test(word.word.replace(/["'”’)\]]+$/, ''))) return false;
  return SENTENCE_START.test(next.word);
}

/**
 * Splits utterances into sentences by their word times: an ASR segment often holds several sentences,
 * and each should be grounded on the cursor points of its own time window. A sentence ends at a word
 * ending in `.`, `!`, `?` or `…` (not an abbreviation such as "e.g." or "Dr.") followed by a word that
 * starts with a capital or a digit. Each sentence's text is its words joined by spaces, its window runs
 * from its first word's start to its last word's end (the first and last sentence keep the utterance's
 * own start and end). Utterances without word times, or holding one sentence, are returned unchanged.
 */
export function splitSentences(utterances: readonly Utterance[]): Utterance[] {
  return utterances.flatMap((u) => {
    const words = u.words;
    if (!words || words.length < 2) return [u];
    const groups: TimedWord[][] = [[]];
    words.forEach((word, i) => {
      groups[groups.length - 1]!.push(word);
      if (endsSentence(word, words[i + 1])) groups.push([]);
    });
    if (groups.length < 2) return [u];
    return groups.map((group, i) => ({
      start: i === 0 ? Math.min(u.start, group[0]!.start) : group[0]!.start,
      end: i === groups.length - 1 ? Math.max(u.end, group[group.length - 1]!.end) : group[group.length - 1]!.end,
      text: group.map((w) => w.word).join(' '),
      words: group,
    }));
  });
}
