import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyOverPositions } from '@vlm/connectors';
import { createRng } from '@vlm/core';
import type { ClipVisionModel } from '@vlm/train';
import { AdamW, normalValues } from '@vlm/train';

/** An image (normalised CHW pixels) with a caption. */
export interface ImageTextPair {
  pixels: Float32Array;
  caption: string;
  /** Optional: per patch (row-major), the index of its text in {@link ContrastiveOptions.patchTexts}. */
  patchLabels?: Int32Array;
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
  /**
   * Region-text prompts (e.g. `red circle top left`, `background`). With them, every patch token of the
   * layer the connector reads is also contrasted against all prompts (CLIP zero-shot style, per patch),
   * so the patch features themselves say what is where, not only the pooled class token.
   */
  patchTexts?: readonly string[];
  /** Hidden-state index of the patch tokens (default -2, LLaVA's feature layer). */
  patchLayer?: number;
  progress?: (step: number, loss: number) => void;
}

/** Euclidean norm of each row, `[n, 1]` (as tf.norm(x, 2, 1, true), in 3 ops instead of tf.norm's abs/pow and their NaN guards). */
const rowNorm = (x: tf.Tensor) => tf.sqrt(tf.sum(tf.square(x), 1, true));

/** Words and word pairs: pairs keep which colour goes with which shape ("red circle" vs "blue circle"). */
function words(text: string): string[] {
  const w = text.toLowerCase().match(/[a-z]+/g) ?? [];
  return [...w, ...w.slice(1).map((x, i) => `${w[i]} ${x}`)];
}

/** Contrastive pretraining one step at a time (a caller can stop or yield between steps). */
export interface ContrastiveTrainer {
  /** Runs the next step and returns its loss (also reported to `progress`). */
  step(): number;
  /** Steps done so far. */
  readonly stepsDone: number;
  /** Frees the text side and the optimizer; the vision tower keeps what it learned. */
  dispose(): void;
}

/**
 * CLIP-style pretraining of the vision tower: images and captions are embedded into one space
 * (pooled class token -> projection; bag of words and word pairs -> projection), and a symmetric
 * InfoNCE loss pulls each image to its own caption within the batch. Only the vision tower is kept.
 * Returns the loss of every step.
 */
export function pretrainVisionContrastive(vision: ClipVisionModel, pairs: readonly ImageTextPair[], o: ContrastiveOptions): number[] {
  const trainer = createContrastiveTrainer(vision, pairs, o);
  const losses: number[] = [];
  try {
    while (trainer.stepsDone < o.steps) losses.push(trainer.step());
  } finally {
    trainer.dispose();
  }
  return losses;
}

