import sharp, { type Metadata } from 'sharp';

import { VlmError } from '@vlm/core';

import { tissueFraction, type TissueMaskOptions } from './tissue-mask';

/** Tiling parameters; PathGen uses 672-pixel patches with stride 672 at level 0, kept above 50 % tissue. */
export interface TilingOptions extends TissueMaskOptions {
  patchSize?: number;
  stride?: number;
  /** Patches with a smaller tissue fraction are dropped. Default 0.5. */
  minTissue?: number;
  /** The tissue mask is computed on a thumbnail with this many pixels per patch side. Default 16. */
  maskPixelsPerPatch?: number;
}

/** One patch of a slide, in level-0 pixels. */
export interface Patch {
  id: string;
  x: number;
  y: number;
  size: number;
  tissue: number;
}

/**
 * Tiles a large image (anything sharp reads: TIFF, PNG, JPEG, ...) into square patches on a stride
 * grid and keeps those with enough tissue. The tissue mask is measured on a thumbnail so the slide
 * is never decoded whole at full resolution; only kept patches are cut later by {@link readPatch}.
 */
export async function tileImage(path: string, options: TilingOptions = {}): Promise<{ width: number; height: number; patches: Patch[] }> {
  const size = options.patchSize ?? 672;
  const stride = options.stride ?? size;
  const minTissue = options.minTissue ?? 0.5;
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new VlmError('slide_unreadable', `cannot read slide image: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < size || height < size) return { width, height, patches: [] };
  const scale = Math.min(1, (options.maskPixelsPerPatch ?? 16) / size);
  const thumbWidth = Math.max(1, Math.round(width * scale));
  const thumbHeight = Math.max(1, Math.round(height * scale));
  const { data } = await sharp(path, { limitInputPixels: false })
    .resize(thumbWidth, thumbHeight, { fit: 'fill', kernel: 'linear' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const thumb = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const patches: Patch[] = [];
  const cell = new Uint8Array(Math.ceil(size * scale + 2) ** 2 * 3);
  for (let y = 0; y + size <= height; y += stride) {
    for (let x = 0; x + size <= width; x += stride) {
      const tx0 = Math.floor(x * scale);
      const ty0 = Math.floor(y * scale);
      const tx1 = Math.min(thumbWidth, Math.max(tx0 + 1, Math.round((x + size) * scale)));
      const ty1 = Math.min(thumbHeight, Math.max(ty0 + 1, Math.round((y + size) * scale)));
      let n = 0;
      for (let ty = ty0; ty < ty1; ty++) {
        const row = (ty * thumbWidth + tx0) * 3;
        const length = (tx1 - tx0) * 3;
        cell.set(thumb.subarray(row, row + length), n);
        n += length;
      }
      const tissue = tissueFraction(cell.subarray(0, n), 3, options);
      if (tissue > minTissue) patches.push({ id: `x${x}_y${y}`, x, y, size, tissue });
    }
  }
  return { width, height, patches };
}

/** Cuts one patch out of the slide as PNG bytes (optionally resized, e.g. to a vision tower's 336). */
export async function readPatch(path: string, patch: Pick<Patch, 'x' | 'y' | 'size'>, options: { resize?: number } = {}): Promise<Buffer> {
  let image = sharp(path, { limitInputPixels: false }).extract({ left: patch.x, top: patch.y, width: patch.size, height: patch.size }).removeAlpha();
  if (options.resize) image = image.resize(options.resize, options.resize);
  return image.png().toBuffer();
}
