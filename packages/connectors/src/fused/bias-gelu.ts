// Bias + exact GELU as one op: gelu(x + b) with b broadcast over the last axis. The composition saves
// five intermediates for the backward pass and differentiates erf through tfjs' generic gradients;
// this keeps u = x + b and Φ(u) (so the backward pass computes no second erf, the slowest kernel
// here on wasm) and writes dgelu/du = Φ(u) + u·φ(u) out by hand.
import * as tf from '@tensorflow/tfjs';

type GradFn = Parameters<typeof tf.customGrad>[0];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(u), the standard normal CDF, by erf. */
const cdfOf = (u: tf.Tensor) => tf.mul(tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1), 0.5);
/** dgelu/du = Φ(u) + u·φ(u). */
const dGelu = (u: tf.Tensor, cdf: tf.Tensor) => tf.add(cdf, tf.mul(u, tf.mul(tf.exp(tf.mul(tf.square(u), -0.5)), INV_SQRT_2PI)));

const biasGeluOp = tf.customGrad(((x: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  const u = tf.add(x, bias);
  const cdf = cdfOf(u);
  save([u, cdf]);
  return {
    value: tf.mul(u, cdf),
    gradFunc: (dy: tf.Tensor, [su, sc]: tf.Tensor[]) => {
      const du = tf.mul(dy, dGelu(su as tf.Tensor, sc as tf.Tensor));
      const D = bias.shape[bias.shape.length - 1] as number;
      return [du, tf.reshape(tf.sum(tf.reshape(du, [-1, D]), 0), bias.shape)];
    },
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** Exact (erf) GELU of `x + bias`, as PyTorch's `F.gelu(linear(x))`, with a hand-written gradient. */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return biasGeluOp(x, bias);
}

/** Exact (erf) GELU with a hand-written gradient that keeps its input and Φ(input). */
export const geluFused = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = cdfOf(x);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, [sx, sc]: tf.Tensor[]) => tf.mul(dy, dGelu(sx as tf.Tensor, sc as tf.Tensor)),
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor) => tf.Tensor;