/** {@link pretrainVisionContrastive} as a trainer that runs one step per `step()` call, the same steps in the same order. */
export function createContrastiveTrainer(vision: ClipVisionModel, pairs: readonly ImageTextPair[], o: ContrastiveOptions): ContrastiveTrainer {
  const rng = createRng(o.seed).fork('contrastive');
  const patchTexts = o.patchTexts ?? [];
  const dense = patchTexts.length > 0 && pairs.every((p) => p.patchLabels !== undefined);
  const vocab = [...new Set([...pairs.flatMap((p) => words(p.caption)), ...patchTexts.flatMap(words)])].sort();
  const index = new Map(vocab.map((w, i) => [w, i]));
  const E = o.embedDim ?? 64;
  const D = vision.config.hiddenSize;
  const size = vision.config.imageSize;
  const plane = 3 * size * size;
  const wordEmb = tf.variable(tf.tensor2d(normalValues(rng.fork('words'), vocab.length * E, 0.1), [vocab.length, E]));
  const imageProj = tf.variable(tf.tensor2d(normalValues(rng.fork('image-proj'), D * E, 1 / Math.sqrt(D)), [D, E]));
  const textProj = tf.variable(tf.tensor2d(normalValues(rng.fork('text-proj'), E * E, 1 / Math.sqrt(E)), [E, E]));
  const patchProj = tf.variable(tf.tensor2d(normalValues(rng.fork('patch-proj'), D * E, 1 / Math.sqrt(D)), [D, E]));
  const variables = [...vision.params.variables(), wordEmb, imageProj, textProj, ...(dense ? [patchProj] : [])];
  // A text's bag of words as (word index, weight 1/length) pairs: embedding it is a gather and a
  // weighted sum, the same product as a dense bag-of-words row times wordEmb at a fraction of the cost.
  const bagOf = (text: string): Int32Array => Int32Array.from(words(text), (w) => index.get(w) as number);
  const bagTensors = (bags: readonly Int32Array[]) => {
    const width = Math.max(1, ...bags.map((b) => b.length));
    const ids = new Int32Array(bags.length * width);
    const weights = new Float32Array(bags.length * width);
    bags.forEach((b, i) => {
      ids.set(b, i * width);
      weights.fill(1 / Math.max(1, b.length), i * width, i * width + b.length);
    });
    return { ids: tf.tensor2d(ids, [bags.length, width], 'int32'), weights: tf.tensor3d(weights, [bags.length, width, 1]) };
  };
  const promptBags = patchTexts.length ? bagTensors(patchTexts.map(bagOf)) : undefined;
  const grid = (size / vision.config.patchSize) ** 2;
  const layers = vision.config.numHiddenLayers + 1;
  const patchLayer = (o.patchLayer ?? -2) < 0 ? layers + (o.patchLayer ?? -2) : (o.patchLayer as number);
  // Adam as tf.train.adam computes it (epsilon 1e-7, no weight decay), as one fused update for every
  // variable: on tfjs-node that is one JS pass instead of ~14 small TensorFlow ops per variable.
  const optimizer = new AdamW(variables.map((variable, i) => ({ key: `${i}:${variable.name}`, group: 'all', variable })), { epsilon: 1e-7 });
  const scale = o.logitScale ?? 10;
  const bags = pairs.map((p) => bagOf(p.caption));
  let order: number[] = [];
  let step = 0;
  const runStep = (): number => {
    if (order.length < o.batchSize) order = order.concat(rng.fork(`epoch-${step}`).shuffle(pairs.map((_, i) => i)));
    const batch = order.splice(0, o.batchSize);
    const px = new Float32Array(batch.length * plane);
    const patchLabels = new Int32Array(dense ? batch.length * grid : 0);
    batch.forEach((i, k) => {
      px.set((pairs[i] as ImageTextPair).pixels, k * plane);
      if (dense) patchLabels.set((pairs[i] as ImageTextPair).patchLabels as Int32Array, k * grid);
    });
    const loss = tf.tidy(() => {
      const pixels = tf.tensor4d(px, [batch.length, 3, size, size]);
      const captionBags = bagTensors(batch.map((i) => bags[i] as Int32Array));
      const diagonal = tf.range(0, batch.length, 1, 'int32') as tf.Tensor1D;
      const rowWeights = tf.fill([batch.length], 1 / batch.length) as tf.Tensor1D;
      const patchTargets = dense ? tf.tensor1d(patchLabels, 'int32') : undefined;
      const patchWeights = dense ? tf.fill([patchLabels.length], 1 / patchLabels.length) : undefined;
      const encodeText = (b: ReturnType<typeof bagTensors>) => {
        const bag = tf.sum(tf.mul(tf.gather(wordEmb, b.ids), b.weights), 1) as tf.Tensor2D;
        const t = tf.matMul(tf.tanh(bag), textProj);
        return tf.div(t, rowNorm(t)) as tf.Tensor2D;
      };
      const { value, grads } = tf.variableGrads(() => {
        const out = vision.forward(pixels);
        const img = tf.matMul(out.pooled, imageProj);
        const ni = tf.div(img, rowNorm(img));
        const nt = encodeText(captionBags);
        const logits = tf.mul(tf.matMul(ni, nt, false, true), scale);
        // symmetric InfoNCE: image i's caption is caption i and the other way round (mean over rows each)
        const a = crossEntropyOverPositions(logits as tf.Tensor2D, diagonal, rowWeights);
        const b = crossEntropyOverPositions(tf.transpose(logits) as tf.Tensor2D, diagonal, rowWeights);
        const global = tf.div(tf.add(a, b), 2) as tf.Scalar;
        if (!patchTargets || !promptBags) return global;
        const h = out.hiddenStates[patchLayer] as tf.Tensor3D;
        const patches = tf.reshape(tf.slice(h, [0, 1, 0], [batch.length, grid, D]), [batch.length * grid, D]);
        const pe = tf.matMul(patches, patchProj);
        const np = tf.div(pe, rowNorm(pe));
        const local = crossEntropyOverPositions(tf.mul(tf.matMul(np, encodeText(promptBags), false, true), scale) as tf.Tensor2D, patchTargets as tf.Tensor1D, patchWeights as tf.Tensor1D);
        return tf.add(global, local) as tf.Scalar;
      }, variables);
      optimizer.apply(new Map(variables.map((variable, i) => [`${i}:${variable.name}`, grads[variable.name] as tf.Tensor])), () => o.learningRate);
      return value;
    });
    const value = loss.dataSync()[0] as number;
    loss.dispose();
    step++;
    o.progress?.(step, value);
    return value;
  };
  return {
    step: runStep,
    get stepsDone() {
      return step;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([wordEmb, imageProj, textProj, patchProj, ...(promptBags ? [promptBags.ids, promptBags.weights] : [])]);
    },
  };
}
