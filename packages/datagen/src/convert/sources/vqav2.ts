import { basename } from 'node:path';
import { z } from 'zod';

import type { ConverterDefinition, ConverterContext } from '../convert-options';
import type { ConverterItem } from '../assemble/qa-pair';
import { SHORT_ANSWER_PROMPT } from '../response-format';
import { jsonRows, mostFrequentAnswer } from './rows';

const questionSchema = z.looseObject({
  image_id: z.number().int(),
  question: z.string().min(1),
  question_id: z.number().int(),
});

const annotationSchema = z.looseObject({
  question_id: z.number().int(),
  multiple_choice_answer: z.string().optional(),
  answers: z.array(z.looseObject({ answer: z.string() })).optional(),
});

/** `train2014` from `v2_OpenEnded_mscoco_train2014_questions.json` (the COCO folder of the images). */
function dataSubtype(file: string, split: string | undefined): string {
  const match = /(train|val|test-dev|test)(\d{4})/.exec(basename(file));
  if (match) return `${match[1]}${match[2]}`;
  return split && /\d{4}$/.test(split) ? split : `${split ?? 'train'}2014`;
}

/**
 * VQA-format questions + annotations (VQAv2 and OK-VQA share it): the annotations are read first into a
 * question id -> answer map (one short string per question), then the questions stream past it.
 */
export async function* readVqaFormat(inputs: Record<string, string>, context: ConverterContext): AsyncGenerator<ConverterItem> {
  const { issues, options } = context;
  const answers = new Map<number, string>();
  const annotations = inputs.annotations!;
  for await (const row of jsonRows(annotations, ['annotations'], annotationSchema, issues)) {
    const a = row.value;
    const answer = mostFrequentAnswer(a.answers?.map((x) => x.answer) ?? [], a.multiple_choice_answer);
    if (!answer) {
      issues.add({ file: annotations, line: row.line, index: row.index, key: String(a.question_id), reason: 'no answer given' });
      continue;
    }
    answers.set(a.question_id, answer);
  }
  const questions = inputs.questions!;
  const subtype = dataSubtype(questions, options.split);
  for await (const row of jsonRows(questions, ['questions'], questionSchema, issues)) {
    const q = row.value;
    const answer = answers.get(q.question_id);
    if (answer === undefined) {
      issues.add({ file: questions, line: row.line, index: row.index, key: String(q.question_id), reason: 'no annotation with this question_id' });
      continue;
    }
    answers.delete(q.question_id);
    yield {
      pair: {
        id: String(q.question_id),
        groupId: String(q.image_id),
        image: context.imagePath('{data_subtype}/COCO_{data_subtype}_{image_id:012}.jpg', { image_id: q.image_id, data_subtype: subtype, question_id: q.question_id }),
        question: q.question.trim(),
        ...((options.responseFormat ?? true) ? { responseFormat: SHORT_ANSWER_PROMPT } : {}),
        answer,
      },
    };
  }
}

const vqaInputs = [
  { name: 'questions', description: 'v2_OpenEnded_mscoco_<split>_questions.json ({"questions": [...]})' },
  { name: 'annotations', description: 'v2_mscoco_<split>_annotations.json ({"annotations": [...]})' },
] as const;

const vqaTemplate = { default: '{data_subtype}/COCO_{data_subtype}_{image_id:012}.jpg', fields: ['image_id', 'data_subtype', 'question_id'] } as const;

/** VQAv2: most frequent of the ten human answers, short-answer prompt, merged per COCO image. */
export const vqav2Converter: ConverterDefinition = {
  name: 'vqav2',
  description: 'VQAv2 questions + annotations JSON (most frequent answer)',
  inputs: vqaInputs,
  defaultMerge: true,
  imageTemplate: vqaTemplate,
  read: readVqaFormat,
};

/** OK-VQA: the VQAv2 file layout (OpenEnded_mscoco_<split>_questions.json + mscoco_<split>_annotations.json). */
export const okvqaConverter: ConverterDefinition = {
  name: 'okvqa',
  description: 'OK-VQA questions + annotations JSON (VQAv2 layout)',
  inputs: [
    { name: 'questions', description: 'OpenEnded_mscoco_<split>_questions.json' },
    { name: 'annotations', description: 'mscoco_<split>_annotations.json' },
  ],
  defaultMerge: true,
  imageTemplate: vqaTemplate,
  read: readVqaFormat,
};
