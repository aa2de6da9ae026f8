import type { CommandIo } from './io';

/**
 * A progress sink: on a terminal the line is rewritten in place (stderr), otherwise every `every`-th
 * line is printed so logs stay short.
 */
export function progressWriter(io: CommandIo, every = 10): { update: (line: string) => void; done: () => void } {
  const tty = Boolean(process.stderr.isTTY) && io.color;
  let n = 0;
  let open = false;
  return {
    update(line) {
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        open = true;
      } else if (n++ % every === 0) io.err(line);
    },
    done() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}
