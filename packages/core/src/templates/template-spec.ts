import { z } from 'zod';

/**
 * How a template assembles turns (the separator styles of upstream LLaVA, plus the first-release
 * training form of llava_v0). The strings themselves are data in the spec; the style is the rule.
 */
export const separatorStyleSchema = z.enum(['single', 'two', 'mpt', 'llama_2', 'plain', 'v0_train']);
export type SeparatorStyle = z.infer<typeof separatorStyleSchema>;

/** A conversation template as plain, validated data. Register your own with `registerTemplate`. */
export const templateSpecSchema = z.object({
  /** Registry key, e.g. `vicuna_v1`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'use lowercase letters, digits, "_", "-" or "."'),
  description: z.string().default(''),
  style: separatorStyleSchema,
  /** Default system message text (a `system` turn in a record overrides it). */
  system: z.string(),
  /** How the system text is written into the prompt; `{system}` is replaced. */
  systemFormat: z.string().default('{system}'),
  roles: z.object({ user: z.string(), assistant: z.string() }),
  sep: z.string(),
  /** Second separator (after assistant turns in `two`, end of turn in `llama_2`). */
  sep2: z.string().optional(),
  /** Untrained text written after each turn's separator (ChatML's newline after `<|im_end|>`). */
  turnSuffix: z.string().default(''),
  /** Strings that must be single token ids where the template writes them (`</s>`, `<|im_end|>` ...). */
  specialTokens: z.array(z.string().min(1)).default([]),
});

/** A validated template (defaults applied). */
export type TemplateSpec = z.output<typeof templateSpecSchema>;
/** What you write to define a template (defaults optional). */
export type TemplateSpecInput = z.input<typeof templateSpecSchema>;

/** The stop string a model emits at the end of each answer: `sep2` for `two`/`llama_2`, `sep` otherwise. */
export function stopStringOf(spec: TemplateSpec): string {
  if (spec.style === 'two' || spec.style === 'llama_2') return spec.sep2 ?? spec.sep;
  if (spec.style === 'v0_train') return '###';
  return spec.sep;
}
