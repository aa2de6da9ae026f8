import type * as tf from '@tensorflow/tfjs';
import { layerNormFused, rmsNormFused } from '@vlm/connectors';

/** RMSNorm (LLaMA): x / sqrt(mean(x²) + eps) · w over the last axis; a fused op. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return rmsNormFused(x, weight, eps);
}

/** LayerNorm over the last axis with an explicit epsilon (PyTorch default 1e-5); a fused op. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return layerNormFused(x, gamma, beta, eps);
}
