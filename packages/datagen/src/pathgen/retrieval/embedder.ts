import OpenAI from 'openai';

import { VlmError } from '@vlm/core';

/** Embeds prompts and patches into one space (a pathology CLIP, in PathGen). */
export interface Embedder {
  embedTexts(texts: readonly string[]): Promise<number[][]>;
  /** Images as data URLs (`data:image/png;base64,...`). */
  embedImages(images: readonly string[]): Promise<number[][]>;
}

/** Connection to an OpenAI-compatible `/embeddings` endpoint serving a CLIP-style model. */
export interface OpenAiEmbedderOptions {
  model: string;
  /** Model for images when it differs from the text one. */
  imageModel?: string;
  baseURL?: string;
  apiKey?: string;
  client?: OpenAI;
  /** Inputs per request. Default 32. */
  batchSize?: number;
}

/**
 * An {@link Embedder} over an OpenAI-compatible embeddings endpoint. Texts are sent as strings;
 * images as data-URL strings, which CLIP servers that speak this API (e.g. a CLIP behind an
 * OpenAI-compatible gateway) decode as images.
 */
export function openAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const client = options.client ?? new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? 'unused' });
  const batchSize = options.batchSize ?? 32;
  const embed = async (inputs: readonly string[], model: string): Promise<number[][]> => {
    const out: number[][] = [];
    for (let i = 0; i < inputs.length; i += batchSize) {
      const batch = inputs.slice(i, i + batchSize);
      const response = await client.embeddings.create({ model, input: batch as string[], encoding_format: 'float' });
      const sorted = response.data.slice().sort((a, b) => a.index - b.index);
      if (sorted.length !== batch.length) {
        throw new VlmError('embedding_count_mismatch', `asked for ${batch.length} embeddings, got ${sorted.length}`, { hint: 'check that the endpoint serves this model' });
      }
      out.push(...sorted.map((d) => d.embedding));
    }
    return out;
  };
  return {
    embedTexts: (texts) => embed(texts, options.model),
    embedImages: (images) => embed(images, options.imageModel ?? options.model),
  };
}

/** An {@link Embedder} from user functions (a local model, precomputed features, ...). */
export function functionEmbedder(fns: { texts: (texts: readonly string[]) => Promise<number[][]> | number[][]; images: (images: readonly string[]) => Promise<number[][]> | number[][] }): Embedder {
  return { embedTexts: async (t) => fns.texts(t), embedImages: async (i) => fns.images(i) };
}

/** Scales a vector to unit length (zero vectors stay zero). */
export function l2Normalise(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((acc, v) => acc + v * v, 0));
  return norm === 0 ? vector.slice() : vector.map((v) => v / norm);
}
