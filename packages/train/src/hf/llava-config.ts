import { type ErrorLocation, VlmError } from '@vlm/core';
import { z } from 'zod';
import type { LlavaModelSpec } from '../checkpoint/model-spec';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, LLAVA_FEATURE_SELECTION } from '../models/clip-vision';
import { clipVisionConfigFromHf, clipVisionConfigToHf, llamaConfigFromHf, llamaConfigToHf } from '../models/hf-config';

// Facts from transformers (models/llava/configuration_llava.py, processing_llava.py,
// models/clip/image_processing_*clip.py), checked against transformers 5.18 save_pretrained output.

/** The image placeholder string of LlavaProcessor (expanded to one token per image feature). */
export const HF_IMAGE_TOKEN = '<image>';

/** Options of {@link hfLlavaConfig}. */
export interface HfLlavaConfigOptions {
  /** Id of `<image>` in the (possibly extended) vocabulary. */
  imageTokenIndex: number;
  /** LM vocabulary size in the export (the model's, plus one when `<image>` was appended). */
  vocabSize: number;
  /** Stored dtype name (`float32`, `float16`, `bfloat16`). */
  dtype: string;
}

/** Image features per image: patches, plus the class token with the `full` strategy. */
export function hfImageSeqLength(spec: LlavaModelSpec): number {
  const patches = (spec.vision.imageSize / spec.vision.patchSize) ** 2;
  return (spec.featureSelection ?? LLAVA_FEATURE_SELECTION).select === 'cls_patch' ? patches + 1 : patches;
}

/** config.json of a `LlavaForConditionalGeneration` for a model spec (an mlp2x_gelu projector). */
export function hfLlavaConfig(spec: LlavaModelSpec, options: HfLlavaConfigOptions): Record<string, unknown> {
  const selection = spec.featureSelection ?? LLAVA_FEATURE_SELECTION;
  const { architectures: _a, ...text } = llamaConfigToHf({ ...spec.lm, vocabSize: options.vocabSize });
  const { architectures: _b, ...vision } = clipVisionConfigToHf(spec.vision);
  return {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    dtype: options.dtype,
    image_token_index: options.imageTokenIndex,
    image_seq_length: hfImageSeqLength(spec),
    projector_hidden_act: 'gelu',
    multimodal_projector_bias: true,
    vision_feature_layer: selection.layer,
    vision_feature_select_strategy: selection.select === 'cls_patch' ? 'full' : 'default',
    tie_word_embeddings: spec.lm.tieWordEmbeddings,
    text_config: text,
    vision_config: vision,
  };
}

const llavaJson = z.looseObject({
  model_type: z.literal('llava'),
  text_config: z.record(z.string(), z.unknown()),
  vision_config: z.record(z.string(), z.unknown()),
  image_token_index: z.number().int().nonnegative().optional(),
  image_token_id: z.number().int().nonnegative().optional(),
  projector_hidden_act: z.string().default('gelu'),
  vision_feature_layer: z.union([z.number().int(), z.array(z.number().int())]).default(-2),
  vision_feature_select_strategy: z.enum(['default', 'full']).default('default'),
  multimodal_projector_bias: z.boolean().default(true),
  tie_word_embeddings: z.boolean().optional(),
});

/** What a HF LLaVA config.json says: the model spec (image preprocessing aside) and the image token id. */
export interface ParsedHfLlavaConfig {
  spec: LlavaModelSpec;
  imageTokenIndex: number;
}

