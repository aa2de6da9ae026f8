import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gelu } from './gelu';

const reference: [number, number][] = [
  [-1, -0.15865525],
  [0.5, 0.34573123],
  [1, 0.84134475],
  [1.5, 1.3997892],
  [3, 2.99595031],
];

describe('gelu', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`is the exact erf form on ${backend}`, async () => {
      await tf.setBackend(backend);
      const y = gelu(tf.tensor1d(reference.map(([x]) => x))).dataSync();
      reference.forEach(([, want], i) => expect(y[i]).toBeCloseTo(want, 6));
      // The tanh approximation would give 0.84119199 at 1.
      expect(Math.abs((y[2] as number) - 0.84119199)).toBeGreaterThan(1e-4);
    });
  }

  it('has the derivative Φ(x) + x·φ(x)', async () => {
    await tf.setBackend('cpu');
    const xs = [-2, -0.3, 0, 0.7, 2.5];
    const g = tf.grad((x: tf.Tensor) => gelu(x).sum())(tf.tensor1d(xs)).dataSync();
    xs.forEach((x, i) => {
      const pdf = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
      const cdf = (gelu(tf.scalar(x)).dataSync()[0] as number) / (x === 0 ? 1 : x);
      const want = x === 0 ? 0.5 : cdf + x * pdf;
      expect(g[i]).toBeCloseTo(want, 4);
    });
  });
});
