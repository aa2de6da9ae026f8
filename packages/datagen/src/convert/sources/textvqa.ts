import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { shortAnswerQuestion } from '../response-format';
import { jsonRows, mostFrequentAnswer } from './rows';

const rowSchema = z.looseObject({
  question: z.string().min(1),
  image_id: z.string().min(1),
  question_id: z.union([z.number(), z.string()]),
  answers: z.array(z.string()).optional(),
});

/** TextVQA (`TextVQA_0.5.1_<split>.json`, rows under `data`): the most frequent of the ten answers. */
export const textvqaConverter: ConverterDefinition = {
  name: 'textvqa',
  description: 'TextVQA JSON ({"data": [{question, image_id, answers, question_id}]})',
  inputs: [{ name: 'questions', description: 'TextVQA_0.5.1_<split>.json' }],
  defaultMerge: true,
  imageTemplate: { default: 'train_images/{image_id}.jpg', fields: ['image_id', 'question_id'] },
  async *read(inputs, context) {
    const file = inputs.questions!;
    for await (const row of jsonRows(file, ['data'], rowSchema, context.issues)) {
      const q = row.value;
      const answer = mostFrequentAnswer(q.answers ?? []);
      if (!answer) {
        context.issues.add({ file, line: row.line, index: row.index, key: String(q.question_id), reason: 'no answers (test split?)' });
        continue;
      }
      yield {
        pair: {
          id: String(q.question_id),
          groupId: q.image_id,
          image: context.imagePath('train_images/{image_id}.jpg', { image_id: q.image_id, question_id: q.question_id }),
          question: shortAnswerQuestion(q.question, context.options.responseFormat ?? true),
          answer,
        },
      };
    }
  },
};
