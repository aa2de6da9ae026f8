import type { CliCommand } from '@vlm/core/node';

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Use ANSI colours. */
  color: boolean;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/** A `vlm-train` command (see `defineCommand`): arguments in, exit code out; `--help` and usage errors built in. */
export type Command = CliCommand<CommandIo>;
