import { join } from 'node:path';

import { JsonlAppender } from '../jsonl/jsonl-appender';
import { acquireRunLock } from './run-lock';
import { TeacherError } from '../teacher/teacher-error';
import type { Teacher } from '../teacher/teacher';
import type { TeacherMessage, TeacherParams, TeacherResponse } from '../teacher/types';

/** One unit of teacher work: a stable id (resume key) and the request to send. */
export interface GenerationTask {
  /** Unique and stable across runs: a rerun skips ids already accepted or rejected. */
  id: string;
  messages: TeacherMessage[];
  params?: TeacherParams;
}

/** What `accept` decides about one answer. */
export type AcceptOutcome =
  | { ok: true; records: Record<string, unknown>[]; notes?: unknown }
  | { ok: false; reason: string; message?: string; details?: unknown };

/** Where a generation run writes. */
export interface GenerationFiles {
  /** Accepted records, one `{ "taskId", "record" }` per line, appended as they are accepted. */
  samples: string;
  /** Rejected answers with reason, message and the raw content. */
  rejects: string;
  /** Tasks whose requests failed for good in a run (they are retried by the next run). */
  failures: string;
}

/** The files of a generation run in `outDir`. */
export function generationFiles(outDir: string): GenerationFiles {
  return { samples: join(outDir, 'samples.jsonl'), rejects: join(outDir, 'rejects.jsonl'), failures: join(outDir, 'failures.jsonl') };
}

/** Counters of a run, given to `onProgress` after every task and returned at the end. */
export interface GenerationProgress {
  /** Tasks seen in this run (including skipped ones). */
  seen: number;
  /** Tasks finished in an earlier run, skipped now. */
  resumed: number;
  accepted: number;
  /** Records written (a task may yield several). */
  records: number;
  rejected: number;
  failed: number;
  /** Rejections by reason. */
  rejectReasons: Record<string, number>;
  /** Answers served by the cache in this run. */
  cacheHits: number;
  /** USD spent in this run. */
  costUsd: number;
  elapsedMs: number;
  /** Expected time left, when `total` is known and at least one task was sent. */
  etaMs?: number;
  total?: number;
  /** Set when the run stopped early: the reason (budget spent, a failure every request would repeat). */
  stoppedBy?: string;
  /** Error code of the early stop (`budget_exceeded`, `teacher_http_401`, `teacher_unreachable`, ...). */
  stopCode?: string;
  /** What to do about it. */
  stopHint?: string;
}

/** Options of {@link runGeneration}. */
export interface RunGenerationOptions<T extends GenerationTask> {
  teacher: Teacher;
  tasks: Iterable<T> | AsyncIterable<T>;
  /** Folder of samples.jsonl, rejects.jsonl and failures.jsonl. */
  outDir: string;
  /** Parses and filters one answer into records, or rejects it with a reason. */
  accept(task: T, response: TeacherResponse): AcceptOutcome;
  /** Number of tasks, for the ETA. */
  total?: number;
  /** Tasks worked on at once (default twice the teacher's concurrency, so parsing and appends never leave a request slot idle). */
  concurrency?: number;
  onProgress?(progress: GenerationProgress): void;
  durability?: 'fsync' | 'write';
}

/** The reject reason of an answer cut off at max_tokens (`finish_reason: "length"`), whatever the job. */
export const truncatedReason = 'truncated';

/**
 * Runs teacher tasks into JSONL outputs that survive being killed at any moment: every answer is in
 * the teacher's cache before it is parsed, every accepted record or rejection is appended (fsync)
 * under its task id, and a rerun skips finished tasks and replays cached answers without sending them.
 * An answer cut off at max_tokens is rejected as `truncated` before the job sees it. A failure that
 * every request would repeat (bad key, unknown model, unreachable server, budget) stops the run at
 * once, keeping everything already written.
 */
