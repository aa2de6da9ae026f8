import type { RgbFrame } from '../frames/rgb-frame';

/** How background changes are detected; see the README for how the defaults were chosen. */
export interface StableChunkOptions {
  /** Grid of cells whose mean brightness is compared (a cursor covers well under one cell). Default 32x18. */
  gridColumns?: number;
  gridRows?: number;
  /** A cell changed when its mean brightness moved by more than this (0-255). Default 12. */
  cellDelta?: number;
  /** The background changed when more than this fraction of cells changed. Default 0.1. */
  changedFraction?: number;
  /** Chunks shorter than this many frames are dropped: a median needs several frames. Default 5. */
  minFrames?: number;
}

/** A run of frames with one unchanging background: indices into the frame list. */
export interface StableChunk {
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * Mean brightness per grid cell: a signature that ignores a small moving cursor. Every `step`-th pixel
 * of every `step`-th row is read (default 4: 1/16 of the pixels, 100 samples per cell at 1280x720; denser
 * when cells are small, so every cell keeps at least ~64 samples),
 * which is plenty for a mean and keeps this off the per-frame cost.
 */
export function frameSignature(frame: RgbFrame, columns = 32, rows = 18, step = 4): Float64Array {
  const sums = new Float64Array(columns * rows);
  const counts = new Float64Array(columns * rows);
  const { width, height, data } = frame;
  // Sparser sampling only where cells are large: at least ~64 samples per cell.
  const cellPixels = (width / columns) * (height / rows);
  const stride = Math.max(1, Math.min(step, Math.floor(Math.sqrt(cellPixels / 64))));
  const cellOf = new Int32Array(width);
  for (let x = 0; x < width; x += stride) cellOf[x] = Math.min(columns - 1, Math.floor((x * columns) / width));
  for (let y = 0; y < height; y += stride) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height)) * columns;
    let i = y * width * 3;
    for (let x = 0; x < width; x += stride, i += 3 * stride) {
      const cell = row + cellOf[x]!;
      sums[cell]! += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      counts[cell]!++;
    }
  }
  for (let c = 0; c < sums.length; c++) sums[c] = counts[c]! > 0 ? sums[c]! / counts[c]! : 0;
  return sums;
}

/**
 * Where {@link frameSignature} samples a frame of one size, so the mean of a single cell can be
 * recomputed — with exactly the value the whole-frame signature gives (same samples, same order).
 */
export class SignatureGrid {
  readonly columns: number;
  readonly rows: number;
  readonly width: number;
  /** Cell column of each sampled x, -1 for columns that are not sampled. */
  readonly cellOfX: Int32Array;
  /** Cell row of each sampled y, -1 for rows that are not sampled. */
  readonly cellRowOfY: Int32Array;
  private readonly xs: number[][];
  private readonly ys: number[][];

  constructor(width: number, height: number, columns = 32, rows = 18, step = 4) {
    this.columns = columns;
    this.rows = rows;
    this.width = width;
    const cellPixels = (width / columns) * (height / rows);
    const stride = Math.max(1, Math.min(step, Math.floor(Math.sqrt(cellPixels / 64))));
    this.cellOfX = new Int32Array(width).fill(-1);
    this.cellRowOfY = new Int32Array(height).fill(-1);
    this.xs = Array.from({ length: columns }, () => []);
    this.ys = Array.from({ length: rows }, () => []);
    for (let x = 0; x < width; x += stride) {
      const c = Math.min(columns - 1, Math.floor((x * columns) / width));
      this.cellOfX[x] = c;
      this.xs[c]!.push(x);
    }
    for (let y = 0; y < height; y += stride) {
      const r = Math.min(rows - 1, Math.floor((y * rows) / height));
      this.cellRowOfY[y] = r;
      this.ys[r]!.push(y);
    }
  }

  /** The cell holding pixel (x, y) among the samples, or -1 when the pixel is not sampled. */
  cellAt(x: number, y: number): number {
    const r = this.cellRowOfY[y]!;
    const c = this.cellOfX[x]!;
    return r < 0 || c < 0 ? -1 : r * this.columns + c;
  }

  /** Mean brightness of one cell of `data`, bit for bit as {@link frameSignature} computes it. */
  cellMean(data: Uint8Array, cell: number): number {
    const xs = this.xs[cell % this.columns]!;
    const ys = this.ys[Math.floor(cell / this.columns)]!;
    let sum = 0;
    for (const y of ys) {
      for (const x of xs) {
        const i = (y * this.width + x) * 3;
        sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      }
    }
    const count = xs.length * ys.length;
    return count > 0 ? sum / count : 0;
  }
}

/** Fraction of cells whose brightness moved by more than `cellDelta`. */
export function signatureChange(a: Float64Array, b: Float64Array, cellDelta = 12): number {
  let changed = 0;
  for (let c = 0; c < a.length; c++) if (Math.abs(a[c]! - b[c]!) > cellDelta) changed++;
  return changed / a.length;
}

/**
 * Splits frames into stable-background chunks: a frame starts a new chunk when it differs from the
 * current chunk's first frame (a cut, a pan, a zoom). Frames of another size always start a chunk.
 */
export function findStableChunks(frames: readonly RgbFrame[], options: StableChunkOptions = {}): StableChunk[] {
  const columns = options.gridColumns ?? 32;
  const rows = options.gridRows ?? 18;
  const cellDelta = options.cellDelta ?? 12;
  const changedFraction = options.changedFraction ?? 0.1;
  const minFrames = options.minFrames ?? 5;
  const chunks: StableChunk[] = [];
  let start = 0;
  let reference: Float64Array | undefined;
  const close = (end: number) => {
    if (end - start >= minFrames) chunks.push({ start, end });
  };
  frames.forEach((frame, i) => {
    const signature = frameSignature(frame, columns, rows);
    const first = frames[start]!;
    const sizeChanged = first.width !== frame.width || first.height !== frame.height;
    if (reference && (sizeChanged || signatureChange(reference, signature, cellDelta) > changedFraction)) {
      close(i);
      start = i;
      reference = signature;
    }
    reference ??= signature;
  });
  if (frames.length > 0) close(frames.length);
  return chunks;
}
