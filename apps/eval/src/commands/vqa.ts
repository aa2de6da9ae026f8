import { writeFileSync } from 'node:fs';
import { VlmError } from '@vlm/core';
import { answerRecordSchema, evalQuestionSchema, readJsonl, scoreMultipleChoice, scoreVqa, type AnswerRecord, type EvalQuestion } from '@vlm/eval';
import { required } from './args';
import { defineCommand } from '@vlm/core/node';

const USAGE = `usage: vlm-eval vqa --questions questions.jsonl --answers answers.jsonl --out vqa.json [--multiple-choice]
  Scores answers against each question's "answer": open questions by normalised word recall, precision
  and F1; closed (yes/no) by accuracy on whole words. With --multiple-choice, "answer" is the correct
  letter and "choices" the options; predictions are read with the PMC-VQA letter cascade.`;

function predictionsFor(questions: readonly EvalQuestion[], answers: readonly AnswerRecord[], file: string): Map<string, string> {
  const byId = new Map(answers.map((a) => [a.id, a.answer]));
  const missing = questions.filter((q) => !byId.has(q.id)).map((q) => q.id);
  if (missing.length > 0) {
    throw new VlmError('vqa_missing_answers', `${missing.length} question(s) have no answer (${missing.slice(0, 5).join(', ')}).`, {
      location: { file, id: missing[0] },
      hint: 'Run `vlm-eval answer` to completion first (it resumes).',
    });
  }
  return byId;
}

/** `vlm-eval vqa`: open/closed VQA metrics, or multiple-choice accuracy. */
export const vqaCommand = defineCommand(
  {
    summary: 'open/closed VQA metrics, or multiple-choice accuracy',
    usage: USAGE,
    options: {
      questions: { type: 'string' },
      answers: { type: 'string' },
      out: { type: 'string' },
      'multiple-choice': { type: 'boolean' },
    },
  },
  async ({ values }) => {
    const questionsFile = required('vqa', values.questions, 'questions', USAGE);
    const answersFile = required('vqa', values.answers, 'answers', USAGE);
    const out = required('vqa', values.out, 'out', USAGE);
    const questions = readJsonl(questionsFile, evalQuestionSchema);
    const predictions = predictionsFor(questions, readJsonl(answersFile, answerRecordSchema), answersFile);
    const withAnswer = (q: EvalQuestion, row: number): string => {
      if (q.answer === undefined || q.answer.trim() === '') {
        throw new VlmError('vqa_no_reference', 'The question has no reference answer.', { location: { file: questionsFile, row, id: q.id, field: 'answer' }, hint: 'Add "answer" to every question.' });
      }
      return q.answer;
    };
    if (values['multiple-choice']) {
      const items = questions.map((q, row) => {
        const choices = (q as { choices?: unknown }).choices;
        if (!Array.isArray(choices) || choices.length < 2) {
          throw new VlmError('vqa_no_choices', 'A multiple-choice question needs "choices" (at least two).', { location: { file: questionsFile, row, id: q.id, field: 'choices' } });
        }
        return { id: q.id, prediction: predictions.get(q.id)!, answer: withAnswer(q, row), numChoices: choices.length };
      });
      const metrics = scoreMultipleChoice(items);
      writeFileSync(out, `${JSON.stringify({ multipleChoice: metrics }, null, 2)}\n`);
      console.log(JSON.stringify({ out, multipleChoice: metrics }));
      return 0;
    }
    const metrics = scoreVqa(questions.map((q, row) => ({ id: q.id, reference: withAnswer(q, row), prediction: predictions.get(q.id)!, ...(q.answerType ? { answerType: q.answerType } : {}) })));
    writeFileSync(out, `${JSON.stringify({ vqa: metrics }, null, 2)}\n`);
    console.log(JSON.stringify({ out, open: metrics.open, closed: metrics.closed }));
    return 0;
  },
);
