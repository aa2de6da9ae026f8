import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lossCurveSvg } from './loss-curve';

/** Raw RGB pixels of an SVG rendered by sharp (librsvg), as the PNG writer renders it. */
async function render(svg: string) {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const ink = (x: number, y: number) => {
    const i = (y * info.width + x) * info.channels;
    return data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250;
  };
  return { width: info.width, height: info.height, ink };
}

const curve = (name: string, n: number) => ({ name, points: Array.from({ length: n }, (_, i) => [i + 1, 3 / (i + 1)] as const) });

describe('lossCurveSvg', () => {
  it('wraps a long legend onto more rows instead of cutting it at the right edge', async () => {
    const series = [curve('language-model-pretraining', 1200), curve('connector-alignment-on-captions', 300), curve('instruction-tuning-connector-and-lm', 1800), curve('extra', 5)];
    const svg = lossCurveSvg(series);
    const { width, height, ink } = await render(svg);
    for (let y = 0; y < height; y++) for (let x = width - 8; x < width; x++) expect(ink(x, y), `ink at (${x}, ${y}) in the right margin`).toBe(false);
    for (let x = 0; x < width; x++) expect(ink(x, height - 2), `ink at (${x}, ${height - 2}) on the bottom edge`).toBe(false);
    expect(width).toBe(720);
    expect(height).toBeGreaterThan(320); // grew by a legend row
    for (const s of series) expect(svg).toContain(`${s.name} (${s.points.length} steps)`);
  });

  it('keeps the default size when the legend fits on one row', async () => {
    const { height } = await render(lossCurveSvg([curve('align', 3), curve('instruct', 40)]));
    expect(height).toBe(320);
  });
});
