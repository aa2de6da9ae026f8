import * as tf from '@tensorflow/tfjs-core';
import { type KvCache, type LlamaModel, disposeCache } from '../models/llama';

/** Incremental decoding state: logits of the next token, then push the chosen token. */
export interface DecodeSession {
  /** Logits `[vocab]` for the token after everything pushed so far. */
  nextLogits(): Promise<Float32Array>;
  push(tokenId: number): void;
  dispose(): void;
}

/** How a session runs the model. */
export interface SessionOptions {
  /** Reuse keys/values of earlier positions (default true); false recomputes the whole sequence. */
  useCache?: boolean;
}

/**
 * A session over a LLaMA whose prompt is ready embeddings `[1, P, D]` (a spliced LLaVA or BLIP-2
 * prompt, or plain token embeddings). The session keeps its own copy of the prompt.
 */
export function embeddingsSession(lm: LlamaModel, promptEmbeds: tf.Tensor3D, options: SessionOptions = {}): DecodeSession {
  const useCache = options.useCache ?? true;
  const prompt = tf.keep(promptEmbeds.clone());
  const generated: number[] = [];
  let cache: KvCache | undefined = useCache ? lm.createCache() : undefined;
  let pending: number[] | undefined; // tokens pushed but not yet run through the cache
  let started = false;
  return {
    async nextLogits() {
      const logits = tf.tidy(() => {
        if (cache) {
          if (!started) return lm.forward({ inputsEmbeds: prompt, cache, lastLogitsOnly: true }).logits;
          const ids = tf.tensor2d([pending ?? []], undefined, 'int32');
          return lm.forward({ inputIds: ids, cache, lastLogitsOnly: true }).logits;
        }
        const parts: tf.Tensor3D[] = [prompt];
        if (generated.length > 0) parts.push(lm.embedTokens(tf.tensor2d([generated], undefined, 'int32')));
        return lm.forward({ inputsEmbeds: tf.concat(parts, 1) as tf.Tensor3D, lastLogitsOnly: true }).logits;
      });
      started = true;
      pending = [];
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      return data;
    },
    push(tokenId) {
      generated.push(tokenId);
      pending?.push(tokenId);
    },
    dispose() {
      prompt.dispose();
      if (cache) disposeCache(cache);
      cache = undefined;
    },
  };
}

/** A text-only session from prompt token ids. */
export function tokensSession(lm: LlamaModel, promptIds: readonly number[], options: SessionOptions = {}): DecodeSession {
  const embeds = tf.tidy(() => lm.embedTokens(tf.tensor2d([promptIds.slice()], undefined, 'int32')));
  const session = embeddingsSession(lm, embeds, options);
  embeds.dispose();
  return session;
}
