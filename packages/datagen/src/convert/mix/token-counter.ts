import { readFile } from 'node:fs/promises';
import {
  VlmError,
  createByteTokenizer,
  createHfTokenizer,
  formatConversation,
  getTemplate,
  loadLlama2Tokenizer,
  tokenizeConversation,
  type LlavaRecord,
  type TokenizerJson,
  type Tokenizer,
} from '@vlm/core';

/** Counts the tokens of a record as the model will see it (template + tokenizer). */
export interface TokenCounter {
  /** For the report, e.g. `llama-2 tokenizer, vicuna_v1 template`. */
  name: string;
  /** All positions of the sequence, and the trained ones (answers and their stop strings). */
  count(record: LlavaRecord, row?: number): { tokens: number; trained: number };
}

/** Options of {@link createTokenCounter}. */
export interface TokenCounterOptions {
  /** Conversation template from @vlm/core's registry (default `vicuna_v1`). */
  template?: string;
  /** `llama-2` (bundled, default), `bytes`, a path to a Hugging Face `tokenizer.json`, or a tokenizer. */
  tokenizer?: string | Tokenizer;
  /** Positions per image (576 for a 336px CLIP ViT-L/14); default 1, the placeholder id alone. */
  imageTokens?: number;
}

async function resolveTokenizer(tokenizer: string | Tokenizer): Promise<Tokenizer> {
  if (typeof tokenizer !== 'string') return tokenizer;
  if (tokenizer === 'llama-2' || tokenizer === 'llama2') return loadLlama2Tokenizer();
  if (tokenizer === 'bytes') return createByteTokenizer();
  if (tokenizer.endsWith('.json')) {
    const json = JSON.parse(await readFile(tokenizer, 'utf8')) as TokenizerJson;
    return createHfTokenizer(json);
  }
  throw new VlmError('unknown_tokenizer', `Unknown tokenizer "${tokenizer}".`, {
    hint: 'Use llama-2, bytes, or the path of a Hugging Face tokenizer.json.',
  });
}

/**
 * A token counter built on @vlm/core: each record is formatted with the template and tokenised the way
 * training will (`formatConversation` + `tokenizeConversation`), so mixture statistics match training.
 */
export async function createTokenCounter(options: TokenCounterOptions = {}): Promise<TokenCounter> {
  const template = getTemplate(options.template ?? 'vicuna_v1');
  const tokenizer = await resolveTokenizer(options.tokenizer ?? 'llama-2');
  const imageTokens = options.imageTokens;
  return {
    name: `${tokenizer.name} tokenizer, ${template.name} template${imageTokens ? `, ${imageTokens} positions per image` : ''}`,
    count(record, row) {
      const formatted = formatConversation(record, { template, row });
      const out = tokenizeConversation(formatted, tokenizer, imageTokens ? { imageTokens } : {});
      return { tokens: out.inputIds.length, trained: out.trainedTokens };
    },
  };
}
