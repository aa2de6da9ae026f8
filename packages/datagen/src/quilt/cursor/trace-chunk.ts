import type { RgbFrame } from '../frames/rgb-frame';
import type { TracePoint } from '../grounding/trace-point';
import { ChunkFrames } from './chunk-frames';
import { createCursorScratch, locateCursor, thresholdedDiff, updateDiffPixels, type CursorHit, type CursorOptions } from './extract-cursor';
import { chunkMedian } from './chunk-median';
import type { medianFrame } from './median-frame';

/** The cursor trace of one stable chunk: pixel hits per frame and the released normalised format. */
export interface ChunkTrace {
  median: RgbFrame;
  /** One per frame of the chunk; null where no cursor was found. */
  hits: (CursorHit | null)[];
  /** `{x, y, t}` with x, y in [0, 1] and t in seconds from the chunk's first frame. */
  points: TracePoint[];
  /** Time of the chunk's first frame in the video, seconds. */
  startTime: number;
}

/**
 * Median frame, cursor per frame and the normalised trace of one chunk of frames. The results are those
 * of {@link medianFrame} and `extractCursor` on every frame, but the work follows what changed: the
 * thresholded difference to the median is computed whole for the chunk's whole frames (see
 * {@link ChunkFrames}), and for every other frame only at the pixels of the words that changed since the
 * frame before.
 */
export function traceChunk(frames: readonly RgbFrame[] | ChunkFrames, options: CursorOptions & { maxMedianFrames?: number } = {}): ChunkTrace {
  const store = frames instanceof ChunkFrames ? frames : ChunkFrames.from(frames);
  const { width, height } = store;
  const median = chunkMedian(store, options.maxMedianFrames ?? 31);
  const threshold = options.threshold ?? 64;
  const scratch = createCursorScratch(width, height);
  let pixels = new Int32Array(1024);
  let marked = 0;
  const hits: (CursorHit | null)[] = [];
  for (const step of store.walk()) {
    const frame = { width, height, data: step.data };
    if (step.whole) {
      marked = thresholdedDiff(frame, median, threshold, scratch);
    } else if (step.words.length > 0) {
      // A word (bytes 4w..4w+3) touches the pixels holding its first and its last byte.
      const { words } = step;
      if (pixels.length < words.length * 2) pixels = new Int32Array(words.length * 2);
      let n = 0;
      for (let k = 0; k < words.length; k++) {
        const w = words[k]!;
        const first = ((w << 2) / 3) | 0;
        const last = (((w << 2) + 3) / 3) | 0;
        if (n === 0 || pixels[n - 1] !== first) pixels[n++] = first;
        if (last !== first) pixels[n++] = last;
      }
      marked += updateDiffPixels(frame, median, threshold, scratch, pixels, n);
    }
    hits.push(locateCursor(width, height, marked, options, scratch));
  }
  const startTime = store.time(0);
  const points: TracePoint[] = [];
  hits.forEach((hit, i) => {
    if (hit) points.push({ x: hit.x / width, y: hit.y / height, t: store.time(i) - startTime });
  });
  return { median, hits, points, startTime };
}
