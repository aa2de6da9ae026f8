import { formatError } from '../errors/vlm-error';
import { defineCommandGroup, isCliUsageError, processCliIo, usageForError, type CliCommand, type CliIo } from './define-command';

/** Options of `runCommandLine` / `runMain`. */
export interface RunCommandLineOptions<I extends CliIo = CliIo> {
  /** Lines printed after the list of commands. */
  footer?: string;
  /** Where output goes (default stdout/stderr). */
  io?: I;
}

/**
 * Runs one invocation of a command-line program made of named commands (see `defineCommand`) and returns
 * its exit code: 0 for `--help` anywhere, 2 for a usage error (printed with the usage of the command it
 * concerns), 1 for any other thrown error (printed with `formatError`, no stack trace), else the command's.
 */
export async function runCommandLine<I extends CliIo = CliIo>(program: string, commands: Record<string, CliCommand<I>>, argv: string[], options: RunCommandLineOptions<I> = {}): Promise<number> {
  const io = options.io ?? (processCliIo as I);
  const main = defineCommandGroup<I>({ name: program, summary: program, commands, footer: options.footer, io });
  try {
    return await main(argv, options.io);
  } catch (error) {
    io.err(formatError(error));
    if (!isCliUsageError(error)) return 1;
    const usage = usageForError(error);
    if (usage && !error.hint?.includes(usage)) io.err(`\n${usage}`);
    return 2;
  }
}

/** `runCommandLine` over `process.argv`, then exits with its code. The body of every `cli.ts`. */
export function runMain<I extends CliIo = CliIo>(program: string, commands: Record<string, CliCommand<I>>, options: Omit<RunCommandLineOptions<I>, 'io'> = {}): void {
  runCommandLine(program, commands, process.argv.slice(2), options).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(formatError(error));
      process.exit(1);
    },
  );
}
