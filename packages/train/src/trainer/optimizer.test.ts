import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { AdamW, clipByGlobalNorm } from './adamw';
import { planBatches } from './micro-batches';
import { learningRateAt, warmupStepsFor } from './schedule';

beforeAll(useCpuBackend);

describe('AdamW', () => {
  it('matches torch.optim.AdamW step by step (decoupled decay, bias correction), per group rates', () => {
    const a = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = new AdamW([{ key: 'a', group: 'lm', variable: a }, { key: 'b', group: 'connector', variable: b }], { weightDecay: 0.1 });
    const lr = { lm: 0.1, connector: 0.01 } as Record<string, number>;
    // Reference computed by hand with PyTorch's formulas.
    const ref = { p: [1, -2], m: [0, 0], v: [0, 0] };
    const grads = [[0.5, -1], [0.25, 2]];
    grads.forEach((g, t) => {
      opt.apply(new Map([['a', tf.tensor1d(g)], ['b', tf.tensor1d([1])]]), (group) => lr[group]!);
      const step = t + 1;
      for (let i = 0; i < 2; i++) {
        ref.p[i]! *= 1 - 0.1 * 0.1;
        ref.m[i] = 0.9 * ref.m[i]! + 0.1 * g[i]!;
        ref.v[i] = 0.999 * ref.v[i]! + 0.001 * g[i]! ** 2;
        const denom = Math.sqrt(ref.v[i]!) / Math.sqrt(1 - 0.999 ** step) + 1e-8;
        ref.p[i]! -= (0.1 / (1 - 0.9 ** step)) * (ref.m[i]! / denom);
      }
    });
    const got = Array.from(a.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(ref.p[i]!, 6));
    // Same gradient sign each step: Adam moves b by about lr per step, minus decay.
    expect(b.dataSync()[0]).toBeCloseTo(0.5 * (1 - 0.001) ** 2 - 0.02, 4);
    const state = opt.exportState();
    const fresh = new AdamW([{ key: 'a', group: 'lm', variable: tf.variable(tf.tensor1d([0, 0])) }, { key: 'b', group: 'connector', variable: tf.variable(tf.tensor1d([0])) }]);
    fresh.importState(opt.step, state);
    expect(fresh.step).toBe(2);
    expect(Array.from(fresh.exportState().get('a')!.expAvg)).toEqual(Array.from(state.get('a')!.expAvg));
    expect(() => fresh.importState(2, new Map())).toThrow(/optimizer state for a is missing/);
  });

  it('clips gradients to a global norm and reports the norm before clipping', () => {
    const grads = new Map<string, tf.Tensor>([['x', tf.tensor1d([3, 0])], ['y', tf.tensor1d([4])]]);
    expect(clipByGlobalNorm(grads, 1)).toBeCloseTo(5, 5);
    const norm = Math.hypot(...grads.get('x')!.dataSync(), ...grads.get('y')!.dataSync());
    expect(norm).toBeCloseTo(1, 4);
    expect(clipByGlobalNorm(grads, 10)).toBeCloseTo(1, 4);
  });
});

describe('schedule and batch plan', () => {
  it('warms up linearly, then decays along a cosine to the floor', () => {
    const o = { peak: 1e-3, totalSteps: 100, warmupSteps: warmupStepsFor(100, 0.03), minLrRatio: 0.1 };
    expect(o.warmupSteps).toBe(3);
    expect(learningRateAt(0, o)).toBeCloseTo(1e-3 / 3, 12);
    expect(learningRateAt(2, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(3, o)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(3 + 97 / 2, o)).toBeCloseTo(0.55e-3, 9);
    expect(learningRateAt(100, o)).toBeCloseTo(1e-4, 12);
  });

  it('derives micro-batch and accumulation from the global batch', () => {
    expect(planBatches(32, 8)).toEqual({ globalBatchSize: 32, microBatchSize: 8, accumulation: 4 });
    expect(planBatches(12, 5)).toEqual({ globalBatchSize: 12, microBatchSize: 4, accumulation: 3 });
    expect(planBatches(7)).toEqual({ globalBatchSize: 7, microBatchSize: 7, accumulation: 1 });
    expect(() => planBatches(0)).toThrow(/global batch size must be a positive integer/);
  });
});
