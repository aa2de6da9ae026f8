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

describe('fast paths give the exact results of the plain computations', () => {
  // The whole-frame filter extractCursor used to run: every pixel's thresholded difference, 7x7 box sums
  // scanned column by column, the first strict maximum.
  function wholeFramePeak(frame: RgbFrame, median: RgbFrame, threshold = 64, r = 3): { x: number; y: number; response: number } | null {
    const { width, height } = frame;
    const diff = new Float64Array(width * height);
    for (let p = 0; p < width * height; p++) {
      let d = 0;
      for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(frame.data[p * 3 + c]! - median.data[p * 3 + c]!));
      diff[p] = d >= threshold ? d : 0;
    }
    let best: { x: number; y: number; response: number } | null = null;
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        let sum = 0;
        for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) sum += diff[yy * width + xx]!;
        if (sum > (best?.response ?? 0)) best = { x, y, response: sum };
      }
    }
    return best && best.response >= 8 * 255 ? best : null;
  }

  it('the tiled box filter finds the same peak as the whole-frame filter, ties included', () => {
    const rng = createRng('tiles');
    const height = 68;
    for (let trial = 0; trial < 12; trial++) {
      // Odd trials take the byte-by-byte path (rows not a multiple of four pixels).
      const width = trial % 2 === 0 ? 100 : 99;
      const median: RgbFrame = { width, height, data: new Uint8Array(width * height * 3).map(() => 100 + rng.int(20)), t: 0 };
      const data = Uint8Array.from(median.data);
      // Scattered bright specks and two equal blobs (a tie) at random places, some across tile borders.
      for (let s = 0; s < 30; s++) data[rng.int(width * height) * 3 + rng.int(3)] = 255;
      for (let blob = 0; blob < 2; blob++) {
        const bx = rng.int(width - 6);
        const by = rng.int(height - 6);
        for (let y = by; y < by + 5; y++) for (let x = bx; x < bx + 5; x++) data.fill(250, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
      const frame: RgbFrame = { width, height, data, t: 0 };
      const expected = wholeFramePeak(frame, median);
      expect(extractCursor(frame, median, { anchor: 'peak' })).toEqual(expected);
    }
  });

  it('the word-at-a-time median equals the per-pixel sorted median', () => {
    const rng = createRng('median');
    for (const n of [5, 6, 31]) {
      // Mostly identical frames (as skip-coded video) with noise on some pixels and a moving blob.
      const base = new Uint8Array(40 * 30 * 3).map(() => rng.int(256));
      const frames: RgbFrame[] = Array.from({ length: n }, (_, f) => {
        const data = Uint8Array.from(base);
        for (let k = 0; k < 200; k++) data[rng.int(data.length)] = rng.int(256);
        data.fill(0, (f * 37) % data.length, ((f * 37) % data.length) + 60);
        return { width: 40, height: 30, data, t: f };
      });
      const out = medianFrame(frames).data;
      for (let i = 0; i < out.length; i++) {
        const values = frames.map((f) => f.data[i]!).sort((a, b) => a - b);
        const expected = n % 2 === 1 ? values[(n - 1) >> 1]! : Math.round((values[n / 2 - 1]! + values[n / 2]!) / 2);
        expect(out[i]).toBe(expected);
      }
    }
  });
});
