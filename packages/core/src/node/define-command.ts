import { parseArgs } from 'node:util';
import { VlmError } from '../errors/vlm-error';

/** One flag, as `node:util` `parseArgs` takes it (spelled out here so the types need no `@types/node`). */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
}

/** The flags of one command (`--help`/`-h` is added by the dispatcher). */
export type CliOptions = Record<string, CliOption>;

type CliValue<T extends CliOption> = T['type'] extends 'string' ? (T extends { multiple: true } ? string[] : string) : T extends { multiple: true } ? boolean[] : boolean;

/** The parsed flag values of a command whose flags are `O` (a flag with a default is always there). */
export type CliValues<O extends CliOptions> = { [K in keyof O]: O[K] extends { default: string | boolean | string[] | boolean[] } ? CliValue<O[K]> : CliValue<O[K]> | undefined };

/** Where a command writes: `out` for results and `--help`, `err` for errors and progress. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** stdout / stderr through `console`, one line per call. */
export const processCliIo: CliIo = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/**
 * A command of a command-line program: call it with its arguments (and optionally where to write), get
 * the exit code. `--help` prints `usage` and gives 0; an unknown flag, a missing or extra argument throws
 * a `cli_usage` error that the dispatcher prints with `usage` and turns into exit code 2.
 */
export interface CliCommand<I extends CliIo = CliIo> {
  (args: string[], io?: I): Promise<number>;
  /** One line for the program's list of commands. */
  readonly summary: string;
  /** The whole usage text: synopsis, then one line per flag. */
  readonly usage: string;
  /** The flags it takes, as declared (without `--help`). */
  readonly options: CliOptions;
  /** Named subcommands, for a command group (`vlm-datagen batch export`). */
  readonly subcommands?: Readonly<Record<string, CliCommand<I>>>;
}

/** What a command's body receives: the parsed flags and positionals, and its own usage text. */
export interface CliInput<O extends CliOptions> {
  values: CliValues<O>;
  positionals: string[];
  usage: string;
}

/** Declaration of one command: its flags and usage are written once; `--help` and usage errors come from them. */
export interface CliCommandSpec<O extends CliOptions, I extends CliIo> {
  summary: string;
  usage: string;
  options?: O;
  /** Positional arguments taken: none unless given. */
  positionals?: { min?: number; max?: number; name?: string };
  /** Where the command writes when the caller passes nothing (default stdout/stderr). */
  io?: I;
}

/**
 * Error codes that mean "the command line is wrong" (exit 2, usage shown) rather than "the work failed"
 * (exit 1). Commands may throw `VlmError`s with any of them for a bad flag value.
 */
export const CLI_USAGE_ERROR_CODES: ReadonlySet<string> = new Set(['cli_usage', 'bad_option', 'missing_option', 'option_invalid', 'unknown_job', 'unknown_action']);

/** Whether an error is a mistake on the command line (exit code 2). */
export function isCliUsageError(error: unknown): error is VlmError {
  return error instanceof VlmError && CLI_USAGE_ERROR_CODES.has(error.code);
}

/** The usage text of the innermost command a usage error came from, for the dispatcher to print. */
const usageOfError = new WeakMap<object, string>();

/** The usage to print after a usage error (the innermost command's), if one was recorded. */
export function usageForError(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? usageOfError.get(error) : undefined;
}

function withUsage<E>(error: E, usage: string): E {
  if (isCliUsageError(error) && !usageOfError.has(error)) usageOfError.set(error, usage);
  return error;
}

/** A `cli_usage` error (exit 2): what is wrong with the command line, the flag it concerns and what to do. */
export function cliUsageError(message: string, options: { field?: string; hint?: string } = {}): VlmError {
  return new VlmError('cli_usage', message, { location: options.field ? { field: options.field } : undefined, hint: options.hint });
}

/** `--help` or `-h` anywhere before a `--` terminator. */
export function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * Declares a command: `spec` holds its summary, usage, flags and positional arguments; `run` does the work
 * with the parsed values. Unknown flags, flags without their value and a wrong number of positionals are
 * usage errors before `run` starts; a usage error `run` throws (see `CLI_USAGE_ERROR_CODES`) is reported
 * with this command's usage.
 */
