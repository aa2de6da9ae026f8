import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { attentionFused, rmsNormFused, ropeFused, swiglu } from './fused';
import { rmsNorm } from './norms';
import { applyRope, ropeInverseFrequencies, ropeTables } from './rope';

beforeAll(useCpuBackend);

/** Plain autodiff attention with repeated kv heads, the reference for the fused op. */
function attentionComposite(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const [b, H, , d] = q.shape as number[];
  const [, KV, t] = k.shape as number[];
  const rep = (x: tf.Tensor) => tf.reshape(tf.tile(tf.reshape(x, [b! * KV!, 1, t!, d!]), [1, H! / KV!, 1, 1]), [b!, H!, t!, d!]);
  const scores = tf.add(tf.div(tf.matMul(q as tf.Tensor4D, tf.transpose(rep(k), [0, 1, 3, 2]) as tf.Tensor4D), Math.sqrt(d!)), mask);
  return tf.matMul(tf.softmax(scores) as tf.Tensor4D, rep(v) as tf.Tensor4D);
}

/** Max |difference| of values and of gradients w.r.t. every input, for a random upstream gradient. */
function compare(fused: (...xs: tf.Tensor[]) => tf.Tensor, reference: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], diffInputs: number): { value: number; grad: number } {
  return tf.tidy(() => {
    const a = fused(...inputs);
    const r = reference(...inputs);
    const dy = tf.randomNormal(a.shape, 0, 1, 'float32', 3);
    const wrt = inputs.slice(0, diffInputs);
    const rest = inputs.slice(diffInputs);
    const ga = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fused(...xs, ...rest), dy)))(wrt);
    const gr = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(reference(...xs, ...rest), dy)))(wrt);
    const maxAbs = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).arraySync() as number;
    return { value: maxAbs(a, r), grad: Math.max(...ga.map((g, i) => maxAbs(g, gr[i]!))) };
  });
}

describe('fused ops equal their autodiff composites', () => {
  it('RMSNorm', () => {
    const x = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 1);
    const w = tf.randomNormal([8], 1, 0.3, 'float32', 2);
    const d = compare((a, b) => rmsNormFused(a!, b!, 1e-5), (a, b) => rmsNorm(a!, b!, 1e-5), [x, w], 2);
    expect(d.value).toBeLessThan(1e-5);
    expect(d.grad).toBeLessThan(1e-4);
  });

  it('SwiGLU', () => {
    const g = tf.randomNormal([2, 3, 8], 0, 2, 'float32', 4);
    const u = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 5);
    const d = compare((a, b) => swiglu(a!, b!), (a, b) => tf.mul(tf.mul(a!, tf.sigmoid(a!)), b!), [g, u], 2);
    expect(d.value).toBeLessThan(1e-5);
    expect(d.grad).toBeLessThan(1e-4);
  });

  it('RoPE', () => {
    const x = tf.randomNormal([2, 3, 5, 8], 0, 1, 'float32', 6);
    const { cos, sin } = ropeTables(tf.tensor2d([[0, 1, 2, 3, 4], [2, 3, 4, 5, 6]], undefined, 'int32'), ropeInverseFrequencies(8, 10000));
    const d = compare((a, c, s) => ropeFused(a!, c!, s!), (a, c, s) => applyRope(a!, c!, s!), [x, cos, sin], 1);
    expect(d.value).toBeLessThan(1e-5);
    expect(d.grad).toBeLessThan(1e-5);
  });

  it('attention with grouped-query heads and a causal mask', () => {
    const q = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 7);
    const k = tf.randomNormal([2, 2, 5, 4], 0, 1, 'float32', 8);
    const v = tf.randomNormal([2, 2, 5, 4], 0, 1, 'float32', 9);
    const causal = tf.tensor4d(Array.from({ length: 25 }, (_, i) => (i % 5 <= Math.floor(i / 5) ? 0 : -1e9)), [1, 1, 5, 5]);
    const d = compare((a, b, c, m) => attentionFused(a!, b!, c!, m!), (a, b, c, m) => attentionComposite(a!, b!, c!, m!), [q, k, v, causal], 3);
    expect(d.value).toBeLessThan(1e-5);
    expect(d.grad).toBeLessThan(1e-4);
  });
});
