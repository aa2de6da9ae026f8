import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { NATIVE_OPS } from '../kernels/native-ops';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, NATIVE_OPS_PATHS, maxAbsDiff, pathLabel, useFusedPath, valueAndGrads } from '../testing/fused-check';
import { biasGelu, geluFused } from './bias-gelu';

const geluReference = (u: tf.Tensor) => tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));

describe('biasGelu / geluFused', () => {
  // width 16: the SIMD kernel on wasm; width 6 (not a multiple of 4): its JS loop
  for (const [path, width] of [...[...FUSED_PATHS, ...NATIVE_FUSED_PATHS, ...NATIVE_OPS_PATHS].map((p) => [p, 16] as const), [FUSED_PATHS[1], 6] as const]) {
    it(`equal gelu(x + b) by standard ops, gradients match autodiff and finite differences (${pathLabel(path)}, width ${width})`, async () => {
      await useFusedPath(path, ['VlmBiasGelu', 'VlmGeluGrad']);
      const x = tf.variable(seededTensor([4, 6, width], 1, 3));
      const b = tf.variable(seededTensor([width], 2, 1));
      const probe = seededTensor([4, 6, width], 3);
      const loss = (f: (x: tf.Tensor, b: tf.Tensor) => tf.Tensor) => () => tf.sum(tf.mul(f(x, b), probe)) as tf.Scalar;
      const reference = (x: tf.Tensor, b: tf.Tensor) => geluReference(tf.add(x, b));
      const fused = valueAndGrads(loss(biasGelu), [x, b]);
      const ref = valueAndGrads(loss(reference), [x, b]);
      expect(maxAbsDiff(biasGelu(x, b), reference(x, b))).toBeLessThan(1e-6);
      expect(maxAbsDiff(geluFused(x), geluReference(x))).toBeLessThan(1e-6);
      fused.grads.forEach((g, i) => expect(maxAbsDiff(g, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-4));
      const viaGelu = valueAndGrads(() => tf.sum(tf.mul(geluFused(tf.add(x, b)), probe)) as tf.Scalar, [x, b]);
      viaGelu.grads.forEach((g, i) => expect(maxAbsDiff(g, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-4));
      for (const v of [x, b]) expect(gradientCheck(loss(biasGelu), v, 6, 1e-2)).toBeLessThan(2e-2);
      tf.dispose([x, b, probe, fused.value, ref.value, viaGelu.value, ...fused.grads, ...ref.grads, ...viaGelu.grads]);
    });
  }

  for (const path of NATIVE_OPS_PATHS) {
    it(`runs as the toolkit's TensorFlow ops on tfjs-node, any bias shape of D values, no tensors left behind (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmBiasGelu', 'VlmGeluGrad']);
      const x = tf.variable(seededTensor([2, 5, 40], 4, 3));
      const b = tf.variable(seededTensor([1, 1, 40], 5, 1));
      const probe = seededTensor([2, 5, 40], 6);
      const reference = (x: tf.Tensor, b: tf.Tensor) => geluReference(tf.add(x, b));
      const loss = (f: (x: tf.Tensor, b: tf.Tensor) => tf.Tensor) => () => tf.sum(tf.mul(f(x, b), probe)) as tf.Scalar;
      const kernels = (await tf.profile(() => tf.dispose(valueAndGrads(loss(biasGelu), [x, b]).grads))).kernels.map((k) => k.name);
      expect(kernels).toEqual(expect.arrayContaining([NATIVE_OPS.biasGelu, NATIVE_OPS.biasGeluGrad]));
      expect(kernels).not.toContain('Erf');
      const fused = valueAndGrads(loss(biasGelu), [x, b]);
      const ref = valueAndGrads(loss(reference), [x, b]);
      expect(fused.grads[1]?.shape).toEqual([1, 1, 40]);
      fused.grads.forEach((g, i) => expect(maxAbsDiff(g, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-4));
      const before = tf.memory().numTensors;
      biasGelu(x, b).dispose();
      geluFused(x).dispose();
      const again = valueAndGrads(loss(biasGelu), [x, b]);
      tf.dispose([again.value, ...again.grads]);
      tf.grad((t: tf.Tensor) => tf.sum(geluFused(t)))(x).dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, b, probe, fused.value, ref.value, ...fused.grads, ...ref.grads]);
    });
  }

  it('geluFused on the kernels (wasm) leaves no tensors behind, forward or backward', async () => {
    await useFusedPath(FUSED_PATHS[1], ['VlmBiasGelu', 'VlmGeluGrad']);
    const x = seededTensor([3, 8], 9);
    geluFused(x).dispose();
    const before = tf.memory().numTensors;
    geluFused(x).dispose();
    tf.grad((t: tf.Tensor) => tf.sum(geluFused(t)))(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
