/** Where a problem was found: any subset of file, row (0-based index), record id and field path. */
export interface ErrorLocation {
  file?: string;
  row?: number;
  id?: string;
  field?: string;
}

/**
 * Base class of every error the toolkit throws on purpose. It says what was wrong (`message`), where
 * (`location`) and what to do (`hint`), with a stable machine-readable `code`. CLIs print
 * `formatError(err)` instead of a stack trace.
 */
export class VlmError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;
  readonly hint?: string;

  constructor(code: string, message: string, options: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location ?? {};
    this.hint = options.hint;
  }
}

/** Renders a location as `file data.json, row 3, id "abc", field conversations[1].value`. */
export function formatLocation(location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(`file ${location.file}`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.id !== undefined) parts.push(`id ${JSON.stringify(location.id)}`);
  if (location.field !== undefined) parts.push(`field ${location.field}`);
  return parts.join(', ');
}

/** One line (two with a hint) for a user: `[code] message (where)` and `hint: ...`. No stack. */
export function formatError(error: unknown): string {
  if (error instanceof VlmError) {
    const where = formatLocation(error.location);
    const head = `[${error.code}] ${error.message}${where ? ` (${where})` : ''}`;
    return error.hint ? `${head}\n  hint: ${error.hint}` : head;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
