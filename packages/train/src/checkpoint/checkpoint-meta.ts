import { z } from 'zod';
import { modelSpecJsonSchema } from './model-spec';
import { tokenizerSpecSchema } from './tokenizer-spec';

/** Key prefix of the vision tower in a LLaVA checkpoint (`model.vision_tower.vision_tower.vision_model.*`). */
export const VISION_PREFIX = 'model.vision_tower.vision_tower.';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  meta: 'checkpoint.json',
  weights: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  tokenizer: 'tokenizer.json',
} as const;

/** `checkpoint.json`: what was trained, how to rebuild it, and where to resume. */
export const checkpointMetaSchema = z.object({
  format: z.literal('vlm-train-checkpoint'),
  version: z.literal(1),
  model: modelSpecJsonSchema,
  tokenizer: tokenizerSpecSchema.extend({ name: z.string(), vocabSize: z.number().int() }),
  /** Template of the stage that wrote it; chat formats prompts with it. */
  template: z.string(),
  systemMessage: z.string().optional(),
  seed: z.number().int(),
  stage: z.object({ index: z.number().int().min(0), name: z.string(), spec: z.record(z.string(), z.unknown()) }),
  /** Optimizer steps done in this stage, and the stage's total. */
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  /** The next global batch to read. */
  dataPosition: z.object({ epoch: z.number().int().min(0), batch: z.number().int().min(0) }),
  optimizer: z
    .object({
      type: z.literal('adamw'),
      step: z.number().int().min(0),
      beta1: z.number(),
      beta2: z.number(),
      epsilon: z.number(),
      weightDecay: z.number(),
      file: z.string(),
    })
    .optional(),
  /** Loss of every step of this stage so far. */
  losses: z.array(z.number()),
});

/** Parsed `checkpoint.json`. */
export type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;
