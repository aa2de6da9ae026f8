import { runCommandLine } from '@vlm/core/node';
import { commands } from './commands/index';

/**
 * Runs one vlm-eval invocation and returns its exit code: 0 for `--help`, 2 for a usage error (with the
 * usage of the command), 1 for any other error (printed with `formatError`, no stack trace).
 */
export function runCli(argv: string[]): Promise<number> {
  return runCommandLine('vlm-eval', commands, argv);
}
