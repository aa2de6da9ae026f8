// The classic 12x19 arrow pointer; X = black outline, W = white fill, tip (hotspot) at the top-left.
const ARROW = [
  'X...........',
  'XX..........',
  'XWX.........',
  'XWWX........',
  'XWWWX.......',
  'XWWWWX......',
  'XWWWWWX.....',
  'XWWWWWWX....',
  'XWWWWWWWX...',
  'XWWWWWWWWX..',
  'XWWWWWWWWWX.',
  'XWWWWWWXXXXX',
  'XWWWXWWX....',
  'XWWXXWWX....',
  'XWX..XWWX...',
  'XX...XWWX...',
  'X.....XWWX..',
  '......XWWX..',
  '.......XX...',
];

/** Draws an arrow cursor with its tip at (x, y) (rounded to pixels) onto an RGB image, in place. */
export function drawArrowCursor(image: Uint8Array, width: number, height: number, x: number, y: number, scale = 1): void {
  const tx = Math.round(x);
  const ty = Math.round(y);
  for (let row = 0; row < ARROW.length * scale; row++) {
    const line = ARROW[Math.floor(row / scale)]!;
    for (let col = 0; col < line.length * scale; col++) {
      const cell = line[Math.floor(col / scale)];
      if (cell === '.') continue;
      const px = tx + col;
      const py = ty + row;
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      const value = cell === 'X' ? 0 : 255;
      const i = (py * width + px) * 3;
      image[i] = value;
      image[i + 1] = value;
      image[i + 2] = value;
    }
  }
}
