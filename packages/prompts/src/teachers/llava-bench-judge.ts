import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import { benchContextSchema, renderBenchContext } from './llava-bench-context';

/** The judge's system message (LLaVA-Bench: a helpful and precise assistant checking answer quality). */
export const llavaBenchJudgeSystemMessage = 'You are a helpful and precise assistant for checking the quality of the answer.';

/** Our wording of the LLaVA-Bench rubric: four criteria, 1–10 per assistant, scores alone on the first line. */
export const llavaBenchRubric = [
  'We would like your feedback on the performance of two AI assistants answering the user question shown above. The user asked the question while looking at an image; the visual content of the image is given to you as the text under [Context].',
  'Please rate the helpfulness, relevance, accuracy and level of detail of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.',
  'Please first output a single line containing only two values, the scores of Assistant 1 and Assistant 2 in that order, separated by a space. In the subsequent lines, give a comprehensive explanation of your evaluation, avoiding any potential bias and making sure that the order in which the responses were presented does not affect your judgment.',
].join('\n');

/** Context, question, the two answers and (optionally) a different rubric. */
export const llavaBenchJudgeInputSchema = z.object({
  context: benchContextSchema,
  question: z.string().trim().min(1),
  /** Assistant 1: the text-only reference answer. */
  referenceAnswer: z.string().trim().min(1),
  /** Assistant 2: the answer of the model under test. */
  candidateAnswer: z.string().trim().min(1),
  rubric: z.string().trim().min(1).default(llavaBenchRubric),
});
export type LlavaBenchJudgeInput = z.input<typeof llavaBenchJudgeInputSchema>;

/** The judge's user content, in LLaVA-Bench's exact layout (trailing blank line included). */
export function renderJudgeContent(input: z.output<typeof llavaBenchJudgeInputSchema>): string {
  return (
    `[Context]\n${renderBenchContext(input.context)}\n\n` +
    `[Question]\n${input.question}\n\n` +
    `[Assistant 1]\n${input.referenceAnswer}\n\n[End of Assistant 1]\n\n` +
    `[Assistant 2]\n${input.candidateAnswer}\n\n[End of Assistant 2]\n\n` +
    `[System]\n${input.rubric}\n\n`
  );
}

/**
 * The LLaVA-Bench GPT judge (temperature 0.2, zero-shot as upstream so scores stay comparable). Its
 * score lines are parsed by @vlm/eval.
 */
export const llavaBenchJudgePrompt = defineTeacherPrompt({
  id: 'llava-bench/judge',
  version: '1',
  title: 'LLaVA-Bench judge: rate a reference and a candidate answer',
  inputSchema: llavaBenchJudgeInputSchema,
  responseFormat: 'judge-scores',
  generation: { temperature: 0.2, maxTokens: 1024 },
  system: llavaBenchJudgeSystemMessage,
  renderQuery: renderJudgeContent,
});
