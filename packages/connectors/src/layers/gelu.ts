import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), as PyTorch's nn.GELU() default (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
