// Frozen copy of src/quilt/*/trace-chunk.ts as of main 7cce86c (before issue 15): the benchmark's baseline, "today's pipeline".
import type { RgbFrame } from '../../src/quilt/frames/rgb-frame';
import type { TracePoint } from '../../src/quilt/grounding/trace-point';
import { createCursorScratch, extractCursor, type CursorHit, type CursorOptions } from './extract-cursor';
import { medianFrame } from './median-frame';

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

/** Median frame, cursor per frame and the normalised trace of one chunk of frames. */
export function traceChunk(frames: readonly RgbFrame[], options: CursorOptions & { maxMedianFrames?: number } = {}): ChunkTrace {
  const median = medianFrame(frames, { maxFrames: options.maxMedianFrames });
  const scratch = createCursorScratch(median.width, median.height);
  const startTime = frames[0]?.t ?? 0;
  const hits = frames.map((frame) => extractCursor(frame, median, options, scratch));
  const points: TracePoint[] = [];
  hits.forEach((hit, i) => {
    if (hit) points.push({ x: hit.x / median.width, y: hit.y / median.height, t: frames[i]!.t - startTime });
  });
  return { median, hits, points, startTime };
}
