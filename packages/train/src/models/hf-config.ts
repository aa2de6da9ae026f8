import { VlmError, type ErrorLocation } from '@vlm/core';
import { z } from 'zod';
import type { Activation } from '../nn/activations';
import type { ClipVisionConfig } from './clip-vision';
import type { LlamaConfig } from './llama';

const llamaJson = z.looseObject({
  model_type: z.string().optional(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().nullish(),
  head_dim: z.number().int().positive().nullish(),
  max_position_embeddings: z.number().int().positive().default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: z.unknown().nullish(),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  hidden_act: z.string().default('silu'),
  initializer_range: z.number().positive().default(0.02),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
});

const LLAMA_FAMILY = new Set(['llama', 'mistral', 'smollm', 'vicuna', undefined]);

/** A `LlamaConfig` from a Hugging Face `config.json` object (LLaMA, TinyLlama, SmolLM, Vicuna). */
export function llamaConfigFromHf(json: unknown, location: ErrorLocation = {}): LlamaConfig {
  const parsed = llamaJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `not a LLaMA config.json: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), {
      location: { ...location, field: issue?.path.join('.') },
      hint: 'point at the config.json of a LLaMA-family checkpoint (model_type "llama")',
    });
  }
  const c = parsed.data;
  if (!LLAMA_FAMILY.has(c.model_type)) {
    throw new VlmError('config_unsupported', `model_type "${c.model_type}" is not a LLaMA-family architecture`, {
      location: { ...location, field: 'model_type' },
      hint: 'supported: llama (TinyLlama, SmolLM, Vicuna and other LLaMA-shaped checkpoints)',
    });
  }
  if (c.rope_scaling) {
    throw new VlmError('config_unsupported', 'rope_scaling is not supported', {
      location: { ...location, field: 'rope_scaling' },
      hint: 'use a checkpoint with plain rotary embeddings (TinyLlama, SmolLM, Vicuna v1.5)',
    });
  }
  if (c.hidden_act !== 'silu') {
    throw new VlmError('config_unsupported', `hidden_act "${c.hidden_act}" is not supported by the LLaMA MLP`, {
      location: { ...location, field: 'hidden_act' },
      hint: 'LLaMA uses silu (SwiGLU)',
    });
  }
  const kv = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kv !== 0) {
    throw new VlmError('config_invalid', `num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${kv}`, {
      location: { ...location, field: 'num_key_value_heads' },
    });
  }
  return {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads: kv,
    headDim: c.head_dim ?? undefined,
    maxPositionEmbeddings: c.max_position_embeddings,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    tieWordEmbeddings: c.tie_word_embeddings,
    attentionBias: c.attention_bias,
    mlpBias: c.mlp_bias,
    initializerRange: c.initializer_range,
    bosTokenId: c.bos_token_id ?? undefined,
    eosTokenId: c.eos_token_id ?? undefined,
  };
}

/** The Hugging Face `config.json` object of a LLaMA config (for saving checkpoints). */
export function llamaConfigToHf(c: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    ...(c.headDim !== undefined ? { head_dim: c.headDim } : {}),
    max_position_embeddings: c.maxPositionEmbeddings,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    attention_bias: !!c.attentionBias,
    mlp_bias: !!c.mlpBias,
    hidden_act: 'silu',
    initializer_range: c.initializerRange ?? 0.02,
    ...(c.bosTokenId !== undefined ? { bos_token_id: c.bosTokenId } : {}),
    ...(c.eosTokenId !== undefined ? { eos_token_id: c.eosTokenId } : {}),
  };
}

const clipVisionJson = z.looseObject({
  hidden_size: z.number().int().positive().default(768),
  intermediate_size: z.number().int().positive().default(3072),
  num_hidden_layers: z.number().int().positive().default(12),
  num_attention_heads: z.number().int().positive().default(12),
  image_size: z.number().int().positive().default(224),
  patch_size: z.number().int().positive().default(32),
  num_channels: z.number().int().positive().default(3),
  layer_norm_eps: z.number().positive().default(1e-5),
  hidden_act: z.enum(['quick_gelu', 'gelu', 'gelu_pytorch_tanh']).default('quick_gelu'),
  initializer_range: z.number().positive().default(0.02),
});

/**
 * A `ClipVisionConfig` from a Hugging Face `config.json`: a CLIP vision config (`clip_vision_model`),
 * a full CLIP config (its `vision_config`), or a LLaVA config (its `vision_config`).
 */
export function clipVisionConfigFromHf(json: unknown, location: ErrorLocation = {}): ClipVisionConfig {
  const obj = (json ?? {}) as Record<string, unknown>;
  const vision = typeof obj.vision_config === 'object' && obj.vision_config !== null ? obj.vision_config : obj;
  const parsed = clipVisionJson.safeParse(vision);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `not a CLIP vision config: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), {
      location: { ...location, field: issue?.path.join('.') },
      hint: 'point at the config.json of a CLIP or CLIP vision checkpoint (e.g. openai/clip-vit-large-patch14-336)',
    });
  }
  const c = parsed.data;
  return {
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    imageSize: c.image_size,
    patchSize: c.patch_size,
    numChannels: c.num_channels,
    layerNormEps: c.layer_norm_eps,
    hiddenAct: c.hidden_act as Activation,
    initializerRange: c.initializer_range,
  };
}

/** The Hugging Face `config.json` object of a CLIP vision config. */
export function clipVisionConfigToHf(c: ClipVisionConfig): Record<string, unknown> {
  return {
    architectures: ['CLIPVisionModel'],
    model_type: 'clip_vision_model',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    image_size: c.imageSize,
    patch_size: c.patchSize,
    num_channels: c.numChannels,
    layer_norm_eps: c.layerNormEps,
    hidden_act: c.hiddenAct,
    initializer_range: c.initializerRange ?? 0.02,
  };
}
