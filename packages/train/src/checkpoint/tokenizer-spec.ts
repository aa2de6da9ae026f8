import { isAbsolute, join } from 'node:path';
import { type Tokenizer, VlmError, createByteTokenizer, loadLlama2Tokenizer } from '@vlm/core';
import { loadTokenizerJson } from '@vlm/core/node';
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

/** Creates the tokenizer a spec names; `baseDir` resolves a relative `file`. */
export async function createTokenizer(spec: TokenizerSpec, baseDir = '.'): Promise<Tokenizer> {
  let base: Tokenizer;
  if (spec.kind === 'bytes') base = createByteTokenizer();
  else if (spec.kind === 'llama-2') base = await loadLlama2Tokenizer();
  else {
    if (!spec.file) throw new VlmError('config_invalid', 'an hf tokenizer needs its tokenizer.json file', { location: { field: 'tokenizer.file' } });
    base = await loadTokenizerJson(isAbsolute(spec.file) ? spec.file : join(baseDir, spec.file));
  }
  return spec.extraSpecialTokens?.length ? base.withSpecialTokens(spec.extraSpecialTokens) : base;
}
