import { describe, expect, it } from 'vitest';

import { SHORT_ANSWER_PROMPT } from '../response-format';
import { convertFixture } from './__fixtures__/convert-fixture';
import { mostFrequentAnswer } from './rows';

const inputs = { questions: 'v2_OpenEnded_mscoco_train2014_questions.json', annotations: 'v2_mscoco_train2014_annotations.json' };

describe('VQAv2 converter', () => {
  it('writes one single-turn record per question with the most frequent answer and the short-answer prompt', async () => {
    const { records, report } = await convertFixture('vqav2', inputs, { merge: false });
    expect(records.map((r) => [r.id, r.conversations[1]!.value])).toEqual([
      ['458752000', 'net'],
      ['458752001', 'pitcher'],
      ['262146000', 'skateboard'], // 5 vs 5 with "ramp": the tie goes to multiple_choice_answer
      ['458752002', 'orange'],
    ]);
    expect(records[0]).toMatchObject({
      image: 'train2014/COCO_train2014_000000458752.jpg',
      source: 'vqav2',
      conversations: [
        { from: 'human', value: `<image>\nWhat is this photo taken looking through?\n${SHORT_ANSWER_PROMPT}` },
        { from: 'gpt', value: 'net' },
      ],
    });
    expect(report).toMatchObject({ pairs: 4, records: 4, turns: 4, issueCount: 2 });
  });

  it('merges the questions of one image into a multi-turn record in a seeded order, image token and format prompt on the first question', async () => {
    const a = await convertFixture('vqav2', inputs, { seed: 1 });
    expect(a.records.map((r) => [r.id, r.conversations.length])).toEqual([
      ['458752', 6],
      ['262146', 2], // one id rule: an image with one question takes the image's id too
    ]);
    const merged = a.records[0]!;
    const questions = merged.conversations.filter((t) => t.from === 'human').map((t) => t.value);
    expect(questions[0]!.startsWith('<image>\n')).toBe(true);
    expect(questions[0]!.endsWith(`?\n${SHORT_ANSWER_PROMPT}`)).toBe(true);
    expect(questions.slice(1).some((q) => q.includes('<image>') || q.includes(SHORT_ANSWER_PROMPT))).toBe(false);
    const bare = (q: string) => q.replace('<image>\n', '').replace(`\n${SHORT_ANSWER_PROMPT}`, '');
    expect(new Set(questions.map(bare))).toEqual(new Set(['What is this photo taken looking through?', 'What position is this man playing?', 'What color is the players shirt?']));
    const again = await convertFixture('vqav2', inputs, { seed: 1 });
    expect(again.records).toEqual(a.records);
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const { records } = await convertFixture('vqav2', inputs, { seed });
      orders.add(records[0]!.conversations.map((t) => t.value.replace('<image>\n', '')).join('|'));
    }
    expect(orders.size).toBeGreaterThan(1);
    const capped = await convertFixture('vqav2', inputs, { seed: 1, maxTurns: 2 });
    expect(capped.records.map((r) => [r.id, r.conversations.length])).toEqual([
      ['458752', 4],
      ['458752-1', 2],
      ['262146', 2],
    ]);
    // each record split off by maxTurns starts with its own format prompt
    expect(capped.records.map((r) => r.conversations.filter((t) => t.value.includes(SHORT_ANSWER_PROMPT)).length)).toEqual([1, 1, 1]);
  });

  it('puts the format prompt on every question with responseFormatTurns "every", and on none without the response format', async () => {
    const every = await convertFixture('vqav2', inputs, { seed: 1, responseFormatTurns: 'every' });
    const humans = every.records[0]!.conversations.filter((t) => t.from === 'human');
    expect(humans.every((t) => t.value.endsWith(`\n${SHORT_ANSWER_PROMPT}`))).toBe(true);
    const none = await convertFixture('vqav2', inputs, { seed: 1, responseFormat: false });
    expect(none.records.flatMap((r) => r.conversations).some((t) => t.value.includes(SHORT_ANSWER_PROMPT))).toBe(false);
    await expect(convertFixture('vqav2', inputs, { responseFormatTurns: 'all' as 'every' })).rejects.toMatchObject({ code: 'bad_option', location: { field: 'responseFormatTurns' } });
  });

  it('reports malformed rows with file, line, index and reason, and keeps going', async () => {
    const { report } = await convertFixture('vqav2', inputs);
    expect(report.issues).toEqual([
      expect.objectContaining({ file: expect.stringContaining('questions.json'), line: 9, index: 3, reason: expect.stringContaining('image_id') }),
      expect.objectContaining({ index: 5, line: 11, key: '262146999', reason: 'no annotation with this question_id' }),
    ]);
  });

  it('reads OK-VQA, which shares the layout, with images from its own split folder', async () => {
    const { records } = await convertFixture('okvqa', { questions: 'OpenEnded_mscoco_val2014_questions.json', annotations: 'mscoco_val2014_annotations.json' });
    expect(records.map((r) => [r.image, r.conversations[1]!.value, r.source])).toEqual([
      ['val2014/COCO_val2014_000000297147.jpg', 'race', 'okvqa'],
      ['val2014/COCO_val2014_000000393225.jpg', 'nintendo', 'okvqa'],
    ]);
  });

  it('stops after --limit questions and can place the image token after the question', async () => {
    const { records, report } = await convertFixture('vqav2', inputs, { merge: false, limit: 2, imagePosition: 'after' });
    expect(records.map((r) => r.id)).toEqual(['458752000', '458752001']);
    expect(records[0]!.conversations[0]!.value).toBe(`What is this photo taken looking through?\n${SHORT_ANSWER_PROMPT}\n<image>`);
    expect(report.pairs).toBe(2);
  });

  it('takes an image template and prefix for the LLaVA-1.5 folder layout', async () => {
    const { records } = await convertFixture('vqav2', inputs, { imagePrefix: 'coco/train2017/', imageTemplate: '{image_id:012}.jpg', merge: false });
    expect(records[0]!.image).toBe('coco/train2017/000000458752.jpg');
  });
});

describe('mostFrequentAnswer', () => {
  it('counts, breaks ties toward the preferred answer, then toward the first seen', () => {
    expect(mostFrequentAnswer(['a', 'b', 'b'])).toBe('b');
    expect(mostFrequentAnswer(['a', 'b'], 'b')).toBe('b');
    expect(mostFrequentAnswer(['a', 'b'])).toBe('a');
    expect(mostFrequentAnswer([], 'x')).toBe('x');
    expect(mostFrequentAnswer([' '])).toBeUndefined();
  });
});
