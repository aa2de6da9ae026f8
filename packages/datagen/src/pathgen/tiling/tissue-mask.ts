/**
 * Tissue test of one RGB pixel: stained tissue is coloured (HSV saturation above `minSaturation`)
 * and not glass-white (brightness below `maxBrightness`). Defaults 0.08 and 0.92 separate H&E from
 * the white background of scanned slides; pen marks and dark debris pass as tissue.
 */
export interface TissueMaskOptions {
  minSaturation?: number;
  maxBrightness?: number;
}

/** Fraction of tissue pixels in interleaved RGB data with `channels` channels per pixel. */
export function tissueFraction(data: Uint8Array, channels: number, options: TissueMaskOptions = {}): number {
  const minSaturation = options.minSaturation ?? 0.08;
  const maxBrightness = (options.maxBrightness ?? 0.92) * 255;
  let tissue = 0;
  const pixels = Math.floor(data.length / channels);
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (max > 0 && max < maxBrightness && (max - min) / max > minSaturation) tissue++;
  }
  return pixels === 0 ? 0 : tissue / pixels;
}
