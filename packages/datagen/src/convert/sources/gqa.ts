import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { SHORT_ANSWER_PROMPT } from '../response-format';
import { answerText, jsonRows } from './rows';

const rowSchema = z.looseObject({
  imageId: z.union([z.string().min(1), z.number()]),
  question: z.string().min(1),
  answer: z.union([z.string().min(1), z.number()]),
});

/** GQA balanced questions: one object keyed by question id; short answers, merged per image. */
export const gqaConverter: ConverterDefinition = {
  name: 'gqa',
  description: 'GQA balanced questions JSON ({"<qid>": {imageId, question, answer, ...}})',
  inputs: [{ name: 'questions', description: '<split>_balanced_questions.json' }],
  defaultMerge: true,
  imageTemplate: { default: '{imageId}.jpg', fields: ['imageId', 'question_id'] },
  async *read(inputs, context) {
    for await (const row of jsonRows(inputs.questions!, [], rowSchema, context.issues)) {
      const q = row.value;
      const imageId = String(q.imageId);
      const id = row.key ?? String(row.index);
      yield {
        pair: {
          id,
          groupId: imageId,
          image: context.imagePath('{imageId}.jpg', { imageId, question_id: id }),
          question: q.question.trim(),
          ...((context.options.responseFormat ?? true) ? { responseFormat: SHORT_ANSWER_PROMPT } : {}),
          answer: answerText(q.answer),
        },
      };
    }
  },
};
