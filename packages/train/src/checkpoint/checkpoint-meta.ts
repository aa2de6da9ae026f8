import { z } from 'zod';
import { modelSpecJsonSchema } from './model-spec';
import { tokenizerSpecSchema } from './tokenizer-spec';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  meta: 'checkpoint.json',
  weights: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  tokenizer: 'tokenizer.json',
  /** LoRA checkpoints: PEFT's adapter files, and the other trained modules beside them. */
  adapterConfig: 'adapter_config.json',
  adapterModel: 'adapter_model.safetensors',
  nonLoraTrainables: 'non_lora_trainables.safetensors',
} as const;

/**
 * What a LoRA checkpoint's adapters sit on: another checkpoint folder (relative to this one), or the
 * model as a run builds it (seeded init, optionally pretrained towers). The base is never copied.
 */
export const loraBaseSchema = z.union([
  z.object({ checkpoint: z.string().min(1) }).strict(),
  z.object({ init: z.object({ seed: z.number().int(), lm: z.string().optional(), vision: z.string().optional() }).strict() }).strict(),
]);

/** The base of a LoRA checkpoint. */
export type LoraBase = z.infer<typeof loraBaseSchema>;

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
  /**
   * Present in LoRA checkpoints: no model.safetensors; the adapters in PEFT's format, the modules the
   * stage trained besides them in non_lora_trainables.safetensors, and the base they apply to.
   */
  lora: z.object({ base: loraBaseSchema, nonLoraModules: z.array(z.enum(['vision', 'connector', 'lm'])) }).optional(),
  /** Loss of every step of this stage so far. */
  losses: z.array(z.number()),
});

/** Parsed `checkpoint.json`. */
export type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;
