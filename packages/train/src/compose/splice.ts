import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, VlmError } from '@vlm/core';

/** Which side padding goes on after splicing (left for batched generation, right for training). */
export type PaddingSide = 'left' | 'right';

/** Inputs of {@link spliceImageFeatures}. */
export interface SpliceInput {
  /** One id list per sample, unpadded, with one IMAGE_TOKEN_INDEX (-200) per image. */
  inputIds: readonly (readonly number[])[];
  /** Labels aligned with inputIds (IGNORE_INDEX where untrained); omitted at inference. */
  labels?: readonly (readonly number[])[];
  /** `[totalImages, tokensPerImage, D]` connector outputs, in order of appearance across the batch. */
  imageFeatures?: tf.Tensor3D;
  /** Token ids `[1, n]` -> embeddings `[1, n, D]`. */
  embedTokens: (ids: tf.Tensor2D) => tf.Tensor3D;
  padding?: PaddingSide;
  /** Longer spliced samples are cut at the end; cutting through an image is an error. */
  maxLength?: number;
}

/** Spliced, padded model inputs. */
export interface SpliceOutput {
  /** `[b, L, D]`; padding positions are zeros. */
  inputsEmbeds: tf.Tensor3D;
  /** `[b, L]` int32, 1 = real. */
  attentionMask: tf.Tensor2D;
  /** `[b, L]` int32 labels with IGNORE_INDEX at image and padding positions (when labels were given). */
  labels?: tf.Tensor2D;
  /** Spliced length of each sample before padding: L_i - n_img + n_img·tokensPerImage. */
  lengths: number[];
  /** Per sample, `[start, end)` of every image's features in the padded sequence. */
  imageSpans: [number, number][][];
}

/**
 * LLaVA's splice: text pieces are embedded, each -200 is replaced by the next image's features,
 * labels there become -100, then samples are padded to one length. Differentiable in the features
 * and the embedding table.
 */
export function spliceImageFeatures(input: SpliceInput): SpliceOutput {
  const padding = input.padding ?? 'right';
  const features = input.imageFeatures;
  const nImages = features?.shape[0] ?? 0;
  const perImage = features?.shape[1] ?? 0;
  const imageCounts = input.inputIds.map((ids) => ids.filter((t) => t === IMAGE_TOKEN_INDEX).length);
  const totalImages = imageCounts.reduce((a, b) => a + b, 0);
  if (totalImages !== nImages) {
    throw new VlmError('splice_image_count', `the batch has ${totalImages} image placeholder(s) (-200) but ${nImages} image feature set(s)`, {
      hint: 'pass one image per <image> placeholder, in order of appearance across the batch',
    });
  }
  input.labels?.forEach((l, i) => {
    if (l.length !== (input.inputIds[i] as readonly number[]).length) {
      throw new VlmError('splice_label_length', `sample ${i} has ${input.inputIds[i]?.length} ids but ${l.length} labels`, {
        location: { row: i, field: 'labels' },
        hint: 'labels must align one-to-one with input ids',
      });
    }
  });

  // Plan each sample as pieces: text runs [from, to) of its ids, or an image index.
  type Piece = { text: [number, number] } | { image: number };
  let nextImage = 0;
  const plans: Piece[][] = input.inputIds.map((ids) => {
    const pieces: Piece[] = [];
    let start = 0;
    ids.forEach((t, i) => {
      if (t !== IMAGE_TOKEN_INDEX) return;
      if (i > start) pieces.push({ text: [start, i] });
      pieces.push({ image: nextImage++ });
      start = i + 1;
    });
    if (ids.length > start) pieces.push({ text: [start, ids.length] });
    return pieces;
  });

  const fullLengths = plans.map((pieces) => pieces.reduce((n, p) => n + ('text' in p ? p.text[1] - p.text[0] : perImage), 0));
  const lengths = fullLengths.map((n, i) => {
    if (input.maxLength === undefined || n <= input.maxLength) return n;
    const cut = input.maxLength;
    let pos = 0;
    for (const p of plans[i] as Piece[]) {
      if ('image' in p && pos < cut && pos + perImage > cut) {
        throw new VlmError('splice_truncates_image', `sample ${i} would be cut at ${cut} tokens inside image features [${pos}, ${pos + perImage})`, {
          location: { row: i },
          hint: 'raise maxLength or shorten the text before the image',
        });
      }
      pos += 'text' in p ? p.text[1] - p.text[0] : perImage;
    }
    return cut;
  });
  const L = Math.max(1, ...lengths);

  return tf.tidy(() => {
    // Embed every text token of the batch in one lookup.
    const allText: number[] = [];
    const textOffset: number[] = [];
    input.inputIds.forEach((ids) => {
      textOffset.push(allText.length);
      for (const t of ids) allText.push(t === IMAGE_TOKEN_INDEX ? 0 : t);
    });
    const textEmb = tf.squeeze(input.embedTokens(tf.tensor2d([allText], [1, allText.length], 'int32')), [0]) as tf.Tensor2D; // [T, D]
    const D = textEmb.shape[1];
    const rows: tf.Tensor2D[] = [];
    const masks: number[][] = [];
    const labels: number[][] = [];
    const spans: [number, number][][] = [];
    plans.forEach((pieces, i) => {
      const parts: tf.Tensor2D[] = [];
      const rowLabels: number[] = [];
      const rowSpans: [number, number][] = [];
      for (const p of pieces) {
        if ('text' in p) {
          const [a, b] = p.text;
          parts.push(tf.slice(textEmb, [(textOffset[i] as number) + a, 0], [b - a, D]));
          for (let j = a; j < b; j++) rowLabels.push(input.labels?.[i]?.[j] ?? IGNORE_INDEX);
        } else {
          rowSpans.push([rowLabels.length, rowLabels.length + perImage]);
          parts.push(tf.reshape(tf.slice(features as tf.Tensor3D, [p.image, 0, 0], [1, perImage, D]), [perImage, D]));
          for (let j = 0; j < perImage; j++) rowLabels.push(IGNORE_INDEX);
        }
      }
      const n = lengths[i] as number;
      let row = parts.length > 0 ? (tf.concat(parts, 0) as tf.Tensor2D) : tf.zeros([0, D]) as tf.Tensor2D;
      if (row.shape[0] > n) row = tf.slice(row, [0, 0], [n, D]);
      const pad = L - n;
      const zeros = tf.zeros([pad, D]) as tf.Tensor2D;
      const left = padding === 'left';
      rows.push(pad === 0 ? row : (tf.concat(left ? [zeros, row] : [row, zeros], 0) as tf.Tensor2D));
      const real = new Array<number>(n).fill(1);
      const none = new Array<number>(pad).fill(0);
      const ignored = new Array<number>(pad).fill(IGNORE_INDEX);
      masks.push(left ? [...none, ...real] : [...real, ...none]);
      const kept = rowLabels.slice(0, n);
      labels.push(left ? [...ignored, ...kept] : [...kept, ...ignored]);
      spans.push(rowSpans.filter(([s]) => s < n).map(([s, e]) => (left ? [s + pad, e + pad] : [s, e])));
    });
    return {
      inputsEmbeds: tf.stack(rows) as tf.Tensor3D,
      attentionMask: tf.tensor2d(masks, [rows.length, L], 'int32'),
      labels: input.labels ? tf.tensor2d(labels, [rows.length, L], 'int32') : undefined,
      lengths,
      imageSpans: spans,
    };
  }) as SpliceOutput;
}
