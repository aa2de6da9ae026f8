import { cliUsageError } from './define-command';

interface Range {
  min?: number;
  max?: number;
}

function describe(kind: string, range: Range): string {
  if (range.min !== undefined && range.max !== undefined) return `${kind} from ${range.min} to ${range.max}`;
  if (range.min !== undefined) return `${kind} >= ${range.min}`;
  if (range.max !== undefined) return `${kind} <= ${range.max}`;
  return kind;
}

function checked(raw: string, flag: string, n: number, integer: boolean, range: Range): number {
  const kind = integer ? 'a whole number' : 'a number';
  const bad = raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max);
  if (bad) throw cliUsageError(`--${flag} needs ${describe(kind, range)}, got ${JSON.stringify(raw)}.`, { field: `--${flag}`, hint: `For example --${flag} ${range.min !== undefined && range.min > 0 ? range.min : integer ? 1 : 0.5}.` });
  return n;
}

/** The value of an integer flag (`undefined` when absent); anything else is a usage error naming the flag. */
export function intOption(value: string | undefined, flag: string, range: Range = {}): number | undefined {
  return value === undefined ? undefined : checked(value, flag, Number(value), true, range);
}

/** The value of a number flag (`undefined` when absent); anything else is a usage error naming the flag. */
export function numberOption(value: string | undefined, flag: string, range: Range = {}): number | undefined {
  return value === undefined ? undefined : checked(value, flag, Number(value), false, range);
}

/** The value of a flag that takes one of a few words (`undefined` when absent). */
export function choiceOption<const C extends string>(value: string | undefined, flag: string, choices: readonly C[]): C | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw cliUsageError(`--${flag} must be ${choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`}, got ${JSON.stringify(value)}.`, { field: `--${flag}` });
  return value as C;
}
