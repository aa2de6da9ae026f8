import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, VlmError } from '@vlm/core';
import type { LlamaModel } from '../models/llama';

/** A right-padded LM input built from text ids and image features. */
export interface SplicedBatch {
  /** `[b, L, D]`, zeros at padding. */
  inputsEmbeds: tf.Tensor3D;
  /** `[b, L]` int32, 1 = real. */
  attentionMask: tf.Tensor2D;
  /** `[b, L]` int32, IGNORE_INDEX at images and padding. */
  labels: tf.Tensor2D;
  /** Spliced length of each sample. */
  lengths: number[];
  /**
   * Flat positions (`row · L + t`) whose next token is trained, and that next token: the only rows of
   * the LM head the loss reads (pass them as `logitPositions`, score with `shift: false`).
   */
  trained: { positions: Int32Array; targets: Int32Array };
}

/**
 * LLaVA's splice (each -200 replaced by the next image's feature rows, labels -100 there, right
 * padding) done as ONE gather from `[text embeddings; image features; a zero row]`. Same result as
 * `spliceImageFeatures`, but the backward pass is a single scatter-add instead of one slice and
 * concat per text run, which dominates a step of a small model.
 */
export function spliceBatch(
  lm: LlamaModel,
  samples: readonly { inputIds: readonly number[]; labels: readonly number[] }[],
  imageFeatures?: tf.Tensor3D,
): SplicedBatch {
  const nImages = imageFeatures?.shape[0] ?? 0;
  const perImage = imageFeatures?.shape[1] ?? 0;
  const text: number[] = [];
  for (const s of samples) for (const t of s.inputIds) if (t !== IMAGE_TOKEN_INDEX) text.push(t);
  const imageBase = text.length;
  const zeroRow = imageBase + nImages * perImage;
  const lengths = samples.map((s) => s.inputIds.reduce((n, t) => n + (t === IMAGE_TOKEN_INDEX ? perImage : 1), 0));
  const used = samples.reduce((n, s) => n + s.inputIds.filter((t) => t === IMAGE_TOKEN_INDEX).length, 0);
  if (used !== nImages) {
    throw new VlmError('splice_image_count', `the batch has ${used} image placeholder(s) (-200) but ${nImages} image feature set(s)`, {
      hint: 'pass one image per <image> placeholder, in order of appearance across the batch',
    });
  }
  const L = Math.max(1, ...lengths);
  const b = samples.length;
  const index = new Int32Array(b * L).fill(zeroRow);
  const labels = new Int32Array(b * L).fill(IGNORE_INDEX);
  const mask = new Int32Array(b * L);
  let textPos = 0;
  let image = 0;
  samples.forEach((s, row) => {
    let pos = row * L;
    s.inputIds.forEach((t, j) => {
      if (t === IMAGE_TOKEN_INDEX) {
        for (let k = 0; k < perImage; k++) {
          index[pos] = imageBase + image * perImage + k;
          mask[pos++] = 1;
        }
        image++;
      } else {
        index[pos] = textPos++;
        labels[pos] = s.labels[j] as number;
        mask[pos++] = 1;
      }
    });
  });
  const positions: number[] = [];
  const targets: number[] = [];
  for (let row = 0; row < b; row++) {
    for (let t = 0; t + 1 < L; t++) {
      const next = labels[row * L + t + 1] as number;
      if (next !== IGNORE_INDEX) {
        positions.push(row * L + t);
        targets.push(next);
      }
    }
  }
  const trained = { positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
  return tf.tidy(() => {
    const textEmb = tf.reshape(lm.embedTokens(tf.tensor2d(text, [1, text.length], 'int32')), [text.length, -1]) as tf.Tensor2D;
    const D = textEmb.shape[1];
    const parts: tf.Tensor2D[] = [textEmb];
    if (imageFeatures && nImages > 0) parts.push(tf.reshape(imageFeatures, [nImages * perImage, D]) as tf.Tensor2D);
    parts.push(tf.zeros([1, D]));
    const source = tf.concat(parts, 0);
    const gathered = tf.gather(source, tf.tensor1d(index, 'int32'));
    return {
      inputsEmbeds: tf.reshape(gathered, [b, L, D]) as tf.Tensor3D,
      attentionMask: tf.tensor2d(mask, [b, L], 'int32'),
      labels: tf.tensor2d(labels, [b, L], 'int32'),
      lengths,
      trained,
    };
  }) as SplicedBatch;
}
