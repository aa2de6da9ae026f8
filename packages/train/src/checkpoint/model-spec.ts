import { type Rng, VlmError, createRng } from '@vlm/core';
import { type ConnectorConfig, GatedCrossAttentionBlock, createConnector, crossAttentionLayerIndices } from '@vlm/connectors';
import { z } from 'zod';
import { Blip2Model } from '../compose/blip2';
import { FlamingoModel } from '../compose/flamingo';
import { LlavaModel } from '../compose/llava';
import { QFormerTextHeads } from '../compose/qformer-text-heads';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { BLIP2_FEATURE_SELECTION, type ClipVisionConfig, ClipVisionModel, LLAVA_FEATURE_SELECTION, type VisionFeatureSelection } from '../models/clip-vision';
import { clipVisionConfigFromHf, clipVisionConfigToHf, llamaConfigFromHf, llamaConfigToHf } from '../models/hf-config';
import { type LlamaConfig, LlamaModel } from '../models/llama';
import type { ParamInit } from '../nn/params';
import type { ImageFitMode } from '../image/preprocess';

/** How image features reach the language model. */
export const architectures = ['llava', 'blip2', 'flamingo'] as const;
/** One of {@link architectures}. */
export type Architecture = (typeof architectures)[number];

/** Flamingo's gated cross-attention blocks (OpenFlamingo defaults: every layer, 8 heads of 64). */
export const crossAttentionSpecSchema = z
  .object({
    /** A block before decoder layer i when (i + 1) % every == 0 (OpenFlamingo `cross_attn_every_n_layers`). */
    every: z.number().int().positive().default(1),
    heads: z.number().int().positive().default(8),
    dimHead: z.number().int().positive().default(64),
    ffMult: z.number().int().positive().default(4),
    onlyAttendImmediateMedia: z.boolean().default(true),
    /** Id of the `<image>` token whose positions are the media locations (set from the tokenizer when omitted). */
    mediaTokenId: z.number().int().min(0).optional(),
  })
  .strict();

/** BLIP-2 stage-1 text side of the Q-Former (its own word embeddings, text FFNs, ITC/ITM/ITG heads). */
export const qformerTextSpecSchema = z
  .object({
    /** Text vocabulary (the tokenizer's); two more ids are added for [CLS] and [DEC]. */
    vocabSize: z.number().int().positive(),
    /** Longest caption in tokens (LAVIS `max_txt_len` 32). */
    maxLength: z.number().int().positive().default(32),
    /** Width of the ITC projections (LAVIS `embed_dim` 256). */
    embedDim: z.number().int().positive().default(256),
  })
  .strict();

/**
 * Everything needed to rebuild a model: its architecture, the towers' configs, the connector (the
 * projector or resampler for llava, the Q-Former for blip2, the Perceiver for flamingo), Flamingo's
 * cross-attention, and image preprocessing.
 */
export interface ModelSpec {
  /** Default `llava`. */
  architecture?: Architecture;
  lm: LlamaConfig;
  vision: ClipVisionConfig;
  connector: ConnectorConfig;
  /** flamingo only. */
  crossAttention?: z.input<typeof crossAttentionSpecSchema>;
  /** blip2 only: the Q-Former's text side for `kind: qformer` stages. */
  qformerText?: z.input<typeof qformerTextSpecSchema>;
  featureSelection?: VisionFeatureSelection;
  image?: { mode?: ImageFitMode; mean?: [number, number, number]; std?: [number, number, number] };
}

/** The spec of a LLaVA model (any {@link ModelSpec} with architecture `llava`). */
export type LlavaModelSpec = ModelSpec;

const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** The JSON form of a model spec (tower configs as Hugging Face `config.json` objects). */
export const modelSpecJsonSchema = z.object({
  architecture: z.enum(architectures).optional(),
  lm: z.record(z.string(), z.unknown()),
  vision: z.record(z.string(), z.unknown()),
  connector: z.looseObject({ type: z.string() }),
  crossAttention: crossAttentionSpecSchema.optional(),
  qformerText: qformerTextSpecSchema.optional(),
  featureSelection: z.object({ layer: z.number().int(), select: z.enum(['patch', 'cls_patch']), postLayerNorm: z.boolean().optional() }).optional(),
  image: z.object({ mode: z.enum(['pad', 'crop']).optional(), mean: rgb.optional(), std: rgb.optional() }).optional(),
});

