// CLIP vision transformer (ViT, pre-LN), top to bottom: config -> parameters -> layers -> forward.
import * as tf from '@tensorflow/tfjs-core';
import { VlmError, createRng } from '@vlm/core';
import { type Activation, activate } from '../nn/activations';
import { mergeHeads, scaledDotProductAttention, splitHeads } from '../nn/attention';
import { type LinearAdapter, linear } from '../nn/linear';
import { layerNorm } from '../nn/norms';
import { type ParamInit, ParamSet, constantValues, normalValues } from '../nn/params';

/** CLIP vision hyper-parameters (Hugging Face `CLIPVisionConfig`, camel-cased). */
export interface ClipVisionConfig {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  imageSize: number;
  patchSize: number;
  numChannels: number;
  layerNormEps: number;
  hiddenAct: Activation;
  initializerRange?: number;
  /** Normalisation constants of the matching image processor (CLIP's by default). */
  imageMean?: [number, number, number];
  imageStd?: [number, number, number];
}

/** Mean and std of OpenAI CLIP's image processor. */
export const CLIP_IMAGE_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_IMAGE_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Which features leave the tower: LLaVA takes layer -2 without the class token. */
export interface VisionFeatureSelection {
  /** Index into hidden states (0 = embeddings after pre-LN); negative counts from the end. Default -2. */
  layer: number;
  /** `patch` drops the class token (LLaVA default); `cls_patch` keeps it. */
  select: 'patch' | 'cls_patch';
  /**
   * Applies the tower's `post_layernorm` to every selected token (BLIP-2: LAVIS `ln_vision`, HF
   * `Blip2VisionModel` normalises the whole last hidden state before the Q-Former). Default false.
   */
  postLayerNorm?: boolean;
}

/** LLaVA's choice: penultimate layer, class token dropped. */
export const LLAVA_FEATURE_SELECTION: VisionFeatureSelection = { layer: -2, select: 'patch' };

/** BLIP-2's choice: every token of the last layer (class token kept), after the final LayerNorm. */
export const BLIP2_FEATURE_SELECTION: VisionFeatureSelection = { layer: -1, select: 'cls_patch', postLayerNorm: true };

/** Outputs of {@link ClipVisionModel.forward}. */
export interface ClipVisionOutput {
  /** numHiddenLayers + 1 tensors `[b, 1 + patches, D]`: embeddings, then each layer's output. */
  hiddenStates: tf.Tensor3D[];
  /** post_layernorm(class token of the last layer) `[b, D]`. */
  pooled: tf.Tensor2D;
}

const P = 'vision_model';

/** The CLIP vision tower; parameters are named like HF `CLIPVisionModel` keys (`vision_model.*`). */
export class ClipVisionModel {
  readonly params: ParamSet;
  readonly numPatches: number;
  /** Extra term added to the output of named encoder linears (LoRA). */
  adapter?: LinearAdapter;

  constructor(readonly config: ClipVisionConfig, rng: ParamInit = createRng(0)) {
    const c = config;
    if (c.imageSize % c.patchSize !== 0) {
      throw new VlmError('config_invalid', `image_size ${c.imageSize} is not a multiple of patch_size ${c.patchSize}`, {
        hint: 'use an image size divisible by the patch size (224/14, 336/14, 224/16)',
      });
    }
    this.numPatches = (c.imageSize / c.patchSize) ** 2;
    const p = (this.params = new ParamSet('clip-vision'));
    const D = c.hiddenSize;
    const std = c.initializerRange ?? 0.02;
    const cpp = c.numChannels * c.patchSize * c.patchSize;
    const lin = (name: string, i: number, o: number) => {
      p.add(`${name}.weight`, [i, o], normalValues(rng, i * o, std), 'linear');
      p.add(`${name}.bias`, [o], constantValues(o, 0));
    };
    const norm = (name: string) => {
      p.add(`${name}.weight`, [D], constantValues(D, 1));
      p.add(`${name}.bias`, [D], constantValues(D, 0));
    };
    p.add(`${P}.embeddings.class_embedding`, [D], normalValues(rng, D, std));
    p.add(`${P}.embeddings.patch_embedding.weight`, [cpp, D], normalValues(rng, cpp * D, std), 'patch', [
      D, c.numChannels, c.patchSize, c.patchSize,
    ]);
    p.add(`${P}.embeddings.position_embedding.weight`, [this.numPatches + 1, D], normalValues(rng, (this.numPatches + 1) * D, std));
    norm(`${P}.pre_layrnorm`); // sic: the upstream key is misspelt
    for (let i = 0; i < c.numHiddenLayers; i++) {
      const l = `${P}.encoder.layers.${i}`;
      norm(`${l}.layer_norm1`);
      for (const n of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) lin(`${l}.self_attn.${n}`, D, D);
      norm(`${l}.layer_norm2`);
      lin(`${l}.mlp.fc1`, D, c.intermediateSize);
      lin(`${l}.mlp.fc2`, c.intermediateSize, D);
    }
    norm(`${P}.post_layernorm`);
  }

