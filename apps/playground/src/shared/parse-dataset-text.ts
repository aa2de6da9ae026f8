import { VlmError } from '@vlm/core';

/** One record of a pasted or dropped dataset: its JSON value, or why its text is not JSON. */
export interface ParsedRow {
  /** 0-based record index, as @vlm/core reports rows. */
  row: number;
  /** 1-based line of the record in the text. */
  line: number;
  value?: unknown;
  error?: VlmError;
}

/** A dataset text read as a JSON array, one JSON record, or JSONL (one record a line). */
export interface ParsedDataset {
  format: 'json' | 'jsonl';
  rows: ParsedRow[];
}

// V8 says "... at position 42" (Node 20) or "(line 3 column 5)" (newer); either gives a line.
function lineOfSyntaxError(text: string, message: string): number | undefined {
  const lineMatch = /line (\d+)/.exec(message);
  if (lineMatch) return Number(lineMatch[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return undefined;
  return text.slice(0, Number(pos[1])).split('\n').length;
}

function syntaxError(text: string, error: unknown, where: { file?: string; row?: number; line?: number }): VlmError {
  const message = error instanceof Error ? error.message : String(error);
  const line = where.line ?? lineOfSyntaxError(text, message);
  return new VlmError('json_syntax', `not valid JSON${line !== undefined ? ` (line ${line})` : ''}: ${message}`, {
    location: { file: where.file, row: where.row },
    hint: 'A dataset is a JSON array of records, one JSON record, or JSONL with one record per line.',
  });
}

/**
 * Reads LLaVA data the way people paste it: a JSON array (`[...]`), a single record (`{...}`), or
 * JSONL. A JSONL line that is not JSON becomes a row with its error, so every other row still shows.
 */
export function parseDatasetText(text: string, file?: string): ParsedDataset {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    throw new VlmError('dataset_empty', 'there is no record to read', { location: { file }, hint: 'Paste a LLaVA record or drop a .json / .jsonl file.' });
  }
  if (trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw syntaxError(trimmed, error, { file });
    }
    return { format: 'json', rows: (data as unknown[]).map((value, row) => ({ row, line: 1, value })) };
  }
  try {
    return { format: 'json', rows: [{ row: 0, line: 1, value: JSON.parse(trimmed) }] };
  } catch {
    // not one JSON value: read it as JSONL
  }
  const rows: ParsedRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const lineText = raw.trim();
    if (lineText.length === 0) return;
    const row = rows.length;
    const line = index + 1;
    try {
      rows.push({ row, line, value: JSON.parse(lineText) });
    } catch (error) {
      rows.push({ row, line, error: syntaxError(lineText, error, { file, row, line }) });
    }
  });
  return { format: 'jsonl', rows };
}

/** The records back as text in the format they came in (for downloads). */
export function serializeDataset(values: readonly unknown[], format: ParsedDataset['format']): string {
  return format === 'jsonl' ? values.map((v) => JSON.stringify(v)).join('\n') + (values.length ? '\n' : '') : `${JSON.stringify(values, null, 2)}\n`;
}
