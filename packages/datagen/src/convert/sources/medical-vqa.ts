import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { shortAnswerQuestion } from '../response-format';
import { answerText, jsonRows, sourceRows } from './rows';

/** `closed` for yes/no answers, `open` otherwise — how PathVQA's own split of the questions is defined. */
export function answerTypeOf(answer: string): 'open' | 'closed' {
  return /^(yes|no)$/i.test(answer.trim()) ? 'closed' : 'open';
}

function declaredType(value: string | undefined, answer: string): 'open' | 'closed' {
  const v = value?.trim().toLowerCase();
  return v === 'closed' || v === 'open' ? v : answerTypeOf(answer);
}

const pathVqaSchema = z.looseObject({
  image: z.string().min(1).optional(),
  image_name: z.string().min(1).optional(),
  img_id: z.string().min(1).optional(),
  question: z.string().min(1),
  answer: z.union([z.string().min(1), z.number()]),
});

/**
 * PathVQA. The dataset publishes its question files as Python pickles (`qas/<split>/<split>_qa.pkl`, a list
 * of `{image, question, answer}`), read directly, or their JSON export (`json.dump(pickle.load(f))`).
 * Images are `<split>/<image>.jpg`. Yes/no questions are `closed`, the rest `open` (`answer_type` field).
 */
export const pathVqaConverter: ConverterDefinition = {
  name: 'pathvqa',
  description: 'PathVQA <split>_qa.pkl (or its JSON export): [{image, question, answer}]',
  inputs: [{ name: 'questions', description: '<split>_qa.pkl or its JSON export' }],
  defaultMerge: false,
  imageTemplate: { default: '{split}/{image}.jpg', fields: ['split', 'image'] },
  async *read(inputs, context) {
    const file = inputs.questions!;
    const split = context.options.split ?? 'train';
    for await (const row of sourceRows(file, [], pathVqaSchema, context.issues)) {
      const q = row.value;
      const imageName = (q.image ?? q.image_name ?? q.img_id)?.replace(/\.(jpe?g|png)$/i, '');
      if (!imageName) {
        context.issues.add({ file, line: row.line, index: row.index, reason: 'no image name (image / image_name / img_id)' });
        continue;
      }
      const answer = answerText(q.answer);
      yield {
        pair: {
          id: `${imageName}_${row.index}`,
          groupId: imageName,
          image: context.imagePath('{split}/{image}.jpg', { split, image: imageName }),
          question: shortAnswerQuestion(q.question, context.options.responseFormat ?? true),
          answer,
          fields: { answer_type: answerTypeOf(answer) },
        },
      };
    }
  },
};

const vqaRadSchema = z.looseObject({
  qid: z.union([z.number(), z.string()]),
  image_name: z.string().min(1),
  question: z.string().min(1),
  answer: z.union([z.string().min(1), z.number()]),
  answer_type: z.string().optional(),
  image_organ: z.string().optional(),
});

/** VQA-RAD (`VQA_RAD Dataset Public.json`, a JSON array); images by `image_name`; CLOSED/OPEN kept as `answer_type`. */
export const vqaRadConverter: ConverterDefinition = {
  name: 'vqarad',
  description: 'VQA-RAD "VQA_RAD Dataset Public.json"',
  inputs: [{ name: 'questions', description: 'VQA_RAD Dataset Public.json' }],
  defaultMerge: false,
  imageTemplate: { default: '{image_name}', fields: ['image_name', 'qid'] },
  async *read(inputs, context) {
    for await (const row of jsonRows(inputs.questions!, [], vqaRadSchema, context.issues)) {
      const q = row.value;
      const answer = answerText(q.answer);
      yield {
        pair: {
          id: String(q.qid),
          groupId: q.image_name,
          image: context.imagePath('{image_name}', { image_name: q.image_name, qid: q.qid }),
          question: shortAnswerQuestion(q.question, context.options.responseFormat ?? true),
          answer,
          fields: { answer_type: declaredType(q.answer_type, answer), ...(q.image_organ ? { image_organ: q.image_organ } : {}) },
        },
      };
    }
  },
};

const slakeSchema = z.looseObject({
  qid: z.union([z.number(), z.string()]),
  img_name: z.string().min(1),
  question: z.string().min(1),
  answer: z.union([z.string().min(1), z.number()]),
  q_lang: z.string().optional(),
  answer_type: z.string().optional(),
  modality: z.string().optional(),
  content_type: z.string().optional(),
});

/** SLAKE (`train.json` / `validate.json` / `test.json`): English questions by default, open/closed kept as `answer_type`. */
export const slakeConverter: ConverterDefinition = {
  name: 'slake',
  description: 'SLAKE train/validate/test.json',
  inputs: [{ name: 'questions', description: 'train.json, validate.json or test.json' }],
  defaultMerge: false,
  imageTemplate: { default: '{img_name}', fields: ['img_name', 'qid'] },
  async *read(inputs, context) {
    const language = context.options.language ?? 'en';
    for await (const row of jsonRows(inputs.questions!, [], slakeSchema, context.issues)) {
      const q = row.value;
      if (language !== 'all' && q.q_lang !== undefined && q.q_lang !== language) continue;
      const answer = answerText(q.answer);
      const fields: Record<string, string> = { answer_type: declaredType(q.answer_type, answer) };
      if (q.modality) fields.modality = q.modality;
      if (q.content_type) fields.content_type = q.content_type;
      yield {
        pair: {
          id: String(q.qid),
          groupId: q.img_name,
          image: context.imagePath('{img_name}', { img_name: q.img_name, qid: q.qid }),
          question: shortAnswerQuestion(q.question, context.options.responseFormat ?? true),
          answer,
          fields,
        },
      };
    }
  },
};
