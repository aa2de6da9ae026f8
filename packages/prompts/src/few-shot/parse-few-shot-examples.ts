import { z } from 'zod';
import { VlmError } from '@vlm/core';
import type { FewShotExample } from '../chat/chat-message';

/** A user-supplied few-shot example: the rendered context and the response. */
export const fewShotExampleSchema = z.object({
  id: z.string().min(1).optional(),
  context: z.string().min(1),
  response: z.string().min(1),
});

/**
 * Validates user few-shot examples: a JSON array (already decoded) or JSONL text, each item
 * `{ id?, context, response }`. Every bad row is reported in one error.
 */
export function parseFewShotExamples(data: unknown, options: { file?: string } = {}): FewShotExample[] {
  let rows: unknown[];
  if (typeof data === 'string') {
    rows = [];
    const lines = data.split(/\r?\n/);
    lines.forEach((line, row) => {
      if (line.trim().length === 0) return;
      try {
        rows.push(JSON.parse(line));
      } catch (cause) {
        throw new VlmError('few_shot_invalid', `Line ${row + 1} is not valid JSON.`, { location: { file: options.file, row }, cause, hint: 'JSONL: one JSON object per line.' });
      }
    });
  } else if (Array.isArray(data)) rows = data;
  else {
    throw new VlmError('few_shot_invalid', 'Few-shot examples must be a JSON array or JSONL text.', { location: { file: options.file } });
  }
  const problems: string[] = [];
  const examples: FewShotExample[] = [];
  rows.forEach((row, index) => {
    const parsed = fewShotExampleSchema.safeParse(row);
    if (parsed.success) examples.push(parsed.data);
    else problems.push(`row ${index}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'example'} ${i.message}`).join('; ')}`);
  });
  if (problems.length > 0) {
    throw new VlmError('few_shot_invalid', `${problems.length} few-shot example(s) are invalid:\n  ${problems.slice(0, 10).join('\n  ')}`, {
      location: { file: options.file },
      hint: 'Each example is { "context": string, "response": string, "id"?: string }.',
    });
  }
  return examples;
}
