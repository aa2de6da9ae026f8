import { createRng } from '@vlm/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { drawArrowCursor } from '../demo/arrow-cursor';
import { paintSlide } from '../demo/synthetic-slide';
import { encodeRgbFrame, type RgbFrame } from '../frames/rgb-frame';
import { extractCursor } from './extract-cursor';
import { medianFrame } from './median-frame';
import { findStableChunks } from './stable-chunks';
import { traceChunk } from './trace-chunk';
import { drawTrace, timeColour } from './trace-picture';

const W = 240;
const H = 160;
const palette = { stroma: [236, 178, 204] as [number, number, number], nucleus: [84, 38, 128] as [number, number, number] };

function renderFrames(path: { x: number; y: number }[], seed = 1, slide?: Uint8Array): RgbFrame[] {
  const background = slide ?? paintSlide(W, H, [{ name: 'r', cx: 120, cy: 80, rx: 40, ry: 30 }], createRng(seed), palette);
  return path.map((p, i) => {
    const data = Uint8Array.from(background);
    drawArrowCursor(data, W, H, p.x, p.y);
    return { width: W, height: H, data, t: i * 0.25 };
  });
}

async function jpegRoundTrip(frame: RgbFrame, quality: number): Promise<RgbFrame> {
  const jpeg = await encodeRgbFrame(frame, { jpegQuality: quality });
  const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { ...frame, data: new Uint8Array(data) };
}

const path = Array.from({ length: 16 }, (_, i) => ({ x: 20 + i * 12, y: 30 + Math.round(6 * Math.sin(i)) * 5 }));

describe('medianFrame', () => {
  it('takes the per-pixel median, averaging the two middle values for even counts', () => {
    const f = (v: number[]): RgbFrame => ({ width: 1, height: 1, data: Uint8Array.from(v), t: 0 });
    expect(Array.from(medianFrame([f([1, 9, 5]), f([3, 2, 5]), f([2, 7, 5])]).data)).toEqual([2, 7, 5]);
    expect(Array.from(medianFrame([f([1, 0, 0]), f([4, 0, 0]), f([10, 0, 0]), f([2, 0, 0])]).data)).toEqual([3, 0, 0]);
  });

  it('removes a moving cursor from the background', () => {
    const frames = renderFrames(path);
    const clean = renderFrames([{ x: -100, y: -100 }])[0]!;
    expect(Buffer.compare(Buffer.from(medianFrame(frames).data), Buffer.from(clean.data))).toBe(0);
  });
});

describe('extractCursor', () => {
  it('finds the arrow tip exactly on lossless frames', () => {
    const frames = renderFrames(path);
    const median = medianFrame(frames);
    frames.forEach((frame, i) => {
      expect(extractCursor(frame, median)).toMatchObject({ x: path[i]!.x, y: path[i]!.y });
    });
  });

  it('stays within a few pixels under JPEG compression noise', async () => {
    const frames = await Promise.all(renderFrames(path, 2).map((f) => jpegRoundTrip(f, 40)));
    const median = medianFrame(frames);
    const errors = frames.map((frame, i) => {
      const hit = extractCursor(frame, median)!;
      return Math.hypot(hit.x - path[i]!.x, hit.y - path[i]!.y);
    });
    expect(Math.max(...errors)).toBeLessThanOrEqual(6);
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(2);
  });

  it('reports no cursor on a frame equal to the median, and can report the peak or centroid', () => {
    const frames = renderFrames(path);
    const median = medianFrame(frames);
    expect(extractCursor({ ...median }, median)).toBeNull();
    const centroid = extractCursor(frames[3]!, median, { anchor: 'centroid' })!;
    // The arrow's mass lies below and to the right of its tip.
    expect(centroid.x).toBeGreaterThan(path[3]!.x);
    expect(centroid.y).toBeGreaterThan(path[3]!.y);
  });
});

describe('findStableChunks and traceChunk', () => {
  it('cuts at a background change and drops short chunks', () => {
    const a = renderFrames(path.slice(0, 8), 1);
    const b = renderFrames(path.slice(0, 6), 2, paintSlide(W, H, [], createRng(9), { stroma: [200, 120, 170], nucleus: [60, 20, 110] }));
    const c = renderFrames(path.slice(0, 2), 3);
    expect(findStableChunks([...a, ...b, ...c], { minFrames: 3 })).toEqual([
      { start: 0, end: 8 },
      { start: 8, end: 14 },
    ]);
  });

  it('produces normalised points with chunk-relative times', () => {
    const frames = renderFrames(path).map((f) => ({ ...f, t: f.t + 10 }));
    const trace = traceChunk(frames);
    expect(trace.points).toHaveLength(path.length);
    expect(trace.points[1]).toEqual({ x: path[1]!.x / W, y: path[1]!.y / H, t: 0.25 });
  });
});

describe('trace picture', () => {
  it('colours early points blue and late points red', () => {
    expect(timeColour(0)).toEqual([49, 54, 149]);
    expect(timeColour(1)).toEqual([215, 48, 39]);
    const frame: RgbFrame = { width: 50, height: 50, data: new Uint8Array(50 * 50 * 3), t: 0 };
    const drawn = drawTrace(frame, [{ x: 0.2, y: 0.2, t: 0 }, { x: 0.8, y: 0.8, t: 2 }], { pointRadius: 2 });
    const at = (x: number, y: number) => Array.from(drawn.data.subarray((y * 50 + x) * 3, (y * 50 + x) * 3 + 3));
    expect(at(10, 10)).toEqual([49, 54, 149]);
    expect(at(40, 40)).toEqual([215, 48, 39]);
  });
});
