import { writeFile } from 'node:fs/promises';

import { encodeRgbFrame, type RgbFrame } from '../frames/rgb-frame';
import type { Box, TracePoint } from '../grounding/trace-point';

/** Colour for a time in [0, 1]: blue (early) through green and yellow to red (late). */
export function timeColour(u: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [49, 54, 149],
    [69, 117, 180],
    [102, 189, 99],
    [254, 224, 76],
    [215, 48, 39],
  ];
  const clamped = Math.min(1, Math.max(0, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(clamped));
  const f = clamped - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

function disc(image: Uint8Array, width: number, height: number, cx: number, cy: number, r: number, colour: readonly number[]): void {
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) image.set(colour, (y * width + x) * 3);
    }
  }
}

function segment(image: Uint8Array, width: number, height: number, a: [number, number], b: [number, number], r: number, colour: readonly number[]): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1])));
  for (let s = 0; s <= steps; s++) disc(image, width, height, a[0] + ((b[0] - a[0]) * s) / steps, a[1] + ((b[1] - a[1]) * s) / steps, r, colour);
}

/**
 * Draws the seed's trace picture: cursor points over the chunk's frame joined in time order, colour
 * encoding time (blue early, red late), with optional boxes outlined in white. Returns RGB pixels.
 */
export function drawTrace(frame: RgbFrame, points: readonly TracePoint[], options: { boxes?: readonly Box[]; pointRadius?: number } = {}): RgbFrame {
  const { width, height } = frame;
  const image = Uint8Array.from(frame.data);
  const radius = options.pointRadius ?? Math.max(2, Math.round(Math.min(width, height) / 150));
  const t0 = Math.min(...points.map((p) => p.t));
  const span = Math.max(1e-9, Math.max(...points.map((p) => p.t)) - t0);
  const pixel = (p: TracePoint): [number, number] => [p.x * width, p.y * height];
  for (const box of options.boxes ?? []) {
    const [x1, y1, x2, y2] = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
    const corners: [number, number][] = [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
    corners.forEach((c, i) => segment(image, width, height, c, corners[(i + 1) % 4]!, 1, [255, 255, 255]));
  }
  for (let i = 1; i < points.length; i++) {
    segment(image, width, height, pixel(points[i - 1]!), pixel(points[i]!), Math.max(1, radius / 3), timeColour((points[i]!.t - t0) / span));
  }
  for (const p of points) {
    const [x, y] = pixel(p);
    disc(image, width, height, x, y, radius + 1, [0, 0, 0]);
    disc(image, width, height, x, y, radius, timeColour((p.t - t0) / span));
  }
  return { width, height, data: image, t: frame.t };
}

/** Draws the trace picture and writes it as PNG. */
export async function writeTracePicture(path: string, frame: RgbFrame, points: readonly TracePoint[], options: { boxes?: readonly Box[] } = {}): Promise<void> {
  await writeFile(path, await encodeRgbFrame(drawTrace(frame, points, options)));
}
