import { z } from 'zod';

/** Which answer the judge saw as Assistant 1: the reference (LLaVA-Bench layout) or the model (swapped pass). */
export const judgeOrderSchema = z.enum(['reference-first', 'model-first']);
/** Order of the assistants in one judge pass. */
export type JudgeOrder = z.output<typeof judgeOrderSchema>;

/** One judge call and its raw output, kept whether or not it parsed. */
export const judgeAttemptSchema = z.object({
  raw: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
  /** The model version that answered (response `model`). */
  judgeVersion: z.string(),
  systemFingerprint: z.string().optional(),
});
/** One judge attempt. */
export type JudgeAttempt = z.output<typeof judgeAttemptSchema>;

/**
 * One judged item in one order (one JSONL line of a review file). Failed items keep `status: "failed"`
 * and no scores: a failure is never filled in with a default score.
 */
export const judgeRecordSchema = z.looseObject({
  id: z.string(),
  category: z.string(),
  order: judgeOrderSchema,
  /** The judge model as requested. */
  judgeModel: z.string(),
  /** The judge model version(s) that answered, from the responses. */
  judgeVersion: z.string(),
  status: z.enum(['ok', 'failed']),
  /** 0 (omitted) for the first judging; n for the n-th re-judging of an item that failed before. */
  round: z.number().int().nonnegative().optional(),
  /** Scores mapped back to the answers, whatever the order. */
  scores: z.object({ reference: z.number(), model: z.number() }).optional(),
  failureReason: z.string().optional(),
  attempts: z.array(judgeAttemptSchema).min(1),
});
/** One judged item. */
export type JudgeRecord = z.output<typeof judgeRecordSchema>;

/** The last record per (id, order): a re-judged item replaces its failed record. */
export function latestJudgeRecords(records: readonly JudgeRecord[]): JudgeRecord[] {
  const latest = new Map<string, JudgeRecord>();
  for (const r of records) {
    const key = `${r.order}\u0000${r.id}`;
    latest.delete(key);
    latest.set(key, r);
  }
  return [...latest.values()];
}
