import { createReadStream } from 'node:fs';
import { VlmError } from '@vlm/core';
import { readFailed } from './read-failed';

/** One data row of a CSV file, keyed by the header's column names. */
export interface CsvRow {
  /** 0-based index among data rows (the header is not counted). */
  index: number;
  /** 1-based line where the row starts (quoted fields may span lines). */
  line: number;
  values: Record<string, string>;
  /** Set when the row has a different number of fields than the header. */
  error?: string;
}

/**
 * Streams an RFC 4180 CSV file (quoted fields, doubled quotes, newlines inside quotes, CRLF) row by row,
 * using the first row as the header. A UTF-8 byte order mark is dropped.
 */
export async function* readCsvRows(file: string): AsyncGenerator<CsvRow> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let header: string[] | undefined;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteSeen = false; // a quote inside a quoted field: either the end or the first of a doubled ""
  let line = 1;
  let rowLine = 1;
  let index = 0;
  let first = true;
  let rowHasData = false;

  const finishRow = (): CsvRow | undefined => {
    fields.push(field);
    const row = fields;
    fields = [];
    field = '';
    const blank = !rowHasData && row.length === 1 && row[0] === '';
    rowHasData = false;
    if (blank) return undefined;
    if (!header) {
      header = row.map((h) => h.trim());
      return undefined;
    }
    const values: Record<string, string> = {};
    header.forEach((name, k) => {
      values[name] = row[k] ?? '';
    });
    const out: CsvRow = { index: index++, line: rowLine, values };
    if (row.length !== header.length) out.error = `${row.length} fields where the header has ${header.length}`;
    return out;
  };

  try {
    for await (const raw of stream) {
      let chunk = raw as string;
      if (first) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        first = false;
      }
      const out: CsvRow[] = [];
      for (let i = 0; i < chunk.length; i++) {
        const ch = chunk[i]!;
        if (inQuotes) {
          if (quoteSeen) {
            quoteSeen = false;
            if (ch === '"') {
              field += '"';
              continue;
            }
            inQuotes = false; // fall through: this character follows the closing quote
          } else if (ch === '"') {
            quoteSeen = true;
            continue;
          } else {
            if (ch === '\n') line++;
            field += ch;
            continue;
          }
        }
        if (ch === '"' && field === '') {
          inQuotes = true;
          rowHasData = true;
        } else if (ch === ',') {
          fields.push(field);
          field = '';
          rowHasData = true;
        } else if (ch === '\n') {
          const row = finishRow();
          if (row) out.push(row);
          line++;
          rowLine = line;
        } else if (ch !== '\r') {
          field += ch;
          rowHasData = true;
        }
      }
      yield* out;
    }
  } catch (error) {
    throw readFailed(file, error);
  } finally {
    stream.destroy();
  }
  if (quoteSeen) inQuotes = false;
  if (inQuotes) {
    throw new VlmError('csv_syntax', 'The CSV file ends inside a quoted field.', {
      location: { file, field: `line ${rowLine}` },
      hint: 'A quote was opened and never closed; check that row.',
    });
  }
  const last = finishRow();
  if (last) yield last;
}
