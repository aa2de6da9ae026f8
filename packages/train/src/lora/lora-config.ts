import { z } from 'zod';

/** Linear layers of the LLaMA LM an adapter can target (PEFT `target_modules` names). */
export const lmLoraTargets = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
/** Linear layers of the CLIP vision tower an adapter can target. */
export const visionLoraTargets = ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2'] as const;

/**
 * LoRA of a stage: rank, alpha, dropout and rsLoRA as PEFT's `LoraConfig` means them, the layers to
 * adapt by name, and the adapters' learning rate. Defaults: every LM linear (LLaVA's
 * `find_all_linear_names`), none of the vision tower (LLaVA keeps it frozen).
 */
export const loraSchema = z
  .object({
    /** Rank r: A is `[r, in]`, B is `[out, r]`. */
    r: z.number().int().positive().default(8),
    /** `lora_alpha`; the update is scaled by alpha / r (alpha / sqrt(r) with rslora). */
    alpha: z.number().positive().default(8),
    /** Dropout on the adapter's input while training. */
    dropout: z.number().min(0).lt(1).default(0),
    /** rsLoRA scaling alpha / sqrt(r) (PEFT `use_rslora`). */
    rslora: z.boolean().default(false),
    /** LM linears to adapt (PEFT `target_modules`). */
    targetModules: z.array(z.enum(lmLoraTargets)).default([...lmLoraTargets]),
    /** Vision-tower linears to adapt (none by default). */
    visionTargetModules: z.array(z.enum(visionLoraTargets)).default([]),
    /** Learning rate of the adapters (LLaVA's finetune_lora: 2e-4). */
    lr: z.number().positive(),
    /** A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to start from instead of fresh adapters. */
    from: z.string().min(1).optional(),
  })
  .strict()
  .refine((l) => l.targetModules.length + l.visionTargetModules.length > 0, { message: 'adapt at least one layer (targetModules or visionTargetModules)', path: ['targetModules'] });

/** A validated LoRA spec (defaults applied). */
export type LoraSpec = z.output<typeof loraSchema>;
/** What you write under a stage's `lora`. */
export type LoraSpecInput = z.input<typeof loraSchema>;

/** The update scale of a spec: alpha / r, or alpha / sqrt(r) with rsLoRA (as PEFT's `LoraLayer.update_layer`). */
export function loraScaling(spec: Pick<LoraSpec, 'r' | 'alpha' | 'rslora'>): number {
  return spec.rslora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r;
}
