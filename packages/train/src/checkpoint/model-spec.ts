import { type Rng, VlmError, createRng } from '@vlm/core';
import { type ConnectorConfig, createConnector } from '@vlm/connectors';
import { z } from 'zod';
import { LlavaModel } from '../compose/llava';
import { type ClipVisionConfig, ClipVisionModel, LLAVA_FEATURE_SELECTION, type VisionFeatureSelection } from '../models/clip-vision';
import { clipVisionConfigFromHf, clipVisionConfigToHf, llamaConfigFromHf, llamaConfigToHf } from '../models/hf-config';
import { type LlamaConfig, LlamaModel } from '../models/llama';
import type { ParamInit } from '../nn/params';
import type { ImageFitMode } from '../image/preprocess';

/** Everything needed to rebuild a LLaVA model: the towers' configs, the connector and image preprocessing. */
export interface LlavaModelSpec {
  lm: LlamaConfig;
  vision: ClipVisionConfig;
  connector: ConnectorConfig;
  featureSelection?: VisionFeatureSelection;
  image?: { mode?: ImageFitMode; mean?: [number, number, number]; std?: [number, number, number] };
}

const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** The JSON form of a model spec (tower configs as Hugging Face `config.json` objects). */
export const modelSpecJsonSchema = z.object({
  lm: z.record(z.string(), z.unknown()),
  vision: z.record(z.string(), z.unknown()),
  connector: z.looseObject({ type: z.string() }),
  featureSelection: z.object({ layer: z.number().int(), select: z.enum(['patch', 'cls_patch']), postLayerNorm: z.boolean().optional() }).optional(),
  image: z.object({ mode: z.enum(['pad', 'crop']).optional(), mean: rgb.optional(), std: rgb.optional() }).optional(),
});

/** A model spec as JSON (HF-style tower configs), for checkpoints and config files. */
export function modelSpecToJson(spec: LlavaModelSpec): z.infer<typeof modelSpecJsonSchema> {
  return {
    lm: llamaConfigToHf(spec.lm),
    vision: clipVisionConfigToHf(spec.vision),
    connector: spec.connector as { type: string },
    featureSelection: spec.featureSelection,
    image: spec.image,
  };
}

/** Parses the JSON form back; errors name the field (`model.lm.hidden_size` ...). */
export function modelSpecFromJson(json: unknown, file?: string): LlavaModelSpec {
  const parsed = modelSpecJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('config_invalid', `model spec: ${issue?.message ?? 'invalid'}`, { location: { file, field: `model.${issue?.path.join('.') ?? ''}` } });
  }
  const m = parsed.data;
  return {
    lm: llamaConfigFromHf(m.lm, { file, field: 'model.lm' }),
    vision: clipVisionConfigFromHf(m.vision, { file, field: 'model.vision' }),
    connector: m.connector as ConnectorConfig,
    featureSelection: m.featureSelection,
    image: m.image,
  };
}

/** Image tokens one image becomes (patches, plus the class token with `cls_patch`), for a projector. */
export function imageTokensOf(spec: LlavaModelSpec): number {
  const patches = (spec.vision.imageSize / spec.vision.patchSize) ** 2;
  return (spec.featureSelection ?? LLAVA_FEATURE_SELECTION).select === 'cls_patch' ? patches + 1 : patches;
}

/**
 * Builds the LLaVA model of a spec. `init` seeds the weights (one generator, forked per tower), or
 * `'zeros'` when a checkpoint is about to be loaded. An optional ready vision tower or LM is reused.
 */
export function buildLlavaModel(spec: LlavaModelSpec, init: ParamInit | number = 0, parts: { vision?: ClipVisionModel; lm?: LlamaModel } = {}): LlavaModel {
  const rng: ParamInit = typeof init === 'number' ? createRng(init) : init;
  const fork = (label: string): ParamInit => (rng === 'zeros' ? 'zeros' : (rng as Rng).fork(label));
  const vision = parts.vision ?? new ClipVisionModel(spec.vision, fork('vision'));
  const lm = parts.lm ?? new LlamaModel(spec.lm, fork('lm'));
  const connectorRng = rng === 'zeros' ? createRng(0) : (rng as Rng).fork('connector');
  const connector = createConnector(spec.connector, connectorRng);
  if (connector.inputDim !== spec.vision.hiddenSize || connector.outputDim !== spec.lm.hiddenSize) {
    throw new VlmError('config_invalid', `connector maps ${connector.inputDim} -> ${connector.outputDim} but the towers are ${spec.vision.hiddenSize} (vision) and ${spec.lm.hiddenSize} (lm) wide`, {
      location: { field: 'model.connector' },
      hint: 'set the connector inputDim to the vision hidden size and outputDim to the LM hidden size',
    });
  }
  return new LlavaModel({ vision, connector, lm, featureSelection: spec.featureSelection });
}
