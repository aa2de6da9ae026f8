/** One timed piece of narration: an ASR segment or subtitle cue, times in seconds. */
export interface Utterance {
  start: number;
  end: number;
  text: string;
  /** Word-level times when the transcript carries them. */
  words?: TimedWord[];
}

/** One word with its own start and end time in seconds. */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

/** Collapses whitespace so word counts and joined captions do not depend on line breaks. */
export function cleanCueText(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Counts whitespace-separated words, as the upstream clustering does with `str.split()`. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
