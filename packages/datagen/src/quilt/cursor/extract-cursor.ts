import type { RgbFrame } from '../frames/rgb-frame';

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
  /** Box-filter working rows of one tile. */
  rows: Float32Array;
  /** Per-pixel visit stamps and a queue for the blob's flood fill. */
  seen: Uint32Array;
  queue: Int32Array;
  stamp: number;
  /** Above-threshold pixels per tile (TILE x TILE pixels) of the current difference; the box filter runs only near tiles with any. */
  tiles: Uint32Array;
}

/** Side of the tiles that limit the box filter to where something differs. */
const TILE = 32;

/** Which tile pixel `p` of a `width`-wide frame lies in. */
function tileOf(p: number, width: number): number {
  const y = (p / width) | 0;
  return ((y / TILE) | 0) * Math.ceil(width / TILE) + (((p - y * width) / TILE) | 0);
}

/** Allocates scratch buffers for frames of one size. */
export function createCursorScratch(width: number, height: number): CursorScratch {
  const n = width * height;
  const tiles = Math.ceil(width / TILE) * Math.ceil(height / TILE);
  // Working rows of one tile plus its margins; radii up to 64 fit, larger ones grow it on demand.
  const rows = new Float32Array((TILE + 2 * 64) * TILE);
  return { diff: new Uint8Array(n), rows, seen: new Uint32Array(n), queue: new Int32Array(n), stamp: 0, tiles: new Uint32Array(tiles) };
}

/**
 * Thresholded max-over-RGB difference of every pixel into `scratch.diff`, counting per tile the pixels
 * above the threshold. Runs of four pixels whose 12 bytes equal the median's (static background of a
 * losslessly or skip-coded frame) are cleared a word at a time. Returns the number of such pixels.
 */
export function thresholdedDiff(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, median: Pick<RgbFrame, 'data'>, threshold: number, scratch: CursorScratch): number {
  const { width, height } = frame;
  const { diff, tiles } = scratch;
  const a = frame.data;
  const b = median.data;
  const tilesX = Math.ceil(width / TILE);
  tiles.fill(0);
  let marked = 0;
  const aligned = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && diff.byteOffset % 4 === 0 && width % 4 === 0;
  if (aligned) {
    const a32 = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
    const b32 = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
    const d32 = new Uint32Array(diff.buffer, diff.byteOffset, diff.length >> 2);
    // Four pixels are 12 bytes, three words: group g covers words 3g..3g+2 and pixels 4g..4g+3.
    const groups = (width * height) >> 2;
    for (let g = 0, w = 0; g < groups; g++, w += 3) {
      if (a32[w] === b32[w] && a32[w + 1] === b32[w + 1] && a32[w + 2] === b32[w + 2]) {
        d32[g] = 0;
        continue;
      }
      for (let p = g << 2, i = p * 3, end = p + 4; p < end; p++, i += 3) {
        const dr = a[i]! - b[i]!;
        const dg = a[i + 1]! - b[i + 1]!;
        const db = a[i + 2]! - b[i + 2]!;
        const ar = dr < 0 ? -dr : dr;
        const ag = dg < 0 ? -dg : dg;
        const ab = db < 0 ? -db : db;
        const d = ar > ag ? (ar > ab ? ar : ab) : ag > ab ? ag : ab;
        if (d >= threshold) {
          diff[p] = d;
          const y = (p / width) | 0;
          tiles[((y / TILE) | 0) * tilesX + (((p - y * width) / TILE) | 0)]!++;
          marked++;
        } else {
          diff[p] = 0;
        }
      }
    }
    return marked;
  }
  for (let y = 0; y < height; y++) {
    const tileRow = ((y / TILE) | 0) * tilesX;
    for (let x = 0, p = y * width, i = p * 3; x < width; x++, p++, i += 3) {
      const dr = a[i]! - b[i]!;
      const dg = a[i + 1]! - b[i + 1]!;
      const db = a[i + 2]! - b[i + 2]!;
      const ar = dr < 0 ? -dr : dr;
      const ag = dg < 0 ? -dg : dg;
      const ab = db < 0 ? -db : db;
      const d = ar > ag ? (ar > ab ? ar : ab) : ag > ab ? ag : ab;
      if (d >= threshold) {
        diff[p] = d;
        tiles[tileRow + ((x / TILE) | 0)]!++;
        marked++;
      } else {
        diff[p] = 0;
      }
    }
  }
  return marked;
}

/**
 * Recomputes the thresholded difference of the listed pixels only (after some bytes of the frame
 * changed), keeping the per-tile counts of `scratch` right: the result is what {@link thresholdedDiff}
 * would give for the whole frame. Pixels may be listed more than once. Returns the change in the
 * number of above-threshold pixels.
 */
