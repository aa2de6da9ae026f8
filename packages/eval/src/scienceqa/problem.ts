import { z } from 'zod';
import { VlmError } from '@vlm/core';

/** One problem of ScienceQA's problems.json (the fields evaluation reads; others are kept). */
export const scienceQaProblemSchema = z.looseObject({
  question: z.string(),
  choices: z.array(z.string()).min(2),
  answer: z.number().int().nonnegative(),
  hint: z.string().nullish(),
  image: z.string().nullish(),
  split: z.string().optional(),
  subject: z.string().optional(),
  grade: z.string().optional(),
  lecture: z.string().optional(),
  solution: z.string().optional(),
});

/** A ScienceQA problem. `answer` is the index of the correct choice; `image` is null for text-only. */
export type ScienceQaProblem = z.output<typeof scienceQaProblemSchema>;

/** Parses problems.json (an object keyed by problem id); every bad problem is named in one error. */
export function parseScienceQaProblems(data: unknown, file?: string): Map<string, ScienceQaProblem> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new VlmError('scienceqa_not_object', 'ScienceQA problems must be a JSON object keyed by problem id.', {
      location: { file },
      hint: 'Pass ScienceQA\'s data/scienceqa/problems.json.',
    });
  }
  const problems = new Map<string, ScienceQaProblem>();
  const bad: string[] = [];
  for (const [id, value] of Object.entries(data)) {
    const parsed = scienceQaProblemSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      bad.push(`${id}: ${issue ? `${issue.path.join('.') || 'problem'} ${issue.message}` : 'invalid'}`);
      continue;
    }
    if (parsed.data.answer >= parsed.data.choices.length) {
      bad.push(`${id}: answer index ${parsed.data.answer} is beyond ${parsed.data.choices.length} choices`);
      continue;
    }
    problems.set(id, parsed.data);
  }
  if (bad.length > 0) {
    throw new VlmError('scienceqa_bad_problem', `${bad.length} ScienceQA problem(s) are invalid: ${bad.slice(0, 5).join('; ')}`, {
      location: { file, id: bad[0]?.split(':')[0] },
      hint: 'Each problem needs question, choices (>= 2) and answer (index into choices).',
    });
  }
  return problems;
}
