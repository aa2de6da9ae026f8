import { VlmError } from '@vlm/core';
import { renderSymbolicImage } from '@vlm/prompts';
import type { EvalQuestion } from './eval-question';

/**
 * The symbolic image of a question as the text-only teacher and the judge see it (captions, blank line,
 * `category: [x1, y1, x2, y2]` boxes normalised to 0..1); a string context is used verbatim. Throws when
 * the question has no context.
 */
export function renderQuestionContext(question: EvalQuestion): string {
  if (!question.context) {
    throw new VlmError('eval_missing_context', 'The question has no context (captions and boxes).', {
      location: { id: question.id, field: 'context' },
      hint: 'Reference answers and the judge need "context": {"captions": [...], "objects"?: [{"category", "box"}]} on each question.',
    });
  }
  if (typeof question.context === 'string') return question.context;
  const { captions, objects, boxFormat, imageSize } = question.context;
  return renderSymbolicImage({ captions, objects: objects ?? [], ...(boxFormat ? { boxFormat } : {}), ...(imageSize ? { imageSize } : {}) });
}
