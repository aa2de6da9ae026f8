import { beforeAll, describe, expect, it } from 'vitest';
import { formatConversation } from '../format/format-conversation';
import { loadLlama2Tokenizer } from '../tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { tokenizeConversation } from './tokenize-conversation';

// Texts that stress word splitting and offsets: runs of spaces, tabs and newlines, accents, CJK, emoji
// (byte fallback), a special string and a separator inside an answer.
const records = [
  { id: 'a', image: 'a.png', conversations: [
    { from: 'human' as const, value: '<image>\nWhat   is  shown?\tExplain.' },
    { from: 'gpt' as const, value: '  Café résumé: naïve 细胞 🧫 cells,\n\nthen </s> and " ASSISTANT: " text.  ' },
  ] },
  { id: 'b', conversations: [
    { from: 'system' as const, value: 'You are a pathology assistant.' },
    { from: 'human' as const, value: 'Grade it ###' },
    { from: 'gpt' as const, value: 'Grade 2 (moderately differentiated).' },
    { from: 'human' as const, value: ' leading space and trailing ' },
    { from: 'gpt' as const, value: '\u{1F52C}\u{1F52C} x' },
  ] },
];

let llama: Tokenizer;
beforeAll(async () => {
  llama = (await loadLlama2Tokenizer()).withSpecialTokens(['<|im_start|>', '<|im_end|>']);
});

describe('word-cached fast path', () => {
  it('gives the ids, labels and offsets of aligning tokens one by one, cached or not', () => {
    // A copy of the tokenizer that cannot give offsets: tokenizeConversation aligns every token itself.
    const aligning: Tokenizer = { ...llama, encodeTextAligned: () => undefined };
    for (const template of ['vicuna_v1', 'llava_v0_train', 'llava_llama_2', 'mpt', 'plain']) {
      for (const [row, record] of records.entries()) {
        const f = formatConversation(record, { template, row });
        const slow = tokenizeConversation(f, aligning);
        // twice: the second call reads template runs and words from the caches
        for (let k = 0; k < 2; k++) {
          const fast = tokenizeConversation(f, llama);
          expect(Array.from(fast.inputIds)).toEqual(Array.from(slow.inputIds));
          expect(Array.from(fast.labels)).toEqual(Array.from(slow.labels));
          expect(Array.from(fast.offsets)).toEqual(Array.from(slow.offsets));
        }
        // and, without an image to split the prompt, the ids are those of encoding the whole prompt
        if (record.image === undefined) expect(Array.from(slow.inputIds)).toEqual(llama.encode(f.text));
      }
    }
  });
});
