import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@vlm/connectors';
import { tinyDemoPreset } from './demo-preset';
import { startLmPretrainBeside } from './lm-pretrain-beside';

beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-lm-beside-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scratchDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('vlm-demo-lm-')));

describe('startLmPretrainBeside', () => {
  it('reports a failure of its worker as soon as it happens, and finish() rejects with why', async () => {
    const before = scratchDirs();
    const beside = await startLmPretrainBeside({ preset: tinyDemoPreset, seed: 0, lines: ['a b c'], tokenizerSpec: { kind: 'hf', file: join(dir, 'no-such-tokenizer.json') }, outDir: dir });
    expect(beside).toBeDefined();
    const started = Date.now();
    while (!beside!.failure && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(beside!.failure?.message).toMatch(/^LM pretraining on its worker thread failed: .*no-such-tokenizer\.json/);
    await expect(beside!.finish(undefined as never)).rejects.toThrow(/no-such-tokenizer\.json/);
    // its scratch folder is gone and nothing was written into the run's folder
    expect([...scratchDirs()].filter((n) => !before.has(n))).toEqual([]);
    expect(existsSync(join(dir, 'checkpoints'))).toBe(false);
  }, 60_000);

  it('cancel() stops a worker under way and leaves nothing behind', async () => {
    const before = scratchDirs();
    const lines = Array.from({ length: 64 }, (_, i) => `line ${i} about a red circle`);
    const beside = await startLmPretrainBeside({ preset: { ...tinyDemoPreset, tokenizer: { kind: 'bytes' }, lmPretrain: { steps: 10_000, batchSize: 8, learningRate: 1e-3 } }, seed: 0, lines, tokenizerSpec: { kind: 'bytes' }, outDir: dir });
    // under way: its stage is writing metrics into its scratch folder
    const started = Date.now();
    const training = () => [...scratchDirs()].some((n) => !before.has(n) && existsSync(join(tmpdir(), n, 'metrics.jsonl')));
    while (!training() && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(training()).toBe(true);
    await beside!.cancel();
    expect(beside!.failure).toBeUndefined();
    expect([...scratchDirs()].filter((n) => !before.has(n))).toEqual([]);
    expect(existsSync(join(dir, 'checkpoints'))).toBe(false);
  }, 60_000);
});
