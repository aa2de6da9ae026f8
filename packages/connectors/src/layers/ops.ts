import * as tf from '@tensorflow/tfjs-core';
import { attentionFused } from '../fused/attention';
import { layerNormFused } from '../fused/layer-norm';
import { linearFused } from '../fused/linear';
import '../backend/tfjs-runtime';

/**
 * x·kernel + bias over the last axis (kernel `[in, out]`). One kernel each way on wasm (the toolkit's
 * gemm; leading axes fold into rows, the bias is added as the output is written); elsewhere the leading
 * axes fold into rows and one 2-D product carries the bias (`tf.fused.matMul`), since tfjs 4.22 cannot
 * differentiate a rank-broadcast matMul.
 */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return linearFused(x, kernel, bias);
}

/** LayerNorm over the last axis with an explicit epsilon (PyTorch 1e-5, BERT/Q-Former 1e-12); a fused op. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return layerNormFused(x, gamma, beta, eps);
}

/** Inverted dropout when training with rate > 0; identity otherwise. */
export function dropout(x: tf.Tensor, rate: number, training: boolean, seed: () => number): tf.Tensor {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, seed());
}

/** [b, t, h·d] -> [b, h, t, d]. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, width] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [b, t, heads, width / heads]), [0, 2, 1, 3]);
}

/** [b, h, t, d] -> [b, t, h·d]. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/** Options of `attend`. */
export interface AttendOptions {
  /** Added to the logits, broadcast to [b, h, tq, tk] (0 = allowed, large negative = masked). */
  bias?: tf.Tensor;
  /** Multiplied into the probabilities, broadcast to [b, h, tq, tk] (e.g. to zero rows). */
  probScale?: tf.Tensor;
  /** Applied to the probabilities (attention dropout). */
  dropProbs?: (p: tf.Tensor) => tf.Tensor;
}

/**
 * Scaled dot-product attention over heads. q [b, h, tq, d], k and v [b, h, tk, d] -> [b, h, tq, d].
 * Rows are shifted by their max before softmax, as upstream does. Without `probScale` and `dropProbs`
 * this is one fused op (see `attentionFused`).
 */
export function attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttendOptions = {}): tf.Tensor {
  if (!options.probScale && !options.dropProbs) return attentionFused(q, k, v, options.bias);
  const d = q.shape[3] as number;
  let logits = tf.matMul(tf.mul(q, 1 / Math.sqrt(d)) as tf.Tensor4D, k as tf.Tensor4D, false, true) as tf.Tensor;
  if (options.bias) logits = tf.add(logits, options.bias);
  let probs = tf.softmax(logits);
  if (options.probScale) probs = tf.mul(probs, options.probScale);
  if (options.dropProbs) probs = options.dropProbs(probs);
  return tf.matMul(probs as tf.Tensor4D, v as tf.Tensor4D);
}
