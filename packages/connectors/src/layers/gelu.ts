import type * as tf from '@tensorflow/tfjs';
import { geluFused } from '../fused/bias-gelu';

/**
 * Exact GELU, 0.5·x·(1 + erf(x/√2)), as PyTorch's nn.GELU() default (not the tanh approximation); a
 * fused op with a hand-written gradient (`biasGelu` also folds in a preceding bias).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluFused(x);
}