  /** pixelValues `[b, C, H, W]` (normalised, PyTorch layout) -> every hidden state. */
  forward(pixelValues: tf.Tensor4D): ClipVisionOutput {
    const c = this.config;
    const hiddenStates = this.hiddenStatesUpTo(pixelValues, c.numHiddenLayers);
    const x = hiddenStates[hiddenStates.length - 1] as tf.Tensor3D;
    const b = x.shape[0];
    const clsLast = tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, c.hiddenSize]), [b, c.hiddenSize]);
    const pooled = layerNorm(clsLast, this.params.get(`${P}.post_layernorm.weight`), this.params.get(`${P}.post_layernorm.bias`), c.layerNormEps) as tf.Tensor2D;
    return { hiddenStates, pooled };
  }

  /** Hidden states 0..`layers` (embeddings, then layer outputs); later layers are not computed. */
  private hiddenStatesUpTo(pixelValues: tf.Tensor4D, layers: number): tf.Tensor3D[] {
    const c = this.config;
    const [b, C, H, W] = pixelValues.shape;
    if (C !== c.numChannels || H !== c.imageSize || W !== c.imageSize) {
      throw new VlmError('shape_mismatch', `pixel values ${JSON.stringify(pixelValues.shape)} do not match the vision config`, {
        hint: `expected [batch, ${c.numChannels}, ${c.imageSize}, ${c.imageSize}]; preprocess images to the encoder's size`,
      });
    }
    const D = c.hiddenSize;
    const ps = c.patchSize;
    const g = c.imageSize / ps;
    // Patch embedding as reshape + matmul (a stride-P conv without bias):
    // [b, C, g, P, g, P] -> [b, g, g, C, P, P] -> [b, g·g, C·P·P] -> [b, g·g, D]
    // [b, C, g·ps, g·ps] -> [b, g·g, C·ps·ps] as two rank-4 transposes (tfjs-backend-wasm moves a rank-6
    // transpose element by element: 3.4 ms for a batch of 16 32-px images, against ~0.1 ms for these two)
    const rows = tf.transpose(tf.reshape(pixelValues, [b * C * g, ps, g, ps]), [0, 2, 1, 3]); // [b·C·g, g, ps, ps]
    const patches = tf.reshape(tf.transpose(tf.reshape(rows, [b, C, g * g, ps * ps]), [0, 2, 1, 3]), [b, g * g, C * ps * ps]);
    const patchEmb = linear(patches, this.params.get(`${P}.embeddings.patch_embedding.weight`));
    const cls = tf.tile(tf.reshape(this.params.get(`${P}.embeddings.class_embedding`), [1, 1, D]), [b, 1, 1]);
    let x = tf.add(tf.concat([cls, patchEmb], 1), this.params.get(`${P}.embeddings.position_embedding.weight`)) as tf.Tensor3D; // [b, 1+N, D]
    x = this.norm(`${P}.pre_layrnorm`, x);
    const hiddenStates: tf.Tensor3D[] = [x];
    for (let i = 0; i < layers; i++) {
      const l = `${P}.encoder.layers.${i}`;
      // pre-LN: x = x + attn(ln1(x)); x = x + mlp(ln2(x))
      x = tf.add(x, this.attention(l, this.norm(`${l}.layer_norm1`, x))) as tf.Tensor3D;
      const h = this.norm(`${l}.layer_norm2`, x);
      x = tf.add(x, this.proj(`${l}.mlp.fc2`, activate(this.proj(`${l}.mlp.fc1`, h), c.hiddenAct))) as tf.Tensor3D;
      hiddenStates.push(x);
    }
    return hiddenStates;
  }

  /** Features for a connector: the selected layer, with or without the class token. `[b, N(+1), D]`. */
  features(pixelValues: tf.Tensor4D, selection: VisionFeatureSelection = LLAVA_FEATURE_SELECTION): tf.Tensor3D {
    const count = this.config.numHiddenLayers + 1;
    const index = selection.layer < 0 ? count + selection.layer : selection.layer;
    const chosen = index >= 0 && index < count ? this.hiddenStatesUpTo(pixelValues, index)[index] : undefined;
    if (!chosen) {
      throw new VlmError('config_invalid', `vision feature layer ${selection.layer} is out of range (${count} hidden states)`, {
        hint: 'use -2 (LLaVA) or an index within the encoder depth',
      });
    }
    const normed = selection.postLayerNorm ? this.norm(`${P}.post_layernorm`, chosen) : chosen;
    if (selection.select === 'cls_patch') return normed;
    const [b, n, D] = normed.shape;
    return tf.slice(normed, [0, 1, 0], [b, n - 1, D]);
  }

  private norm(name: string, x: tf.Tensor): tf.Tensor3D {
    return layerNorm(x, this.params.get(`${name}.weight`), this.params.get(`${name}.bias`), this.config.layerNormEps) as tf.Tensor3D;
  }

  private proj(name: string, x: tf.Tensor): tf.Tensor {
    const y = linear(x, this.params.get(`${name}.weight`), this.params.get(`${name}.bias`));
    const extra = this.adapter?.(name, x);
    return extra ? tf.add(y, extra) : y;
  }

  private attention(l: string, x: tf.Tensor): tf.Tensor {
    const heads = this.config.numAttentionHeads;
    const q = splitHeads(this.proj(`${l}.self_attn.q_proj`, x), heads); // [b, h, n, hd]
    const k = splitHeads(this.proj(`${l}.self_attn.k_proj`, x), heads);
    const v = splitHeads(this.proj(`${l}.self_attn.v_proj`, x), heads);
    return this.proj(`${l}.self_attn.out_proj`, mergeHeads(scaledDotProductAttention(q, k, v)));
  }
}
