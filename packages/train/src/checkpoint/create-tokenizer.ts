import { isAbsolute, join } from 'node:path';
import { type Tokenizer, VlmError, createByteTokenizer, loadLlama2Tokenizer } from '@vlm/core';
import { loadTokenizerJson } from '@vlm/core/node';
import type { TokenizerSpec } from './tokenizer-spec';

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