export async function runGeneration<T extends GenerationTask>(options: RunGenerationOptions<T>): Promise<GenerationProgress> {
  const files = generationFiles(options.outDir);
  const releaseLock = acquireRunLock(options.outDir);
  const done = new Set<string>();
  const collect = (line: { value: unknown }) => {
    const id = (line.value as { taskId?: unknown }).taskId;
    if (typeof id === 'string') done.add(id);
  };
  let samples: JsonlAppender, rejects: JsonlAppender, failures: JsonlAppender;
  try {
    samples = JsonlAppender.open(files.samples, { durability: options.durability, onExisting: collect });
    rejects = JsonlAppender.open(files.rejects, { durability: options.durability, onExisting: collect });
    failures = JsonlAppender.open(files.failures, { durability: options.durability });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const started = Date.now();
  const progress: GenerationProgress = {
    seen: 0,
    resumed: 0,
    accepted: 0,
    records: 0,
    rejected: 0,
    failed: 0,
    rejectReasons: {},
    cacheHits: 0,
    costUsd: 0,
    elapsedMs: 0,
    total: options.total,
  };
  const claimed = new Set<string>();

  const report = () => {
    progress.elapsedMs = Date.now() - started;
    const finished = progress.accepted + progress.rejected + progress.failed;
    if (options.total !== undefined && finished > 0) {
      const left = Math.max(0, options.total - progress.resumed - finished);
      progress.etaMs = (progress.elapsedMs / finished) * left;
    }
    options.onProgress?.({ ...progress, rejectReasons: { ...progress.rejectReasons } });
  };

  async function work(task: T): Promise<void> {
    let response: TeacherResponse;
    try {
      response = await options.teacher.complete(task.messages, task.params);
    } catch (error) {
      if (error instanceof TeacherError && error.fatal) {
        // Not this task's fault: it stays open for the rerun, and no other task is started.
        if (progress.stoppedBy === undefined) {
          progress.stoppedBy = error.message;
          progress.stopCode = error.code;
          progress.stopHint = error.hint;
        }
        return;
      }
      progress.failed += 1;
      const code = error instanceof TeacherError ? error.code : 'unexpected';
      await failures.append({ taskId: task.id, code, message: error instanceof Error ? error.message : String(error), at: new Date().toISOString() });
      return;
    }
    if (response.cached) progress.cacheHits += 1;
    else progress.costUsd += response.costUsd;
    const outcome: AcceptOutcome =
      response.finishReason === 'length'
        ? { ok: false, reason: truncatedReason, message: 'The answer was cut off at max_tokens (finish_reason "length"); raise --max-tokens to keep such answers.' }
        : options.accept(task, response);
    if (outcome.ok) {
      // One line per task keeps "this task is done" and "its records are written" one atomic append.
      await samples.append({ taskId: task.id, key: response.key, records: outcome.records, ...(outcome.notes !== undefined ? { notes: outcome.notes } : {}) });
      progress.accepted += 1;
      progress.records += outcome.records.length;
    } else {
      await rejects.append({ taskId: task.id, key: response.key, reason: outcome.reason, message: outcome.message, content: response.content, details: outcome.details });
      progress.rejected += 1;
      progress.rejectReasons[outcome.reason] = (progress.rejectReasons[outcome.reason] ?? 0) + 1;
    }
  }

  const iterator = (Symbol.asyncIterator in options.tasks ? options.tasks[Symbol.asyncIterator]() : options.tasks[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  let exhausted = false;
  const nextTask = async (): Promise<T | undefined> => {
    while (!exhausted && progress.stoppedBy === undefined) {
      const step = await iterator.next();
      if (step.done) {
        exhausted = true;
        return undefined;
      }
      progress.seen += 1;
      const task = step.value;
      if (done.has(task.id)) {
        progress.resumed += 1;
        continue;
      }
      // A task id seen twice in one input would be generated twice; the first one wins.
      if (claimed.has(task.id)) continue;
      claimed.add(task.id);
      return task;
    }
    return undefined;
  };

  let fatal: { error: unknown } | undefined;
  try {
    const workers = Array.from({ length: options.concurrency ?? Math.max(2 * options.teacher.concurrency, 16) }, async () => {
      try {
        for (let task = await nextTask(); task !== undefined; task = await nextTask()) {
          await work(task);
          report();
        }
      } catch (error) {
        // A bug in `accept` or a full disk: stop taking tasks, let the others finish what they hold.
        fatal ??= { error };
        progress.stoppedBy = error instanceof Error ? error.message : String(error);
      }
    });
    await Promise.all(workers);
  } finally {
    await Promise.all([samples.close(), rejects.close(), failures.close()]);
    releaseLock();
  }
  if (fatal) throw fatal.error;
  report();
  return { ...progress, elapsedMs: Date.now() - started };
}
