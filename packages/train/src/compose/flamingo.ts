import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, VlmError } from '@vlm/core';
import type { GatedCrossAttentionBlock } from '@vlm/connectors';
import type { ClipVisionModel, VisionFeatureSelection } from '../models/clip-vision';
import type { KvCache, LlamaModel } from '../models/llama';
import { type ModuleHandle, type VisionConnector, paramSetHandle, variablesHandle } from './modules';

/** Parts and options of a {@link FlamingoModel}. */
export interface FlamingoModelOptions {
  vision: ClipVisionModel;
  lm: LlamaModel;
  /** One gated cross-attention block per decoder layer that gets one (see `crossAttentionLayerIndices`). */
  crossAttention: ReadonlyMap<number, GatedCrossAttentionBlock>;
  /** Optional media resampler (Perceiver) applied to each image's features. */
  resampler?: VisionConnector;
  /** Id of the `<image>` token in the text; media locations are where it occurs. */
  imageTokenId: number;
  /** Default: last layer, class token dropped (OpenFlamingo's patch tokens). */
  featureSelection?: VisionFeatureSelection;
  /** Freezes the language model (Flamingo trains only the resampler and the cross-attention). Default true. */
  freezeLm?: boolean;
}

/** Inputs of {@link FlamingoModel.forward}. */
export interface FlamingoForwardInput {
  /** `[b, s]` int32 ids containing `<image>` tokens (padded). */
  inputIds: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
  /** `[b, s]` labels; `<image>` positions are set to IGNORE_INDEX. */
  labels?: tf.Tensor2D;
  /** `[b·m, C, H, W]`, sample-major, `m` images per sample. */
  pixelValues?: tf.Tensor4D;
  /** Or ready media `[b, m, n, width]`. */
  media?: tf.Tensor4D;
  imagesPerSample?: number;
  training?: boolean;
  cache?: KvCache;
  /** Images already seen before `inputIds` (incremental decoding with a cache). */
  imagesBefore?: tf.Tensor2D;
  lastLogitsOnly?: boolean;
  /** Flat positions (`row · s + t`) whose logits to return, as `LlamaModel.forward` (training). */
  logitPositions?: tf.Tensor1D;
}

/**
 * Flamingo-style model: a (frozen) LLaMA with gated cross-attention blocks inserted before chosen
 * layers, attending to each token's latest image. Gates start at 0, so at initialisation the model
 * is exactly its language model.
 */
export class FlamingoModel {
  readonly architecture = 'flamingo';
  readonly vision: ClipVisionModel;
  readonly lm: LlamaModel;
  readonly featureSelection: VisionFeatureSelection;
  /** vision, resampler (the Perceiver), xattn (every gated cross-attention block), lm. */
  readonly modules: { vision: ModuleHandle; resampler: ModuleHandle; xattn: ModuleHandle; lm: ModuleHandle };

  constructor(readonly options: FlamingoModelOptions) {
    this.vision = options.vision;
    this.lm = options.lm;
    for (const layer of options.crossAttention.keys()) {
      if (!(layer >= 0 && layer < options.lm.config.numHiddenLayers)) {
        throw new VlmError('config_invalid', `cross-attention placed before layer ${layer}, but the LM has ${options.lm.config.numHiddenLayers} layers`, {
          hint: 'use crossAttentionLayerIndices(numLayers, every)',
        });
      }
    }
    this.featureSelection = options.featureSelection ?? { layer: -1, select: 'patch' };
    const xattnVars = () => {
      const out = new Map<string, tf.Variable>();
      for (const [layer, block] of options.crossAttention) for (const [n, v] of block.weights()) out.set(`${layer}.${n}`, v);
      return out;
    };
    this.modules = {
      vision: paramSetHandle('vision', options.vision.params),
      resampler: variablesHandle('resampler', () => options.resampler?.weights() ?? new Map()),
      xattn: variablesHandle('xattn', xattnVars),
      lm: paramSetHandle('lm', options.lm.params),
    };
    if (options.freezeLm ?? true) this.modules.lm.setTrainable(false);
  }

  /** Pixels `[b·m, C, H, W]` -> media `[b, m, n, width]`. */
  encodeMedia(pixelValues: tf.Tensor4D, imagesPerSample: number, training = false): tf.Tensor4D {
    return this.encodeFeatures(this.vision.features(pixelValues, this.featureSelection), imagesPerSample, training);
  }

  /** Vision features `[b·m, n, Dv]` -> media `[b, m, latents, Dv]` through the resampler. */
  encodeFeatures(features: tf.Tensor3D, imagesPerSample: number, training = false): tf.Tensor4D {
    let feats: tf.Tensor = features; // [b·m, n, Dv]
    if (this.options.resampler) feats = this.options.resampler.apply(feats, { training }); // [b·m, latents, Dv]
    const [bm, n, d] = feats.shape as [number, number, number];
    if (bm % imagesPerSample !== 0) {
      throw new VlmError('media_count', `${bm} images cannot be split into samples of ${imagesPerSample}`, { hint: 'every sample needs the same number of images' });
    }
    return tf.reshape(feats, [bm / imagesPerSample, imagesPerSample, n, d]);
  }

  forward(input: FlamingoForwardInput): { logits: tf.Tensor3D; labels?: tf.Tensor2D } {
    const media = input.media ?? (input.pixelValues ? this.encodeMedia(input.pixelValues, input.imagesPerSample ?? 1, input.training) : undefined);
    const isImage = tf.equal(input.inputIds, this.options.imageTokenId);
    // text_time: latest image index at or before each token (1-based), counting earlier cached images.
    let textTime: tf.Tensor = tf.cumsum(tf.cast(isImage, 'int32'), 1);
    if (input.imagesBefore) textTime = tf.add(textTime, input.imagesBefore);
    const beforeLayer = media
      ? (layer: number, x: tf.Tensor3D) => {
          const block = this.options.crossAttention.get(layer);
          return block ? (block.apply(x, media, { textTime, training: input.training }) as tf.Tensor3D) : x;
        }
      : undefined;
    const { logits } = this.lm.forward({
      inputIds: input.inputIds,
      attentionMask: input.attentionMask,
      beforeLayer,
      cache: input.cache,
      lastLogitsOnly: input.lastLogitsOnly,
      logitPositions: input.logitPositions,
    });
    const labels = input.labels ? (tf.where(isImage, tf.fill(input.labels.shape, IGNORE_INDEX, 'int32'), input.labels) as tf.Tensor2D) : undefined;
    return { logits, labels };
  }
}