export function defineCommand<const O extends CliOptions = Record<never, never>, I extends CliIo = CliIo>(
  spec: CliCommandSpec<O, I>,
  run: (input: CliInput<O>, io: I) => Promise<number>,
): CliCommand<I> {
  const options = (spec.options ?? {}) as O;
  const command = async (args: string[], io?: I): Promise<number> => {
    const target = io ?? spec.io ?? (processCliIo as I);
    if (asksForHelp(args)) {
      target.out(spec.usage);
      return 0;
    }
    let parsed: { values: CliValues<O>; positionals: string[] };
    try {
      parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as unknown as typeof parsed;
    } catch (error) {
      // node's advice on positionals starting with '-' follows the first sentence; the usage says more
      throw withUsage(cliUsageError((error as Error).message.replace(/ To specify a positional argument[\s\S]*$/, '')), spec.usage);
    }
    const { min = 0, max = min, name = 'argument' } = spec.positionals ?? { max: 0 };
    const count = parsed.positionals.length;
    if (count < min) throw withUsage(cliUsageError(`Missing ${name}${min > 1 ? ` (${min} needed, got ${count})` : ''}.`), spec.usage);
    if (count > Math.max(min, max)) {
      throw withUsage(cliUsageError(`Unexpected argument ${JSON.stringify(parsed.positionals[Math.max(min, max)])}${max === 0 ? ' (this command takes no positional arguments)' : ''}.`), spec.usage);
    }
    try {
      return await run({ values: parsed.values, positionals: parsed.positionals, usage: spec.usage }, target);
    } catch (error) {
      throw withUsage(error, spec.usage);
    }
  };
  return Object.assign(command, { summary: spec.summary, usage: spec.usage, options: options as CliOptions });
}

/**
 * A command made of named subcommands (`vlm-datagen batch export|submit|import`, or a whole program).
 * Its usage lists the subcommands with their summaries; `<group> help <sub>` and `<group> <sub> --help`
 * print a subcommand's usage; a missing or unknown subcommand is a usage error.
 */
export function defineCommandGroup<I extends CliIo = CliIo>(spec: {
  /** The words that invoke the group, e.g. `vlm-datagen batch`. */
  name: string;
  summary: string;
  commands: Record<string, CliCommand<I>>;
  /** Lines after the list of subcommands. */
  footer?: string;
  io?: I;
}): CliCommand<I> {
  const names = Object.keys(spec.commands);
  const width = Math.max(...names.map((n) => n.length));
  const usage = [
    `usage: ${spec.name} <command> [options]`,
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${spec.commands[n]!.summary}`),
    '',
    `Run \`${spec.name} <command> --help\` for the options of a command.`,
    ...(spec.footer ? [spec.footer] : []),
  ].join('\n');
  const group = async (args: string[], io?: I): Promise<number> => {
    const target = io ?? spec.io ?? (processCliIo as I);
    const [first, ...rest] = args;
    if (first === '--help' || first === '-h' || (first === 'help' && !spec.commands.help && rest.length === 0)) {
      target.out(usage);
      return 0;
    }
    if (first === 'help' && !spec.commands.help) return group([...rest, '--help'], io);
    if (first === undefined) throw withUsage(cliUsageError(`${spec.name} needs a command.`), usage);
    if (first.startsWith('-')) throw withUsage(cliUsageError(`${spec.name} needs a command before its options, got ${JSON.stringify(first)}.`), usage);
    const command = Object.hasOwn(spec.commands, first) ? spec.commands[first] : undefined;
    if (!command) throw withUsage(cliUsageError(`Unknown command ${JSON.stringify(first)} of ${spec.name}.`, { hint: `Commands: ${names.join(', ')}.` }), usage);
    return command(rest, io);
  };
  return Object.assign(group, { summary: spec.summary, usage, options: {}, subcommands: spec.commands });
}
