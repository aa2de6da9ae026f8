import { describe, expect, it } from 'vitest';
import { createRng, llavaRecordSchema } from '@vlm/core';
import { formatConversationText } from './format-conversation-text';
import { defaultLeakRules } from './leakage-rules';
import { parseConversation, parseQuestionAnswerBlocks } from './parse-conversation';
import { conversationFormats, type QaPair } from './qa-pair';
import { descriptionToLlavaConversation, toLlavaConversation } from './to-llava-conversation';

const pairs: QaPair[] = [
  { question: 'What is on the table?', answer: 'A bowl of oranges and a glass of water.' },
  { question: 'How many oranges are there?', answer: 'There are five oranges.\n\nTwo of them are partly peeled, which suggests someone was about to eat them.' },
  { question: 'Is it day or night?', answer: 'It is daytime: sunlight comes in through the window on the left.' },
];

describe('render then parse', () => {
  for (const format of conversationFormats) {
    it(`round-trips ${format}`, () => {
      const outcome = parseConversation(format, formatConversationText(format, pairs));
      expect(outcome.ok && outcome.value).toEqual(pairs);
    });
  }

  it('rejects an output cut off at max_tokens as truncated, in every format', () => {
    for (const format of conversationFormats) {
      const cut = formatConversationText(format, pairs).slice(0, -20);
      expect(parseConversation(format, cut).ok).toBe(true); // the cut is invisible in the text
      expect(parseConversation(format, cut, { finishReason: 'length' })).toMatchObject({ ok: false, reason: 'truncated' });
      expect(parseConversation(format, cut, { finishReason: 'stop' }).ok).toBe(true);
    }
  });

  it('keeps CRLF outputs parseable', () => {
    const text = formatConversationText('question-answer-blocks', pairs).replace(/\n/g, '\r\n');
    const outcome = parseQuestionAnswerBlocks(text);
    expect(outcome.ok && outcome.value).toEqual(pairs);
  });

  it('can switch the leakage filter off', () => {
    const leaky = 'Question:\nWhat does the caption say?\n===\nAnswer:\nA cat.';
    expect(parseQuestionAnswerBlocks(leaky).ok).toBe(false);
    expect(parseQuestionAnswerBlocks(leaky, { filterLeakage: false }).ok).toBe(true);
    expect(parseQuestionAnswerBlocks(leaky, { rules: defaultLeakRules.filter((r) => r.reason !== 'mentions_caption') }).ok).toBe(true);
  });

  it('does not flag ordinary uses of context and description', () => {
    const text = 'User: What do these cells mean in the context of inflammation?\nAssistant: They are neutrophils; a description of their distribution helps grade the activity.';
    const outcome = parseConversation('user-assistant', text);
    expect(outcome.ok && outcome.stripped).toEqual([]);
  });
});

describe('toLlavaConversation', () => {
  it('places the image on either side by a seeded choice and yields valid LLaVA records', () => {
    const sides = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const turns = toLlavaConversation(pairs, { rng: createRng(seed) });
      const again = toLlavaConversation(pairs, { rng: createRng(seed) });
      expect(turns).toEqual(again);
      expect(turns.map((t) => t.from)).toEqual(['human', 'gpt', 'human', 'gpt', 'human', 'gpt']);
      const first = turns[0]?.value ?? '';
      sides.add(first.startsWith('<image>\n') ? 'before' : first.endsWith('\n<image>') ? 'after' : 'none');
      expect(turns.slice(1).some((t) => t.value.includes('<image>'))).toBe(false);
      expect(llavaRecordSchema.safeParse({ id: String(seed), image: 'a.jpg', conversations: turns }).success).toBe(true);
    }
    expect([...sides].sort()).toEqual(['after', 'before']);
  });

  it('supports fixed and no placement, and one-turn descriptions', () => {
    expect(toLlavaConversation(pairs.slice(0, 1), { placement: 'after' })[0]?.value).toBe('What is on the table?\n<image>');
    expect(toLlavaConversation(pairs.slice(0, 1), { placement: 'none' })[0]?.value).toBe('What is on the table?');
    expect(descriptionToLlavaConversation('Describe the image concisely.', 'A cat.', { placement: 'before' })).toEqual([
      { from: 'human', value: '<image>\nDescribe the image concisely.' },
      { from: 'gpt', value: 'A cat.' },
    ]);
    expect(() => toLlavaConversation(pairs)).toThrow(/seeded rng/);
    expect(() => toLlavaConversation([], { placement: 'none' })).toThrow(/at least one/);
  });
});
