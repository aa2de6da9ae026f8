import { writeFile } from 'node:fs/promises';

import sharp from 'sharp';

import { encodeRgbFrame, type RgbFrame } from '../frames/rgb-frame';
import type { Box, TracePoint } from '../grounding/trace-point';
import { drawLabel, labelWidth } from './digit-font';

/** A box of the trace picture with the label drawn at its corner (a sentence number, or several for a cluster). */
export interface LabelledBox {
  box: Box;
  label: string;
  /** The legend's text for this box. */
  text?: string;
}

/** Distinct colours for labelled boxes, cycled (Okabe-Ito, readable on pink and purple slides). */
export const BOX_COLOURS: readonly (readonly [number, number, number])[] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [213, 94, 0],
  [86, 180, 233],
  [204, 121, 167],
  [240, 228, 66],
  [0, 0, 0],
];

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
export function drawTrace(frame: RgbFrame, points: readonly TracePoint[], options: { boxes?: readonly Box[]; labelledBoxes?: readonly LabelledBox[]; pointRadius?: number } = {}): RgbFrame {
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
  const scale = Math.max(2, Math.round(Math.min(width, height) / 180));
  (options.labelledBoxes ?? []).forEach((labelled, i) => {
    const colour = BOX_COLOURS[i % BOX_COLOURS.length]!;
    const [x1, y1, x2, y2] = [labelled.box[0] * width, labelled.box[1] * height, labelled.box[2] * width, labelled.box[3] * height];
    const corners: [number, number][] = [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
    corners.forEach((c, k) => segment(image, width, height, c, corners[(k + 1) % 4]!, 1.5, colour));
    // The label sits in a filled tag at the box's top-left corner, inside the image.
    const tagW = labelWidth(labelled.label, scale) + 2 * scale;
    const tagH = 7 * scale;
    const tx = Math.max(0, Math.min(width - tagW, Math.round(x1)));
    const ty = Math.max(0, Math.min(height - tagH, Math.round(y1) - tagH));
    for (let y = ty; y < Math.min(height, ty + tagH); y++) for (let x = tx; x < Math.min(width, tx + tagW); x++) image.set(colour, (y * width + x) * 3);
    const ink = colour[0] * 0.299 + colour[1] * 0.587 + colour[2] * 0.114 > 140 ? [0, 0, 0] : [255, 255, 255];
    drawLabel(image, width, height, labelled.label, tx + scale, ty + scale, scale, ink);
  });
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

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The trace picture as PNG: {@link drawTrace} with labelled boxes, and below it a legend with one row
 * per box: its colour and label, then its text (the sentence). The legend's text is drawn by sharp
 * (SVG); its numbers and colours do not depend on installed fonts.
 */
export async function renderTracePicture(frame: RgbFrame, points: readonly TracePoint[], boxes: readonly LabelledBox[]): Promise<Buffer> {
  const drawn = drawTrace(frame, points, { labelledBoxes: boxes });
  if (boxes.length === 0) return encodeRgbFrame(drawn);
  const { width, height } = drawn;
  const scale = Math.max(2, Math.round(Math.min(width, height) / 180));
  const rowH = 9 * scale;
  const legendH = boxes.length * rowH + 2 * scale;
  const image = new Uint8Array(width * (height + legendH) * 3).fill(255);
  image.set(drawn.data);
  const fullH = height + legendH;
  const swatchW = labelWidth(boxes.map((b) => b.label).reduce((a, b) => (b.length > a.length ? b : a), ''), scale) + 2 * scale;
  boxes.forEach((b, i) => {
    const colour = BOX_COLOURS[i % BOX_COLOURS.length]!;
    const y0 = height + scale + i * rowH;
    for (let y = y0; y < y0 + 7 * scale; y++) for (let x = scale; x < scale + swatchW; x++) image.set(colour, (y * width + x) * 3);
    const ink = colour[0] * 0.299 + colour[1] * 0.587 + colour[2] * 0.114 > 140 ? [0, 0, 0] : [255, 255, 255];
    drawLabel(image, width, fullH, b.label, 2 * scale, y0 + scale, scale, ink);
  });
  const fontSize = 6 * scale;
  const textX = swatchW + 3 * scale;
  const maxChars = Math.max(8, Math.floor((width - textX) / (fontSize * 0.55)));
  const rows = boxes
    .map((b, i) => {
      const text = b.text ?? '';
      const clipped = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
      return `<text x="${textX}" y="${scale + i * rowH + 6 * scale}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" fill="black">${escapeXml(clipped)}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${legendH}">${rows}</svg>`;
  return sharp(Buffer.from(image.buffer, image.byteOffset, image.length), { raw: { width, height: fullH, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: height, left: 0 }])
    .png()
    .toBuffer();
}

/** Draws the trace picture and writes it as PNG. */
export async function writeTracePicture(path: string, frame: RgbFrame, points: readonly TracePoint[], options: { boxes?: readonly Box[] } = {}): Promise<void> {
  await writeFile(path, await encodeRgbFrame(drawTrace(frame, points, options)));
}
