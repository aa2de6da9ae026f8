import { fileURLToPath } from 'node:url';
import { cliContractChecks } from '@vlm/testkit';
import { describe, it } from 'vitest';
import { commands } from '../src/commands/index';

const binary = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('vlm-eval behaves like a CLI (the built binary, in child processes)', () => {
  for (const check of cliContractChecks('vlm-eval', binary, commands)) it(check.name, check.run);
});
