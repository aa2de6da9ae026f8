import { fileURLToPath } from 'node:url';
import { cliContractChecks } from '@vlm/testkit';
import { describe, it } from 'vitest';
import { commands } from './commands/index';

const binary = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('vlm-train behaves like a CLI (the built binary, in child processes)', () => {
  for (const check of cliContractChecks('vlm-train', binary, commands)) it(check.name, check.run);
});
