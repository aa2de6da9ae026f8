import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instructStage, runVlmTrain, startVlmTrain, tinyRunFolder, writeTinyConfig } from '../testing/cli-process';

let dir: string;
let checkpoint: string;
beforeAll(async () => {
  dir = await tinyRunFolder('vlm-train-chat-');
  writeTinyConfig(dir, 'chat.yaml', 'run', [instructStage(40)]);
  const r = await runVlmTrain(dir, 'train', '--config', 'chat.yaml');
  expect(r.code, r.stderr).toBe(0);
  checkpoint = join(dir, 'run', 'checkpoints', '0-instruct');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train chat (built CLI)', () => {
  it('samples with --temperature from a seed: --seed repeats, and without one it says which seed it picked', async () => {
    const ask = (...extra: string[]) => runVlmTrain(dir, 'chat', '--checkpoint', checkpoint, '--prompt', 'Shapes?', '--max-tokens', '16', '--temperature', '0.7', ...extra);
    const [a, b, picked] = await Promise.all([ask('--seed', '7'), ask('--seed', '7'), ask()]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stderr).toContain('sampling at temperature 0.7 with seed 7');
    expect(picked.code, picked.stderr).toBe(0);
    const seed = /with seed (\d+) \(pass --seed \1 to repeat\)/.exec(picked.stderr);
    expect(seed, picked.stderr).not.toBeNull();
    expect((await ask('--seed', seed![1]!)).stdout).toBe(picked.stdout);
  });

  it('--max-tokens 0 or abc and --temperature hot are usage errors (exit 2) naming the flag', async () => {
    const runs = await Promise.all(
      [['--max-tokens', '0'], ['--max-tokens', 'abc'], ['--temperature', 'hot']].map((flag) => runVlmTrain(dir, 'chat', '--checkpoint', checkpoint, '--prompt', 'Shapes?', ...flag)),
    );
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0]!.stderr).toContain('--max-tokens needs a whole number >= 1, got "0"');
    expect(runs[1]!.stderr).toContain('--max-tokens needs a whole number >= 1, got "abc"');
    expect(runs[2]!.stderr).toContain('--temperature needs a number >= 0, got "hot"');
    expect(runs.every((r) => r.stdout === '')).toBe(true);
  });

  it('answers every line of piped input, however fast the lines arrive', async () => {
    const r = await startVlmTrain(dir, ['chat', '--checkpoint', checkpoint, '--max-tokens', '12'], { input: 'Shapes?\nShapes?\nShapes?\nShapes?\n' }).done;
    expect(r.code, r.stderr).toBe(0);
    const answers = r.stdout.split('\n').filter((l) => l.startsWith('assistant> '));
    expect(answers).toHaveLength(4);
    expect(answers[0]).toBe('assistant> circles');
  });
});
