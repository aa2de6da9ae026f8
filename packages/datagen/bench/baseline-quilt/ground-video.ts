// Frozen copy of src/quilt/*/ground-video.ts as of main 7cce86c (before issue 15): the benchmark's baseline, "today's pipeline".
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng } from '@vlm/core';

import type { CursorHit, CursorOptions } from './extract-cursor';
import { frameSignature, signatureChange, type StableChunkOptions } from './stable-chunks';
import { traceChunk } from './trace-chunk';
import { drawTrace } from '../../src/quilt/cursor/trace-picture';
import { encodeRgbFrame, readRgbFrame, type RgbFrame } from '../../src/quilt/frames/rgb-frame';
import { groundCaption, type GroundCaptionOptions, type GroundedSegment } from '../../src/quilt/grounding/ground-caption';
import type { TracePoint } from '../../src/quilt/grounding/trace-point';
import type { Utterance } from '../../src/quilt/transcript/utterance';

/** Options of the grounding stage. */
export interface GroundVideoOptions {
  /** Prefix of ids and image names. */
  videoId: string;
  /** Where `images/` (median frames) and `traces/` (trace pictures) are written. */
  outDir: string;
  seed?: number | string;
  cursor?: CursorOptions & { maxMedianFrames?: number };
  chunks?: StableChunkOptions & { maxFrames?: number };
  grounding?: Omit<GroundCaptionOptions, 'imageWidth' | 'imageHeight' | 'caption' | 'rng' | 'seed'>;
}

/** One stable chunk after grounding: what the instruction stage and the demo read. */
export interface GroundedChunk {
  id: string;
  /** Median frame, relative to `outDir`. */
  image: string;
  tracePicture: string;
  /** Frame indices [start, end) in the input list. */
  frameStart: number;
  frameEnd: number;
  startTime: number;
  endTime: number;
  width: number;
  height: number;
  /** Cursor per frame of the chunk in pixels (null where none was found). */
  hits: (CursorHit | null)[];
  traces: TracePoint[];
  utterances: Utterance[];
  caption: string;
  groundedCaption: string;
  segments: GroundedSegment[];
  grounded: boolean;
}

/** Utterances whose midpoint falls in [start, end), with times made relative to `start`. */
export function utterancesInWindow(utterances: readonly Utterance[], start: number, end: number): Utterance[] {
  return utterances
    .filter((u) => (u.start + u.end) / 2 >= start && (u.start + u.end) / 2 < end)
    .map((u) => ({
      ...u,
      start: u.start - start,
      end: u.end - start,
      ...(u.words ? { words: u.words.map((w) => ({ ...w, start: w.start - start, end: w.end - start })) } : {}),
    }));
}

/**
 * Stage 1 of Quilt: streams frames, cuts them into stable-background chunks, extracts the cursor
 * trace of each, grounds the chunk's narration and writes the median frame and the trace picture.
 * Only one chunk of frames is in memory at a time.
 */
export async function groundVideo(frames: readonly { file: string; t: number }[], utterances: readonly Utterance[], options: GroundVideoOptions): Promise<GroundedChunk[]> {
  const chunkOptions = options.chunks ?? {};
  const columns = chunkOptions.gridColumns ?? 32;
  const rows = chunkOptions.gridRows ?? 18;
  const minFrames = chunkOptions.minFrames ?? 5;
  const maxFrames = chunkOptions.maxFrames ?? 600;
  const rng = createRng(options.seed ?? 0);
  await mkdir(join(options.outDir, 'images'), { recursive: true });
  await mkdir(join(options.outDir, 'traces'), { recursive: true });
  const results: GroundedChunk[] = [];
  let current: RgbFrame[] = [];
  let reference: Float64Array | undefined;

  const finish = async (endIndex: number, endTime: number) => {
    const chunkFrames = current;
    current = [];
    if (chunkFrames.length < minFrames) return;
    const index = results.length;
    const id = `${options.videoId}_${String(index).padStart(3, '0')}`;
    const trace = traceChunk(chunkFrames, options.cursor);
    const startTime = chunkFrames[0]!.t;
    const local = utterancesInWindow(utterances, startTime, endTime);
    const caption = local.map((u) => u.text).join(' ');
    const grounded =
      trace.points.length > 0 && local.length > 0
        ? groundCaption(trace.points, local, { ...options.grounding, imageWidth: trace.median.width, imageHeight: trace.median.height, rng: rng.fork(id) })
        : { text: caption, segments: [], grounded: false };
    const image = `images/${id}.png`;
    const tracePicture = `traces/${id}.png`;
    await writeFile(join(options.outDir, image), await encodeRgbFrame(trace.median));
    await writeFile(join(options.outDir, tracePicture), await encodeRgbFrame(drawTrace(trace.median, trace.points, { boxes: grounded.segments.map((s) => s.box) })));
    results.push({
      id,
      image,
      tracePicture,
      frameStart: endIndex - chunkFrames.length,
      frameEnd: endIndex,
      startTime,
      endTime,
      width: trace.median.width,
      height: trace.median.height,
      hits: trace.hits,
      traces: trace.points,
      utterances: local,
      caption,
      groundedCaption: grounded.text,
      segments: grounded.segments,
      grounded: grounded.grounded,
    });
  };

  for (let i = 0; i < frames.length; i++) {
    const entry = frames[i]!;
    const frame = await readRgbFrame(entry.file, entry.t);
    const signature = frameSignature(frame, columns, rows);
    const first = current[0];
    const changed =
      first !== undefined &&
      (first.width !== frame.width || first.height !== frame.height || signatureChange(reference!, signature, chunkOptions.cellDelta) > (chunkOptions.changedFraction ?? 0.1));
    if (changed || current.length >= maxFrames) {
      await finish(i, frame.t);
    }
    if (current.length === 0) reference = signature;
    current.push(frame);
  }
  const last = frames[frames.length - 1];
  // The last chunk runs to the end of the narration or one frame past the last frame.
  const tail = Math.max(last ? last.t + 1e-3 : 0, ...utterances.map((u) => u.end + 1e-3));
  if (current.length > 0) await finish(frames.length, tail);
  return results;
}
