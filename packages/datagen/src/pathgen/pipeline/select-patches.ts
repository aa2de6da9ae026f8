import type { Rng } from '@vlm/core';

import { imageDataUrl } from '../agents/describe-patch';
import type { Embedder } from '../retrieval/embedder';
import { sampleDiverse } from '../retrieval/diverse-sample';
import { rankPatches, type RankMode } from '../retrieval/rank-patches';
import { readPatch, tileImage, type Patch, type TilingOptions } from '../tiling/tile-image';

/** One slide to mine, with its own prompts (report sentences) or the shared type prompts. */
export interface SlideInput {
  id: string;
  path: string;
  prompts?: string[];
  /** How to reduce the prompt similarities; PathGen uses max for type prompts, sum for report sentences. */
  mode?: RankMode;
}

/** A selected patch: where it is, how it ranked and which diversity cluster it came from. */
export interface SelectedPatch extends Patch {
  slide: string;
  slidePath: string;
  score: number;
  cluster: number;
}

/** Options of the retrieval stage. */
export interface SelectPatchesOptions {
  embedder: Embedder;
  prompts: string[];
  rng: Rng;
  tiling?: TilingOptions;
  /** Ranked candidates kept before clustering. Default 4 x cap. */
  candidates?: number;
  clusters?: number;
  cap?: number;
  /** Side of the image sent to the embedder. Default 336 (the PathGen CLIP input). */
  embedSize?: number;
}

/** Retrieval agent for one slide: tile, embed patches and prompts, rank, diversify. */
export async function selectPatches(slide: SlideInput, options: SelectPatchesOptions): Promise<SelectedPatch[]> {
  const { patches } = await tileImage(slide.path, options.tiling);
  if (patches.length === 0) return [];
  // Patches are encoded and embedded 64 at a time, so a slide with thousands of patches never holds them all as data URLs.
  const patchFeatures: number[][] = [];
  for (let start = 0; start < patches.length; start += 64) {
    const images: string[] = [];
    for (const patch of patches.slice(start, start + 64)) images.push(imageDataUrl(await readPatch(slide.path, patch, { resize: options.embedSize ?? 336 })));
    patchFeatures.push(...(await options.embedder.embedImages(images)));
  }
  const promptFeatures = await options.embedder.embedTexts(slide.prompts ?? options.prompts);
  const ranked = rankPatches(patchFeatures, promptFeatures, slide.mode ?? (slide.prompts ? 'sum' : 'max'));
  const cap = options.cap ?? 256;
  const top = ranked.slice(0, options.candidates ?? cap * 4);
  const { selected, labels } = sampleDiverse(
    top.map((r) => patchFeatures[r.index]!),
    top.map((_, i) => i),
    { rng: options.rng.fork(slide.id), clusters: options.clusters, cap },
  );
  return selected.map((i) => ({ ...patches[top[i]!.index]!, slide: slide.id, slidePath: slide.path, score: top[i]!.score, cluster: labels[i]! }));
}
