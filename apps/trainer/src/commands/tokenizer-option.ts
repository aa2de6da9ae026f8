import { createByteTokenizer, loadLlama2Tokenizer, type Tokenizer } from '@vlm/core';
import { loadTokenizerJson } from '@vlm/core/node';

/** `llama-2` (default), `bytes`, or a path to a tokenizer.json. Chat tags are added as special tokens. */
export async function tokenizerFromOption(value: string | undefined): Promise<Tokenizer> {
  const base = value === undefined || value === 'llama-2' ? await loadLlama2Tokenizer() : value === 'bytes' ? createByteTokenizer() : await loadTokenizerJson(value);
  return base.withSpecialTokens(['<|im_start|>', '<|im_end|>', '<im_start>', '<im_end>']);
}
