import { VlmError } from '@vlm/core';
import { z } from 'zod';
import { architectures, crossAttentionSpecSchema, qformerTextSpecSchema } from '../checkpoint/model-spec';
import { tokenizerSpecSchema } from '../checkpoint/tokenizer-spec';
import { type StageSpec, stageSchema } from './stage';

const towerSchema = z.union([
  z.object({ pretrained: z.string().min(1) }).strict(),
  z.object({ config: z.record(z.string(), z.unknown()) }).strict(),
]);

const dataSchema = z
  .object({
    /** LLaVA JSON or JSONL file (relative to the config file). */
    path: z.string().min(1),
    /** Folder the records' `image` paths are relative to. */
    imageRoot: z.string().optional(),
  })
  .strict();

/** The `vlm-train train --config` file (YAML or JSON). */
export const trainConfigSchema = z
  .object({
    seed: z.number().int().default(0),
    /** Output folder: checkpoints, metrics.jsonl, loss-curves.png. */
    output: z.string().min(1),
    model: z.union([
      z
        .object({
          /** `llava` (default: connector tokens spliced at <image>), `blip2` (Q-Former queries prepended), `flamingo` (gated cross-attention fed by a Perceiver). */
          architecture: z.enum(architectures).default('llava'),
          /** A LLaMA-family LM: a Hugging Face folder, or a config.json object to train from scratch. */
          lm: towerSchema,
          /** A CLIP vision tower: a Hugging Face folder, or a config.json object. */
          vision: towerSchema,
          /** Connector (`linear`, `mlp2x_gelu` ...); input/output widths default to the towers'. */
          connector: z.looseObject({ type: z.string() }),
          /** flamingo: the gated cross-attention blocks (`every`, `heads`, `dimHead`, `mediaTokenId`). */
          crossAttention: crossAttentionSpecSchema.partial().optional(),
          /** blip2: sizes of the Q-Former's stage-1 text side (`maxLength`, `embedDim`; vocabSize comes from the tokenizer). */
          qformerText: qformerTextSpecSchema.partial().optional(),
          featureSelection: z.object({ layer: z.number().int(), select: z.enum(['patch', 'cls_patch']), postLayerNorm: z.boolean().optional() }).strict().optional(),
          image: z.object({ mode: z.enum(['pad', 'crop']).optional() }).strict().optional(),
        })
        .strict(),
      /** Start from a whole model: a vlm-train checkpoint folder or a Hugging Face LLaVA folder. */
      z.object({ from: z.string().min(1) }).strict(),
    ]),
    /** Required unless `model.from` names a folder that brings its tokenizer. */
    tokenizer: tokenizerSpecSchema.strict().optional(),
    /** Stages in order; each names its data. */
    stages: z.array(z.looseObject({ data: dataSchema })).min(1),
  })
  .strict();

/** A parsed training config: stages validated as {@link StageSpec}s with their data. */
export interface TrainConfig extends Omit<z.output<typeof trainConfigSchema>, 'stages'> {
  stages: (StageSpec & { data: z.output<typeof dataSchema> })[];
}

function fail(issue: z.core.$ZodIssue | undefined, prefix: (string | number)[], file?: string): never {
  const path = [...prefix, ...(issue?.path ?? [])].map(String);
  const field = path.join('.') || '(root)';
  throw new VlmError('config_invalid', `${field}: ${issue?.message ?? 'invalid'}`, {
    location: { file, field },
    hint: 'see the vlm-train README for the config format (seed, output, model, tokenizer, stages)',
  });
}

/** Validates a config object; every error names its path (`stages.1.train.lm`) and the file. */
export function parseTrainConfig(json: unknown, file?: string): TrainConfig {
  const parsed = trainConfigSchema.safeParse(json);
  if (!parsed.success) fail(parsed.error.issues[0], [], file);
  if (!parsed.data.tokenizer && !('from' in parsed.data.model)) {
    throw new VlmError('config_invalid', 'tokenizer: required', { location: { file, field: 'tokenizer' }, hint: 'name the tokenizer (kind: llama-2, bytes, or hf with file), or start from a folder with model.from' });
  }
  const stages = parsed.data.stages.map((s, i) => {
    const { data, ...rest } = s;
    const stage = stageSchema.safeParse(rest);
    if (!stage.success) fail(stage.error.issues[0], ['stages', i], file);
    return { ...stage.data, data };
  });
  return { ...parsed.data, stages };
}
