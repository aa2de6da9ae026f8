import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignStage, expectSecondSignalQuit, instructStage, runVlmTrain, startVlmTrain, tinyRunFolder, writeTinyConfig } from '../testing/cli-process';

let dir: string;
beforeAll(async () => {
  dir = await tinyRunFolder('vlm-train-interrupt-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metricsOf = (run: string) => readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stage: string; step: number; loss: number });

describe('vlm-train saves on Ctrl-C and mid-stage (built CLI)', () => {
  it('on SIGINT finishes the step, saves, prints the resume command, exits 130; the resumed run equals an uninterrupted one', async () => {
    const stages = [alignStage(1), instructStage(80)];
    writeTinyConfig(dir, 'full.yaml', 'full', stages);
    writeTinyConfig(dir, 'cut.yaml', 'cut', stages);
    const full = await runVlmTrain(dir, 'train', '--config', 'full.yaml');
    expect(full.code, full.stderr).toBe(0);

    const { child, done } = startVlmTrain(dir, ['train', '--config', 'cut.yaml']);
    // Interrupt once stage 1 has trained a few steps (metrics.jsonl gets a line per step).
    const metrics = join(dir, 'cut', 'metrics.jsonl');
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        const lines = existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').filter((l) => l.includes('"instruct"')).length : 0;
        if (lines >= 3) {
          clearInterval(timer);
          child.kill('SIGINT');
          ok();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          fail(new Error('the run ended before it could be interrupted'));
        }
      }, 5);
    });
    const cut = await done;
    expect(cut.code, cut.stderr).toBe(130);
    expect(cut.stderr).toContain('SIGINT: finishing the current step, then saving');
    const stopped = /stage 1 instruct stopped at step (\d+)\/80; checkpoint saved to (\S+)/.exec(cut.stdout);
    expect(stopped, cut.stdout).not.toBeNull();
    const step = Number(stopped![1]);
    expect(step).toBeGreaterThanOrEqual(3);
    expect(step).toBeLessThan(80);
    expect(cut.stdout).toContain('resume with: npx vlm-train train --config cut.yaml --resume');
    const saved = JSON.parse(readFileSync(join(stopped![2]!, 'checkpoint.json'), 'utf8')) as { step: number };
    expect(saved.step).toBe(step);
    expect(metricsOf('cut').filter((m) => m.stage === 'instruct')).toHaveLength(step);

    const resumed = await runVlmTrain(dir, 'train', '--config', 'cut.yaml', '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('stage 0 align: done in an earlier run, skipped');
    expect(resumed.stdout).toContain(`resumed instruct from ${stopped![2]} at step ${step}/80`);
    expect(metricsOf('cut').map((m) => m.loss)).toEqual(metricsOf('full').map((m) => m.loss));
    const weights = (run: string) => readFileSync(join(dir, run, 'checkpoints', '1-instruct', 'model.safetensors'));
    expect(weights('cut').equals(weights('full'))).toBe(true);
  }, 180_000); // three training processes: generous for a loaded machine

  it('on SIGTERM does the same and exits 143', async () => {
    writeTinyConfig(dir, 'term.yaml', 'term', [instructStage(80)]);
    const { child, done } = startVlmTrain(dir, ['train', '--config', 'term.yaml']);
    const metrics = join(dir, 'term', 'metrics.jsonl');
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        if (existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length >= 2) {
          clearInterval(timer);
          child.kill('SIGTERM');
          ok();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          fail(new Error('the run ended before it could be stopped'));
        }
      }, 5);
    });
    const r = await done;
    expect(r.code, r.stderr).toBe(143);
    const stopped = /stage 0 instruct stopped at step (\d+)\/80; checkpoint saved to (\S+)/.exec(r.stdout);
    expect(stopped, r.stdout).not.toBeNull();
    expect((JSON.parse(readFileSync(join(stopped![2]!, 'checkpoint.json'), 'utf8')) as { step: number }).step).toBe(Number(stopped![1]));
    expect(r.stdout).toContain('resume with: npx vlm-train train --config term.yaml --resume');
  }, 120_000);

  it('a second signal quits at once without saving, with the exit code of that signal', async () => {
    writeTinyConfig(dir, 'twice.yaml', 'twice', [instructStage(80)]);
    const { child, done } = startVlmTrain(dir, ['train', '--config', 'twice.yaml']);
    const metrics = join(dir, 'twice', 'metrics.jsonl');
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        if (existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').filter(Boolean).length >= 2) {
          clearInterval(timer);
          // Two different signals never merge into one pending signal, so the child sees both; in a
          // process with native threads either may be handled first, so the order is read back below.
          child.kill('SIGINT');
          child.kill('SIGTERM');
          ok();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          fail(new Error('the run ended before it could be stopped'));
        }
      }, 5);
    });
    const r = await done;
    expectSecondSignalQuit(r);
    expect(r.stdout).not.toContain('checkpoint saved');
    expect(r.stdout).not.toContain('resume with');
    expect(existsSync(join(dir, 'twice', 'checkpoints', '0-instruct', 'checkpoint.json'))).toBe(false);
  }, 120_000);

  it('saves a checkpoint every N steps by default, --checkpoint-every sets N, and a bad N is a usage error', async () => {
    writeTinyConfig(dir, 'every.yaml', 'every', [instructStage(7)]);
    const seen: number[] = [];
    const { done } = startVlmTrain(dir, ['train', '--config', 'every.yaml', '--checkpoint-every', '2']);
    const meta = join(dir, 'every', 'checkpoints', '0-instruct', 'checkpoint.json');
    const timer = setInterval(() => {
      try {
        const step = (JSON.parse(readFileSync(meta, 'utf8')) as { step: number }).step;
        if (seen.at(-1) !== step) seen.push(step);
      } catch {
        // not there yet; a half-written checkpoint.json is never visible (the folder is renamed into place)
      }
    }, 2);
    const r = await done;
    clearInterval(timer);
    expect(r.code, r.stderr).toBe(0);
    expect(seen.at(-1)).toBe(7);
    expect(seen.every((s) => s === 7 || s % 2 === 0)).toBe(true);
    const saved = JSON.parse(readFileSync(meta, 'utf8')) as { stage: { spec: { checkpointEvery: number } } };
    expect(saved.stage.spec.checkpointEvery).toBe(2);

    writeTinyConfig(dir, 'default.yaml', 'default', [instructStage(2)]);
    expect((await runVlmTrain(dir, 'train', '--config', 'default.yaml')).code).toBe(0);
    const byDefault = JSON.parse(readFileSync(join(dir, 'default', 'checkpoints', '0-instruct', 'checkpoint.json'), 'utf8')) as { stage: { spec: { checkpointEvery: number } } };
    expect(byDefault.stage.spec.checkpointEvery).toBe(100);

    const bad = await runVlmTrain(dir, 'train', '--config', 'every.yaml', '--checkpoint-every', 'often');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--checkpoint-every needs a whole number >= 1, got "often"');
  });
});
