import * as tf from '@tensorflow/tfjs-core';

/** Rotary frequencies 1 / theta^(2i/d) for i < d/2 (LLaMA default rope). */
export function ropeInverseFrequencies(headDim: number, theta: number): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  return out;
}

/**
 * cos and sin tables for integer positions `[b, s]` -> `[b, 1, s, headDim]` each, in the
 * Hugging Face "rotate half" layout (frequencies repeated for both halves).
 */
export function ropeTables(positions: tf.Tensor2D, invFreq: Float32Array): { cos: tf.Tensor; sin: tf.Tensor } {
  const [b, s] = positions.shape;
  const freqs = tf.mul(tf.reshape(tf.cast(positions, 'float32'), [b, s, 1]), tf.tensor1d(invFreq)); // [b, s, d/2]
  const emb = tf.concat([freqs, freqs], -1); // [b, s, d]
  const d = invFreq.length * 2;
  return { cos: tf.reshape(tf.cos(emb), [b, 1, s, d]), sin: tf.reshape(tf.sin(emb), [b, 1, s, d]) };
}

/** x·cos + rotate_half(x)·sin, where rotate_half([x1, x2]) = [-x2, x1]. x: `[b, heads, s, d]`. */
export function applyRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const d = x.shape[3] as number;
  const [x1, x2] = tf.split(x, [d / 2, d / 2], 3);
  const rotated = tf.concat([tf.neg(x2 as tf.Tensor), x1 as tf.Tensor], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}
