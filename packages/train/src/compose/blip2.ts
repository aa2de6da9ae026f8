import type * as tf from '@tensorflow/tfjs-core';
import { IMAGE_TOKEN_INDEX, VlmError } from '@vlm/core';
import type { QFormer } from '@vlm/connectors';
import { BLIP2_FEATURE_SELECTION, type ClipVisionModel, type VisionFeatureSelection } from '../models/clip-vision';
import type { LlamaModel } from '../models/llama';
import { type ModuleHandle, type VisionConnector, paramSetHandle, variablesHandle } from './modules';
import type { QFormerTextHeads } from './qformer-text-heads';
import { type PaddingSide, type SpliceOutput, spliceImageFeatures } from './splice';

/** Parts and options of a {@link Blip2Model}. */
export interface Blip2ModelOptions {
  vision: ClipVisionModel;
  /** A Q-Former whose output width (after its language projection) is the LM's hidden size. */
  connector: VisionConnector;
  lm: LlamaModel;
  /** Default: last layer with the class token, after the tower's final LayerNorm (BLIP-2's `ln_vision`). */
  featureSelection?: VisionFeatureSelection;
  padding?: PaddingSide;
  /** The Q-Former's text side for stage 1 (ITC, ITM, ITG); absent when only stage 2 runs. */
  textHeads?: QFormerTextHeads;
}

/** Inputs of {@link Blip2Model.forward}. */
export interface Blip2ForwardInput {
  /** Unpadded text ids per sample (no image placeholder: the queries are prepended). */
  inputIds: readonly (readonly number[])[];
  labels?: readonly (readonly number[])[];
  /** `[k, C, H, W]`, one image per sample marked in `hasImage` (default: every sample). */
  pixelValues?: tf.Tensor4D;
  hasImage?: readonly boolean[];
  training?: boolean;
}

/**
 * BLIP-2: the Q-Former's query outputs, projected (`language_projection`), prepended to the text
 * embeddings (labels -100). Modules: `vision`, `qformer` (queries and layers), `connector` (the
 * language projection) and `lm`.
 */
export class Blip2Model {
  readonly architecture = 'blip2';
  readonly vision: ClipVisionModel;
  readonly lm: LlamaModel;
  readonly connector: VisionConnector;
  readonly featureSelection: VisionFeatureSelection;
  readonly textHeads: QFormerTextHeads | undefined;
  readonly modules: { vision: ModuleHandle; qformer: ModuleHandle; connector: ModuleHandle; lm: ModuleHandle };

  constructor(readonly options: Blip2ModelOptions) {
    if (options.connector.outputDim !== options.lm.config.hiddenSize) {
      throw new VlmError('config_invalid', `the Q-Former outputs width ${options.connector.outputDim} but the LM hidden size is ${options.lm.config.hiddenSize}`, {
        hint: 'set the Q-Former outputDim to the LM hidden size (its language_projection)',
      });
    }
    this.vision = options.vision;
    this.lm = options.lm;
    this.connector = options.connector;
    this.featureSelection = options.featureSelection ?? BLIP2_FEATURE_SELECTION;
    this.textHeads = options.textHeads;
    const part = (projection: boolean) => () => new Map([...options.connector.weights()].filter(([n]) => n.startsWith('projection.') === projection));
    this.modules = {
      vision: paramSetHandle('vision', options.vision.params),
      qformer: variablesHandle('qformer', part(false)),
      connector: variablesHandle('connector', part(true)),
      lm: paramSetHandle('lm', options.lm.params),
    };
  }

  /** The Q-Former (for stage 1). */
  get qformer(): QFormer {
    return this.options.connector as unknown as QFormer;
  }

  /** Pixels (or ready vision features) -> projected queries `[n, numQueries, hidden]`. */
  encodeImages(pixelValues?: tf.Tensor4D, visionFeatures?: tf.Tensor3D, training = false): tf.Tensor3D | undefined {
    const feats = visionFeatures ?? (pixelValues ? this.vision.features(pixelValues, this.featureSelection) : undefined);
    return feats ? (this.connector.apply(feats, { training }) as tf.Tensor3D) : undefined;
  }

  /** Prepends the projected queries; same outputs as LLaVA's splice (the queries act as one image). */
  prepareInputs(input: Blip2ForwardInput): SpliceOutput {
    const hasImage = input.hasImage ?? input.inputIds.map(() => input.pixelValues !== undefined);
    return spliceImageFeatures({
      inputIds: input.inputIds.map((ids, i) => (hasImage[i] ? [IMAGE_TOKEN_INDEX, ...ids] : ids)),
      labels: input.labels?.map((l, i) => (hasImage[i] ? [IMAGE_TOKEN_INDEX, ...l] : l)),
      imageFeatures: this.encodeImages(input.pixelValues, undefined, input.training),
      embedTokens: (ids) => this.lm.embedTokens(ids),
      padding: this.options.padding,
    });
  }

  forward(input: Blip2ForwardInput): SpliceOutput & { logits: tf.Tensor3D } {
    const spliced = this.prepareInputs(input);
    const { logits } = this.lm.forward({ inputsEmbeds: spliced.inputsEmbeds, attentionMask: spliced.attentionMask });
    return { ...spliced, logits };
  }
}

/** Moves every image placeholder of a LLaVA-style sequence to the front, where BLIP-2 puts its queries. */
export function imagesFirst(ids: readonly number[]): number[] {
  const images = ids.filter((t) => t === IMAGE_TOKEN_INDEX);
  return [...images, ...ids.filter((t) => t !== IMAGE_TOKEN_INDEX)];
}

/** `imagesFirst` for a sample's ids and labels together (labels at the placeholders move with them). */
export function imagesFirstSample<T extends { inputIds: readonly number[]; labels: readonly number[] }>(s: T): T {
  const isImage = (i: number) => s.inputIds[i] === IMAGE_TOKEN_INDEX;
  const order = [...s.inputIds.keys()].sort((a, b) => Number(isImage(b)) - Number(isImage(a)) || a - b);
  return { ...s, inputIds: order.map((i) => s.inputIds[i] as number), labels: order.map((i) => s.labels[i] as number) };
}
