import { formatRounded } from '@vlm/prompts';

/** A box as normalised corners, each in 0..1 of the reference frame (see {@link BoxNormalization}). */
export type NormalizedBox = [x1: number, y1: number, x2: number, y2: number];

/**
 * What a normalised box is a fraction of. `square` (default, as LLaVA-1.5's released region data): the
 * image padded to a square on its shorter side, centred (`expand2square`, offset `(long - short) // 2`),
 * so x and y share one scale, the one the model sees after padding. `per-axis`: the image's own width
 * and height.
 */
export type BoxNormalization = 'square' | 'per-axis';

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));

/**
 * Converts a COCO/Visual Genome pixel box `[x, y, width, height]` into normalised corners, clamped to the
 * image first. Returns undefined for a degenerate box or image size, so callers can report the row.
 */
export function normalizeXywhBox(box: readonly number[], width: number, height: number, normalization: BoxNormalization = 'square'): NormalizedBox | undefined {
  const [x, y, w, h] = box;
  if (![x, y, w, h, width, height].every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  if (width <= 0 || height <= 0 || w! <= 0 || h! <= 0) return undefined;
  const corners = [clamp(x!, width), clamp(y!, height), clamp(x! + w!, width), clamp(y! + h!, height)] as const;
  if (normalization === 'per-axis') return [corners[0] / width, corners[1] / height, corners[2] / width, corners[3] / height];
  const side = Math.max(width, height);
  const padX = Math.floor((side - width) / 2);
  const padY = Math.floor((side - height) / 2);
  return [(corners[0] + padX) / side, (corners[1] + padY) / side, (corners[2] + padX) / side, (corners[3] + padY) / side];
}

/**
 * `[0.12, 0.3, 0.58, 1.0]`: each corner as Python's `round(x, 2)` prints it, as LLaVA-1.5's region data
 * writes boxes (the one formatter of @vlm/prompts, also behind the symbolic image's `formatCoordinate`).
 */
export function formatRegionBox(box: NormalizedBox): string {
  return `[${box.map((v) => formatRounded(v, 2)).join(', ')}]`;
}
