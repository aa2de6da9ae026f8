import { costOf } from './pricing';
import type { ModelPrice, TeacherMessage, TeacherParams } from './types';

/**
 * Tokens reserved per image part. OpenAI bills an image by its size and detail; the most any current
 * model bills for one image is gpt-4o-mini's high detail at 2048x768 (2,833 + 4 tiles x 5,667 = 25,501).
 */
export const imageTokenAllowance = 25_600;

/** Completion tokens reserved for a request that sets no max_tokens (the largest output of the gpt-4o/4.1 family). */
export const defaultCompletionAllowance = 32_768;

/**
 * The most a request can cost, without a tokenizer: every BPE token is at least one byte of UTF-8, so
 * the bytes of the message texts (plus OpenAI's 3 framing tokens per message and 3 priming the reply)
 * bound the prompt tokens; the completion is bound by max_tokens.
 */
export function maxCostOf(messages: readonly TeacherMessage[], params: TeacherParams, price: ModelPrice | undefined, discount = 1): number {
  if (!price) return 0;
  let promptTokens = 3;
  for (const message of messages) {
    promptTokens += 3 + message.role.length;
    if (typeof message.content === 'string') promptTokens += Buffer.byteLength(message.content);
    else for (const part of message.content) promptTokens += part.type === 'text' ? Buffer.byteLength(part.text) : imageTokenAllowance;
  }
  const max = params.max_completion_tokens ?? params.max_tokens;
  const completionTokens = typeof max === 'number' ? max : defaultCompletionAllowance;
  return costOf({ promptTokens, completionTokens }, price, discount);
}
