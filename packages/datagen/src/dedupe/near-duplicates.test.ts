import { describe, expect, it } from 'vitest';

import { normalisedConversationText, removeNearDuplicates } from './near-duplicates';

const record = (id: string, q: string, a: string, image = `${id}.jpg`) => ({ id, image, conversations: [{ from: 'human', value: q }, { from: 'gpt', value: a }] });

describe('near-duplicate removal', () => {
  it('treats case, punctuation, spacing, the image token and the image itself as noise', () => {
    expect(normalisedConversationText(record('a', '<image>\nWhat is shown?', 'A  red square.'))).toBe(normalisedConversationText(record('b', 'what is SHOWN', 'a red square', 'other.jpg')));
    expect(normalisedConversationText(record('a', 'What is shown?', 'A red square.'))).not.toBe(normalisedConversationText(record('b', 'What is shown?', 'A blue square.')));
  });

  it('keeps the first of each text across the whole dataset and counts the rest', () => {
    const records = [
      record('1', 'What is shown?', 'A red square.'),
      record('2', 'What is shown?', 'A blue circle.'),
      record('3', '<image>\nwhat is shown', 'a red square!'),
      record('4', 'What is shown?', 'A blue circle.'),
      record('5', 'How many?', 'Two.'),
    ];
    const { kept, removed } = removeNearDuplicates(records);
    expect(kept.map((r) => r.id)).toEqual(['1', '2', '5']);
    expect(removed).toBe(2);
  });
});
