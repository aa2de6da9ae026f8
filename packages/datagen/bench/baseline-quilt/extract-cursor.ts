// Frozen copy of src/quilt/*/extract-cursor.ts as of main 7cce86c (before issue 15): the benchmark's baseline, "today's pipeline".
import type { RgbFrame } from '../../src/quilt/frames/rgb-frame';

/**
 * Parameters of cursor extraction. Defaults were chosen by measuring the localisation error on the
 * `quilt --demo` video, including JPEG-compressed frames (see the package README).
 */
export interface CursorOptions {
  /** Per-pixel differences (max over RGB of |frame - median|) below this are noise and set to 0. Default 64. */
  threshold?: number;
  /** Radius of the box filter that sums the thresholded difference; isolated noise pixels lose to the cursor's blob. Default 3. */
  blurRadius?: number;
  /** Minimum box-filtered response for a detection; below it the frame has no cursor. Default 8 pixels at full difference. */
  minResponse?: number;
  /** Which point of the blob is reported: the filter peak, the difference-weighted centroid near it, or the top-left tip (arrow cursors). Default 'tip'. */
  anchor?: 'peak' | 'centroid' | 'tip';
  /** The blob is the 8-connected set of above-threshold pixels reached from the peak within this radius. Default 64. */
  windowRadius?: number;
}

/** A detected cursor position in pixels and the strength of its response. */
export interface CursorHit {
  x: number;
  y: number;
  response: number;
}

/** Reusable buffers, so extracting many frames of one size allocates once. */
export interface CursorScratch {
  diff: Uint8Array;
  rows: Float32Array;
  summed: Float32Array;
  /** Per-pixel visit stamps and a queue for the blob's flood fill. */
  seen: Uint32Array;
  queue: Int32Array;
  stamp: number;
}

/** Allocates scratch buffers for frames of one size. */
export function createCursorScratch(width: number, height: number): CursorScratch {
  const n = width * height;
  return { diff: new Uint8Array(n), rows: new Float32Array(n), summed: new Float32Array(n), seen: new Uint32Array(n), queue: new Int32Array(n), stamp: 0 };
}

/**
 * Finds the narrator's cursor in one frame: subtract the chunk's median frame, zero differences below
 * the threshold, box-filter and take the maximum; returns null when nothing stands out.
 */
export function extractCursor(frame: RgbFrame, median: RgbFrame, options: CursorOptions = {}, scratch?: CursorScratch): CursorHit | null {
  const { width, height } = frame;
  const threshold = options.threshold ?? 64;
  const radius = options.blurRadius ?? 3;
  const minResponse = options.minResponse ?? 8 * 255;
  const buffers = scratch ?? createCursorScratch(width, height);
  const { diff, rows, summed } = buffers;
  const a = frame.data;
  const b = median.data;
  for (let p = 0, i = 0; p < diff.length; p++, i += 3) {
    const dr = Math.abs(a[i]! - b[i]!);
    const dg = Math.abs(a[i + 1]! - b[i + 1]!);
    const db = Math.abs(a[i + 2]! - b[i + 2]!);
    const d = dr > dg ? (dr > db ? dr : db) : dg > db ? dg : db;
    diff[p] = d >= threshold ? d : 0;
  }
  // Separable box sum with running windows: horizontal into `rows`, then vertical into `summed`.
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let acc = 0;
    for (let x = 0; x <= radius && x < width; x++) acc += diff[base + x]!;
    for (let x = 0; x < width; x++) {
      rows[base + x] = acc;
      const add = x + radius + 1;
      const drop = x - radius;
      if (add < width) acc += diff[base + add]!;
      if (drop >= 0) acc -= diff[base + drop]!;
    }
  }
  let best = -1;
  let bestValue = 0;
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let y = 0; y <= radius && y < height; y++) acc += rows[y * width + x]!;
    for (let y = 0; y < height; y++) {
      summed[y * width + x] = acc;
      if (acc > bestValue) {
        bestValue = acc;
        best = y * width + x;
      }
      const add = y + radius + 1;
      const drop = y - radius;
      if (add < height) acc += rows[add * width + x]!;
      if (drop >= 0) acc -= rows[drop * width + x]!;
    }
  }
  if (best < 0 || bestValue < minResponse) return null;
  const px = best % width;
  const py = (best - px) / width;
  const anchor = options.anchor ?? 'tip';
  if (anchor === 'peak') return { x: px, y: py, response: bestValue };
  const w = options.windowRadius ?? 64;
  // The blob: above-threshold pixels 8-connected to the peak, so stray noise pixels nearby cannot become the tip.
  let seed = -1;
  for (let r = 0; r <= radius && seed < 0; r++) {
    for (let y = Math.max(0, py - r); y <= Math.min(height - 1, py + r) && seed < 0; y++) {
      for (let x = Math.max(0, px - r); x <= Math.min(width - 1, px + r); x++) {
        if (diff[y * width + x]! > 0) {
          seed = y * width + x;
          break;
        }
      }
    }
  }
  if (seed < 0) return { x: px, y: py, response: bestValue };
  const { seen, queue } = buffers;
  buffers.stamp = (buffers.stamp + 1) >>> 0 || 1;
  const stamp = buffers.stamp;
  let head = 0;
  let tail = 0;
  queue[tail++] = seed;
  seen[seed] = stamp;
  let sx = 0;
  let sy = 0;
  let sw = 0;
  let tipX = px;
  let tipY = py;
  let tipScore = Infinity;
  while (head < tail) {
    const p = queue[head++]!;
    const x = p % width;
    const y = (p - x) / width;
    const d = diff[p]!;
    sx += d * x;
    sy += d * y;
    sw += d;
    if (x + y < tipScore || (x + y === tipScore && y < tipY)) {
      tipScore = x + y;
      tipX = x;
      tipY = y;
    }
    for (let ny = y - 1; ny <= y + 1; ny++) {
      if (ny < 0 || ny >= height || ny < py - w || ny > py + w) continue;
      for (let nx = x - 1; nx <= x + 1; nx++) {
        if (nx < 0 || nx >= width || nx < px - w || nx > px + w) continue;
        const q = ny * width + nx;
        if (seen[q] === stamp || diff[q] === 0) continue;
        seen[q] = stamp;
        queue[tail++] = q;
      }
    }
  }
  if (anchor === 'centroid') return { x: sx / sw, y: sy / sw, response: bestValue };
  return { x: tipX, y: tipY, response: bestValue };
}
