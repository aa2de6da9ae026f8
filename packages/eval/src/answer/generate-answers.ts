import { existsSync } from 'node:fs';
import { resolveImagePath, VlmError } from '@vlm/core';
import { answerRecordSchema, type AnswerRecord, type EvalQuestion } from '../data/eval-question';
import { JsonlAppender } from '@vlm/datagen';
import { readJsonlIfExists } from '../io/jsonl';
import { forEachConcurrent } from '../run/for-each-concurrent';
import type { AnswerFn } from './answer-fn';

/** Options shared by the answer generators. */
export interface AnswerRunOptions {
  /** Answers file (JSONL). Ids already in it are skipped, so a rerun resumes where it stopped. */
  outFile?: string;
  /** Calls in flight (default 4). */
  concurrency?: number;
  /** Called after each answer is written. */
  onAnswer?: (record: AnswerRecord) => void;
}

/** Options of {@link generateAnswers}. */
export interface GenerateAnswersOptions extends AnswerRunOptions {
  /** Name of the model under test, written into each record. */
  model: string;
  /** Folder that question image paths are relative to and must stay inside (absolute and `..` paths are
   * rejected before the first call). Without it, paths are taken as given. */
  imageRoot?: string;
}

/**
 * Runs answer work over questions, resumably: ids present in `outFile` are skipped, each new answer is
 * appended as soon as it exists. Returns the file's earlier records followed by the new ones.
 */
export async function answerQuestions(
  questions: readonly EvalQuestion[],
  work: (question: EvalQuestion) => Promise<AnswerRecord>,
  options: AnswerRunOptions,
): Promise<AnswerRecord[]> {
  const existing = options.outFile ? readJsonlIfExists(options.outFile, answerRecordSchema, { tolerateTruncatedTail: true }) : [];
  const done = new Set(existing.map((r) => r.id));
  const seen = new Set<string>();
  questions.forEach((q, row) => {
    if (seen.has(q.id)) {
      throw new VlmError('eval_duplicate_id', `Question id ${JSON.stringify(q.id)} appears twice.`, {
        location: { row, id: q.id, field: 'id' },
        hint: 'Answers are resumed by id, so ids must be unique.',
      });
    }
    seen.add(q.id);
  });
  const todo = questions.filter((q) => !done.has(q.id));
  const appender = options.outFile ? JsonlAppender.open(options.outFile) : undefined;
  const fresh: AnswerRecord[] = [];
  try {
    await forEachConcurrent(todo, options.concurrency ?? 4, async (question) => {
      const record = await work(question);
      await appender?.append(record);
      fresh.push(record);
      options.onAnswer?.(record);
    });
  } finally {
    await appender?.close();
  }
  return [...existing, ...fresh];
}

/**
 * The image path of a question resolved inside the image root; throws when the path leaves the root
 * (absolute, `..`, a URL) or the file is missing. Without a root, paths are taken as given.
 */
export function resolveQuestionImage(question: EvalQuestion, imageRoot?: string, row?: number): string | undefined {
  if (question.image === undefined) return undefined;
  const location = { ...(row !== undefined ? { row } : {}), id: question.id, field: 'image' };
  let path = question.image;
  if (imageRoot !== undefined) {
    const inside = resolveImagePath(imageRoot, question.image);
    if (inside === undefined) {
      throw new VlmError('eval_image_outside_root', `Image path ${JSON.stringify(question.image)} leaves the image folder ${imageRoot}.`, {
        location,
        hint: 'Image paths must be relative to the image folder (--images) and stay inside it: no absolute paths, no "..".',
      });
    }
    path = inside;
  }
  if (!existsSync(path)) {
    throw new VlmError('eval_image_missing', `Image file ${path} does not exist.`, {
      location,
      hint: 'Pass the folder the image paths are relative to (--images).',
    });
  }
  return path;
}

/** Generates the model's answers over an eval set with an {@link AnswerFn}, resumably. */
export async function generateAnswers(questions: readonly EvalQuestion[], answerFn: AnswerFn, options: GenerateAnswersOptions): Promise<AnswerRecord[]> {
  // Every image is checked before the first call: a missing file is a setup error, not something to
  // find after paying for half the set.
  const imagePaths = new Map(questions.map((q, row) => [q.id, resolveQuestionImage(q, options.imageRoot, row)]));
  return answerQuestions(
    questions,
    async (question) => {
      const imagePath = imagePaths.get(question.id);
      const answer = await answerFn({ id: question.id, question: question.question, ...(imagePath ? { imagePath } : {}) });
      return { id: question.id, question: question.question, answer, model: options.model, source: 'model' };
    },
    options,
  );
}
