import { describe, expect, it } from 'vitest';

import { datasetStats } from './dataset-stats';

describe('datasetStats', () => {
  it('counts images, rounds, words, placement and metadata', () => {
    const stats = datasetStats([
      { id: 'a', image: 'a.png', conversations: [{ from: 'human', value: '<image>\nWhat is it?' }, { from: 'gpt', value: 'A red circle.' }], prompt_id: 'p', teacher_model: 't', kind: 'conversation' },
      { id: 'a', image: ['b.png', 'c.png'], conversations: [{ from: 'human', value: 'Compare.\n<image>' }, { from: 'gpt', value: 'Same.' }, { from: 'human', value: 'Sure?' }, { from: 'gpt', value: 'Yes.' }] },
      { id: 'c', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello there' }] },
    ]);
    expect(stats).toMatchObject({
      records: 3,
      withImage: 2,
      textOnly: 1,
      multiImage: 1,
      rounds: { min: 1, max: 2 },
      imagePlacement: { before: 1, after: 1, elsewhere: 0 },
      byPromptId: { p: 1 },
      byTeacher: { t: 1 },
      byKind: { conversation: 1 },
      duplicateIds: 1,
    });
    expect(stats.rounds.mean).toBeCloseTo(4 / 3);
    expect(stats.meanWords.question).toBeCloseTo((3 + 1 + 1 + 1) / 4);
    expect(stats.meanWords.answer).toBeCloseTo((3 + 1 + 1 + 2) / 4);
  });
});
