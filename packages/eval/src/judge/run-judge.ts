import { JsonlAppender } from '@vlm/datagen';
import { readJsonlIfExists } from '../io/jsonl';
import { forEachConcurrent } from '../run/for-each-concurrent';
import { judgeItem, type JudgeInput, type JudgeSettings } from './judge-item';
import { judgeRecordSchema, latestJudgeRecords, type JudgeOrder, type JudgeRecord } from './judge-record';

/** Options of {@link runJudge}. */
export interface RunJudgeOptions extends JudgeSettings {
  /** Review file (JSONL). Items already in it (same id and order) are skipped, so a rerun resumes. */
  outFile?: string;
  /** Also judge with the assistants swapped (model as Assistant 1) to measure order bias. */
  swap?: boolean;
  /** Judge calls in flight (default 4). */
  concurrency?: number;
  /**
   * Judge again the items whose earlier record failed. The new record is appended; readers keep the
   * last record per (id, order), so the failed attempt stays in the file as history.
   */
  retryFailed?: boolean;
  /** Called after each item is judged and written. */
  onRecord?: (record: JudgeRecord) => void;
}

/**
 * Judges every item (LLaVA-Bench layout, reference as Assistant 1), and optionally a second pass with
 * the assistants swapped. Records are appended to `outFile` as they finish; the returned list holds the
 * latest record per (id, order), earlier runs included.
 */
export async function runJudge(inputs: readonly JudgeInput[], options: RunJudgeOptions): Promise<JudgeRecord[]> {
  const existing = options.outFile ? readJsonlIfExists(options.outFile, judgeRecordSchema, { tolerateTruncatedTail: true }) : [];
  const done = new Set(existing.filter((r) => !(options.retryFailed && r.status === 'failed')).map((r) => `${r.order}\u0000${r.id}`));
  const earlierFailures = new Map<string, number>();
  for (const r of existing) if (r.status === 'failed') earlierFailures.set(`${r.order}\u0000${r.id}`, (earlierFailures.get(`${r.order}\u0000${r.id}`) ?? 0) + 1);
  const orders: JudgeOrder[] = options.swap ? ['reference-first', 'model-first'] : ['reference-first'];
  const todo: Array<{ input: JudgeInput; order: JudgeOrder }> = [];
  for (const order of orders) {
    for (const input of inputs) if (!done.has(`${order}\u0000${input.id}`)) todo.push({ input, order });
  }
  const appender = options.outFile ? JsonlAppender.open(options.outFile) : undefined;
  const fresh: JudgeRecord[] = [];
  try {
    await forEachConcurrent(todo, options.concurrency ?? 4, async ({ input, order }) => {
      const record = await judgeItem(input, order, options, earlierFailures.get(`${order}\u0000${input.id}`) ?? 0);
      await appender?.append(record);
      fresh.push(record);
      options.onRecord?.(record);
    });
  } finally {
    await appender?.close();
  }
  return latestJudgeRecords([...existing, ...fresh]);
}
