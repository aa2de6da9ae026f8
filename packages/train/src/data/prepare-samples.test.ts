import { type ConversationRecord, IGNORE_INDEX, createByteTokenizer } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { prepareSample, prepareSamples } from './prepare-samples';

const record: ConversationRecord = {
  id: 'two-rounds',
  conversations: [
    { from: 'human', value: 'First?' },
    { from: 'gpt', value: 'one' },
    { from: 'human', value: 'Second?' },
    { from: 'gpt', value: 'two' },
  ],
};

describe('prepareSample', () => {
  it('trains every answer by default and only the last with lastTurnOnly (the stage option reaches the masks)', () => {
    const tokenizer = createByteTokenizer();
    const all = prepareSample(record, 0, { tokenizer, template: 'vicuna_v1' });
    const last = prepareSample(record, 0, { tokenizer, template: 'vicuna_v1', lastTurnOnly: true });
    expect(all.inputIds).toEqual(last.inputIds);
    const trained = (labels: number[]) => tokenizer.decode(labels.filter((l) => l !== IGNORE_INDEX), { skipSpecialTokens: false });
    expect(trained(all.labels)).toBe(' one</s> two</s>');
    expect(trained(last.labels)).toBe(' two</s>');
  });

  it('prepareSamples stops at the first record that does not format, naming its row', () => {
    const tokenizer = createByteTokenizer();
    const bad: ConversationRecord = { id: 'bad', conversations: [{ from: 'gpt', value: 'no question' }] };
    expect(() => prepareSamples([record, bad], { tokenizer, template: 'vicuna_v1' })).toThrow(/Expected a human turn/);
  });
});
