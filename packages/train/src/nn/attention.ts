import * as tf from '@tensorflow/tfjs-core';
import { attentionFused } from '@vlm/connectors';

/** Additive value for a blocked logit: large but finite so fully masked rows stay NaN-free. */
export const MASKED = -1e9;

/**
 * Scaled dot-product attention with grouped-query support (a fused op: see nn/fused).
 * q: `[b, heads, s, d]`; k, v: `[b, kvHeads, t, d]` with heads % kvHeads == 0;
 * mask: additive, broadcastable to `[b, heads, s, t]`. Returns `[b, heads, s, d]`.
 */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
  return attentionFused(q, k, v, mask ?? tf.zeros([1, 1, 1, 1]));
}

/**
 * Causal mask for `s` new queries after `past` cached keys, combined with an optional key padding
 * mask `[b, past + s]` (1 = real, 0 = padding). Returns additive `[b|1, 1, s, past + s]`.
 */
export function causalMask(s: number, past: number, keyMask?: tf.Tensor2D): tf.Tensor {
  const t = past + s;
  // the causal part written directly: one small upload instead of a chain of ops (wasm's broadcast
  // LessEqual alone took 0.4 ms for 69 x 69)
  const values = new Float32Array(s * t);
  for (let i = 0; i < s; i++) values.fill(MASKED, i * t + past + i + 1, (i + 1) * t);
  const causal = tf.tensor4d(values, [1, 1, s, t]);
  if (!keyMask) return causal;
  // padding keys blocked too (the smaller of the two additive values: still MASKED, never twice it)
  const b = keyMask.shape[0];
  const keys = tf.reshape(tf.mul(tf.sub(1, tf.cast(tf.greater(keyMask, 0), 'float32')), MASKED), [b, 1, 1, t]);
  return tf.minimum(causal, keys);
}

/** `[b, s, heads·d]` -> `[b, heads, s, d]`. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, s, width] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, s, heads, width / heads]), [0, 2, 1, 3]);
}

/** `[b, heads, s, d]` -> `[b, s, heads·d]`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, h, s, d] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, s, h * d]);
}
