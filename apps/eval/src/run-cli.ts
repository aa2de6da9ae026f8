import { formatError } from '@vlm/core';
import { commands } from './commands/index';

/**
 * Runs one vlm-eval invocation and returns its exit code. Errors are printed with `formatError` (no
 * stack trace) and give exit code 1; usage problems give 2.
 */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(`usage: vlm-eval <command> [options]\ncommands: ${Object.keys(commands).join(', ')}\nrun a command without options for its usage`);
    return name ? 2 : 0;
  }
  try {
    return await command(rest);
  } catch (error) {
    console.error(formatError(error));
    return (error as { code?: unknown }).code === 'cli_usage' ? 2 : 1;
  }
}
