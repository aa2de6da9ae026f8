import { describe, expect, it } from 'vitest';
import { VlmError } from '../errors/vlm-error';
import { createHfTokenizer } from './hf-tokenizer';
import { trainBpeTokenizer } from './train-bpe';

const CORPUS = [
  'What color is the circle? Answer briefly.',
  'What shape is the red object? Answer briefly.',
  'A red circle at the top left and a blue square at the bottom right.',
  'There are two shapes: a red circle and a blue square.',
  'Where is the blue square? Answer briefly.',
];

describe('trainBpeTokenizer', () => {
  it('learns whole words as single pieces and round-trips its corpus', () => {
    const json = trainBpeTokenizer(CORPUS, { vocabSize: 400 });
    const tok = createHfTokenizer(json);
    for (const text of CORPUS) expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe(text);
    expect(tok.encodeText('circle')).toEqual([json.model.vocab['\u2581circle' as keyof typeof json.model.vocab]]);
    // The first sentence is far shorter than its 41 bytes.
    expect(tok.encode(CORPUS[0] as string).length).toBeLessThan(15);
  });

  it('adds BOS, maps </s> to the EOS id, and falls back to bytes for unseen characters', () => {
    const tok = createHfTokenizer(trainBpeTokenizer(CORPUS, { vocabSize: 400 }));
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
    const ids = tok.encode('Zebra ünïcode 🎉 circle</s>');
    expect(ids[0]).toBe(1);
    expect(ids.at(-1)).toBe(2);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Zebra ünïcode 🎉 circle');
  });

  it('depends only on the corpus, not on its order, and respects vocabSize', () => {
    const a = trainBpeTokenizer(CORPUS, { vocabSize: 300 });
    const b = trainBpeTokenizer([...CORPUS].reverse(), { vocabSize: 300 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(Object.keys(a.model.vocab)).toHaveLength(300);
    const all = trainBpeTokenizer(CORPUS, { vocabSize: 5000 });
    // Stops when no pair occurs twice, well below the cap.
    expect(Object.keys(all.model.vocab).length).toBeLessThan(5000);
    expect((all.model.merges as string[]).length).toBeGreaterThan(20);
  });

  it('rejects options it cannot honour', () => {
    expect(() => trainBpeTokenizer(CORPUS, { vocabSize: 100 })).toThrow(VlmError);
    expect(() => trainBpeTokenizer(CORPUS, { bosToken: '<bos>' })).toThrow(/not one of the special tokens/);
  });
});
