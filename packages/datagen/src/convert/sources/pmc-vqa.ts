import type { ConverterDefinition } from '../convert-options';
import { readCsvRows } from '../io/read-csv-rows';
import { multipleChoiceQuestion } from '../response-format';

const LETTERS = ['A', 'B', 'C', 'D'] as const;

/** PMC-VQA writes options as `A:Axial` (sometimes ` A: Axial`); the letter prefix is dropped. */
function optionText(raw: string, letter: string): string {
  return raw.replace(new RegExp(`^\\s*${letter}\\s*:\\s*`), '').trim();
}

/**
 * PMC-VQA CSV (`train.csv` / `test.csv`: Figure_path, Question, Answer, Choice A-D, Answer_label):
 * multiple choice with lettered options, answered with the letter.
 */
export const pmcVqaConverter: ConverterDefinition = {
  name: 'pmcvqa',
  description: 'PMC-VQA train.csv / test.csv (multiple choice)',
  inputs: [{ name: 'questions', description: 'train.csv or test.csv' }],
  defaultMerge: false,
  imageTemplate: { default: '{Figure_path}', fields: ['Figure_path'] },
  async *read(inputs, context) {
    const file = inputs.questions!;
    for await (const row of readCsvRows(file)) {
      const where = { file, line: row.line, index: row.index };
      const v = row.values;
      const figure = v.Figure_path?.trim();
      const question = v.Question?.trim();
      const label = v.Answer_label?.trim().toUpperCase();
      const options = LETTERS.map((l) => optionText(v[`Choice ${l}`] ?? '', l));
      let reason = row.error;
      if (!reason && !figure) reason = 'empty Figure_path';
      else if (!reason && !question) reason = 'empty Question';
      else if (!reason && options.some((o) => !o)) reason = 'an empty Choice column';
      else if (!reason && !LETTERS.includes(label as (typeof LETTERS)[number])) reason = `Answer_label ${JSON.stringify(v.Answer_label ?? '')} is not A-D`;
      if (reason) {
        context.issues.add({ ...where, reason });
        continue;
      }
      yield {
        pair: {
          id: `${figure}_${row.index}`,
          groupId: figure!,
          image: context.imagePath('{Figure_path}', { Figure_path: figure! }),
          question: multipleChoiceQuestion(question!, options, context.options.responseFormat ?? true),
          answer: label!,
        },
      };
    }
  },
};