/** A model spec as JSON (HF-style tower configs), for checkpoints and config files. */
export function modelSpecToJson(spec: ModelSpec): z.infer<typeof modelSpecJsonSchema> {
  return {
    architecture: spec.architecture,
    lm: llamaConfigToHf(spec.lm),
    vision: clipVisionConfigToHf(spec.vision),
    connector: spec.connector as { type: string },
    crossAttention: spec.crossAttention ? crossAttentionSpecSchema.parse(spec.crossAttention) : undefined,
    qformerText: spec.qformerText ? qformerTextSpecSchema.parse(spec.qformerText) : undefined,
    featureSelection: spec.featureSelection,
    image: spec.image,
  };
}

/** Parses the JSON form back; errors name the field (`model.lm.hidden_size` ...). */
export function modelSpecFromJson(json: unknown, file?: string): ModelSpec {
  const parsed = modelSpecJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `model spec: ${issue?.message ?? 'invalid'}`, { location: { file, field: `model.${issue?.path.join('.') ?? ''}` } });
  }
  const m = parsed.data;
  return {
    architecture: m.architecture,
    lm: llamaConfigFromHf(m.lm, { file, field: 'model.lm' }),
    vision: clipVisionConfigFromHf(m.vision, { file, field: 'model.vision' }),
    connector: m.connector as ConnectorConfig,
    crossAttention: m.crossAttention,
    qformerText: m.qformerText,
    featureSelection: m.featureSelection,
    image: m.image,
  };
}

/** The vision features an architecture reads by default: LLaVA layer -2 patches; BLIP-2 all last-layer tokens after the final LayerNorm; Flamingo last-layer patches. */
export function defaultFeatureSelection(architecture: Architecture = 'llava'): VisionFeatureSelection {
  if (architecture === 'blip2') return BLIP2_FEATURE_SELECTION;
  if (architecture === 'flamingo') return { layer: -1, select: 'patch' };
  return LLAVA_FEATURE_SELECTION;
}

/**
 * The connector config with the tower widths filled in where the user left them out: a projector's
 * inputDim/outputDim, a Q-Former's encoderWidth/outputDim, a Perceiver's dim (and outputDim when it
 * feeds a LLaVA splice; Flamingo's cross-attention reads the latents at vision width).
 */
export function connectorWithWidths(architecture: Architecture, connector: { type: string } & Record<string, unknown>, visionWidth: number, lmWidth: number): ConnectorConfig {
  if (connector.type === 'qformer') return { encoderWidth: visionWidth, outputDim: lmWidth, ...connector } as ConnectorConfig;
  if (connector.type === 'perceiver') return { dim: visionWidth, ...(architecture === 'flamingo' ? {} : { outputDim: lmWidth }), ...connector } as ConnectorConfig;
  return { inputDim: visionWidth, outputDim: lmWidth, ...connector } as ConnectorConfig;
}

/**
 * Positions one image takes in the language model's sequence: the connector's tokens for llava
 * (patches for a projector, queries or latents for a resampler), the queries for blip2, and the one
 * `<image>` token for flamingo (its images enter through cross-attention instead).
 */
export function imageTokensOf(spec: ModelSpec): number {
  const arch = spec.architecture ?? 'llava';
  if (arch === 'flamingo') return 1;
  const selection = spec.featureSelection ?? defaultFeatureSelection(arch);
  const patches = (spec.vision.imageSize / spec.vision.patchSize) ** 2;
  const inputTokens = selection.select === 'cls_patch' ? patches + 1 : patches;
  return createConnector(spec.connector).outputTokens(inputTokens);
}

function invalid(message: string, field: string, hint: string): never {
  throw new VlmError('config_invalid', message, { location: { field }, hint });
}

/**
 * Builds the model a spec describes, reading its `architecture`. `init` seeds the weights (one
 * generator, forked per part), or `'zeros'` when a checkpoint is about to be loaded. A ready vision
 * tower or LM is reused (shared pretrained towers).
 */
