import * as tf from '@tensorflow/tfjs';
import { crossEntropyOverPositions } from '@vlm/connectors';
import { IGNORE_INDEX, VlmError } from '@vlm/core';

/** Options of {@link maskedCrossEntropy}. */
export interface MaskedCrossEntropyOptions {
  /**
   * Trained tokens in the WHOLE global batch (every micro-batch of the optimizer step), so that
   * accumulated micro-batch losses add up to the per-token mean of the global batch. Defaults to
   * this micro-batch's own count.
   */
  globalTrainedTokens?: number;
  /** Labels are aligned with the inputs and shifted here (HF causal LM convention). Default true. */
  shift?: boolean;
}

/**
 * Sum over trained positions of -log p(label), divided by the global trained-token count.
 * logits `[b, s, vocab]`, labels `[b, s]` int32 with IGNORE_INDEX (-100) for untrained positions.
 * Returns a scalar; 0 when nothing is trained.
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor2D, options: MaskedCrossEntropyOptions = {}): tf.Scalar {
  const [b, s, vocab] = logits.shape;
  if (labels.shape[0] !== b || labels.shape[1] !== s) {
    throw new VlmError('shape_mismatch', `labels ${JSON.stringify(labels.shape)} do not match logits ${JSON.stringify(logits.shape)}`, {
      hint: 'labels must have one entry per input position ([batch, seq])',
    });
  }
  const shift = options.shift ?? true;
  const denominator = options.globalTrainedTokens ?? Math.max(1, countTrainedTokensSync(labels, shift));
  if (!(denominator > 0)) {
    throw new VlmError('loss_invalid', `globalTrainedTokens must be positive, got ${denominator}`, {
      hint: 'count trained tokens over every micro-batch of the step with countTrainedTokens()',
    });
  }
  // Shift the (small) labels rather than the (large) logits: position t is scored against label t+1,
  // and the last position gets IGNORE_INDEX.
  const [targets, weights] = tf.tidy(() => {
    const shifted = shift ? tf.concat([tf.slice(labels, [0, 1], [b, s - 1]), tf.fill([b, 1], IGNORE_INDEX, 'int32')], 1) : labels;
    const flat = tf.reshape(shifted, [-1]).toInt();
    const trained = tf.notEqual(flat, IGNORE_INDEX);
    return [tf.where(trained, flat, tf.zerosLike(flat)), tf.div(tf.cast(trained, 'float32'), denominator)];
  });
  // one fused op (hand-written gradient): see crossEntropyOverPositions in @vlm/connectors
  const loss = tf.tidy(() => crossEntropyOverPositions(tf.reshape(logits, [b * s, vocab]) as tf.Tensor2D, targets as tf.Tensor1D, weights as tf.Tensor1D));
  targets.dispose();
  weights.dispose();
  return loss;
}

/** Trained (non -100) labels of a micro-batch, after the causal shift by default. */
export function countTrainedTokens(labels: tf.Tensor2D | number[][], shift = true): number {
  const rows = Array.isArray(labels) ? labels : (labels.arraySync() as number[][]);
  let n = 0;
  for (const row of rows) for (let i = shift ? 1 : 0; i < row.length; i++) if (row[i] !== IGNORE_INDEX) n++;
  return n;
}

function countTrainedTokensSync(labels: tf.Tensor2D, shift: boolean): number {
  const [b, s] = labels.shape;
  const data = labels.dataSync();
  let n = 0;
  for (let i = 0; i < b; i++) for (let j = shift ? 1 : 0; j < s; j++) if (data[i * s + j] !== IGNORE_INDEX) n++;
  return n;
}
