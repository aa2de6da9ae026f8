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

/** A `vlm-train` command: arguments in, exit code out. */
export type Command = (args: string[], io?: CommandIo) => Promise<number>;
