import { formatError, VlmError } from '../errors/vlm-error';

/** One CLI command: takes its arguments, returns the process exit code. */
export type CliCommand = (args: string[]) => Promise<number>;

/**
 * Runs one invocation of a command-line program made of named commands and returns its exit code:
 * usage (exit 0 without a command, 2 for an unknown one), then the command. A thrown error is printed
 * with `formatError` (no stack trace) and gives 1, or 2 for a `VlmError` with code `cli_usage`.
 */
export async function runCommandLine(program: string, commands: Record<string, CliCommand>, argv: string[], options: { footer?: string } = {}): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    if (name && name !== '--help' && name !== '-h') console.error(`unknown command: ${name}`);
    console.error(`usage: ${program} <command> [options]\ncommands: ${Object.keys(commands).join(', ')}${options.footer ? `\n${options.footer}` : ''}`);
    return name && name !== '--help' && name !== '-h' ? 2 : 0;
  }
  try {
    return await command(rest);
  } catch (error) {
    console.error(formatError(error));
    return error instanceof VlmError && error.code === 'cli_usage' ? 2 : 1;
  }
}

/** `runCommandLine` over `process.argv`, then exits with its code. The body of every `cli.ts`. */
export function runMain(program: string, commands: Record<string, CliCommand>, options: { footer?: string } = {}): void {
  runCommandLine(program, commands, process.argv.slice(2), options).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(formatError(error));
      process.exit(1);
    },
  );
}
