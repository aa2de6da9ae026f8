import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP_IMAGE_MEAN as MEAN, CLIP_IMAGE_STD as STD } from '../models/clip-vision';
import { useCpuBackend } from '../testing/backend';
import { preprocessImage, preprocessImages } from './preprocess';

let dir: string;
/** A 16x8 image: left half pure red, right half pure blue. */
async function wideImage(format: 'png' | 'jpeg' | 'webp' | 'tiff'): Promise<string> {
  const w = 16;
  const h = 8;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  const path = join(dir, `wide.${format}`);
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  await (format === 'jpeg' ? img.jpeg({ quality: 100 }) : format === 'webp' ? img.webp({ lossless: true }) : format === 'tiff' ? img.tiff({ compression: 'lzw' }) : img.png()).toFile(path);
  return path;
}

beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(join(tmpdir(), 'vlm-train-img-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const norm = (v: number, c: number) => (v - MEAN[c]!) / STD[c]!;
const at = (px: Float32Array, size: number, c: number, y: number, x: number) => px[c * size * size + y * size + x]!;

describe('preprocessImage', () => {
  it('pads a PNG to a square with the mean colour (LLaVA-1.5), then normalises', async () => {
    const px = await preprocessImage(await wideImage('png'), { size: 8, mode: 'pad' });
    expect(px).toHaveLength(3 * 8 * 8);
    // 16x8 -> 16x16 with 4 rows of mean colour above and below -> 8x8: rows 0 and 7 are padding
    for (let c = 0; c < 3; c++) expect(at(px, 8, c, 0, 3)).toBeCloseTo(norm(Math.floor(MEAN[c]! * 255) / 255, c), 1);
    expect(at(px, 8, 0, 4, 0)).toBeCloseTo(norm(1, 0), 1); // red on the left
    expect(at(px, 8, 2, 4, 7)).toBeCloseTo(norm(1, 2), 1); // blue on the right
  });

  it('resizes and centre-crops a JPEG (CLIP processor)', async () => {
    const px = await preprocessImage(await wideImage('jpeg'), { size: 4, mode: 'crop' });
    // 16x8 -> 8x4 -> centre 4x4: two red columns then two blue columns, no padding rows
    expect(at(px, 4, 0, 0, 0)).toBeCloseTo(norm(1, 0), 1);
    expect(at(px, 4, 2, 3, 3)).toBeCloseTo(norm(1, 2), 1);
  });

  it('decodes lossless WebP and TIFF into a batch, identical to the PNG', async () => {
    const batch = await preprocessImages([await wideImage('webp'), await wideImage('tiff'), await wideImage('png')], { size: 8 });
    expect(batch.shape).toEqual([3, 3, 8, 8]);
    const [a, b, png] = tf.tidy(() => tf.unstack(batch).map((t) => t.dataSync() as Float32Array));
    const maxDiff = (x: Float32Array, y: Float32Array) => Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
    expect(maxDiff(a!, png!)).toBeLessThan(1e-6);
    expect(maxDiff(b!, png!)).toBeLessThan(1e-6);
    batch.dispose();
  });

  it('names the file when it is missing or corrupt', async () => {
    const bad = join(dir, 'broken.jpg');
    await writeFile(bad, Buffer.from('definitely not a jpeg'));
    await expect(preprocessImage(bad, { size: 8 })).rejects.toThrow(VlmError);
    await expect(preprocessImage(bad, { size: 8 })).rejects.toThrow(/broken\.jpg/);
    await expect(preprocessImage(join(dir, 'missing.png'), { size: 8 })).rejects.toThrow(/missing\.png/);
  });
});
