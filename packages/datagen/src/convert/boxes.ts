/** A box as normalised corners, each in 0..1 of the image width or height. */
export type NormalizedBox = [x1: number, y1: number, x2: number, y2: number];

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Converts a COCO/Visual Genome pixel box `[x, y, width, height]` into normalised corners, clamped to the
 * image. Returns undefined for a degenerate box or image size, so callers can report the row.
 */
export function normalizeXywhBox(box: readonly number[], width: number, height: number): NormalizedBox | undefined {
  const [x, y, w, h] = box;
  if (![x, y, w, h, width, height].every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  if (width! <= 0 || height! <= 0 || w! <= 0 || h! <= 0) return undefined;
  return [clamp01(x! / width), clamp01(y! / height), clamp01((x! + w!) / width), clamp01((y! + h!) / height)];
}

/** `[0.12, 0.30, 0.58, 1.00]`: two decimals, as LLaVA-1.5's region data writes boxes. */
export function formatRegionBox(box: NormalizedBox): string {
  return `[${box.map((v) => v.toFixed(2)).join(', ')}]`;
}
