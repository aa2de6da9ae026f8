// Frozen copy of src/quilt/*/stable-chunks.ts as of main 7cce86c (before issue 15): the benchmark's baseline, "today's pipeline".
import type { RgbFrame } from '../../src/quilt/frames/rgb-frame';

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

/** Mean brightness per grid cell: a signature that ignores a small moving cursor. */
export function frameSignature(frame: RgbFrame, columns = 32, rows = 18): Float64Array {
  const sums = new Float64Array(columns * rows);
  const counts = new Float64Array(columns * rows);
  const { width, height, data } = frame;
  for (let y = 0; y < height; y++) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height)) * columns;
    for (let x = 0; x < width; x++) {
      const cell = row + Math.min(columns - 1, Math.floor((x * columns) / width));
      const i = (y * width + x) * 3;
      sums[cell]! += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      counts[cell]!++;
    }
  }
  for (let c = 0; c < sums.length; c++) sums[c] = counts[c]! > 0 ? sums[c]! / counts[c]! : 0;
  return sums;
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
