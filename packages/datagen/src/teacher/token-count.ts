import { Tiktoken } from 'js-tiktoken/lite';

import type { TeacherMessage } from './types';

/** The BPE vocabulary a model's tokenizer uses. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * What token counting needs of a loaded encoding (js-tiktoken's `Tiktoken` is one). The public types name
 * this instead of `Tiktoken`: js-tiktoken ships ESM-only declarations, which a CommonJS consumer's
 * `tsc --strict` without `skipLibCheck` rejects (TS1479) when our `.d.cts` imports them.
 */
export interface TextEncoding {
  encode(text: string): number[];
}

/** `cl100k_base` for GPT-4 / GPT-3.5 (not 4o / 4.1), `o200k_base` for the rest and unknown models. */
export function encodingForModel(model: string): EncodingName {
  return /^gpt-(4|3\.5)(-turbo|-\d|$)/.test(model) && !/^gpt-4(o|\.\d)/.test(model) ? 'cl100k_base' : 'o200k_base';
}

const loaded = new Map<EncodingName, Promise<TextEncoding>>();

/** Loads a tokenizer once (the rank tables are megabytes, so only when a count is asked for). */
export function loadEncoding(name: EncodingName): Promise<TextEncoding> {
  let pending = loaded.get(name);
  if (!pending) {
    pending = (name === 'cl100k_base' ? import('js-tiktoken/ranks/cl100k_base') : import('js-tiktoken/ranks/o200k_base')).then(
      (mod) => new Tiktoken((mod as { default: ConstructorParameters<typeof Tiktoken>[0] }).default),
    );
    loaded.set(name, pending);
  }
  return pending;
}

function contentText(content: TeacherMessage['content']): string {
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

/**
 * Prompt tokens of a chat request as OpenAI bills them: each message's text plus 3 tokens of framing
 * per message and 3 priming the reply (OpenAI's published counting recipe). Image parts are not counted.
 */
export function countPromptTokens(encoding: TextEncoding, messages: readonly TeacherMessage[]): number {
  let total = 3;
  for (const message of messages) total += 3 + encoding.encode(message.role).length + encoding.encode(contentText(message.content)).length;
  return total;
}

/** Tokens of a plain text (e.g. an expected answer). */
export function countTextTokens(encoding: TextEncoding, text: string): number {
  return encoding.encode(text).length;
}
