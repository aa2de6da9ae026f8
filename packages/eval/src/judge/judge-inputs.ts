import { VlmError } from '@vlm/core';
import type { AnswerRecord, EvalQuestion } from '../data/eval-question';
import { renderQuestionContext } from '../data/render-context';
import type { JudgeInput } from './judge-item';

/**
 * Joins questions with reference and model answers by id into judge inputs. Every question must have
 * both answers: a missing one is an error listing the ids, not a silently smaller evaluation.
 */
export function buildJudgeInputs(
  questions: readonly EvalQuestion[],
  references: readonly AnswerRecord[],
  answers: readonly AnswerRecord[],
): JudgeInput[] {
  const refById = new Map(references.map((r) => [r.id, r]));
  const ansById = new Map(answers.map((a) => [a.id, a]));
  const missingRef = questions.filter((q) => !refById.has(q.id)).map((q) => q.id);
  const missingAns = questions.filter((q) => !ansById.has(q.id)).map((q) => q.id);
  if (missingRef.length > 0 || missingAns.length > 0) {
    const parts = [];
    if (missingRef.length) parts.push(`${missingRef.length} without a reference answer (${missingRef.slice(0, 5).join(', ')})`);
    if (missingAns.length) parts.push(`${missingAns.length} without a model answer (${missingAns.slice(0, 5).join(', ')})`);
    throw new VlmError('judge_missing_answers', `Cannot judge: ${parts.join('; ')}.`, {
      location: { id: missingRef[0] ?? missingAns[0] },
      hint: 'Run `vlm-eval answer` (and `vlm-eval answer --reference`) to completion first; reruns resume.',
    });
  }
  return questions.map((q) => ({
    id: q.id,
    category: q.category ?? 'general',
    context: renderQuestionContext(q),
    question: q.question,
    reference: refById.get(q.id)!.answer,
    answer: ansById.get(q.id)!.answer,
  }));
}
