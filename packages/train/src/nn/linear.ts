import * as tf from '@tensorflow/tfjs-core';

/** y = x·W + b over the last axis; `kernel` is `[in, out]` (see ParamLayout `linear`). */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1] as number;
  const outDim = kernel.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  // [..., in] -> [N, in] -> [N, out] -> [..., out]
  let y = tf.matMul(tf.reshape(x, [-1, inDim]), kernel as tf.Tensor2D);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [...lead, outDim]);
}

/**
 * Extra output a linear layer adds to `x·W + b`, looked up by the layer's upstream name
 * (`model.layers.0.self_attn.q_proj`); LoRA adapters are one. `undefined` means no extra term.
 */
export type LinearAdapter = (name: string, x: tf.Tensor) => tf.Tensor | undefined;