export function updateDiffPixels(
  frame: Pick<RgbFrame, 'width' | 'data'>,
  median: Pick<RgbFrame, 'data'>,
  threshold: number,
  scratch: CursorScratch,
  pixels: Int32Array,
  count: number,
): number {
  const { diff, tiles } = scratch;
  let change = 0;
  const a = frame.data;
  const b = median.data;
  for (let k = 0; k < count; k++) {
    const p = pixels[k]!;
    const i = p * 3;
    const dr = a[i]! - b[i]!;
    const dg = a[i + 1]! - b[i + 1]!;
    const db = a[i + 2]! - b[i + 2]!;
    const ar = dr < 0 ? -dr : dr;
    const ag = dg < 0 ? -dg : dg;
    const ab = db < 0 ? -db : db;
    const m = ar > ag ? (ar > ab ? ar : ab) : ag > ab ? ag : ab;
    const d = m >= threshold ? m : 0;
    const old = diff[p]!;
    if ((old === 0) !== (d === 0)) {
      if (d === 0) {
        tiles[tileOf(p, frame.width)]!--;
        change--;
      } else {
        tiles[tileOf(p, frame.width)]!++;
        change++;
      }
    }
    diff[p] = d;
  }
  return change;
}

/**
 * Finds the narrator's cursor in one frame: subtract the chunk's median frame, zero differences below
 * the threshold, box-filter and take the maximum; returns null when nothing stands out. The box filter
 * runs only on tiles near above-threshold pixels (elsewhere its sum is 0); the result, including which
 * of equal maxima wins (smallest x, then smallest y), is the same as filtering the whole frame.
 */
export function extractCursor(frame: RgbFrame, median: RgbFrame, options: CursorOptions = {}, scratch?: CursorScratch): CursorHit | null {
  const buffers = scratch ?? createCursorScratch(frame.width, frame.height);
  const marked = thresholdedDiff(frame, median, options.threshold ?? 64, buffers);
  return locateCursor(frame.width, frame.height, marked, options, buffers);
}

/**
 * The second half of {@link extractCursor}: box filter, maximum and blob anchor on the thresholded
 * difference already in `scratch.diff` (with its per-tile counts), `marked` pixels above the threshold.
 */
export function locateCursor(width: number, height: number, marked: number, options: CursorOptions, buffers: CursorScratch): CursorHit | null {
  const radius = options.blurRadius ?? 3;
  const minResponse = options.minResponse ?? 8 * 255;
  const { diff } = buffers;
  let best = -1;
  let bestValue = 0;
  let bestX = 0;
  let bestY = 0;
  if (marked > 0) {
    const tilesX = Math.ceil(width / TILE);
    const tilesY = Math.ceil(height / TILE);
    const reach = Math.ceil(radius / TILE);
    const span = TILE + 2 * radius;
    if (buffers.rows.length < span * TILE) buffers.rows = new Float32Array(span * TILE);
    const rows = buffers.rows;
    for (let ty = 0; ty < tilesY; ty++) {
      for (let tx = 0; tx < tilesX; tx++) {
        // A tile needs filtering when a marked tile lies within the filter's reach.
        let near = false;
        for (let dy = -reach; dy <= reach && !near; dy++) {
          const yy = ty + dy;
          if (yy < 0 || yy >= tilesY) continue;
          for (let dx = -reach; dx <= reach; dx++) {
            const xx = tx + dx;
            if (xx >= 0 && xx < tilesX && buffers.tiles[yy * tilesX + xx] !== 0) {
              near = true;
              break;
            }
          }
        }
        if (!near) continue;
        const x0 = tx * TILE;
        const x1 = Math.min(width, x0 + TILE);
        const y0 = ty * TILE;
        const y1 = Math.min(height, y0 + TILE);
        const ry0 = Math.max(0, y0 - radius);
        const ry1 = Math.min(height, y1 + radius);
        const tw = x1 - x0;
        // Horizontal window sums for the tile's columns, over its rows and the vertical margins.
        for (let y = ry0; y < ry1; y++) {
          const base = y * width;
          let acc = 0;
          for (let x = Math.max(0, x0 - radius); x <= Math.min(width - 1, x0 + radius); x++) acc += diff[base + x]!;
          const out = (y - ry0) * tw;
          for (let x = x0; x < x1; x++) {
            rows[out + x - x0] = acc;
            const add = x + radius + 1;
            const drop = x - radius;
            if (add < width) acc += diff[base + add]!;
            if (drop >= 0) acc -= diff[base + drop]!;
          }
        }
        // Vertical sums, scanning column by column as the whole-frame filter does.
        for (let x = x0; x < x1; x++) {
          const c = x - x0;
          let acc = 0;
          for (let y = Math.max(0, y0 - radius); y <= Math.min(height - 1, y0 + radius); y++) acc += rows[(y - ry0) * tw + c]!;
          for (let y = y0; y < y1; y++) {
            if (acc > bestValue || (acc === bestValue && acc > 0 && (x < bestX || (x === bestX && y < bestY)))) {
              bestValue = acc;
              best = y * width + x;
              bestX = x;
              bestY = y;
            }
            const add = y + radius + 1;
            const drop = y - radius;
            if (add < ry1) acc += rows[(add - ry0) * tw + c]!;
            if (drop >= 0) acc -= rows[(drop - ry0) * tw + c]!;
          }
        }
      }
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
