import type { z } from 'zod';

import { VlmError } from '@vlm/core';

import type { IssueLog } from '../issues';
import { readJsonElements } from '../io/read-json-elements';
import { readPickle } from '../io/read-pickle';

/** A decoded, shape-checked source row with where it came from. */
export interface SourceRow<T> {
  value: T;
  index: number;
  /** 1-based line of the row (JSON); absent for pickles, which have no lines. */
  line?: number;
  key?: string;
}

/** First schema problem as `field question: expected string, received number`. */
export function schemaReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'does not match the expected row layout';
  const field = issue.path.map(String).join('.');
  return `${field ? `field ${field}: ` : ''}${issue.message}`;
}

/**
 * Streams the rows of one container of a JSON file, checks each against `schema`, reports the bad ones to
 * `issues` (file, line, index, key, reason) and yields the good ones.
 */
export async function* jsonRows<S extends z.ZodType>(
  file: string,
  path: readonly string[],
  schema: S,
  issues: IssueLog,
): AsyncGenerator<SourceRow<z.output<S>>> {
  for await (const event of readJsonElements(file, [path])) {
    const where = { file, line: event.line, index: event.index, key: event.key };
    if (event.error !== undefined) {
      issues.add({ ...where, reason: event.error });
      continue;
    }
    const parsed = schema.safeParse(event.value);
    if (!parsed.success) {
      issues.add({ ...where, reason: schemaReason(parsed.error) });
      continue;
    }
    yield { value: parsed.data, index: event.index, line: event.line, key: event.key };
  }
}

/**
 * The most frequent answer among annotators (VQA's ground truth for training). Ties go to `preferred`
 * when it is among the tied answers (VQAv2's `multiple_choice_answer`), else to the earliest answer.
 */
export function mostFrequentAnswer(answers: readonly string[], preferred?: string): string | undefined {
  const counts = new Map<string, number>();
  for (const raw of answers) {
    const a = raw.trim();
    if (a) counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [a, c] of counts) {
    if (c > bestCount) {
      best = a;
      bestCount = c;
    }
  }
  const p = preferred?.trim();
  if (p && counts.get(p) === bestCount) return p;
  return best ?? (p || undefined);
}

/** Answers may be numbers in some sources (VQA-RAD); the text we train on is always a trimmed string. */
export function answerText(value: string | number | boolean): string {
  return String(value).trim();
}

/** Whether a file is a Python pickle by its name (`refs(unc).p`, `train_qa.pkl`). */
export function isPickle(file: string): boolean {
  return /\.(p|pkl|pickle)$/i.test(file);
}

/**
 * Rows of a JSON file (streamed) or of a plain-data pickle (read whole: the pickles datasets publish are
 * small), checked against `schema`, with bad rows reported to `issues`.
 */
export async function* sourceRows<S extends z.ZodType>(
  file: string,
  path: readonly string[],
  schema: S,
  issues: IssueLog,
): AsyncGenerator<SourceRow<z.output<S>>> {
  if (!isPickle(file)) {
    yield* jsonRows(file, path, schema, issues);
    return;
  }
  let data = await readPickle(file);
  for (const key of path) data = (data as Record<string, unknown> | null)?.[key];
  const entries: [string | undefined, unknown][] = Array.isArray(data)
    ? data.map((v) => [undefined, v])
    : typeof data === 'object' && data !== null
      ? Object.entries(data)
      : [];
  if (!Array.isArray(data) && (typeof data !== 'object' || data === null)) {
    throw new VlmError('pickle_layout', `The pickle holds no list or dict${path.length ? ` at ${path.join('.')}` : ''}.`, {
      location: { file },
      hint: 'Is this the right file of the dataset?',
    });
  }
  for (const [index, [key, value]] of entries.entries()) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      issues.add({ file, index, key, reason: schemaReason(parsed.error) });
      continue;
    }
    yield { value: parsed.data, index, key };
  }
}
