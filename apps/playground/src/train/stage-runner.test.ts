import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createByteTokenizer, createRng } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { createScenes, renderScenePng } from '@vlm/datagen';
import { captionRecords, instructionRecords, tinyDemoPreset } from '@vlm/shapes-demo';
import { buildLlavaModel, imageTokensOf, prepareSamples, type LlavaModelSpec, type StageSpecInput } from '@vlm/train';
import { ImageStore, trainStage } from '@vlm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelSpec } from '@vlm/shapes-demo';
import { ScenePixels } from './demo-session';
import { StageRunner } from './stage-runner';

// wasm, single-threaded as in the page: bit-reproducible.
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-stage-runner-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const p = tinyDemoPreset;
const scenes = createScenes({ count: 12, seed: 5, size: p.imageSize, minObjects: 1, maxObjects: p.maxObjects, objectScale: p.objectScale });
const tokenizer = createByteTokenizer();
const spec: LlavaModelSpec = demoModelSpec(p, tokenizer);
const pixels = new ScenePixels(p.imageSize);
for (const s of scenes) pixels.add(s.image, s);
const records = [...captionRecords(scenes, createRng(1)), ...instructionRecords(scenes, p.mix, 1, createRng(2))];
const samples = prepareSamples(records, { tokenizer, template: 'vicuna_v1', imageTokens: imageTokensOf(spec), seed: 1 });
const stage: StageSpecInput = { name: 'instruct', template: 'vicuna_v1', train: { connector: 3e-3, lm: 2e-3 }, steps: 6, globalBatchSize: 8, maxMicroBatchSize: 4, warmupRatio: 0.2 };

describe('scene pixels in the page', () => {
  it('equal what the Node demo decodes from the PNG files it writes', async () => {
    const store = new ImageStore({ root: dir, size: p.imageSize, mode: 'pad' });
    for (const s of scenes.slice(0, 4)) {
      writeFileSync(join(dir, s.image), await renderScenePng(s));
      expect(Array.from(pixels.add(s.image, s))).toEqual(Array.from(await store.pixelsOf(s.image)));
    }
  });
});

describe('StageRunner', () => {
  it('gives the losses of trainStage step for step, and pausing then resuming changes nothing', async () => {
    const reference = await trainStage({ model: buildLlavaModel(spec, 3), spec, tokenizer, tokenizerSpec: { kind: 'bytes' }, stage, samples, images: pixels as unknown as ImageStore, seed: 4 });
    const runner: StageRunner = new StageRunner({ model: buildLlavaModel(spec, 3), spec, stage, samples, images: pixels, seed: 4, shouldPause: (): boolean => runner.step === 2 || runner.step === 5 });
    expect(await runner.run()).toBe('paused');
    expect(runner.step).toBe(2);
    expect(await runner.run()).toBe('paused');
    expect(await runner.run()).toBe('done');
    expect(runner.losses).toEqual(reference.losses);
    expect(runner.losses.at(-1)!).toBeLessThan(runner.losses[0]!);
    runner.dispose();
  });
});
