import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { multipleChoiceQuestion, optionLetter, shortAnswerQuestion } from '../response-format';
import { jsonRows, mostFrequentAnswer } from './rows';

const rowSchema = z.looseObject({
  split: z.string().min(1),
  image_id: z.number().int(),
  question_id: z.string().min(1),
  question: z.string().min(1),
  choices: z.array(z.string().min(1)).min(2),
  correct_choice_idx: z.number().int().nonnegative().optional(),
  direct_answers: z.array(z.string()).optional(),
});

/**
 * A-OKVQA (`aokvqa_v1p0_<split>.json`, a JSON array): multiple choice with lettered options by default
 * (as LLaVA-1.5 trains it), or `mode: 'direct'` for the most frequent direct answer.
 */
export const aokvqaConverter: ConverterDefinition = {
  name: 'aokvqa',
  description: 'A-OKVQA JSON array (multiple choice, or direct answers with mode=direct)',
  inputs: [{ name: 'annotations', description: 'aokvqa_v1p0_<split>.json' }],
  defaultMerge: true,
  imageTemplate: { default: '{split}2017/{image_id:012}.jpg', fields: ['image_id', 'split', 'question_id'] },
  async *read(inputs, context) {
    const file = inputs.annotations!;
    const direct = context.options.mode === 'direct';
    const prompt = context.options.responseFormat ?? true;
    for await (const row of jsonRows(file, [], rowSchema, context.issues)) {
      const q = row.value;
      const where = { file, line: row.line, index: row.index, key: q.question_id };
      let question: string;
      let answer: string | undefined;
      if (direct) {
        answer = mostFrequentAnswer(q.direct_answers ?? []);
        question = shortAnswerQuestion(q.question, prompt);
      } else {
        const k = q.correct_choice_idx;
        answer = k !== undefined && k < q.choices.length ? optionLetter(k) : undefined;
        question = multipleChoiceQuestion(q.question, q.choices, prompt);
      }
      if (answer === undefined) {
        context.issues.add({ ...where, reason: direct ? 'no direct_answers' : 'correct_choice_idx missing or out of range (test split has no answers)' });
        continue;
      }
      yield {
        pair: {
          id: q.question_id,
          groupId: String(q.image_id),
          image: context.imagePath('{split}2017/{image_id:012}.jpg', { image_id: q.image_id, split: q.split, question_id: q.question_id }),
          question,
          answer,
        },
      };
    }
  },
};
