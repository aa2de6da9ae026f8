import { MULTIPLE_CHOICE_PROMPT, scienceQaQuestion } from '@vlm/datagen';
import type { ScienceQaProblem } from './problem';

/** Option letters in ScienceQA order; problems have at most five choices. */
export const SCIENCEQA_LETTERS = ['A', 'B', 'C', 'D', 'E'] as const;

/** The instruction LLaVA appends to each ScienceQA question at evaluation time (shared with @vlm/datagen). */
export const SCIENCEQA_ANSWER_SUFFIX: string = MULTIPLE_CHOICE_PROMPT;

/**
 * The question turn as LLaVA formats it: `{question}\nContext: {hint or "N/A"}\nOptions: (A) x (B) y`.
 * The same function the @vlm/datagen converter trains on, so eval prompts match training prompts. The
 * image placeholder is not included: answer functions receive the image path separately.
 */
export function formatScienceQaQuestion(problem: Pick<ScienceQaProblem, 'question' | 'hint' | 'choices'>): string {
  if (problem.choices.length > SCIENCEQA_LETTERS.length) {
    throw new RangeError(`ScienceQA problems have at most ${SCIENCEQA_LETTERS.length} choices, got ${problem.choices.length}`);
  }
  return scienceQaQuestion(problem);
}

/** The evaluation prompt: the question turn plus {@link SCIENCEQA_ANSWER_SUFFIX} on its own line. */
export function formatScienceQaPrompt(problem: Pick<ScienceQaProblem, 'question' | 'hint' | 'choices'>): string {
  return `${formatScienceQaQuestion(problem)}\n${SCIENCEQA_ANSWER_SUFFIX}`;
}
