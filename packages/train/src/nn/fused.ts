// Fused ops: forward as a few tfjs ops, backward written out by hand. tfjs keeps every intermediate
// of a differentiated forward alive until the backward pass ends; a customGrad op keeps only what it
// saves, which is what lets a 135M-parameter LM train inside the 4 GB wasm heap.
import * as tf from '@tensorflow/tfjs';

type GradFn = Parameters<typeof tf.customGrad>[0];
const custom = (f: unknown) => tf.customGrad(f as GradFn);

/** RMSNorm and attention are the connectors' fused ops (a JS kernel on wasm for the norm). */
export { rmsNormFused, attentionFused } from '@vlm/connectors';

/** SwiGLU gate: silu(gate) · up, saving only gate and up. */
export const swiglu = custom((gate: tf.Tensor, up: tf.Tensor, save: tf.GradSaveFunc) => {
  save([gate, up]);
  return {
    value: tf.mul(tf.mul(gate, tf.sigmoid(gate)), up),
    gradFunc: (dy: tf.Tensor, [g, u]: tf.Tensor[]) => {
      const s = tf.sigmoid(g as tf.Tensor);
      const silu = tf.mul(g as tf.Tensor, s);
      // d silu/dg = s·(1 + g·(1 − s))
      const dSilu = tf.mul(s, tf.add(1, tf.mul(g as tf.Tensor, tf.sub(1, s))));
      return [tf.mul(tf.mul(dy, u as tf.Tensor), dSilu), tf.mul(dy, silu)];
    },
  };
}) as (gate: tf.Tensor, up: tf.Tensor) => tf.Tensor;

function rotateHalf(x: tf.Tensor, sign: 1 | -1): tf.Tensor {
  const [a, b] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
  // sign 1: [-b, a] (forward); sign -1: [b, -a] (its transpose, for the gradient)
  return sign === 1 ? tf.concat([tf.neg(b), a], -1) : tf.concat([b, tf.neg(a)], -1);
}

/** RoPE x·cos + rotate_half(x)·sin (HF layout); the gradient is dy·cos + rotate_halfᵀ(dy·sin). */
export const ropeFused = custom((x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, save: tf.GradSaveFunc) => {
  save([cos, sin]);
  return {
    value: tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x, 1), sin)),
    gradFunc: (dy: tf.Tensor, [c, s]: tf.Tensor[]) => [
      tf.add(tf.mul(dy, c as tf.Tensor), rotateHalf(tf.mul(dy, s as tf.Tensor), -1)),
      tf.zerosLike(c as tf.Tensor),
      tf.zerosLike(s as tf.Tensor),
    ],
  };
}) as (x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor) => tf.Tensor;
