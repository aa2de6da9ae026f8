// A 3x5 pixel font for the characters of box labels and the legend's numbers: digits, comma, dash.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  ',': '000000000010100',
  '-': '000000111000000',
};

/** Width in pixels of `text` drawn at `scale` (3 px per glyph plus 1 px spacing, times scale). */
export function labelWidth(text: string, scale: number): number {
  return Math.max(0, text.length * 4 - 1) * scale;
}

/** Draws `text` (digits, ',' and '-'; others are skipped) with its top-left at (x, y) into an RGB image. */
export function drawLabel(image: Uint8Array, width: number, height: number, text: string, x: number, y: number, scale: number, colour: readonly number[]): void {
  [...text].forEach((ch, i) => {
    const glyph = GLYPHS[ch];
    if (!glyph) return;
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 3; col++) {
        if (glyph[row * 3 + col] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (i * 4 + col) * scale + dx;
            const py = y + row * scale + dy;
            if (px >= 0 && py >= 0 && px < width && py < height) image.set(colour, (py * width + px) * 3);
          }
        }
      }
    }
  });
}
