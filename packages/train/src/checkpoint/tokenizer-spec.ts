import { z } from 'zod';

/** Which tokenizer a model uses: its identity, saved with every checkpoint. */
export const tokenizerSpecSchema = z.object({
  /** `bytes` (byte-level, tiny models), `llama-2` (bundled), or `hf` (a tokenizer.json file). */
  kind: z.enum(['bytes', 'llama-2', 'hf']),
  /** tokenizer.json path for `hf` (relative to the config or checkpoint folder). */
  file: z.string().optional(),
  /** Special strings appended as new ids (chat tags); the LM vocabulary must cover them. */
  extraSpecialTokens: z.array(z.string().min(1)).optional(),
});

/** A tokenizer identity. */
export type TokenizerSpec = z.infer<typeof tokenizerSpecSchema>;
