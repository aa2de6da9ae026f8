import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { NATIVE_OPS } from '../kernels/native-ops';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, NATIVE_OPS_PATHS, maxAbsDiff, pathLabel, useFusedPath, valueAndGrads } from '../testing/fused-check';
import { rotaryFused } from './rotary';
import { swigluFused } from './swiglu';

// The compositions the fused ops replace (autodiff through standard ops).
function rotaryReference(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const d = x.shape[3] as number;
  const [a, b] = tf.split(x, [d / 2, d / 2], 3) as [tf.Tensor, tf.Tensor];
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(b), a], 3), sin));
}
const swigluReference = (g: tf.Tensor, u: tf.Tensor) => tf.mul(tf.mul(g, tf.sigmoid(g)), u);

/** LLaMA's tables for positions `[b, s]`: `[b, 1, s, d]`, frequencies repeated over both halves. */
function tables(positions: number[][], d: number): { cos: tf.Tensor; sin: tf.Tensor } {
  const b = positions.length;
  const s = (positions[0] as number[]).length;
  const angles = new Float32Array(b * s * d);
  positions.forEach((row, i) =>
    row.forEach((p, t) => {
      for (let j = 0; j < d; j++) angles[(i * s + t) * d + j] = p / Math.pow(10000, (2 * (j % (d / 2))) / d);
    }),
  );
  const a = tf.tensor4d(angles, [b, 1, s, d]);
  return { cos: tf.cos(a), sin: tf.sin(a) };
}

/**
 * SwiGLU of seeded gate and up: value and gradients equal the composition, gradients match finite
 * differences. Returns the loss (for a profile) and what to dispose.
 */
function checkSwiglu(shape: number[], seed: number): { loss: () => tf.Scalar; vars: tf.Variable[]; dispose: () => void } {
  const g = tf.variable(seededTensor(shape, seed, 3));
  const u = tf.variable(seededTensor(shape, seed + 1, 1));
  const probe = seededTensor(shape, seed + 2);
  const loss = (f: typeof swigluFused) => () => tf.sum(tf.mul(f(g, u), probe)) as tf.Scalar;
  const fused = valueAndGrads(loss(swigluFused), [g, u]);
  const ref = valueAndGrads(loss(swigluReference), [g, u]);
  expect(maxAbsDiff(swigluFused(g, u), swigluReference(g, u))).toBeLessThan(1e-5);
  fused.grads.forEach((d, i) => expect(maxAbsDiff(d, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-5));
  for (const v of [g, u]) expect(gradientCheck(loss(swigluFused), v, 6, 1e-2)).toBeLessThan(2e-2);
  tf.dispose([fused.value, ref.value, ...fused.grads, ...ref.grads]);
  return { loss: loss(swigluFused), vars: [g, u], dispose: () => tf.dispose([g, u, probe]) };
}

describe('rotaryFused / swigluFused', () => {
  // head width 8 and 120 gate values: the SIMD kernels on wasm; 6 and 30 (halves or counts not multiples of 4): their JS loops
  for (const [path, odd] of [...[...FUSED_PATHS, ...NATIVE_FUSED_PATHS].map((p) => [p, false] as const), [FUSED_PATHS[1], true] as const]) {
    const label = `${path.backend}, ${path.kernels ? 'kernel' : 'composition'}${odd ? ', sizes the SIMD kernels do not take' : ''}`;
    const [D, G] = odd ? [6, [3, 2, 5]] : [8, [3, 4, 10]];

    // per-sample tables ([2, 1, s, d]: left padding shifts positions), one table shared by the batch,
    // and tables whose two halves differ (not LLaMA's, but the op takes any): every half is read where it should be
    for (const tableKind of ['per sample', 'shared', 'arbitrary'] as const) {
      it(`RoPE equals the composition and its gradient matches finite differences (${label}, ${tableKind} tables)`, async () => {
        await useFusedPath(path, ['VlmRotary']);
        const x = tf.variable(seededTensor([2, 3, 5, D], 11, 1));
        const { cos, sin } =
          tableKind === 'arbitrary' ? { cos: seededTensor([2, 1, 5, D], 16), sin: seededTensor([2, 1, 5, D], 17) } : tables(tableKind === 'shared' ? [[0, 1, 2, 3, 4]] : [[0, 1, 2, 3, 4], [3, 4, 5, 6, 7]], D);
        const probe = seededTensor([2, 3, 5, D], 12);
        const loss = (f: typeof rotaryFused) => () => tf.sum(tf.mul(f(x, cos, sin), probe)) as tf.Scalar;
        const fused = valueAndGrads(loss(rotaryFused), [x]);
        const ref = valueAndGrads(loss(rotaryReference), [x]);
        expect(maxAbsDiff(rotaryFused(x, cos, sin), rotaryReference(x, cos, sin))).toBeLessThan(1e-5);
        expect(maxAbsDiff(fused.grads[0] as tf.Tensor, ref.grads[0] as tf.Tensor)).toBeLessThan(1e-5);
        expect(gradientCheck(loss(rotaryFused), x, 6, 1e-2)).toBeLessThan(2e-2);
        // the kernel ran where it is registered (on tfjs-node only when a test registers it), and only there
        const profile = await tf.profile(() => rotaryFused(x, cos, sin));
        expect(profile.kernels.some((k) => k.name === 'VlmRotary')).toBe(path.kernels);
        tf.dispose([x, cos, sin, probe, fused.value, ref.value, ...fused.grads, ...ref.grads]);
      });
    }

    it(`SwiGLU equals the composition and its gradient matches finite differences (${label})`, async () => {
      await useFusedPath(path, ['VlmSwiglu', 'VlmSwigluGrad']);
      const check = checkSwiglu(G, 13);
      const [g, u] = check.vars as [tf.Variable, tf.Variable];
      const profile = await tf.profile(() => swigluFused(g, u));
      expect(profile.kernels.some((k) => k.name === 'VlmSwiglu')).toBe(path.kernels);
      check.dispose();
    });
  }

  for (const path of NATIVE_OPS_PATHS) {
    it(`SwiGLU runs as the toolkit's TensorFlow ops, equal to the composition, gradient matching finite differences, no tensors left behind (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmSwiglu', 'VlmSwigluGrad']);
      const check = checkSwiglu([4, 7, 33], 21);
      const kernels = (await tf.profile(() => tf.dispose(valueAndGrads(check.loss, check.vars).grads))).kernels.map((k) => k.name);
      expect(kernels).toEqual(expect.arrayContaining([NATIVE_OPS.swiglu, NATIVE_OPS.swigluGrad]));
      expect(kernels).not.toContain('VlmSwiglu');
      const before = tf.memory().numTensors;
      const again = valueAndGrads(check.loss, check.vars);
      tf.dispose([again.value, ...again.grads]);
      expect(tf.memory().numTensors).toBe(before);
      check.dispose();
    });
  }
});
