// BLIP-2 stage-1 objectives (LAVIS blip2_qformer.py): the attention masks that tell the three
// tasks apart, and the ITC, ITM and ITG losses.
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, type Rng } from '@vlm/core';

/** Mask rows are `[queries; text]` positions; 1 = may attend. `textMask[b][t]` is 1 for real text, 0 for padding. */
export type AttentionMask = number[][][];

function build(numQueries: number, textMask: readonly (readonly number[])[], allowed: (row: number, col: number, t: number) => boolean): AttentionMask {
  return textMask.map((real) => {
    const L = numQueries + real.length;
    return Array.from({ length: L }, (_, row) =>
      Array.from({ length: L }, (_, col) => (col >= numQueries && real[col - numQueries] === 0 ? 0 : allowed(row, col, real.length) ? 1 : 0)),
    );
  });
}

/** ITC's uni-modal mask: queries see only queries, text sees only (real) text. */
export function uniModalMask(numQueries: number, textMask: readonly (readonly number[])[]): AttentionMask {
  return build(numQueries, textMask, (row, col) => (row < numQueries) === (col < numQueries));
}

/** ITM's bi-modal mask: queries and text see each other (padding excepted). */
export function biModalMask(numQueries: number, textMask: readonly (readonly number[])[]): AttentionMask {
  return build(numQueries, textMask, () => true);
}

/** ITG's multimodal causal (UniLM) mask: queries see queries; text sees every query and the text up to itself. */
export function uniLmMask(numQueries: number, textMask: readonly (readonly number[])[]): AttentionMask {
  return build(numQueries, textMask, (row, col) => (row < numQueries ? col < numQueries : col < numQueries || col <= row));
}

/** A 0/1 mask as an additive attention bias `[b, 1, L, L]` (0 allowed, -1e9 masked). */
export function maskToBias(mask: AttentionMask): tf.Tensor4D {
  return tf.tidy(() => tf.expandDims(tf.mul(tf.sub(1, tf.tensor3d(mask, undefined, 'float32')), -1e9), 1) as tf.Tensor4D);
}

/**
 * Mean cross-entropy with label smoothing as `torch.nn.functional.cross_entropy(..., label_smoothing)`:
 * (1 - ε)·(-log p_target) + ε·mean_k(-log p_k) per row, averaged over rows whose target is not -100.
 */
export function smoothedCrossEntropy(logits: tf.Tensor2D, targets: readonly number[], smoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const keep: number[] = targets.map((t) => (t === IGNORE_INDEX ? 0 : 1));
    const n = Math.max(1, keep.reduce((a, b) => a + b, 0));
    const logp = tf.logSoftmax(logits);
    const k = logits.shape[1];
    const oneHot = tf.cast(tf.oneHot(tf.tensor1d(targets.map((t) => (t === IGNORE_INDEX ? 0 : t)), 'int32'), k), 'float32');
    const nll = tf.neg(tf.sum(tf.mul(logp, oneHot), 1));
    const uniform = tf.neg(tf.mean(logp, 1));
    const perRow = tf.add(tf.mul(nll, 1 - smoothing), tf.mul(uniform, smoothing));
    return tf.div(tf.sum(tf.mul(perRow, tf.tensor1d(keep, 'float32'))), n) as tf.Scalar;
  });
}

/** Result of {@link itcLoss}. */
export interface ItcResult {
  loss: tf.Scalar;
  /** `[B, B]` image-to-text similarity (max over queries) divided by the temperature. */
  simI2t: tf.Tensor2D;
  /** `[B, B]` text-to-image similarity. */
  simT2i: tf.Tensor2D;
}

/**
 * Image-text contrastive loss: each image's similarity to a text is the best of its queries
 * (`max_q image[i, q] · text[j]`), divided by the learnable temperature; cross-entropy towards the
 * matching pair both ways, with LAVIS's label smoothing 0.1. `image` `[B, Q, E]` and `text` `[B, E]`
 * are L2-normalised.
 */
export function itcLoss(image: tf.Tensor3D, text: tf.Tensor2D, temperature: tf.Tensor, smoothing = 0.1): ItcResult {
  return tf.tidy(() => {
    const [B, Q, E] = image.shape;
    // [B·Q, E] x [E, B] -> [B, Q, B]: sim_q2t[i, q, j]
    const q2t = tf.reshape(tf.matMul(tf.reshape(image, [B * Q, E]), text, false, true), [B, Q, B]);
    const simI2t = tf.div(tf.max(q2t, 1), temperature) as tf.Tensor2D; // [B (image), B (text)]
    const simT2i = tf.transpose(simI2t) as tf.Tensor2D; // the same maxima seen from the text
    const targets = Array.from({ length: B }, (_, i) => i);
    const loss = tf.div(tf.add(smoothedCrossEntropy(simI2t, targets, smoothing), smoothedCrossEntropy(simT2i, targets, smoothing)), 2) as tf.Scalar;
    return { loss, simI2t, simT2i };
  });
}

function sample(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Sampling weights of hard negatives from similarity rows: softmax + 1e-4, the positive (diagonal) set to 0. */
export function hardNegativeWeights(sim: readonly (readonly number[])[]): number[][] {
  return sim.map((row, i) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v, j) => (j === i ? 0 : v / z + 1e-4));
  });
}

/**
 * ITM hard negatives as LAVIS mines them: for each text a negative image drawn from
 * softmax(sim_t2i) (diagonal excluded), for each image a negative text from softmax(sim_i2t).
 */
export function hardNegatives(simI2t: readonly (readonly number[])[], simT2i: readonly (readonly number[])[], rng: Rng): { imageForText: number[]; textForImage: number[] } {
  const t2i = hardNegativeWeights(simT2i);
  const i2t = hardNegativeWeights(simI2t);
  return { imageForText: t2i.map((w) => sample(w, rng)), textForImage: i2t.map((w) => sample(w, rng)) };
}

/** ITM loss over `[3B, 2]` logits ordered (image, text): positives, (negative image, text), (image, negative text). */
export function itmLoss(logits: tf.Tensor2D): tf.Scalar {
  const B = logits.shape[0] / 3;
  const labels = Array.from({ length: 3 * B }, (_, i) => (i < B ? 1 : 0));
  return smoothedCrossEntropy(logits, labels, 0);
}

/**
 * ITG loss: next-token cross-entropy of the text states' logits `[B, T, V]` against the input ids
 * shifted by one (`labels[b][t + 1]`, -100 at padding), with LAVIS's label smoothing 0.1.
 */
export function itgLoss(logits: tf.Tensor3D, labels: readonly (readonly number[])[], smoothing = 0.1): tf.Scalar {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const shifted = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [B * (T - 1), V]) as tf.Tensor2D;
    const targets = labels.flatMap((row) => row.slice(1, T));
    return smoothedCrossEntropy(shifted, targets, smoothing);
  });
}
