import { closeSync, existsSync, openSync, readSync } from 'node:fs';

/** One complete line of a JSONL file: its parsed value and where its bytes sit. */
export interface JsonlLine {
  value: unknown;
  /** Byte offset of the line start. */
  offset: number;
  /** Byte length of the line without its newline. */
  length: number;
  /** 0-based line number. */
  row: number;
}

/** What {@link scanJsonl} found besides the lines. */
export interface JsonlScan {
  /** Byte length of the complete lines (everything up to and including the last newline). */
  completeBytes: number;
  /** Bytes after the last newline: a line torn by a crash mid-write (0 when the file ends cleanly). */
  tornBytes: number;
  /** Rows that were complete but not valid JSON (reported, skipped). */
  badRows: number[];
}

/**
 * Reads a JSONL file line by line in 1 MiB chunks (files of any size), calling `onLine` for each
 * complete, valid line. A last line without its newline is not read: it is what a crash mid-append
 * leaves, and the appender cuts it off before writing again.
 */
export function scanJsonl(path: string, onLine: (line: JsonlLine) => void): JsonlScan {
  if (!existsSync(path)) return { completeBytes: 0, tornBytes: 0, badRows: [] };
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let carry = Buffer.alloc(0);
  let carryOffset = 0;
  let position = 0;
  let row = 0;
  const badRows: number[] = [];
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      position += read;
      let buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let nl = buffer.indexOf(10, start); nl !== -1; nl = buffer.indexOf(10, start)) {
        const bytes = buffer.subarray(start, nl);
        const text = bytes.toString('utf8').trim();
        if (text.length > 0) {
          try {
            onLine({ value: JSON.parse(text), offset: carryOffset + start, length: nl - start, row });
          } catch (error) {
            if (!(error instanceof SyntaxError)) throw error;
            badRows.push(row);
          }
        }
        row += 1;
        start = nl + 1;
      }
      carryOffset += start;
      carry = Buffer.from(buffer.subarray(start));
      buffer = Buffer.alloc(0);
    }
  } finally {
    closeSync(fd);
  }
  return { completeBytes: carryOffset, tornBytes: carry.length, badRows };
}
