import { describe, expect, it } from 'vitest';
import { defineCommand, defineCommandGroup, type CliIo } from './define-command';
import { intOption, choiceOption } from './cli-values';
import { runCommandLine } from './run-command-line';

function capture(): CliIo & { out: (t: string) => void; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => void lines.push(t), err: (t) => void errors.push(t) };
}

const seen: unknown[] = [];
const greet = defineCommand(
  {
    summary: 'says hello',
    usage: 'usage: demo greet <name> [--times n] [--loud] [--tone warm|cold]',
    options: { times: { type: 'string' }, loud: { type: 'boolean' }, tone: { type: 'string' } },
    positionals: { min: 1, name: '<name>' },
  },
  async ({ values, positionals }, io) => {
    const times = intOption(values.times, 'times', { min: 1 }) ?? 1;
    const tone = choiceOption(values.tone, 'tone', ['warm', 'cold']);
    seen.push({ times, tone, loud: values.loud });
    for (let i = 0; i < times; i++) io.out(`hello ${positionals[0]}${values.loud ? '!' : ''}`);
    return 0;
  },
);
const fail = defineCommand({ summary: 'fails', usage: 'usage: demo fail' }, async () => {
  throw new Error('disk full');
});
const commands = {
  greet,
  fail,
  pair: defineCommandGroup({
    name: 'demo pair',
    summary: 'two subcommands',
    commands: {
      left: defineCommand({ summary: 'goes left', usage: 'usage: demo pair left [--far]', options: { far: { type: 'boolean' } } }, async (_, io) => (io.out('left'), 0)),
      right: defineCommand({ summary: 'goes right', usage: 'usage: demo pair right' }, async (_, io) => (io.out('right'), 0)),
    },
  }),
};

async function run(...argv: string[]) {
  const io = capture();
  const code = await runCommandLine('demo', commands, argv, { io });
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

describe('runCommandLine', () => {
  it('answers --help with exit 0 for the program, every command and every subcommand', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['greet', '--help'], ['greet', '--bogus', '-h'], ['help', 'greet'], ['fail', '--help'], ['pair', '--help'], ['pair', 'left', '--help'], ['pair', 'help', 'right']]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.err).toBe('');
    }
    expect((await run('--help')).out).toMatch(/usage: demo <command>[\s\S]*greet +says hello[\s\S]*pair +two subcommands/);
    expect((await run('greet', '--help')).out).toBe('usage: demo greet <name> [--times n] [--loud] [--tone warm|cold]');
    expect((await run('pair', 'left', '-h')).out).toBe('usage: demo pair left [--far]');
    expect((await run('pair', '--help')).out).toMatch(/usage: demo pair <command>[\s\S]*left +goes left/);
  });

  it('runs a command with its parsed flags', async () => {
    const r = await run('greet', 'Ada', '--times', '2', '--loud', '--tone', 'warm');
    expect(r).toEqual({ code: 0, out: 'hello Ada!\nhello Ada!', err: '' });
    expect(seen.at(-1)).toEqual({ times: 2, tone: 'warm', loud: true });
  });

  it('gives exit 2 and the usage of the command concerned for every usage error', async () => {
    const cases: Array<[string[], RegExp, string]> = [
      [['greet', 'Ada', '--bogus'], /Unknown option '--bogus'/, 'usage: demo greet'],
      [['greet', 'Ada', '--times'], /--times/, 'usage: demo greet'],
      [['greet', 'Ada', '--times', 'abc'], /--times needs a whole number >= 1, got "abc"/, 'usage: demo greet'],
      [['greet', 'Ada', '--times', '0'], /--times needs a whole number >= 1, got "0"/, 'usage: demo greet'],
      [['greet', 'Ada', '--tone', 'hot'], /--tone must be warm or cold, got "hot"/, 'usage: demo greet'],
      [['greet'], /Missing <name>/, 'usage: demo greet'],
      [['greet', 'Ada', 'Bob'], /Unexpected argument "Bob"/, 'usage: demo greet'],
      [['fail', 'x'], /Unexpected argument "x"/, 'usage: demo fail'],
      [['nope'], /Unknown command "nope"/, 'usage: demo <command>'],
      [[], /demo needs a command/, 'usage: demo <command>'],
      [['pair'], /demo pair needs a command/, 'usage: demo pair <command>'],
      [['pair', 'up'], /Unknown command "up" of demo pair/, 'usage: demo pair <command>'],
      [['pair', 'left', '--near'], /Unknown option '--near'/, 'usage: demo pair left'],
    ];
    for (const [argv, message, usage] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err, argv.join(' ')).toContain(usage);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    }
  });

  it('gives exit 1 without a stack trace when the work fails', async () => {
    const r = await run('fail');
    expect(r.code).toBe(1);
    expect(r.err).toBe('disk full');
  });

  it('lets a command be called directly, as tests of a CLI do', async () => {
    const io = capture();
    expect(await greet(['Grace'], io)).toBe(0);
    expect(io.lines).toEqual(['hello Grace']);
    await expect(greet(['Grace', '--times', '-1'], io)).rejects.toMatchObject({ code: 'cli_usage' });
  });
});
