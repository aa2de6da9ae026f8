import { existsSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instructStage, runVlmTrain, tinyRunFolder, writeTinyConfig } from '../testing/cli-process';

let dir: string;
beforeAll(async () => {
  dir = await tinyRunFolder('vlm-train-overwrite-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train never overwrites a run (built CLI)', () => {
  it('refuses to train over an existing run without --force, and --force replaces it', async () => {
    writeTinyConfig(dir, 'again.yaml', 'again', [instructStage(3)]);
    expect((await runVlmTrain(dir, 'train', '--config', 'again.yaml')).code).toBe(0);
    const weights = join(dir, 'again', 'checkpoints', '0-instruct', 'model.safetensors');
    const before = statSync(weights).mtimeMs;
    const again = await runVlmTrain(dir, 'train', '--config', 'again.yaml');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[run_exists\] \S*again already holds a training run; it is not overwritten/);
    expect(again.stderr).toContain('continue it with --resume, choose another output folder, or pass --force to replace it');
    expect(statSync(weights).mtimeMs).toBe(before);
    const forced = await runVlmTrain(dir, 'train', '--config', 'again.yaml', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('replacing the run in');
    expect(readFileSync(join(dir, 'again', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('--resume on a folder without a checkpoint.json, or with a broken one, is an error and leaves the folder alone', async () => {
    writeTinyConfig(dir, 'none.yaml', 'none', [instructStage(3)]);
    const nothing = await runVlmTrain(dir, 'train', '--config', 'none.yaml', '--resume');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('[resume_nothing] nothing to resume in');
    expect(existsSync(join(dir, 'none'))).toBe(false);

    writeTinyConfig(dir, 'broke.yaml', 'broke', [instructStage(3)]);
    expect((await runVlmTrain(dir, 'train', '--config', 'broke.yaml')).code).toBe(0);
    const stage = join(dir, 'broke', 'checkpoints', '0-instruct');
    const weights = readFileSync(join(stage, 'model.safetensors'));
    unlinkSync(join(stage, 'checkpoint.json'));
    const missing = await runVlmTrain(dir, 'train', '--config', 'broke.yaml', '--resume');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[resume_broken\] cannot resume from \S*0-instruct: cannot read \S*checkpoint\.json/);
    writeFileSync(join(stage, 'checkpoint.json'), '{"format": "vlm-train-checkpoint", ');
    const truncated = await runVlmTrain(dir, 'train', '--config', 'broke.yaml', '--resume');
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain('[resume_broken]');
    expect(readFileSync(join(stage, 'model.safetensors')).equals(weights)).toBe(true);
  });
});
