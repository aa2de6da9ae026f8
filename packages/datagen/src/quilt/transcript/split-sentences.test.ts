import { describe, expect, it } from 'vitest';

import { splitSentences } from './split-sentences';
import type { Utterance } from './utterance';

function timed(text: string, start: number, step = 0.5): Utterance {
  const words = text.split(' ').map((word, i) => ({ word, start: start + i * step, end: start + (i + 1) * step }));
  return { start, end: start + words.length * step, text, words };
}

describe('splitSentences', () => {
  it('splits an ASR segment at sentence ends, each sentence on its own words’ times', () => {
    const segment = timed('Down here the tumour infiltrates. Up in the corner the glands are crowded! Is that necrosis? Yes.', 10);
    const sentences = splitSentences([segment]);
    expect(sentences.map((s) => s.text)).toEqual(['Down here the tumour infiltrates.', 'Up in the corner the glands are crowded!', 'Is that necrosis?', 'Yes.']);
    expect(sentences.map((s) => [s.start, s.end])).toEqual([
      [10, 12.5],
      [12.5, 16.5],
      [16.5, 18],
      [18, 18.5],
    ]);
    expect(sentences[1]!.words!.map((w) => w.word)).toEqual(['Up', 'in', 'the', 'corner', 'the', 'glands', 'are', 'crowded!']);
  });

  it('does not split at abbreviations, decimals or a period followed by a lower-case word', () => {
    const text = 'Note e.g. the nuclei of 2.5 µm. Dr. Smith calls it grade 2. and so on';
    expect(splitSentences([timed(text, 0)]).map((s) => s.text)).toEqual(['Note e.g. the nuclei of 2.5 µm.', 'Dr. Smith calls it grade 2. and so on']);
  });

  it('keeps the utterance’s own start and end at the outer edges, and closing quotes with their sentence', () => {
    const segment = { ...timed('He said "stop." Then it ended.', 3), start: 2.5, end: 7 };
    const sentences = splitSentences([segment]);
    expect(sentences.map((s) => s.text)).toEqual(['He said "stop."', 'Then it ended.']);
    expect(sentences[0]!.start).toBe(2.5);
    expect(sentences[1]!.end).toBe(7);
  });

  it('returns utterances without word times or with one sentence unchanged', () => {
    const plain: Utterance = { start: 0, end: 4, text: 'One sentence. Another one.' };
    const single = timed('Just one sentence here.', 5);
    expect(splitSentences([plain, single])).toEqual([plain, single]);
  });
});
