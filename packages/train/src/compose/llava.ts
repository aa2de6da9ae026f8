import * as tf from '@tensorflow/tfjs-core';
import { type ClipVisionModel, LLAVA_FEATURE_SELECTION, type VisionFeatureSelection } from '../models/clip-vision';
import type { LlamaModel } from '../models/llama';
import type { LoraAdapters } from '../lora/lora-adapters';
import { type ModuleHandle, type VisionConnector, paramSetHandle, variablesHandle } from './modules';
import { type PaddingSide, type SpliceOutput, spliceImageFeatures } from './splice';

/** Key prefix of the vision tower in a LLaVA checkpoint (`model.vision_tower.vision_tower.vision_model.*`). */
export const VISION_PREFIX = 'model.vision_tower.vision_tower.';

/** Parts and options of a {@link LlavaModel}. */
export interface LlavaModelOptions {
  vision: ClipVisionModel;
  connector: VisionConnector;
  lm: LlamaModel;
  /** Which vision features feed the connector (default: layer -2, class token dropped). */
  featureSelection?: VisionFeatureSelection;
  padding?: PaddingSide;
  maxLength?: number;
}

/** Inputs of {@link LlavaModel.forward}. */
export interface LlavaForwardInput {
  /** Unpadded id lists with one -200 per image. */
  inputIds: readonly (readonly number[])[];
  labels?: readonly (readonly number[])[];
  /** `[images, C, H, W]`, in order of appearance across the batch. */
  pixelValues?: tf.Tensor4D;
  /** Precomputed vision features `[images, N, visionWidth]` (frozen tower, cached features). */
  visionFeatures?: tf.Tensor3D;
  training?: boolean;
}

/** Outputs: logits over the spliced sequence and the spliced labels/mask to compute the loss with. */
export interface LlavaForwardOutput extends SpliceOutput {
  logits: tf.Tensor3D;
}

/**
 * LLaVA: CLIP features -> connector -> spliced into the LLaMA embeddings at each -200.
 * `modules` exposes vision, connector and lm for freezing (stage 1: connector only).
 */
export class LlavaModel {
  readonly architecture = 'llava';
  readonly vision: ClipVisionModel;
  readonly featureSelection: VisionFeatureSelection;
  readonly connector: VisionConnector;
  readonly lm: LlamaModel;
  readonly modules: { vision: ModuleHandle; connector: ModuleHandle; lm: ModuleHandle };
  /** LoRA adapters attached to the towers' linears (base weights frozen), when a LoRA stage trains or loaded them. */
  lora?: LoraAdapters;

  constructor(readonly options: LlavaModelOptions) {
    this.vision = options.vision;
    this.connector = options.connector;
    this.lm = options.lm;
    this.featureSelection = options.featureSelection ?? LLAVA_FEATURE_SELECTION;
    this.modules = {
      vision: paramSetHandle('vision', options.vision.params),
      connector: variablesHandle('connector', () => options.connector.weights()),
      lm: paramSetHandle('lm', options.lm.params),
    };
  }

  /** Pixels `[n, C, H, W]` (or ready vision features) -> LM-space image tokens `[n, tokens, hidden]`. */
  encodeImages(pixelValues?: tf.Tensor4D, visionFeatures?: tf.Tensor3D, training = false): tf.Tensor3D | undefined {
    const feats = visionFeatures ?? (pixelValues ? this.vision.features(pixelValues, this.featureSelection) : undefined);
    return feats ? (this.connector.apply(feats, { training }) as tf.Tensor3D) : undefined;
  }

  /** Splices images into the text embeddings without running the LM (also used by generation). */
  prepareInputs(input: LlavaForwardInput): SpliceOutput {
    return spliceImageFeatures({
      inputIds: input.inputIds,
      labels: input.labels,
      imageFeatures: this.encodeImages(input.pixelValues, input.visionFeatures, input.training),
      embedTokens: (ids) => this.lm.embedTokens(ids),
      padding: this.options.padding,
      maxLength: this.options.maxLength,
    });
  }

  forward(input: LlavaForwardInput): LlavaForwardOutput {
    const spliced = this.prepareInputs(input);
    const { logits } = this.lm.forward({ inputsEmbeds: spliced.inputsEmbeds, attentionMask: spliced.attentionMask });
    return { ...spliced, logits };
  }
}
