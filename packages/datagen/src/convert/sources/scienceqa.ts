import { VlmError } from '@vlm/core';
import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { readSmallJson } from '../io/read-json-elements';
import { MULTIPLE_CHOICE_PROMPT, optionLetter } from '../response-format';
import { jsonRows } from './rows';

const problemSchema = z.looseObject({
  question: z.string().min(1),
  choices: z.array(z.string()).min(2),
  answer: z.number().int().nonnegative(),
  hint: z.string().nullish(),
  image: z.string().nullish(),
  lecture: z.string().nullish(),
  solution: z.string().nullish(),
  split: z.string().optional(),
});

/** `{question}\nContext: {hint or N/A}\nOptions: (A) x (B) y` — the ScienceQA question turn LLaVA trains on. */
export function scienceQaQuestion(problem: { question: string; hint?: string | null; choices: readonly string[] }): string {
  const context = problem.hint?.trim() || 'N/A';
  const options = problem.choices.map((c, k) => `(${optionLetter(k)}) ${c}`).join(' ');
  return `${problem.question.trim()}\nContext: ${context}\nOptions: ${options}`;
}

/** `{lecture} {solution} The answer is {L}.` with empty parts left out. */
export function scienceQaAnswer(problem: { lecture?: string | null; solution?: string | null; answer: number }): string {
  const parts = [problem.lecture?.trim(), problem.solution?.trim(), `The answer is ${optionLetter(problem.answer)}.`];
  return parts.filter((p): p is string => Boolean(p)).join(' ');
}

/**
 * ScienceQA `problems.json` (object keyed by problem id) filtered by `pid_splits.json`. Problems with an
 * image point at `{split}/{pid}/image.png` and end the question with `\n<image>`; text-only problems stay
 * text-only. `mode: 'letter'` answers with the letter alone after the multiple-choice prompt.
 */
export const scienceQaConverter: ConverterDefinition = {
  name: 'scienceqa',
  description: 'ScienceQA problems.json + pid_splits.json',
  inputs: [
    { name: 'problems', description: 'problems.json ({"<pid>": {question, choices, answer, hint, image, lecture, solution}})' },
    { name: 'splits', description: 'pid_splits.json ({"train": [pid, ...], ...})' },
  ],
  defaultMerge: false,
  imageTemplate: { default: '{split}/{pid}/{image}', fields: ['split', 'pid', 'image'] },
  async *read(inputs, context) {
    const split = context.options.split ?? 'train';
    const splits = (await readSmallJson(inputs.splits!)) as Record<string, unknown>;
    const pids = splits?.[split];
    if (!Array.isArray(pids)) {
      throw new VlmError('unknown_split', `pid_splits.json has no "${split}" list.`, {
        location: { file: inputs.splits, field: split },
        hint: `Splits in the file: ${Object.keys(splits ?? {}).join(', ')}.`,
      });
    }
    const wanted = new Set(pids.map(String));
    const letter = context.options.mode === 'letter';
    const file = inputs.problems!;
    for await (const row of jsonRows(file, [], problemSchema, context.issues)) {
      const pid = row.key ?? String(row.index);
      if (!wanted.has(pid)) continue;
      const p = row.value;
      if (p.answer >= p.choices.length) {
        context.issues.add({ file, line: row.line, index: row.index, key: pid, reason: `answer ${p.answer} is not one of the ${p.choices.length} choices` });
        continue;
      }
      let question = scienceQaQuestion(p);
      if (letter && (context.options.responseFormat ?? true)) question += `\n${MULTIPLE_CHOICE_PROMPT}`;
      const image = p.image ? context.imagePath('{split}/{pid}/{image}', { split, pid, image: p.image }) : undefined;
      if (image) question += '\n<image>';
      yield {
        pair: {
          id: pid,
          groupId: pid,
          ...(image ? { image } : {}),
          question,
          answer: letter ? optionLetter(p.answer) : scienceQaAnswer(p),
        },
      };
    }
  },
};
