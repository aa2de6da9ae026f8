import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX } from '@vlm/core';
import { imagesFirstSample } from '../compose/blip2';
import type { FlamingoModel } from '../compose/flamingo';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { maskedCrossEntropy } from '../loss/masked-cross-entropy';
import { spliceBatch } from './splice-batch';

/** A tokenized sample as the trainer batches it (one -200 per image). */
export interface BatchSample {
  inputIds: readonly number[];
  labels: readonly number[];
}

/** The images of a micro-batch: pixels when the vision tower trains, else its frozen features. */
export interface BatchImages {
  pixels?: tf.Tensor4D;
  features?: tf.Tensor3D;
}

/**
 * The next-token loss of one micro-batch for any architecture, normalised by the global batch's
 * trained tokens (so micro-batch losses add up to the global mean). llava splices the connector's
 * tokens at each -200; blip2 prepends its queries; flamingo keeps one `<image>` token per image and
 * lets the gated cross-attention read the resampled media. Only the positions whose next token is
 * trained go through the LM head.
 */
export function lmBatchLoss(model: VisionLanguageModel, micro: readonly BatchSample[], images: BatchImages, globalTrainedTokens: number, training = true): tf.Scalar {
  if (model.architecture === 'flamingo') return flamingoBatchLoss(model, micro, images, globalTrainedTokens, training);
  const samples = model.architecture === 'blip2' ? micro.map(imagesFirstSample) : micro;
  const imageTokens = model.encodeImages(images.features ? undefined : images.pixels, images.features, training);
  const spliced = spliceBatch(model.lm, samples, imageTokens);
  // Right padding under a causal mask: real positions never see the padding, so no padding mask is
  // needed (and positions 0..n-1 are already the real ones).
  const { positions, targets } = spliced.trained;
  if (positions.length === 0) {
    const { logits } = model.lm.forward({ inputsEmbeds: spliced.inputsEmbeds });
    return maskedCrossEntropy(logits, spliced.labels, { globalTrainedTokens });
  }
  const { logits } = model.lm.forward({ inputsEmbeds: spliced.inputsEmbeds, logitPositions: tf.tensor1d(positions, 'int32') });
  return maskedCrossEntropy(logits, tf.tensor2d(targets, [1, targets.length], 'int32'), { globalTrainedTokens, shift: false });
}

/** Flat positions whose next label is trained, and those labels. */
function trainedPositions(labels: readonly (readonly number[])[], L: number): { positions: number[]; targets: number[] } {
  const positions: number[] = [];
  const targets: number[] = [];
  labels.forEach((row, r) => {
    for (let t = 0; t + 1 < row.length; t++) {
      const next = row[t + 1] as number;
      if (next !== IGNORE_INDEX) {
        positions.push(r * L + t);
        targets.push(next);
      }
    }
  });
  return { positions, targets };
}

/**
 * Flamingo: each -200 becomes the `<image>` token (the media location), right padding; media
 * `[b, m, latents, width]` with m the most images of any sample (missing ones are zeros no token
 * can reach, since a token only sees images up to its own count).
 */
function flamingoBatchLoss(model: FlamingoModel, micro: readonly BatchSample[], images: BatchImages, globalTrainedTokens: number, training: boolean): tf.Scalar {
  const mediaId = model.options.imageTokenId;
  const L = Math.max(1, ...micro.map((s) => s.inputIds.length));
  const ids = micro.map((s) => [...s.inputIds.map((t) => (t === IMAGE_TOKEN_INDEX ? mediaId : t)), ...new Array<number>(L - s.inputIds.length).fill(0)]);
  const labels = micro.map((s) => s.labels.map((l, j) => (s.inputIds[j] === IMAGE_TOKEN_INDEX ? IGNORE_INDEX : l)));
  const counts = micro.map((s) => s.inputIds.filter((t) => t === IMAGE_TOKEN_INDEX).length);
  const m = Math.max(0, ...counts);
  let media: tf.Tensor4D | undefined;
  if (m > 0) {
    const features = images.features ?? model.vision.features(images.pixels as tf.Tensor4D, model.featureSelection);
    const n = features.shape[0];
    const resampled = model.encodeFeatures(features, 1, training); // [n, 1, latents, width]
    const [, , lat, width] = resampled.shape;
    const rows = tf.concat([tf.reshape(resampled, [n, lat * width]), tf.zeros([1, lat * width])], 0);
    const index: number[] = [];
    let next = 0;
    for (const c of counts) for (let k = 0; k < m; k++) index.push(k < c ? next++ : n);
    media = tf.reshape(tf.gather(rows, tf.tensor1d(index, 'int32')), [micro.length, m, lat, width]) as tf.Tensor4D;
  }
  const inputIds = tf.tensor2d(ids, [micro.length, L], 'int32');
  const { positions, targets } = trainedPositions(labels, L);
  if (positions.length === 0) {
    const { logits } = model.forward({ inputIds, media, training });
    const padded = labels.map((r) => [...r, ...new Array<number>(L - r.length).fill(IGNORE_INDEX)]);
    return maskedCrossEntropy(logits, tf.tensor2d(padded, [micro.length, L], 'int32'), { globalTrainedTokens });
  }
  const { logits } = model.forward({ inputIds, media, training, logitPositions: tf.tensor1d(positions, 'int32') });
  return maskedCrossEntropy(logits, tf.tensor2d(targets, [1, targets.length], 'int32'), { globalTrainedTokens, shift: false });
}
