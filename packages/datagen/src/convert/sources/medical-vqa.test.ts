import { describe, expect, it } from 'vitest';

import { MULTIPLE_CHOICE_PROMPT, SHORT_ANSWER_PROMPT } from '../response-format';
import { convertFixture } from './__fixtures__/convert-fixture';

describe('PathVQA converter', () => {
  it('reads the JSON export of the pickled QA list and marks yes/no questions closed', async () => {
    const { records, report } = await convertFixture('pathvqa', { questions: 'train_qa.json' });
    expect(records.map((r) => [r.image, r.answer_type, r.conversations[1]!.value])).toEqual([
      ['train/train_0422.jpg', 'closed', 'yes'],
      ['train/train_0422.jpg', 'open', 'remote kidney infarct'],
    ]);
    expect(records[0]!.conversations[0]!.value).toBe(`<image>\nIs remote kidney infarct replaced by a large fibrotic scar?\n${SHORT_ANSWER_PROMPT}`);
    expect(report.issues).toEqual([expect.objectContaining({ index: 2, reason: expect.stringContaining('no image name') })]);
  });

  it('reads the published train_qa.pkl the same as its JSON export', async () => {
    const fromJson = await convertFixture('pathvqa', { questions: 'train_qa.json' });
    const fromPickle = await convertFixture('pathvqa', { questions: 'train_qa.pkl' });
    expect(fromPickle.records).toEqual(fromJson.records);
    expect(fromPickle.report.issues).toEqual([expect.objectContaining({ index: 2, reason: expect.stringContaining('no image name') })]);
  });

  it('keeps per-turn answer types as arrays when merged', async () => {
    const { records } = await convertFixture('pathvqa', { questions: 'train_qa.json' }, { merge: true, seed: 0 });
    expect(records).toHaveLength(1);
    const types = records[0]!.answer_type as string[];
    const answers = records[0]!.conversations.filter((t) => t.from === 'gpt').map((t) => t.value);
    expect(types).toEqual(answers.map((a) => (a === 'yes' ? 'closed' : 'open')));
  });
});

describe('VQA-RAD converter', () => {
  it('keeps CLOSED/OPEN as answer_type and numbers as text', async () => {
    const { records, report } = await convertFixture('vqarad', { questions: 'VQA_RAD Dataset Public.json' }, { responseFormat: false });
    expect(records.map((r) => [r.id, r.image, r.answer_type, r.image_organ, r.conversations[0]!.value, r.conversations[1]!.value])).toEqual([
      ['0', 'synpic54610.jpg', 'closed', 'HEAD', '<image>\nAre regions of the brain infarcted?', 'Yes'],
      ['1', 'synpic29265.jpg', 'open', 'CHEST', '<image>\nHow many lesions are there?', '2'],
    ]);
    expect(report.issues).toEqual([expect.objectContaining({ index: 2, reason: expect.stringContaining('question') })]);
  });
});

describe('SLAKE converter', () => {
  it('keeps English questions with answer type, modality and content type', async () => {
    const { records, report } = await convertFixture('slake', { questions: 'slake_train.json' }, { imagePrefix: 'imgs' });
    expect(records.map((r) => [r.id, r.image, r.answer_type, r.modality, r.content_type])).toEqual([
      ['11934', 'imgs/xmlab102/source.jpg', 'open', 'MRI', 'Modality'],
      ['11935', 'imgs/xmlab102/source.jpg', 'closed', 'MRI', 'Organ'],
    ]);
    expect(report.issues).toEqual([expect.objectContaining({ index: 3, reason: expect.stringContaining('img_name') })]);
    const zh = await convertFixture('slake', { questions: 'slake_train.json' }, { language: 'zh' });
    expect(zh.records.map((r) => r.id)).toEqual(['12934']);
  });
});

describe('PMC-VQA converter', () => {
  it('reads the CSV (quotes, embedded newlines, CRLF) into lettered multiple choice', async () => {
    const { records, report } = await convertFixture('pmcvqa', { questions: 'pmc_vqa_train.csv' }, { imagePrefix: 'images' });
    expect(records.map((r) => [r.image, r.conversations[0]!.value, r.conversations[1]!.value])).toEqual([
      [
        'images/PMC1064097_F1.jpg',
        `<image>\nWhat is the uptake pattern in the breast?\nA. Diffuse uptake pattern\nB. Focal uptake pattern\nC. No uptake pattern\nD. Cannot determine, from the image\n${MULTIPLE_CHOICE_PROMPT}`,
        'B',
      ],
      ['images/PMC1065041_F2.jpg', `<image>\nWhat does the "arrow" show?\nPick one.\nA. Lesion\nB. Normal tissue\nC. Artifact\nD. Vessel\n${MULTIPLE_CHOICE_PROMPT}`, 'A'],
    ]);
    expect(report.issues.map((i) => [i.line, i.index, i.reason])).toEqual([
      [5, 2, 'Answer_label "E" is not A-D'],
      [6, 3, '4 fields where the header has 8'],
    ]);
  });
});
