import { describe, expect, it } from 'vitest';

import { BRIEF_CAPTION_PROMPT, MULTIPLE_CHOICE_PROMPT, SHORT_ANSWER_PROMPT } from '../response-format';
import { convertFixture } from './__fixtures__/convert-fixture';

describe('GQA converter', () => {
  it('reads the balanced questions object keyed by question id and merges per image', async () => {
    const { records, report } = await convertFixture('gqa', { questions: 'train_balanced_questions.json' }, { imagePrefix: 'gqa/images' });
    expect(records.map((r) => [r.id, r.image, r.conversations.length])).toEqual([
      ['2354786', 'gqa/images/2354786.jpg', 2],
      ['2375429', 'gqa/images/2375429.jpg', 4],
    ]);
    expect(records[0]!.conversations).toEqual([
      { from: 'human', value: `<image>\nIs the sky dark?\n${SHORT_ANSWER_PROMPT}` },
      { from: 'gpt', value: 'yes' },
    ]);
    expect(report.issues).toEqual([expect.objectContaining({ key: '05451384', line: 4, reason: expect.stringContaining('imageId') })]);
  });
});

describe('A-OKVQA converter', () => {
  it('writes lettered multiple choice answered with the letter', async () => {
    const { records, report } = await convertFixture('aokvqa', { annotations: 'aokvqa_v1p0_val.json' }, { merge: false });
    expect(records[0]).toMatchObject({
      id: '22jbM6gDxdaMaunuzgrsBB',
      image: 'val2017/000000461751.jpg',
      conversations: [
        {
          from: 'human',
          value: `<image>\nWhat is in the motorcyclist's mouth?\nA. toothpick\nB. food\nC. popsicle stick\nD. cigarette\n${MULTIPLE_CHOICE_PROMPT}`,
        },
        { from: 'gpt', value: 'D' },
      ],
    });
    expect(records[1]!.conversations[1]!.value).toBe('B');
    expect(report.issues).toEqual([expect.objectContaining({ index: 2, reason: expect.stringContaining('choices') })]);
  });

  it('answers with the most frequent direct answer in direct mode', async () => {
    const { records } = await convertFixture('aokvqa', { annotations: 'aokvqa_v1p0_val.json' }, { merge: false, mode: 'direct' });
    expect(records.map((r) => r.conversations[1]!.value)).toEqual(['cigarette', 'hat']);
    expect(records[1]!.conversations[0]!.value).toBe(`<image>\nWhat is the man wearing on his head?\n${SHORT_ANSWER_PROMPT}`);
  });
});

describe('OCR-VQA converter', () => {
  it('reads dataset.json, keeps the train split, keeps the image extension and merges per book cover', async () => {
    const { records, report } = await convertFixture('ocrvqa', { dataset: 'dataset.json' }, { seed: 3 });
    expect(records.map((r) => [r.id, r.image, r.conversations.length])).toEqual([
      ['000636988X', '000636988X.jpg', 8],
      ['0007143397', '0007143397.png', 2],
    ]);
    const answers = new Map<string, string>();
    const turns = records[0]!.conversations;
    for (let k = 0; k < turns.length; k += 2) answers.set(turns[k]!.value.replace('<image>\n', '').replace(`\n${SHORT_ANSWER_PROMPT}`, ''), turns[k + 1]!.value);
    expect(answers.get('Who wrote this book?')).toBe('Beverly Gray');
    expect(answers.get('Is this a comedy book?')).toBe('No');
    // as in LLaVA-1.5's released OCR-VQA records: the format prompt on the first question only
    expect(turns.filter((t) => t.value.includes(SHORT_ANSWER_PROMPT)).map((t) => turns.indexOf(t))).toEqual([0]);
    expect(report.issues).toEqual([expect.objectContaining({ key: 'bad', reason: '2 questions but 1 answers' })]);
  });
});

describe('TextVQA converter', () => {
  it('reads the data list and answers with the most frequent answer', async () => {
    const { records, report } = await convertFixture('textvqa', { questions: 'TextVQA_0.5.1_train.json' });
    expect(records.map((r) => [r.id, r.image, r.conversations[1]!.value])).toEqual([
      ['0054c91397f2fe05', 'train_images/0054c91397f2fe05.jpg', 'nokia'],
      ['005635e119b9f32f', 'train_images/005635e119b9f32f.jpg', 'bryan owens'],
    ]);
    expect(report.issues).toEqual([expect.objectContaining({ index: 2, key: '2', reason: 'no answers (test split?)' })]);
  });
});

describe('TextCaps converter', () => {
  it('turns one caption per image into a brief-description answer', async () => {
    const { records, report } = await convertFixture('textcaps', { captions: 'TextCaps_0.1_train.json' });
    expect(records.map((r) => [r.id, r.conversations[0]!.value, r.conversations[1]!.value])).toEqual([
      ['011e7e629fb9ae7b', `<image>\n${BRIEF_CAPTION_PROMPT}`, 'The Kings of Leon banner is displayed on a building.'],
      ['0a3f1a8e2c7d9b10', `<image>\n${BRIEF_CAPTION_PROMPT}`, 'A bottle of Coca-Cola Zero on a table.'],
    ]);
    expect(report.issues).toEqual([expect.objectContaining({ index: 3, reason: expect.stringContaining('caption_str') })]);
  });

  it('keeps more captions per image and draws the instruction from a seeded pool', async () => {
    const pool = ['Describe the image concisely.', 'Provide a brief description of the given image.', 'Summarize the visual content of the image.'];
    const { records } = await convertFixture('textcaps', { captions: 'TextCaps_0.1_train.json' }, { captionsPerImage: 5, captionPrompts: pool, seed: 9 });
    expect(records.map((r) => r.id)).toEqual(['011e7e629fb9ae7b', '011e7e629fb9ae7b_1', '0a3f1a8e2c7d9b10']);
    for (const r of records) expect(pool).toContain(r.conversations[0]!.value.replace('<image>\n', ''));
  });
});
