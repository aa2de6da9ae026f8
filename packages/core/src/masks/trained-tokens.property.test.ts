import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../constants';
import { formatConversation, trainedText } from '../format/format-conversation';
import { createByteTokenizer } from '../tokenizers/byte-tokenizer';
import { loadLlama2Tokenizer } from '../tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { tokenizeConversation } from './tokenize-conversation';

// Text pieces chosen to stress the masks: separators and special strings of every template, unicode
// outside the vocabulary (byte fallback), whitespace runs and newlines.
const piece = fc.oneof(
  fc.constantFrom('the', 'cat', 'Orange', 'tissue', ' ', '  ', '\n', '.', ',', '?', '###', ' ASSISTANT: ', 'USER:', '</s>', '<s>', '[INST]', '<|im_end|>', 'é', '镇', '🦙', 'Ꙋ', '\t', '#', ':'),
  fc.string({ minLength: 1, maxLength: 6 }),
);
const text = fc.array(piece, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
const nonBlank = text.filter((t) => t.trim().length > 0 && !t.includes('<image>'));
const conversation = fc.record({
  rounds: fc.array(fc.tuple(nonBlank, nonBlank), { minLength: 1, maxLength: 3 }),
  image: fc.boolean(),
});

let llama: Tokenizer;
beforeAll(async () => {
  llama = (await loadLlama2Tokenizer()).withSpecialTokens(['<|im_start|>', '<|im_end|>']);
});

function check(tokenizer: Tokenizer, template: string, c: { rounds: [string, string][]; image: boolean }, exactDecode: boolean): void {
  const record = {
    id: 'prop',
    ...(c.image ? { image: 'x.jpg' } : {}),
    conversations: c.rounds.flatMap(([q, a], i) => [
      { from: 'human' as const, value: i === 0 && c.image ? `<image>\n${q}` : q },
      { from: 'gpt' as const, value: a },
    ]),
  };
  const f = formatConversation(record, { template });
  const t = tokenizeConversation(f, tokenizer);
  const expected = trainedText(f).join('');
  const trainedIds: number[] = [];
  // byte-fallback tokens of one character share its offsets, so union the ranges
  let fromOffsets = '';
  let covered = 0;
  for (let i = 0; i < t.labels.length; i++) {
    if (t.labels[i] === IGNORE_INDEX) continue;
    trainedIds.push(t.labels[i]!);
    const start = Math.max(t.offsets[2 * i]!, covered);
    const end = t.offsets[2 * i + 1]!;
    if (end > start) fromOffsets += f.text.slice(start, end);
    covered = Math.max(covered, end);
  }
  expect(fromOffsets).toBe(expected);
  if (exactDecode) expect(tokenizer.decode(trainedIds, { stripLeadingSpace: false })).toBe(expected);
  // every stop string is trained as its own token(s) and ends the answer
  expect(trainedIds.filter((id) => id === tokenizer.specialTokens.get(f.stopString)).length).toBe(tokenizer.specialTokens.has(f.stopString) ? c.rounds.length : 0);
}

describe('decoded trained tokens are exactly the answers plus their stop strings', () => {
  for (const template of ['vicuna_v1', 'llava_v0', 'llava_llama_2', 'mpt', 'llava_v0_train', 'chatml']) {
    it(`LLaMA-2 tokenizer, ${template}`, () => {
      fc.assert(fc.property(conversation, (c) => check(llama, template, c, true)), { seed: 42, numRuns: 120 });
    });
  }

  it('LLaMA-2 tokenizer, plain (the caption after an image starts a fresh chunk: offsets exact)', () => {
    fc.assert(fc.property(conversation, (c) => check(llama, 'plain', c, false)), { seed: 42, numRuns: 120 });
  });

  it('byte tokenizer, every template', () => {
    const bytes = createByteTokenizer();
    for (const template of ['vicuna_v1', 'llava_v0', 'llava_llama_2', 'mpt', 'plain', 'mistral_instruct']) {
      fc.assert(fc.property(conversation, (c) => check(bytes, template, c, true)), { seed: 7, numRuns: 60 });
    }
  });
});
