import { z } from 'zod';
import { VlmError, type ErrorLocation } from '../errors/vlm-error';

/** One turn of a LLaVA conversation. `human` asks, `gpt` answers, `system` overrides the system message. */
export const llavaTurnSchema = z.object({
  from: z.enum(['human', 'gpt', 'system']),
  value: z.string(),
});

/**
 * One record of a LLaVA-format dataset. `image` is a path relative to the image root, or several paths
 * for a multi-image record (one `<image>` per image). Text-only records omit it. Unknown extra fields
 * (source, prompt id, teacher model, ...) are kept.
 */
export const llavaRecordSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform((v) => String(v)),
  image: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  conversations: z.array(llavaTurnSchema).min(1),
});

export type LlavaTurn = z.infer<typeof llavaTurnSchema>;
export type LlavaRecord = z.output<typeof llavaRecordSchema>;
export type LlavaRecordInput = z.input<typeof llavaRecordSchema>;

/** One problem found in a dataset: where, and why. */
export interface DatasetIssue extends ErrorLocation {
  reason: string;
}

/** Thrown when a dataset does not match the LLaVA schema; lists every bad row, not only the first. */
export class DatasetSchemaError extends VlmError {
  readonly issues: DatasetIssue[];
  constructor(issues: DatasetIssue[], file?: string) {
    const shown = issues
      .slice(0, 10)
      .map((i) => `  row ${i.row ?? '?'}${i.id !== undefined ? ` (id ${JSON.stringify(i.id)})` : ''}, ${i.field ?? 'record'}: ${i.reason}`)
      .join('\n');
    const more = issues.length > 10 ? `\n  ... and ${issues.length - 10} more` : '';
    super('dataset_schema', `${issues.length} record(s) do not match the LLaVA format:\n${shown}${more}`, {
      location: { file },
      hint: 'Each record needs {"id": string, "image"?: string | string[], "conversations": [{"from": "human"|"gpt"|"system", "value": string}]}.',
    });
    this.issues = issues;
  }
}

function pathToField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'record';
}

/** Schema problems of one record, each with its field path (`conversations[2].from`). */
export function recordSchemaIssues(value: unknown, row: number): DatasetIssue[] {
  const parsed = llavaRecordSchema.safeParse(value);
  if (parsed.success) return [];
  const rawId = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  return parsed.error.issues.map((issue) => ({ row, id, field: pathToField(issue.path), reason: issue.message }));
}

/**
 * Parses a whole LLaVA dataset (the JSON array, already decoded). Every bad row is reported in one
 * `DatasetSchemaError`; on success the typed records are returned.
 */
export function parseLlavaDataset(data: unknown, options: { file?: string } = {}): LlavaRecord[] {
  if (!Array.isArray(data)) {
    throw new VlmError('dataset_not_array', 'A LLaVA dataset must be a JSON array of records.', {
      location: { file: options.file },
      hint: 'Wrap the records in [ ... ]; for JSONL input, parse each line and pass the array.',
    });
  }
  const issues: DatasetIssue[] = [];
  const records: LlavaRecord[] = [];
  data.forEach((value, row) => {
    const parsed = llavaRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else issues.push(...recordSchemaIssues(value, row));
  });
  if (issues.length > 0) throw new DatasetSchemaError(issues.map((i) => ({ ...i, file: options.file })), options.file);
  return records;
}

/** The image paths of a record as an array (empty for text-only records). */
export function recordImages(record: Pick<LlavaRecord, 'image'>): string[] {
  if (record.image === undefined) return [];
  return Array.isArray(record.image) ? record.image : [record.image];
}