export function buildModel(spec: ModelSpec, init: ParamInit | number = 0, parts: { vision?: ClipVisionModel; lm?: LlamaModel } = {}): VisionLanguageModel {
  const arch = spec.architecture ?? 'llava';
  const rng: ParamInit = typeof init === 'number' ? createRng(init) : init;
  const fork = (label: string): ParamInit => (rng === 'zeros' ? 'zeros' : (rng as Rng).fork(label));
  const forkRng = (label: string): Rng => (rng === 'zeros' ? createRng(0) : (rng as Rng).fork(label));
  const vision = parts.vision ?? new ClipVisionModel(spec.vision, fork('vision'));
  const lm = parts.lm ?? new LlamaModel(spec.lm, fork('lm'));
  const connector = createConnector(spec.connector, forkRng('connector'));
  const featureSelection = spec.featureSelection ?? defaultFeatureSelection(arch);
  if (connector.inputDim !== spec.vision.hiddenSize) {
    invalid(`the ${connector.type} connector reads width ${connector.inputDim} but the vision tower is ${spec.vision.hiddenSize} wide`, 'model.connector', 'leave the input width out of the connector config: it defaults to the vision hidden size');
  }
  if (arch === 'flamingo') {
    if (connector.type !== 'perceiver') invalid(`flamingo needs a perceiver resampler as its connector, not ${connector.type}`, 'model.connector.type', 'set model.connector.type: perceiver');
    const x = crossAttentionSpecSchema.parse(spec.crossAttention ?? {});
    if (x.mediaTokenId === undefined || x.mediaTokenId >= spec.lm.vocabSize) {
      invalid(`flamingo needs crossAttention.mediaTokenId (the <image> token) inside the LM vocabulary of ${spec.lm.vocabSize}`, 'model.crossAttention.mediaTokenId', 'leave it out in a training config (the trainer takes the first id after the tokenizer vocabulary) and make vocab_size larger than the tokenizer');
    }
    const blocks = new Map(
      crossAttentionLayerIndices(spec.lm.numHiddenLayers, x.every).map((i) => [
        i,
        new GatedCrossAttentionBlock({ dim: spec.lm.hiddenSize, dimVisual: connector.outputDim, heads: x.heads, dimHead: x.dimHead, ffMult: x.ffMult, onlyAttendImmediateMedia: x.onlyAttendImmediateMedia }).build(forkRng(`xattn.${i}`)),
      ]),
    );
    return new FlamingoModel({ vision, lm, crossAttention: blocks, resampler: connector, imageTokenId: x.mediaTokenId, featureSelection });
  }
  if (connector.outputDim !== spec.lm.hiddenSize) {
    invalid(`the ${connector.type} connector outputs width ${connector.outputDim} but the LM hidden size is ${spec.lm.hiddenSize}`, 'model.connector', 'leave outputDim out of the connector config: it defaults to the LM hidden size');
  }
  if (arch === 'blip2') {
    if (connector.type !== 'qformer') invalid(`blip2 needs a qformer connector, not ${connector.type}`, 'model.connector.type', 'set model.connector.type: qformer');
    const t = spec.qformerText ? qformerTextSpecSchema.parse(spec.qformerText) : undefined;
    const heads = t ? new QFormerTextHeads({ ...t, qformer: (connector as unknown as { config: QFormerTextHeadsQFormer }).config }).build(forkRng('qformer-text')) : undefined;
    return new Blip2Model({ vision, connector, lm, featureSelection, textHeads: heads });
  }
  return new LlavaModel({ vision, connector, lm, featureSelection });
}

type QFormerTextHeadsQFormer = ConstructorParameters<typeof QFormerTextHeads>[0]['qformer'];

/** Builds a LLaVA model (a spec without architecture, or `llava`). */
export function buildLlavaModel(spec: ModelSpec, init: ParamInit | number = 0, parts: { vision?: ClipVisionModel; lm?: LlamaModel } = {}): LlavaModel {
  const model = buildModel({ ...spec, architecture: 'llava' }, init, parts);
  return model as LlavaModel;
}
