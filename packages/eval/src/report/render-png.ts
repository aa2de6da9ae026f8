import sharp from 'sharp';

/** Rasterises an SVG document to PNG bytes with sharp (librsvg). */
export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).png().toBuffer();
}
