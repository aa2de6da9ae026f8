import { fileURLToPath } from 'node:url';
import type { CliCommand } from '@vlm/core/node';
import { listCliCommands, runBuiltCli } from '@vlm/testkit';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index';

const PROGRAM = 'vlm-datagen';
const binary = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Every command path declared in the sources, subcommands included, with its declaration. */
function declared(list: Record<string, CliCommand<never>>, prefix: string[] = []): Array<{ path: string[]; command: CliCommand<never> }> {
  return Object.entries(list).flatMap(([name, command]) => [{ path: [...prefix, name], command }, ...(command.subcommands ? declared(command.subcommands, [...prefix, name]) : [])]);
}

describe(`${PROGRAM} behaves like a CLI (the built binary, in child processes)`, () => {
  it('answers --help with exit 0 for the program and every command and subcommand', async () => {
    const listed = await listCliCommands(binary);
    expect(listed.map((c) => c.path.join(' '))).toEqual(['', ...declared(commands).map((c) => c.path.join(' '))]);
    for (const { path, help } of listed) {
      expect(help.code, `${PROGRAM} ${path.join(' ')} --help`).toBe(0);
      expect(help.stdout, `${PROGRAM} ${path.join(' ')} --help`).toMatch(new RegExp(`^usage: ${[PROGRAM, ...path].join(' ')} `));
      expect(help.stderr).toBe('');
    }
  });

  it('gives exit 2 and the usage of the command concerned for an unknown flag, with no stack trace', async () => {
    const runs = await Promise.all(declared(commands).map(async ({ path }) => ({ path, run: await runBuiltCli(binary, [...path, '--no-such-flag']) })));
    for (const { path, run } of runs) {
      const shown = `${PROGRAM} ${path.join(' ')} --no-such-flag`;
      expect(run.code, shown).toBe(2);
      expect(run.stderr, shown).toContain('--no-such-flag');
      expect(run.stderr, shown).toContain(`usage: ${[PROGRAM, ...path].join(' ')} `);
      expect(run.stderr, shown).not.toMatch(/\n\s+at /);
    }
    const unknown = await runBuiltCli(binary, ['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`usage: ${PROGRAM} <command>`);
  });

  it('documents every flag a command declares in its usage', () => {
    for (const { path, command } of declared(commands)) {
      for (const flag of Object.keys(command.options)) expect(command.usage, `${path.join(' ')} --${flag}`).toContain(`--${flag}`);
    }
  });
});
