import { z } from 'zod';
import { loraSchema } from '../lora/lora-config';

/** The sub-modules of a LLaVA model a stage can train. */
export const moduleNames = ['vision', 'connector', 'lm'] as const;
/** One of {@link moduleNames}. */
export type ModuleName = (typeof moduleNames)[number];

/**
 * A training stage as data: which modules train (with their learning rate; others stay frozen), the
 * template its samples are formatted with, and how long it runs (epochs or steps).
 */
export const stageSchema = z
  .object({
    name: z.string().min(1),
    /** Conversation template of this stage (`plain` for alignment, `vicuna_v1` for instructions). */
    template: z.string().min(1),
    /** Replaces the template's default system message (saved with checkpoints for chat). */
    systemMessage: z.string().optional(),
    /** Learning rate of each trained module; modules not listed are frozen. */
    train: z
      .object({ vision: z.number().positive().optional(), connector: z.number().positive().optional(), lm: z.number().positive().optional() })
      .strict()
      .default({}),
    /**
     * LoRA adapters on the LM (and optionally vision) linears, trained at `lora.lr` besides the modules in
     * `train` (LLaVA's finetune_lora: adapters + connector); the adapted towers' weights stay frozen.
     */
    lora: loraSchema.optional(),
    epochs: z.number().int().positive().optional(),
    steps: z.number().int().positive().optional(),
    globalBatchSize: z.number().int().positive(),
    /** Largest micro-batch that fits; the actual one divides the global batch (accumulation fills the rest). */
    maxMicroBatchSize: z.number().int().positive().optional(),
    warmupRatio: z.number().min(0).max(1).default(0.03),
    minLrRatio: z.number().min(0).max(1).default(0),
    weightDecay: z.number().min(0).default(0),
    maxGradNorm: z.number().min(0).default(1),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    /** Longest spliced sequence (text plus image tokens); longer samples are truncated. */
    maxLength: z.number().int().positive().optional(),
    /** Save a checkpoint every n optimizer steps (always at the end). */
    checkpointEvery: z.number().int().positive().optional(),
    /** Train only the last answer of each conversation. */
    lastTurnOnly: z.boolean().default(false),
  })
  .strict()
  .refine((s) => (s.epochs === undefined) !== (s.steps === undefined), { message: 'give exactly one of epochs or steps', path: ['steps'] })
  .refine((s) => Object.keys(s.train).length > 0 || s.lora !== undefined, { message: 'train at least one module (vision, connector or lm) with its learning rate, or give lora', path: ['train'] })
  .refine((s) => !(s.lora && s.lora.targetModules.length > 0 && s.train.lm !== undefined), {
    message: 'the LM is frozen under LoRA on its layers: remove train.lm (the adapters train at lora.lr) or lora.targetModules',
    path: ['train', 'lm'],
  })
  .refine((s) => !(s.lora && s.lora.visionTargetModules.length > 0 && s.train.vision !== undefined), {
    message: 'the vision tower is frozen under LoRA on its layers: remove train.vision or lora.visionTargetModules',
    path: ['train', 'vision'],
  });

/** A validated stage (defaults applied). */
export type StageSpec = z.output<typeof stageSchema>;
/** What you write to declare a stage. */
export type StageSpecInput = z.input<typeof stageSchema>;

/** LLaVA stage 1: connector only, plain template, lr 1e-3. */
export function alignmentStage(overrides: Partial<StageSpecInput> = {}): StageSpecInput {
  return { name: 'align', template: 'plain', train: { connector: 1e-3 }, epochs: 1, globalBatchSize: 32, warmupRatio: 0.03, ...overrides };
}

/** LLaVA's finetune_lora stage 2: LoRA r 128, alpha 256 on every LM linear at 2e-4, connector at 2e-5. */
export function loraInstructionStage(overrides: Partial<StageSpecInput> = {}): StageSpecInput {
  return { name: 'instruct-lora', template: 'vicuna_v1', train: { connector: 2e-5 }, lora: { r: 128, alpha: 256, dropout: 0.05, lr: 2e-4 }, epochs: 1, globalBatchSize: 16, warmupRatio: 0.03, ...overrides };
}

/** LLaVA stage 2: connector + LM, vicuna_v1 template, lr 2e-5. */
export function instructionStage(overrides: Partial<StageSpecInput> = {}): StageSpecInput {
  return { name: 'instruct', template: 'vicuna_v1', train: { connector: 2e-5, lm: 2e-5 }, epochs: 1, globalBatchSize: 16, warmupRatio: 0.03, ...overrides };
}
