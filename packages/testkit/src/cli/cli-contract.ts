import assert from 'node:assert/strict';
import { listCliCommands, runBuiltCli } from './built-cli';

/** What the contract needs of a command declaration (`defineCommand` from `@vlm/core/node`). */
export interface DeclaredCommand {
  usage: string;
  options: Record<string, unknown>;
  subcommands?: Record<string, DeclaredCommand>;
}

/** One check of the CLI contract, for `it(check.name, check.run)`. */
export interface CliContractCheck {
  name: string;
  run: () => Promise<void> | void;
}

/** Every command path declared in the sources, subcommands included, with its declaration. */
function declared(list: Record<string, DeclaredCommand>, prefix: string[] = []): Array<{ path: string[]; command: DeclaredCommand }> {
  return Object.entries(list).flatMap(([name, command]) => [{ path: [...prefix, name], command }, ...(command.subcommands ? declared(command.subcommands, [...prefix, name]) : [])]);
}

/**
 * The contract every CLI of the project keeps, checked on its built binary in child processes: `--help`
 * exits 0 for the program and every command and subcommand (and the binary lists exactly the declared
 * ones); an unknown flag or command exits 2 with the usage of the command concerned and no stack trace;
 * every declared flag appears in its command's usage.
 */
export function cliContractChecks(program: string, binary: string, commands: Record<string, DeclaredCommand>): CliContractCheck[] {
  return [
    {
      name: 'answers --help with exit 0 for the program and every command and subcommand',
      run: async () => {
        const listed = await listCliCommands(binary);
        assert.deepEqual(listed.map((c) => c.path.join(' ')), ['', ...declared(commands).map((c) => c.path.join(' '))]);
        for (const { path, help } of listed) {
          assert.equal(help.code, 0, `${program} ${path.join(' ')} --help`);
          assert.match(help.stdout, new RegExp(`^usage: ${[program, ...path].join(' ')} `), `${program} ${path.join(' ')} --help`);
          assert.equal(help.stderr, '');
        }
      },
    },
    {
      name: 'gives exit 2 and the usage of the command concerned for an unknown flag, with no stack trace',
      run: async () => {
        const runs = await Promise.all(declared(commands).map(async ({ path }) => ({ path, run: await runBuiltCli(binary, [...path, '--no-such-flag']) })));
        for (const { path, run } of runs) {
          const shown = `${program} ${path.join(' ')} --no-such-flag`;
          assert.equal(run.code, 2, shown);
          assert.ok(run.stderr.includes('--no-such-flag'), shown);
          assert.ok(run.stderr.includes(`usage: ${[program, ...path].join(' ')} `), shown);
          assert.doesNotMatch(run.stderr, /\n\s+at /, shown);
        }
        const unknown = await runBuiltCli(binary, ['no-such-command']);
        assert.equal(unknown.code, 2);
        assert.ok(unknown.stderr.includes(`usage: ${program} <command>`));
      },
    },
    {
      name: 'documents every flag a command declares in its usage',
      run: () => {
        for (const { path, command } of declared(commands)) {
          for (const flag of Object.keys(command.options)) assert.ok(command.usage.includes(`--${flag}`), `${path.join(' ')} --${flag}`);
        }
      },
    },
  ];
}
