import * as tf from '@tensorflow/tfjs-core';
import type { Blip2Model } from '../compose/blip2';
import type { FlamingoModel } from '../compose/flamingo';
import type { LlavaModel } from '../compose/llava';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { IMAGE_TOKEN_INDEX } from '@vlm/core';
import { type KvCache, disposeCache } from '../models/llama';
import { type DecodeSession, type SessionOptions, embeddingsSession } from './session';

/** A prompt for one sample: ids (with -200 for LLaVA images) and its images `[k, C, H, W]`. */
export interface ImagePrompt {
  inputIds: readonly number[];
  pixelValues?: tf.Tensor4D;
}

/** Decoding session of a LLaVA model: the prompt is spliced once, then decoded like text. */
export function llavaSession(model: LlavaModel, prompt: ImagePrompt, options: SessionOptions = {}): DecodeSession {
  const embeds = tf.tidy(() => model.prepareInputs({ inputIds: [prompt.inputIds], pixelValues: prompt.pixelValues }).inputsEmbeds);
  const session = embeddingsSession(model.lm, embeds, options);
  embeds.dispose();
  return session;
}

/** Decoding session of a BLIP-2 style model (queries prepended when an image is given). */
export function blip2Session(model: Blip2Model, prompt: ImagePrompt, options: SessionOptions = {}): DecodeSession {
  const embeds = tf.tidy(() => model.prepareInputs({ inputIds: [prompt.inputIds], pixelValues: prompt.pixelValues }).inputsEmbeds);
  const session = embeddingsSession(model.options.lm, embeds, options);
  embeds.dispose();
  return session;
}

/**
 * Decoding session of a Flamingo-style model. Media are encoded once; with the cache, each new
 * token attends to the latest image counted over the prompt and the tokens generated so far.
 */
export function flamingoSession(model: FlamingoModel, prompt: ImagePrompt, options: SessionOptions = {}): DecodeSession {
  const useCache = options.useCache ?? true;
  const media = prompt.pixelValues ? tf.keep(tf.tidy(() => model.encodeMedia(prompt.pixelValues as tf.Tensor4D, prompt.pixelValues!.shape[0]))) : undefined;
  const imageId = model.options.imageTokenId;
  const all = prompt.inputIds.slice();
  let cache: KvCache | undefined = useCache ? model.lm.createCache() : undefined;
  let done = 0; // tokens of `all` already in the cache
  return {
    async nextLogits() {
      const logits = tf.tidy(() => {
        if (!cache) return model.forward({ inputIds: tf.tensor2d([all], undefined, 'int32'), media, lastLogitsOnly: true }).logits;
        const fresh = all.slice(done);
        const before = all.slice(0, done).filter((t) => t === imageId).length;
        return model.forward({
          inputIds: tf.tensor2d([fresh], undefined, 'int32'),
          media,
          cache,
          imagesBefore: tf.tensor2d([[before]], undefined, 'int32'),
          lastLogitsOnly: true,
        }).logits;
      });
      done = all.length;
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      return data;
    },
    push(tokenId) {
      all.push(tokenId);
    },
    dispose() {
      media?.dispose();
      if (cache) disposeCache(cache);
      cache = undefined;
    },
  };
}

/**
 * A decoding session for any architecture from a LLaVA-style prompt (one -200 per image): llava
 * splices the image tokens there, blip2 prepends its queries instead, flamingo turns each -200 into
 * its `<image>` token and attends to the images through cross-attention.
 */
export function modelSession(model: VisionLanguageModel, prompt: ImagePrompt, options: SessionOptions = {}): DecodeSession {
  if (model.architecture === 'llava') return llavaSession(model, prompt, options);
  const images = prompt.inputIds.filter((t) => t === IMAGE_TOKEN_INDEX).length;
  if (model.architecture === 'blip2') {
    const text = prompt.inputIds.filter((t) => t !== IMAGE_TOKEN_INDEX);
    const embeds = tf.tidy(() => model.prepareInputs({ inputIds: [text], pixelValues: images > 0 ? prompt.pixelValues : undefined, hasImage: [images > 0] }).inputsEmbeds);
    const session = embeddingsSession(model.lm, embeds, options);
    embeds.dispose();
    return session;
  }
  const mediaId = model.options.imageTokenId;
  return flamingoSession(model, { inputIds: prompt.inputIds.map((t) => (t === IMAGE_TOKEN_INDEX ? mediaId : t)), pixelValues: images > 0 ? prompt.pixelValues : undefined }, options);
}
