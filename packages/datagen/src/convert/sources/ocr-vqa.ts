import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { SHORT_ANSWER_PROMPT } from '../response-format';
import { jsonRows } from './rows';

const rowSchema = z.looseObject({
  imageURL: z.string().optional(),
  questions: z.array(z.string()),
  answers: z.array(z.union([z.string(), z.number()])),
  split: z.number().int().optional(),
});

const SPLITS: Record<string, number> = { train: 1, val: 2, test: 3 };

/**
 * OCR-VQA `dataset.json`: one object keyed by image (Amazon ASIN) holding parallel `questions` and
 * `answers` lists and a numeric split (1 train, 2 val, 3 test). The image file name keeps the extension
 * of `imageURL`, as the dataset's download script saves it.
 */
export const ocrVqaConverter: ConverterDefinition = {
  name: 'ocrvqa',
  description: 'OCR-VQA dataset.json ({"<image id>": {imageURL, questions, answers, split}})',
  inputs: [{ name: 'dataset', description: 'dataset.json' }],
  defaultMerge: true,
  imageTemplate: { default: '{image_id}{ext}', fields: ['image_id', 'ext'] },
  async *read(inputs, context) {
    const file = inputs.dataset!;
    const split = context.options.split ?? 'train';
    const wanted = split === 'all' ? undefined : SPLITS[split];
    for await (const row of jsonRows(file, [], rowSchema, context.issues)) {
      const r = row.value;
      const imageId = row.key ?? String(row.index);
      if (wanted !== undefined && r.split !== undefined && r.split !== wanted) continue;
      if (r.questions.length !== r.answers.length) {
        context.issues.add({ file, line: row.line, index: row.index, key: imageId, reason: `${r.questions.length} questions but ${r.answers.length} answers` });
        continue;
      }
      const ext = /\.(jpe?g|png|gif)$/i.exec(r.imageURL ?? '')?.[0] ?? '.jpg';
      const image = context.imagePath('{image_id}{ext}', { image_id: imageId, ext });
      for (let k = 0; k < r.questions.length; k++) {
        const question = r.questions[k]!.trim();
        const answer = String(r.answers[k]!).trim();
        if (!question || !answer) {
          context.issues.add({ file, line: row.line, index: row.index, key: imageId, reason: `question ${k} has an empty question or answer` });
          continue;
        }
        yield {
          pair: { id: `${imageId}_${k}`, groupId: imageId, image, question, ...((context.options.responseFormat ?? true) ? { responseFormat: SHORT_ANSWER_PROMPT } : {}), answer },
        };
      }
    }
  },
};
