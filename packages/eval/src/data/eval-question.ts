import { z } from 'zod';

const idSchema = z.union([z.string().min(1), z.number()]).transform((v) => String(v));

/** The symbolic image (captions and boxes) a text-only teacher and the judge see instead of pixels. */
export const evalContextSchema = z.looseObject({
  captions: z.array(z.string()).min(1),
  objects: z.array(z.object({ category: z.string().min(1), box: z.array(z.number()).length(4) })).optional(),
  boxFormat: z.enum(['normalised', 'pixel', 'coco']).optional(),
  imageSize: z.object({ width: z.number().positive(), height: z.number().positive() }).optional(),
});

/**
 * One evaluation question (one JSONL line). `question_id` / `text` (LLaVA-Bench's names) are accepted
 * for `id` / `question`. `context` is needed for reference answers and the judge, `answer` (the ground
 * truth) for VQA metrics.
 */
export const evalQuestionSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null) return value;
    const v = value as Record<string, unknown>;
    return { ...v, id: v.id ?? v.question_id, question: v.question ?? v.text };
  },
  z.looseObject({
    id: idSchema,
    question: z.string().min(1),
    image: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    /** Symbolic image, or a ready-written description (LLaVA-Bench in-the-wild's detailed caption). */
    context: z.union([z.string().min(1), evalContextSchema]).optional(),
    answer: z.string().optional(),
    answerType: z.enum(['open', 'closed']).optional(),
  }),
);

/** An evaluation question. */
export type EvalQuestion = z.output<typeof evalQuestionSchema>;
/** The symbolic image of a question. */
export type EvalContext = z.output<typeof evalContextSchema>;

/** One answer (one JSONL line) from a model or from the text-only reference teacher. */
export const answerRecordSchema = z.looseObject({
  id: idSchema,
  answer: z.string(),
  model: z.string(),
  question: z.string().optional(),
  /** `model` for the model under test, `reference` for the text-only teacher. */
  source: z.enum(['model', 'reference']).optional(),
});

/** An answer record. */
export type AnswerRecord = z.output<typeof answerRecordSchema>;
