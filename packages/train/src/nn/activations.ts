import * as tf from '@tensorflow/tfjs';
import { geluFused } from '@vlm/connectors';

/** Names of the activations the towers support (Hugging Face `hidden_act`). */
export type Activation = 'gelu' | 'quick_gelu' | 'silu' | 'gelu_pytorch_tanh';

/** Applies an activation by its Hugging Face name. GELU is the exact erf form, as in PyTorch. */
export function activate(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case 'gelu':
      return geluFused(x);
    case 'quick_gelu':
      return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'gelu_pytorch_tanh': {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
  }
}
