import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { NATIVE_OPS } from '../kernels/native-ops';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, NATIVE_OPS_PATHS, maxAbsDiff, pathLabel, useFusedPath, valueAndGrads } from '../testing/fused-check';
import { layerNormFused, rmsNormFused } from './layer-norm';

// The compositions the fused ops replace (autodiff through standard ops).
function layerNormReference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}
function rmsNormReference(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);
}

/**
 * `fused` against `reference` (the same computation as thunks over `vars`): the outputs within 1e-5, the
 * gradients of sum(output · probe) within 1e-4 of autodiff through the reference and within 2e-2 of
 * finite differences.
 */
function expectMatchesReference(fused: () => tf.Tensor, reference: () => tf.Tensor, probe: tf.Tensor, vars: tf.Variable[]): void {
  const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), probe)) as tf.Scalar;
  const got = valueAndGrads(loss(fused), vars);
  const want = valueAndGrads(loss(reference), vars);
  expect(maxAbsDiff(fused(), reference())).toBeLessThan(1e-5);
  got.grads.forEach((g, i) => expect(maxAbsDiff(g, want.grads[i] as tf.Tensor)).toBeLessThan(1e-4));
  for (const v of vars) expect(gradientCheck(loss(fused), v, 6, 1e-2)).toBeLessThan(2e-2);
  tf.dispose([got.value, want.value, ...got.grads, ...want.grads]);
}

describe('layerNormFused / rmsNormFused', () => {
  // widths 24 and 32: the SIMD kernels on wasm; 6 and 10 (not multiples of 4): their JS loops
  for (const [path, W] of [...[...FUSED_PATHS, ...NATIVE_FUSED_PATHS, ...NATIVE_OPS_PATHS].map((p) => [p, 0] as const), [FUSED_PATHS[1], 1] as const]) {
    const label = `${pathLabel(path)}${W ? ', width not a multiple of 4' : ''}`;
    const [lnW, rmsW] = W ? [6, 10] : [24, 32];

    it(`layer norm equals the composition and its gradient matches finite differences (${label})`, async () => {
      await useFusedPath(path, ['VlmNormForward', 'VlmNormBackward']);
      const x = tf.variable(tf.add(seededTensor([2, 5, lnW], 1, 2), 0.5));
      const gamma = tf.variable(tf.add(seededTensor([lnW], 2, 0.5), 1));
      const beta = tf.variable(seededTensor([lnW], 3, 0.5));
      const probe = seededTensor([2, 5, lnW], 4);
      expectMatchesReference(() => layerNormFused(x, gamma, beta, 1e-5), () => layerNormReference(x, gamma, beta, 1e-5), probe, [x, gamma, beta]);
      tf.dispose([x, gamma, beta, probe]);
    });

    it(`RMS norm equals the composition and its gradient matches finite differences (${label})`, async () => {
      await useFusedPath(path, ['VlmNormForward', 'VlmNormBackward']);
      const x = tf.variable(seededTensor([3, rmsW], 5, 2));
      const w = tf.variable(tf.add(seededTensor([rmsW], 6, 0.5), 1));
      const probe = seededTensor([3, rmsW], 7);
      expectMatchesReference(() => rmsNormFused(x, w, 1e-6), () => rmsNormReference(x, w, 1e-6), probe, [x, w]);
      tf.dispose([x, w, probe]);
    });
  }

  // above NATIVE_JS_KERNEL_MAX_VALUES, where tfjs-node without the toolkit's op composes TensorFlow's
  for (const path of NATIVE_OPS_PATHS) {
    const [forward, backward] = [NATIVE_OPS.layerNorm, NATIVE_OPS.layerNormGrad];
    it(`layer norm of a large input runs as ${forward}, equal to the composition, its gradient matching finite differences (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmNormForward', 'VlmNormBackward']);
      const x = tf.variable(tf.add(seededTensor([2, 129, 128], 11, 2), 0.5));
      const gamma = tf.variable(tf.add(seededTensor([128], 12, 0.5), 1));
      const beta = tf.variable(seededTensor([128], 13, 0.5));
      const probe = seededTensor([2, 129, 128], 14);
      const loss = (f: typeof layerNormFused) => () => tf.sum(tf.mul(f(x, gamma, beta, 1e-5), probe)) as tf.Scalar;
      const before = tf.memory().numTensors;
      const fused = valueAndGrads(loss(layerNormFused), [x, gamma, beta]);
      expect(tf.memory().numTensors).toBe(before + 4);
      const ref = valueAndGrads(loss(layerNormReference), [x, gamma, beta]);
      expect(Math.abs(fused.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThan(1e-2);
      expectMatchesReference(() => layerNormFused(x, gamma, beta, 1e-5), () => layerNormReference(x, gamma, beta, 1e-5), probe, [x, gamma, beta]);
      const kernels = (await tf.profile(() => tf.dispose(valueAndGrads(loss(layerNormFused), [x, gamma, beta]).grads))).kernels.map((k) => k.name);
      expect(kernels).toContain(forward);
      expect(kernels).toContain(backward);
      expect(kernels).not.toContain('VlmNormForward');
      // RMSNorm through the same op (its rms attribute), against the composition and finite differences
      expectMatchesReference(() => rmsNormFused(x, gamma, 1e-6), () => rmsNormReference(x, gamma, 1e-6), probe, [x, gamma]);
      const rmsLoss = (f: typeof rmsNormFused) => () => tf.sum(tf.mul(f(x, gamma, 1e-6), probe)) as tf.Scalar;
      const rmsKernels = (await tf.profile(() => tf.dispose(valueAndGrads(rmsLoss(rmsNormFused), [x, gamma]).grads))).kernels.map((k) => k.name);
      expect(rmsKernels).toEqual(expect.arrayContaining([forward, backward]));
      const held = tf.memory().numTensors;
      const again = valueAndGrads(rmsLoss(rmsNormFused), [x, gamma]);
      tf.dispose([again.value, ...again.grads]);
      expect(tf.memory().numTensors).toBe(held);
      tf.dispose([x, gamma, beta, probe, fused.value, ref.value, ...fused.grads, ...ref.grads]);
    });
  }
});
