import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { layerNorm, rmsNorm } from './norms';

beforeAll(useCpuBackend);

describe('norms', () => {
  it('RMSNorm of [1, 2, 3, 4] with weight [1, 1, 2, 0.5] matches the hand computation', () => {
    // mean square 7.5, 1/sqrt(7.5) = 0.36514837
    const out = tf.tidy(() => rmsNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.tensor1d([1, 1, 2, 0.5]), 1e-6).arraySync() as number[][]);
    [0.36514835, 0.7302967, 2.19089008, 0.7302967].forEach((v, i) => expect(out[0]![i]).toBeCloseTo(v, 6));
  });

  it('LayerNorm uses the given epsilon', () => {
    // mean 2.5, variance 1.25; eps 1.25 doubles the variance
    const out = tf.tidy(() => layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.ones([4]), tf.zeros([4]), 1.25).arraySync() as number[][]);
    const s = Math.sqrt(2.5);
    [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s].forEach((v, i) => expect(out[0]![i]).toBeCloseTo(v, 6));
  });
});
