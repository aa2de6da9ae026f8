import { formatError } from '@vlm/core';

import { commands } from './commands/index';

// vlm-train: thin command line over the @vlm packages; each command lives in ./commands.

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(`usage: vlm-train <command> [options]\ncommands: ${Object.keys(commands).join(', ') || '(none yet)'}`);
    return name ? 2 : 0;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(formatError(error));
    process.exit(1);
  },
);
