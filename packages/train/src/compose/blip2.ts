import type * as tf from '@tensorflow/tfjs';
import { IMAGE_TOKEN_INDEX, VlmError } from '@vlm/core';
import { BLIP2_FEATURE_SELECTION, type ClipVisionModel, type VisionFeatureSelection } from '../models/clip-vision';
import type { LlamaModel } from '../models/llama';
import { type ModuleHandle, type VisionConnector, paramSetHandle, variablesHandle } from './modules';
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

/** BLIP-2 style: Q-Former query outputs, projected, prepended to the text embeddings (labels -100). */
export class Blip2Model {
  readonly modules: { vision: ModuleHandle; connector: ModuleHandle; lm: ModuleHandle };

  constructor(readonly options: Blip2ModelOptions) {
    if (options.connector.outputDim !== options.lm.config.hiddenSize) {
      throw new VlmError('config_invalid', `the Q-Former outputs width ${options.connector.outputDim} but the LM hidden size is ${options.lm.config.hiddenSize}`, {
        hint: 'set the Q-Former outputDim to the LM hidden size (its language_projection)',
      });
    }
    this.modules = {
      vision: paramSetHandle('vision', options.vision.params),
      connector: variablesHandle('connector', () => options.connector.weights()),
      lm: paramSetHandle('lm', options.lm.params),
    };
  }

  /** Prepends the projected queries; same outputs as LLaVA's splice (the queries act as one image). */
  prepareInputs(input: Blip2ForwardInput): SpliceOutput {
    const hasImage = input.hasImage ?? input.inputIds.map(() => input.pixelValues !== undefined);
    const feats = input.pixelValues
      ? (this.options.connector.apply(this.options.vision.features(input.pixelValues, this.options.featureSelection ?? BLIP2_FEATURE_SELECTION), { training: input.training }) as tf.Tensor3D)
      : undefined;
    return spliceImageFeatures({
      inputIds: input.inputIds.map((ids, i) => (hasImage[i] ? [IMAGE_TOKEN_INDEX, ...ids] : ids)),
      labels: input.labels?.map((l, i) => (hasImage[i] ? [IMAGE_TOKEN_INDEX, ...l] : l)),
      imageFeatures: feats,
      embedTokens: (ids) => this.options.lm.embedTokens(ids),
      padding: this.options.padding,
    });
  }

  forward(input: Blip2ForwardInput): SpliceOutput & { logits: tf.Tensor3D } {
    const spliced = this.prepareInputs(input);
    const { logits } = this.options.lm.forward({ inputsEmbeds: spliced.inputsEmbeds, attentionMask: spliced.attentionMask });
    return { ...spliced, logits };
  }
}
