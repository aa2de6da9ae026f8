import { runCommandLine } from '@vlm/core/node';
import { commands } from './commands/index';

/**
 * Runs one vlm-eval invocation and returns its exit code. Errors are printed with `formatError` (no
 * stack trace) and give exit code 1; usage problems give 2.
 */
export function runCli(argv: string[]): Promise<number> {
  return runCommandLine('vlm-eval', commands, argv, { footer: 'run a command without options for its usage' });
}
