import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { readPatch, tileImage } from './tile-image';
import { tissueFraction } from './tissue-mask';

// A 1344 x 1344 "slide": the left 672 columns pink tissue, the rest glass white.
async function writeSlide(path: string): Promise<void> {
  const width = 1344;
  const height = 1344;
  const data = Buffer.alloc(width * height * 3, 245);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < 672; x++) data.set([220, 140, 190], (y * width + x) * 3);
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

describe('tissueFraction', () => {
  it('counts coloured, non-white pixels', () => {
    const pixels = Uint8Array.from([220, 140, 190, 250, 250, 250, 128, 128, 128, 90, 40, 130]);
    // pink: tissue; white: too bright; grey: unsaturated; purple: tissue.
    expect(tissueFraction(pixels, 3)).toBe(0.5);
  });
});

describe('tileImage', () => {
  let slide: string;
  beforeAll(async () => {
    slide = join(await mkdtemp(join(tmpdir(), 'tiles-')), 'slide.png');
    await writeSlide(slide);
  });

  it('keeps patches with more than half tissue on the stride grid', async () => {
    const { width, height, patches } = await tileImage(slide);
    expect([width, height]).toEqual([1344, 1344]);
    expect(patches.map((p) => p.id)).toEqual(['x0_y0', 'x0_y672']);
    expect(patches[0]!.tissue).toBeCloseTo(1, 5);
  });

  it('honours patch size, stride and the tissue threshold', async () => {
    const { patches } = await tileImage(slide, { patchSize: 448, stride: 448 });
    // Columns at x = 0 (all tissue), 448 (224/448 = 0.5 tissue, not > 0.5), 896 (none).
    expect(patches.map((p) => p.x)).toEqual([0, 0, 0]);
    const loose = await tileImage(slide, { patchSize: 448, stride: 448, minTissue: 0.2 });
    expect(new Set(loose.patches.map((p) => p.x))).toEqual(new Set([0, 448]));
  });

  it('cuts a patch as PNG, optionally resized', async () => {
    const png = await readPatch(slide, { x: 0, y: 0, size: 672 }, { resize: 336 });
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 336, 336]);
  });
});
