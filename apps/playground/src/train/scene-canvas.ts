/** Puts raw RGB pixels (row-major, 3 bytes each) on a canvas at their own size; CSS scales it up. */
export function drawRgb(canvas: HTMLCanvasElement, rgb: Uint8Array, width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    image.data[i * 4] = rgb[i * 3]!;
    image.data[i * 4 + 1] = rgb[i * 3 + 1]!;
    image.data[i * 4 + 2] = rgb[i * 3 + 2]!;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** The canvas pixel under a mouse event (the canvas is drawn scaled up). */
export function canvasPixelOf(canvas: HTMLCanvasElement, event: MouseEvent): [number, number] {
  const rect = canvas.getBoundingClientRect();
  return [Math.floor(((event.clientX - rect.left) / rect.width) * canvas.width), Math.floor(((event.clientY - rect.top) / rect.height) * canvas.height)];
}
