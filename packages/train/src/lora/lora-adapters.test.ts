import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { LM_LINEAR_PATTERN, LoraAdapters, type LoraShape, VISION_LINEAR_PATTERN } from './lora-adapters';
import { loraScaling } from './lora-config';

beforeAll(useCpuBackend);

const SHAPE: LoraShape = { r: 4, alpha: 8, dropout: 0, rslora: false, targetModules: ['q_proj', 'v_proj', 'down_proj'], visionTargetModules: [] };
const IDS = tf.tensor2d([[3, 5, 7, 9, 11]], [1, 5], 'int32');

function logits(lm: ReturnType<typeof tinyLm>): Float32Array {
  return tf.tidy(() => lm.forward({ inputIds: IDS }).logits.dataSync() as Float32Array);
}

/** Gives every B a random value so the adapters change the output. */
function randomiseB(adapters: LoraAdapters, seed: number): void {
  const rng = createRng(seed);
  for (const p of adapters.params.entries()) {
    if (p.name.includes('lora_B')) p.variable.assign(tf.tensor(Array.from({ length: p.variable.size }, () => rng.normal() * 0.2), p.variable.shape));
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('LoraAdapters', () => {
  it('names A [r, in] and B [out, r] as PEFT does, only on the targeted layers, and starts as a no-op', () => {
    const lm = tinyLm();
    const before = logits(lm);
    const adapters = new LoraAdapters(SHAPE, [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: SHAPE.targetModules }], createRng(5)).attach();
    expect(adapters.modules()).toEqual([
      'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.0.mlp.down_proj',
      'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj', 'model.layers.1.mlp.down_proj',
    ]);
    const q = adapters.params.entries().find((p) => p.name === 'model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(q?.upstreamShape).toEqual([4, 16]);
    expect(adapters.params.entries().find((p) => p.name === 'model.layers.0.self_attn.v_proj.lora_B.weight')?.upstreamShape).toEqual([8, 4]);
    expect(adapters.params.entries().find((p) => p.name === 'model.layers.1.mlp.down_proj.lora_A.weight')?.upstreamShape).toEqual([4, 32]);
    // A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform a=sqrt(5)), B = 0: the output is unchanged.
    const a = q?.variable.dataSync() as Float32Array;
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.1);
    expect(maxDiff(logits(lm), before)).toBe(0);
    expect(adapters.count()).toBe(2 * ((4 * 16 + 16 * 4) + (4 * 16 + 8 * 4) + (4 * 32 + 16 * 4)));
  });

  it('adds scaling · B(A(x)) and merging folds exactly that into the weights', () => {
    const lm = tinyLm();
    const adapters = new LoraAdapters(SHAPE, [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: SHAPE.targetModules }], createRng(5)).attach();
    randomiseB(adapters, 9);
    const adapted = logits(lm);
    // The same value computed by hand for one layer: x·W + s·(x·A)·B.
    const x = tf.randomNormal([3, 16], 0, 1, 'float32', 1);
    const w = lm.params.get('model.layers.0.self_attn.q_proj.weight');
    const expected = tf.tidy(() => tf.matMul(x, tf.add(w, adapters.deltaWeight('model.layers.0.self_attn.q_proj'))));
    const viaDelta = tf.tidy(() => tf.add(tf.matMul(x, w), adapters.delta('model.layers.0.self_attn.q_proj', x) as tf.Tensor));
    expect(maxDiff(viaDelta.dataSync() as Float32Array, expected.dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(maxDiff(adapted, logits(tinyLm()))).toBeGreaterThan(1e-3);
    adapters.mergeIntoBase();
    expect(lm.adapter).toBeUndefined();
    expect(maxDiff(logits(lm), adapted)).toBeLessThan(1e-5);
  });

  it('scales by alpha / r, or alpha / sqrt(r) with rsLoRA', () => {
    expect(loraScaling({ r: 16, alpha: 32, rslora: false })).toBe(2);
    expect(loraScaling({ r: 16, alpha: 32, rslora: true })).toBe(8);
  });

  it('applies dropout only while training, with masks fixed by the seed', () => {
    const lm = tinyLm();
    const adapters = new LoraAdapters({ ...SHAPE, dropout: 0.5 }, [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: SHAPE.targetModules }], createRng(5)).attach();
    randomiseB(adapters, 9);
    const evalLogits = logits(lm);
    adapters.training = true;
    adapters.seedDropout(1);
    const first = logits(lm);
    adapters.seedDropout(1);
    const again = logits(lm);
    adapters.seedDropout(2);
    const other = logits(lm);
    adapters.training = false;
    expect(maxDiff(first, again)).toBe(0);
    expect(maxDiff(first, other)).toBeGreaterThan(1e-4);
    expect(maxDiff(first, evalLogits)).toBeGreaterThan(1e-4);
    expect(maxDiff(logits(lm), evalLogits)).toBe(0);
  });

  it('adapts the vision tower under its LLaVA prefix, and rejects targets that match nothing', () => {
    const vision = tinyVision();
    const adapters = new LoraAdapters({ ...SHAPE, targetModules: [], visionTargetModules: ['q_proj', 'fc2'] }, [
      { model: vision, prefix: 'model.vision_tower.vision_tower.', pattern: VISION_LINEAR_PATTERN, targets: ['q_proj', 'fc2'] },
    ], createRng(1));
    expect(adapters.modules()[0]).toBe('model.vision_tower.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj');
    expect(adapters.modules()).toHaveLength(4);
    expect(() => new LoraAdapters(SHAPE, [{ model: tinyLm(), prefix: '', pattern: LM_LINEAR_PATTERN, targets: ['fc1'] }], createRng(1))).toThrow(/match no linear layer/);
  });
});
