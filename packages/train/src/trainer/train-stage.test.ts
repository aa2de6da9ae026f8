import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, createByteTokenizer } from '@vlm/core';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLlavaModel } from '../checkpoint/model-spec';
import type { LlavaModel } from '../compose/llava';
import { exportConnector } from '../checkpoint/export-connector';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { ImageStore } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { type TrainSample, prepareSamples } from '../data/prepare-samples';
import { selectBackend } from '@vlm/connectors';
import { TINY_SPEC, writeColourDataset } from './__fixtures__/tiny-llava';
import { type TrainStageOptions, trainStage } from './train-stage';
import type { StageSpecInput } from './stage';

// wasm (single-threaded, so bit-reproducible): several times faster than the cpu backend here.
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});

let dir: string;
let samples: TrainSample[];
let images: ImageStore;
const tokenizer = createByteTokenizer();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-trainer-'));
  const data = await writeColourDataset(dir);
  const dataset = await loadLlavaDataset(data.file, data.imageRoot);
  samples = prepareSamples(dataset.records, { tokenizer, template: 'vicuna_v1', systemMessage: 'Hi.', imageTokens: 4 });
  images = new ImageStore({ root: data.imageRoot, size: 8 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAGE: StageSpecInput = { name: 'instruct', template: 'vicuna_v1', systemMessage: 'Hi.', train: { connector: 1e-2, lm: 1e-2 }, steps: 4, globalBatchSize: 4, maxMicroBatchSize: 2, warmupRatio: 0 };

function options(overrides: Partial<TrainStageOptions> & { model?: LlavaModel } = {}): TrainStageOptions & { model: LlavaModel } {
  return { model: buildLlavaModel(TINY_SPEC, 7), spec: TINY_SPEC, tokenizer, tokenizerSpec: { kind: 'bytes' }, stage: STAGE, stageIndex: 1, samples, images, seed: 3, ...overrides };
}

function snapshot(vars: Map<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...vars].map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

describe('trainStage', () => {
  it('brings the loss down and mixes image and text-only samples in one batch', async () => {
    expect(samples.some((s) => s.images.length === 0) && samples.some((s) => s.images.length === 1)).toBe(true);
    const result = await trainStage(options({ stage: { ...STAGE, steps: 8 } }));
    expect(result.losses).toHaveLength(8);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! * 0.7);
  });

  it('leaves frozen modules bit-for-bit unchanged (stage 1: connector only)', async () => {
    const o = options({ stage: { ...STAGE, name: 'align', train: { connector: 1e-2 }, steps: 2 } });
    const before = { vision: snapshot(o.model.modules.vision.namedVariables()), lm: snapshot(o.model.modules.lm.namedVariables()), connector: snapshot(o.model.modules.connector.namedVariables()) };
    await trainStage(o);
    for (const name of ['vision', 'lm'] as const) {
      for (const [k, v] of o.model.modules[name].namedVariables()) expect(Buffer.from((v.dataSync() as Float32Array).buffer).equals(Buffer.from(before[name].get(k)!.buffer))).toBe(true);
    }
    const changed = [...o.model.modules.connector.namedVariables()].some(([k, v]) => !Buffer.from((v.dataSync() as Float32Array).buffer).equals(Buffer.from(before.connector.get(k)!.buffer)));
    expect(changed).toBe(true);
  });

  it('computes a frozen vision tower once per image and gives the same losses as computing it every step', async () => {
    const stage = { ...STAGE, steps: 6 };
    const cached = await trainStage(options({ stage }));
    const uncached = await trainStage(options({ stage, visionFeatureCacheBytes: 0 }));
    expect(uncached.visionFeatures).toBeUndefined();
    expect(cached.losses).toEqual(uncached.losses);
    const imagesSeen = cached.visionFeatures!.hits + cached.visionFeatures!.misses;
    expect(cached.visionFeatures!.hits).toBeGreaterThan(0);
    expect(cached.visionFeatures!.misses).toBeLessThan(imagesSeen);
    expect(cached.visionFeatures!.bytes).toBeGreaterThan(0);
    // a budget too small for one image: nothing kept, every image computed
    const tiny = await trainStage(options({ stage, visionFeatureCacheBytes: 8 }));
    expect(tiny.visionFeatures).toEqual({ hits: 0, misses: imagesSeen, bytes: 0 });
    expect(tiny.losses).toEqual(uncached.losses);
    // a stage that trains the tower computes it every step
    const withVision = await trainStage(options({ stage: { ...stage, train: { ...stage.train, vision: 1e-3 } } }));
    expect(withVision.visionFeatures).toBeUndefined();
  });

  it('gives the same losses for the same seed, and resuming equals the uninterrupted run', async () => {
    const full = await trainStage(options({ outDir: join(dir, 'full') }));
    const again = await trainStage(options());
    expect(again.losses).toEqual(full.losses);
    const out = join(dir, 'resume');
    const first = await trainStage(options({ outDir: out, stopAfterStep: 2 }));
    expect(first.losses).toEqual(full.losses.slice(0, 2));
    // A fresh process would rebuild the model with any init: weights, moments and position come from the checkpoint.
    const resumed = await trainStage(options({ model: buildLlavaModel(TINY_SPEC, 99), outDir: out, resumeFrom: first.checkpoint }));
    expect(resumed.losses).toEqual(full.losses);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(metrics.map((m) => m.loss)).toEqual(full.losses);
  });

  it('ignores untrained tokens: trailing untrained ids change neither the loss nor the update', async () => {
    const noisy = samples.map((s, i) => ({ ...s, inputIds: [...s.inputIds, 40 + i, 99, 123], labels: [...s.labels, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX] }));
    const a = options();
    const b = options({ samples: noisy });
    const ra = await trainStage(a);
    const rb = await trainStage(b);
    ra.losses.forEach((l, i) => expect(rb.losses[i]).toBeCloseTo(l, 5));
    const wa = snapshot(a.model.modules.lm.namedVariables());
    for (const [k, v] of b.model.modules.lm.namedVariables()) {
      const x = v.dataSync();
      const y = wa.get(k)!;
      let diff = 0;
      for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
      expect(diff).toBeLessThan(1e-5);
    }
  });

  it('stops on a non-finite loss with a clear error and keeps the last good checkpoint', async () => {
    const out = join(dir, 'nan');
    const o = options({
      outDir: out,
      stage: { ...STAGE, checkpointEvery: 2 },
      onStep: (m) => {
        if (m.step === 2) {
          const w = o.model.lm.params.get('model.norm.weight');
          w.assign(tf.fill(w.shape, Number.NaN));
        }
      },
    });
    const error = await trainStage(o).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'loss_not_finite' });
    expect(String((error as Error).message)).toMatch(/step 3 of stage instruct.*last good checkpoint is kept/);
    const loaded = await loadCheckpoint(join(out, 'checkpoints', '1-instruct'));
    expect(loaded.meta.step).toBe(2);
    expect(Number.isFinite(loaded.model.lm.params.get('model.norm.weight').dataSync()[0])).toBe(true);
  });

  it('round-trips a checkpoint (weights, template, tokenizer, position) and exports the connector with upstream names', async () => {
    const out = join(dir, 'roundtrip');
    const o = options({ outDir: out, stage: { ...STAGE, steps: 2 } });
    const r = await trainStage(o);
    const loaded = await loadCheckpoint(r.checkpoint!);
    if (loaded.model.architecture !== 'llava') throw new Error('expected a llava checkpoint');
    expect(loaded.meta).toMatchObject({ template: 'vicuna_v1', systemMessage: 'Hi.', step: 2, totalSteps: 2, stage: { index: 1, name: 'instruct' }, tokenizer: { kind: 'bytes', name: 'bytes', vocabSize: 272 } });
    expect(loaded.meta.dataPosition).toEqual({ epoch: 2, batch: 0 }); // 4 samples = one global batch per epoch
    for (const name of ['vision', 'connector', 'lm'] as const) {
      const want = o.model.modules[name].namedVariables();
      for (const [k, v] of loaded.model.modules[name].namedVariables()) expect(Array.from(v.dataSync())).toEqual(Array.from(want.get(k)!.dataSync()));
    }
    const file = await readSafetensorsFile(join(r.checkpoint!, 'model.safetensors'));
    expect([...file.tensors.keys()]).toEqual(expect.arrayContaining(['model.mm_projector.0.weight', 'model.mm_projector.2.bias', 'model.layers.0.self_attn.q_proj.weight', 'model.vision_tower.vision_tower.vision_model.post_layernorm.weight']));
    const projector = join(out, 'mm_projector.safetensors');
    await exportConnector(o.model, projector);
    expect([...(await readSafetensorsFile(projector)).tensors.keys()].sort()).toEqual(['model.mm_projector.0.bias', 'model.mm_projector.0.weight', 'model.mm_projector.2.bias', 'model.mm_projector.2.weight']);
    expect(existsSync(join(r.checkpoint!, 'optimizer.safetensors'))).toBe(true);
  });
});