/** Reads a `LlavaForConditionalGeneration` config.json; every unsupported choice names its field. */
export function parseHfLlavaConfig(json: unknown, location: ErrorLocation = {}): ParsedHfLlavaConfig {
  const parsed = llavaJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `not a LLaVA config.json: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), {
      location: { ...location, field: issue?.path.join('.') },
      hint: 'point at a folder saved by LlavaForConditionalGeneration.save_pretrained (model_type "llava")',
    });
  }
  const c = parsed.data;
  const unsupported = (field: string, message: string, hint: string): never => {
    throw new VlmError('config_unsupported', message, { location: { ...location, field }, hint });
  };
  if (c.projector_hidden_act !== 'gelu') unsupported('projector_hidden_act', `projector_hidden_act "${c.projector_hidden_act}" is not supported`, 'the toolkit\'s LLaVA projector is mlp2x_gelu (exact GELU)');
  if (!c.multimodal_projector_bias) unsupported('multimodal_projector_bias', 'a projector without biases is not supported', 'use a checkpoint with multimodal_projector_bias true');
  if (Array.isArray(c.vision_feature_layer)) unsupported('vision_feature_layer', 'several vision feature layers are not supported', 'use a checkpoint with one vision_feature_layer');
  const vision = c.vision_config;
  if (vision.model_type !== undefined && vision.model_type !== 'clip_vision_model') unsupported('vision_config.model_type', `vision tower "${String(vision.model_type)}" is not supported`, 'the toolkit reads CLIP vision towers');
  const textLocation = { ...location, field: 'text_config' };
  const lm = llamaConfigFromHf({ ...c.text_config, tie_word_embeddings: c.text_config.tie_word_embeddings ?? c.tie_word_embeddings ?? false }, textLocation);
  const tower = clipVisionConfigFromHf(vision, { ...location, field: 'vision_config' });
  const imageTokenIndex = c.image_token_index ?? c.image_token_id ?? 32000;
  if (imageTokenIndex >= lm.vocabSize) unsupported('image_token_index', `image_token_index ${imageTokenIndex} is outside the vocabulary (${lm.vocabSize})`, 'the image token must have an embedding row');
  return {
    spec: {
      lm,
      vision: tower,
      connector: { type: 'mlp2x_gelu', inputDim: tower.hiddenSize, outputDim: lm.hiddenSize },
      featureSelection: { layer: c.vision_feature_layer as number, select: c.vision_feature_select_strategy === 'full' ? 'cls_patch' : 'patch' },
    },
    imageTokenIndex,
  };
}

/** The CLIP image processor settings of a spec: resize the shortest edge (PIL bicubic), centre-crop, normalise. */
export function hfImageProcessorConfig(spec: LlavaModelSpec): Record<string, unknown> {
  const size = spec.vision.imageSize;
  return {
    crop_size: { height: size, width: size },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: spec.image?.mean ?? CLIP_IMAGE_MEAN,
    image_processor_type: 'CLIPImageProcessor',
    image_std: spec.image?.std ?? CLIP_IMAGE_STD,
    resample: 3, // PIL.Image.BICUBIC
    rescale_factor: 1 / 255,
    size: { shortest_edge: size },
  };
}

/** processor_config.json as transformers 5 writes it: the processor's settings with the image processor nested. */
export function hfProcessorConfig(spec: LlavaModelSpec): Record<string, unknown> {
  const selection = spec.featureSelection ?? LLAVA_FEATURE_SELECTION;
  return {
    image_processor: hfImageProcessorConfig(spec),
    image_token: HF_IMAGE_TOKEN,
    num_additional_image_tokens: 1, // CLIP's class token
    patch_size: spec.vision.patchSize,
    processor_class: 'LlavaProcessor',
    vision_feature_select_strategy: selection.select === 'cls_patch' ? 'full' : 'default',
  };
}

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const imageProcessorJson = z.looseObject({
  image_mean: rgb.optional(),
  image_std: rgb.optional(),
  do_center_crop: z.boolean().optional(),
  do_resize: z.boolean().optional(),
  resample: z.number().int().optional(),
  size: z.looseObject({ shortest_edge: z.number().int().optional(), height: z.number().int().optional(), width: z.number().int().optional() }).optional(),
  crop_size: z.looseObject({ height: z.number().int(), width: z.number().int() }).optional(),
});

/**
 * The image settings (mean, std, fit) of a saved processor: `processor_config.json` (transformers 5:
 * nested `image_processor`) or `preprocessor_config.json` (transformers 4). Only the CLIP rule is
 * supported: shortest edge to the encoder size with bicubic resampling, then a centre crop.
 */
export function imageSettingsFromHf(json: unknown, imageSize: number, location: ErrorLocation = {}): NonNullable<LlavaModelSpec['image']> {
  const obj = (json ?? {}) as Record<string, unknown>;
  const ip = typeof obj.image_processor === 'object' && obj.image_processor !== null ? obj.image_processor : obj;
  const parsed = imageProcessorJson.safeParse(ip);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `image processor config: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), { location: { ...location, field: issue?.path.join('.') } });
  }
  const c = parsed.data;
  const edge = c.size?.shortest_edge ?? c.size?.height;
  if ((c.resample ?? 3) !== 3) throw new VlmError('config_unsupported', `resample ${c.resample} is not supported`, { location: { ...location, field: 'resample' }, hint: 'the toolkit resizes with PIL bicubic (resample 3), as CLIPImageProcessor' });
  if (edge !== undefined && edge !== imageSize) throw new VlmError('config_unsupported', `the processor resizes to ${edge} but the vision tower takes ${imageSize}`, { location: { ...location, field: 'size' }, hint: 'use a processor whose size matches vision_config.image_size' });
  return { mode: 'crop', mean: c.image_mean ?? CLIP_IMAGE_MEAN, std: c.image_std ?? CLIP_IMAGE_STD };
}
