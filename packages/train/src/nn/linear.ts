import type * as tf from '@tensorflow/tfjs-core';
import { linearFused } from '@vlm/connectors';

/**
 * y = x·W + b over the last axis; `kernel` is `[in, out]` (see ParamLayout `linear`). One kernel each way
 * on wasm with the toolkit's kernels (`linearFused`), the composition of standard ops elsewhere.
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return linearFused(x, kernel, bias);
}

/**
 * Extra output a linear layer adds to `x·W + b`, looked up by the layer's upstream name
 * (`model.layers.0.self_attn.q_proj`); LoRA adapters are one. `undefined` means no extra term.
 */
export type LinearAdapter = (name: string, x: tf.Tensor) => tf.Tensor | undefined;
