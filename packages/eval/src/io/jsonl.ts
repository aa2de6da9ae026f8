import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { VlmError } from '@vlm/core';

/** Options of {@link readJsonl}. */
export interface ReadJsonlOptions {
  /**
   * Ignore an unparseable LAST line (a run killed mid-write leaves one). Resumable writers set this;
   * a bad line anywhere else is still an error.
   */
  tolerateTruncatedTail?: boolean;
}

/** Reads a JSONL file, validating each line with `schema`; errors name the file and the line (0-based row). */
export function readJsonl<S extends z.ZodType>(file: string, schema: S, options: ReadJsonlOptions = {}): Array<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VlmError('file_unreadable', `Cannot read ${file}: ${(error as Error).message}`, {
      location: { file },
      hint: 'Check the path; files written by earlier steps are named by their --out flag.',
      cause: error,
    });
  }
  const lines = text.split('\n');
  const out: Array<z.output<S>> = [];
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] as string).trim() === '') last--;
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row] as string;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (options.tolerateTruncatedTail && row === last) break;
      throw new VlmError('jsonl_bad_json', 'Line is not valid JSON.', {
        location: { file, row },
        hint: 'Each line of a JSONL file must be one complete JSON value.',
      });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const rawId = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
      throw new VlmError('jsonl_bad_record', `Record does not match the expected shape: ${issue?.message ?? 'invalid'}.`, {
        location: {
          file,
          row,
          id: typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined,
          field: issue?.path.map(String).join('.') || undefined,
        },
        hint: 'Check the record against the format in the @vlm/eval README.',
      });
    }
    out.push(parsed.data);
  }
  return out;
}

/** Like {@link readJsonl} but returns [] when the file does not exist (a run that has not started). */
export function readJsonlIfExists<S extends z.ZodType>(file: string, schema: S, options: ReadJsonlOptions = {}): Array<z.output<S>> {
  return existsSync(file) ? readJsonl(file, schema, options) : [];
}
