import type { RgbFrame } from '../frames/rgb-frame';
import { frameSignature, SignatureGrid } from './stable-chunks';

/** Which words of a frame changed since the previous one (views valid until the next comparison). */
export interface FrameDelta {
  /** Indices of the 32-bit words (4 bytes of the RGB data) that differ, ascending. */
  words: Int32Array;
  /** The new frame's values of those words. */
  values: Uint32Array;
}

/** Options of {@link FrameDiffer}. */
export interface FrameDifferOptions {
  /** Above this fraction of changed words a frame counts as new as a whole (no delta). Default 1/8. */
  maxChangedFraction?: number;
  /** Grid of the brightness signature ({@link frameSignature}). Default 32x18. */
  gridColumns?: number;
  gridRows?: number;
}

/** Words per block compared natively before a word-by-word scan. */
const BLOCK_WORDS = 256;

/**
 * Compares each frame of a stream with the one before it: the 32-bit words that changed, and the frame's
 * brightness signature ({@link frameSignature}, the same values bit for bit) recomputed only in the grid
 * cells where a sampled pixel changed. It keeps a copy of the previous frame, so the caller may reuse
 * the frame's buffer. Where Node's Buffer is there, 1 kB blocks are compared natively (memcmp) first:
 * from frame to frame most blocks of a lecture are identical, and only the others are scanned by word.
 */
export class FrameDiffer {
  private readonly options: FrameDifferOptions;
  private last: Uint8Array | undefined;
  private width = 0;
  private height = 0;
  private grid: SignatureGrid | undefined;
  private lastSignature: Float64Array | undefined;
  private changed = new Int32Array(1 << 14);
  private values = new Uint32Array(1 << 14);
  private touched = new Uint8Array(0);

  constructor(options: FrameDifferOptions = {}) {
    this.options = options;
  }

  /** The signature of the frame last given to {@link next} (a copy). */
  signature(): Float64Array {
    return this.lastSignature!.slice();
  }

  /**
   * Compares `frame` with the previous one. Returns the changed words, or null when the frame has to be
   * taken whole: the first, one of another size, an unaligned buffer, a size that is not whole words, or
   * more than the changed fraction.
   */
  next(frame: RgbFrame): FrameDelta | null {
    const { width, height, data } = frame;
    const columns = this.options.gridColumns ?? 32;
    const rows = this.options.gridRows ?? 18;
    const length = width * height * 3;
    const aligned = data.byteOffset % 4 === 0 && length % 4 === 0 && data.length === length;
    const last = this.last;
    if (!last || width !== this.width || height !== this.height || !aligned) return this.whole(frame, columns, rows);
    const a32 = new Uint32Array(data.buffer, data.byteOffset, length >> 2);
    const l32 = new Uint32Array(last.buffer, 0, length >> 2);
    const n = this.compare(a32, l32, Math.floor((length >> 2) * (this.options.maxChangedFraction ?? 1 / 8)));
    if (n < 0) return this.whole(frame, columns, rows);
    if (this.values.length < n) this.values = new Uint32Array(this.changed.length);
    const words = this.changed;
    const values = this.values;
    const grid = this.grid!;
    const touched = this.touched;
    const signature = this.lastSignature!;
    let anyTouched = false;
    for (let k = 0; k < n; k++) {
      const w = words[k]!;
      values[k] = a32[w]!;
      l32[w] = a32[w]!;
      // The pixels holding the word's first and last byte.
      const first = ((w << 2) / 3) | 0;
      const y0 = (first / width) | 0;
      const c0 = grid.cellAt(first - y0 * width, y0);
      if (c0 >= 0 && touched[c0] === 0) {
        touched[c0] = 1;
        anyTouched = true;
      }
      const second = (((w << 2) + 3) / 3) | 0;
      const y1 = (second / width) | 0;
      const c1 = grid.cellAt(second - y1 * width, y1);
      if (c1 >= 0 && touched[c1] === 0) {
        touched[c1] = 1;
        anyTouched = true;
      }
    }
    if (anyTouched) {
      for (let cell = 0; cell < touched.length; cell++) {
        if (touched[cell] === 0) continue;
        touched[cell] = 0;
        signature[cell] = grid.cellMean(data, cell);
      }
    }
    return { words: words.subarray(0, n), values: values.subarray(0, n) };
  }

  private whole(frame: RgbFrame, columns: number, rows: number): null {
    const length = frame.width * frame.height * 3;
    if (!this.last || this.last.length !== length) this.last = new Uint8Array(new ArrayBuffer(length + ((4 - (length % 4)) % 4)));
    this.last.set(frame.data.subarray(0, length));
    if (frame.width !== this.width || frame.height !== this.height || !this.grid) {
      this.width = frame.width;
      this.height = frame.height;
      this.grid = new SignatureGrid(frame.width, frame.height, columns, rows);
      this.touched = new Uint8Array(columns * rows);
    }
    this.lastSignature = frameSignature(frame, columns, rows);
    return null;
  }

  /** Indices of the words that differ into `this.changed`; their count, or -1 when more than `limit`. */
  private compare(a32: Uint32Array, b32: Uint32Array, limit: number): number {
    const count = b32.length;
    const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
    const a = NodeBuffer?.from(a32.buffer, a32.byteOffset, count * 4);
    const b = NodeBuffer?.from(b32.buffer, b32.byteOffset, count * 4);
    const block = a && b ? BLOCK_WORDS : count;
    let n = 0;
    for (let start = 0; start < count; start += block) {
      const end = Math.min(count, start + block);
      if (a && b && a.compare(b, start * 4, end * 4, start * 4, end * 4) === 0) continue;
      let changed = this.changed;
      for (let w = start; w < end; w++) {
        if (a32[w] !== b32[w]) {
          if (n === changed.length) {
            if (n >= limit) return -1;
            const grown = new Int32Array(Math.min(limit + 1, n * 2));
            grown.set(changed);
            this.changed = changed = grown;
          }
          changed[n++] = w;
        }
      }
    }
    return n > limit ? -1 : n;
  }
}
