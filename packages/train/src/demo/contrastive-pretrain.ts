import * as tf from '@tensorflow/tfjs';
import { createRng } from '@vlm/core';
import type { ClipVisionModel } from '../models/clip-vision';
import { normalValues } from '../nn/params';

/** An image (normalised CHW pixels) with a caption. */
export interface ImageTextPair {
  pixels: Float32Array;
  caption: string;
}

/** Options of {@link pretrainVisionContrastive}. */
export interface ContrastiveOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Width of the shared image-text space. */
  embedDim?: number;
  /** Fixed logit scale (CLIP learns it; a constant is enough at this size). */
  logitScale?: number;
  progress?: (step: number, loss: number) => void;
}

/** Words and word pairs: pairs keep which colour goes with which shape ("red circle" vs "blue circle"). */
function words(text: string): string[] {
  const w = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return [...w, ...w.slice(1).map((x, i) => `${w[i]} ${x}`)];
}

/**
 * CLIP-style pretraining of the vision tower: images and captions are embedded into one space
 * (pooled class token -> projection; bag of words and word pairs -> projection), and a symmetric
 * InfoNCE loss pulls each image to its own caption within the batch. Only the vision tower is kept.
 * Returns the loss of every step.
 */
export function pretrainVisionContrastive(vision: ClipVisionModel, pairs: readonly ImageTextPair[], o: ContrastiveOptions): number[] {
  const rng = createRng(o.seed).fork('contrastive');
  const vocab = [...new Set(pairs.flatMap((p) => words(p.caption)))].sort();
  const index = new Map(vocab.map((w, i) => [w, i]));
  const E = o.embedDim ?? 64;
  const D = vision.config.hiddenSize;
  const size = vision.config.imageSize;
  const plane = 3 * size * size;
  const wordEmb = tf.variable(tf.tensor2d(normalValues(rng.fork('words'), vocab.length * E, 0.1), [vocab.length, E]));
  const imageProj = tf.variable(tf.tensor2d(normalValues(rng.fork('image-proj'), D * E, 1 / Math.sqrt(D)), [D, E]));
  const textProj = tf.variable(tf.tensor2d(normalValues(rng.fork('text-proj'), E * E, 1 / Math.sqrt(E)), [E, E]));
  const variables = [...vision.params.variables(), wordEmb, imageProj, textProj];
  const optimizer = tf.train.adam(o.learningRate);
  const scale = o.logitScale ?? 10;
  const losses: number[] = [];
  // Bag-of-words matrix of each caption (row-normalised counts).
  const bows = pairs.map((p) => {
    const row = new Float32Array(vocab.length);
    const ws = words(p.caption);
    for (const w of ws) row[index.get(w) as number]! += 1 / Math.max(1, ws.length);
    return row;
  });
  let order: number[] = [];
  for (let step = 0; step < o.steps; step++) {
    if (order.length < o.batchSize) order = order.concat(rng.fork(`epoch-${step}`).shuffle(pairs.map((_, i) => i)));
    const batch = order.splice(0, o.batchSize);
    const px = new Float32Array(batch.length * plane);
    const bow = new Float32Array(batch.length * vocab.length);
    batch.forEach((i, k) => {
      px.set((pairs[i] as ImageTextPair).pixels, k * plane);
      bow.set(bows[i] as Float32Array, k * vocab.length);
    });
    const loss = tf.tidy(() => {
      const pixels = tf.tensor4d(px, [batch.length, 3, size, size]);
      const bowT = tf.tensor2d(bow, [batch.length, vocab.length]);
      const labels = tf.oneHot(tf.range(0, batch.length, 1, 'int32'), batch.length);
      return optimizer.minimize(() => {
        const img = tf.matMul(vision.forward(pixels).pooled, imageProj);
        const txt = tf.matMul(tf.tanh(tf.matMul(bowT, wordEmb)), textProj);
        const ni = tf.div(img, tf.norm(img, 2, 1, true));
        const nt = tf.div(txt, tf.norm(txt, 2, 1, true));
        const logits = tf.mul(tf.matMul(ni, nt, false, true), scale);
        const a = tf.losses.softmaxCrossEntropy(labels, logits);
        const b = tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits));
        return tf.div(tf.add(a, b), 2) as tf.Scalar;
      }, true, variables) as tf.Scalar;
    });
    const value = loss.dataSync()[0] as number;
    loss.dispose();
    losses.push(value);
    o.progress?.(step + 1, value);
  }
  optimizer.dispose();
  tf.dispose([wordEmb, imageProj, textProj]);
  return losses;
}
