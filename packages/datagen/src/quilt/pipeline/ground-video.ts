import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng } from '@vlm/core';

import type { CursorHit, CursorOptions } from '../cursor/extract-cursor';
import { ChunkFrames } from '../cursor/chunk-frames';
import { FrameDiffer } from '../cursor/frame-differ';
import { signatureChange, type StableChunkOptions } from '../cursor/stable-chunks';
import { traceChunk } from '../cursor/trace-chunk';
import { renderTracePicture, type LabelledBox } from '../cursor/trace-picture';
import { iterateFrames, type FrameInput } from '../frames/frame-source';
import { encodeRgbFrame } from '../frames/rgb-frame';
import { groundCaption, type GroundCaptionOptions, type GroundedSegment } from '../grounding/ground-caption';
import { groundUtterances, type SentenceGrounding, type UtteranceGroundingOptions } from '../grounding/ground-utterances';
import type { TracePoint } from '../grounding/trace-point';
import { splitSentences } from '../transcript/split-sentences';
import type { Utterance } from '../transcript/utterance';

/** Which rule grounds the narration: each sentence on its own time window, or upstream Quilt's whole-chunk clustering. */
export type GroundingMode = 'utterance' | 'quilt';

/** Options of the grounding stage. */
export interface GroundVideoOptions {
  /** Prefix of ids and image names. */
  videoId: string;
  /** Where `images/` (median frames) and `traces/` (trace pictures) are written. */
  outDir: string;
  seed?: number | string;
  cursor?: CursorOptions & { maxMedianFrames?: number };
  chunks?: StableChunkOptions & { maxFrames?: number };
  /** Which grounding the caption, segments and trace picture use; both are computed and saved. Default 'utterance'. */
  groundingMode?: GroundingMode;
  /** Options of the upstream (whole-chunk) grounding. */
  grounding?: Omit<GroundCaptionOptions, 'imageWidth' | 'imageHeight' | 'caption' | 'rng' | 'seed'>;
  /**
   * Split utterances that hold several sentences at sentence ends, using their word times, so each
   * sentence is grounded on its own window (see {@link splitSentences}). Default true.
   */
  splitSentences?: boolean;
  /** Options of the sentence-level grounding (lead/lag margins in seconds, clusters per sentence). */
  utteranceGrounding?: Omit<UtteranceGroundingOptions, 'imageWidth' | 'imageHeight' | 'rng' | 'seed'>;
}

/** One grounding of a chunk's narration. */
export interface ChunkGrounding {
  groundedCaption: string;
  segments: GroundedSegment[];
  grounded: boolean;
  /** Sentence-level grounding only: every sentence with its window, point count and box (if any). */
  sentences?: SentenceGrounding[];
}

/** A transcript utterance as stored with its chunk: times relative to the chunk, and its number in the transcript. */
export type ChunkUtterance = Utterance & { sentence: number };

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
  /** Presentation time of each frame of the chunk, seconds from the start of the video. */
  frameTimes: number[];
  traces: TracePoint[];
  utterances: ChunkUtterance[];
  caption: string;
  /** The grounding selected by `groundingMode` (copied from `groundings`). */
  grounding: GroundingMode;
  groundedCaption: string;
  segments: GroundedSegment[];
  grounded: boolean;
  /** Both groundings, so they can be compared. */
  groundings: Record<GroundingMode, ChunkGrounding>;
}

/** Utterances whose midpoint falls in [start, end), with times made relative to `start`. */
export function utterancesInWindow<U extends Utterance>(utterances: readonly U[], start: number, end: number): U[] {
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
 * trace of each, grounds the chunk's narration (sentence by sentence and by the upstream rule) and
 * writes the median frame and the trace picture. Only one chunk of frames is in memory at a time.
 */
export async function groundVideo(frames: FrameInput, utterances: readonly Utterance[], options: GroundVideoOptions): Promise<GroundedChunk[]> {
  const chunkOptions = options.chunks ?? {};
  const columns = chunkOptions.gridColumns ?? 32;
  const rows = chunkOptions.gridRows ?? 18;
  const minFrames = chunkOptions.minFrames ?? 5;
  const maxFrames = chunkOptions.maxFrames ?? 600;
  const mode = options.groundingMode ?? 'utterance';
  const rng = createRng(options.seed ?? 0);
  const sentences = options.splitSentences === false ? utterances : splitSentences(utterances);
  const numbered: ChunkUtterance[] = sentences.map((u, i) => ({ ...u, sentence: i + 1 }));
  await mkdir(join(options.outDir, 'images'), { recursive: true });
  await mkdir(join(options.outDir, 'traces'), { recursive: true });
  const results: GroundedChunk[] = [];
  // The current chunk's frames, stored as differences from reference frames: the frames handed over are
  // copied, so a decoder may reuse their buffers.
  let current: ChunkFrames | undefined;
  let reference: Float64Array | undefined;

  const finish = async (endIndex: number, endTime: number) => {
    const chunkFrames = current!;
    current = undefined;
    if (chunkFrames.length < minFrames) return;
    const index = results.length;
    const id = `${options.videoId}_${String(index).padStart(3, '0')}`;
    const trace = traceChunk(chunkFrames, options.cursor);
    const startTime = chunkFrames.time(0);
    const local = utterancesInWindow(numbered, startTime, endTime);
    const caption = local.map((u) => u.text).join(' ');
    const size = { imageWidth: trace.median.width, imageHeight: trace.median.height };
    const hasBoth = trace.points.length > 0 && local.length > 0;
    const upstream = hasBoth ? groundCaption(trace.points, local, { ...options.grounding, ...size, rng: rng.fork(id) }) : { text: caption, segments: [], grounded: false };
    const bySentence = groundUtterances(trace.points, local, { ...options.utteranceGrounding, ...size, rng: rng.fork(`${id}/sentences`) });
    const groundings: Record<GroundingMode, ChunkGrounding> = {
      utterance: { groundedCaption: bySentence.grounded ? bySentence.text : caption, segments: bySentence.segments, grounded: bySentence.grounded, sentences: bySentence.sentences },
      quilt: { groundedCaption: upstream.text, segments: upstream.segments, grounded: upstream.grounded },
    };
    const chosen = groundings[mode];
    const image = `images/${id}.png`;
    const tracePicture = `traces/${id}.png`;
    // Upstream segments hold several sentences: their label lists the sentence numbers they contain.
    const labelled: LabelledBox[] =
      mode === 'utterance'
        ? bySentence.segments.map((s) => ({ box: s.box, label: String(s.sentence), text: s.text }))
        : upstream.segments.map((s) => {
            const numbers = local.filter((u) => s.text.includes(u.text)).map((u) => u.sentence);
            const label = numbers.length > 1 ? `${numbers[0]}-${numbers[numbers.length - 1]}` : String(numbers[0] ?? s.cluster + 1);
            return { box: s.box, label, text: s.text };
          });
    await writeFile(join(options.outDir, image), await encodeRgbFrame(trace.median));
    await writeFile(join(options.outDir, tracePicture), await renderTracePicture(trace.median, trace.points, labelled));
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
      frameTimes: chunkFrames.times(),
      traces: trace.points,
      utterances: local,
      caption,
      grounding: mode,
      groundedCaption: chosen.groundedCaption,
      segments: chosen.segments,
      grounded: chosen.grounded,
      groundings,
    });
  };

  let i = 0;
  let lastTime: number | undefined;
  // What changed since the previous frame, and the brightness signature updated only where it did.
  const differ = new FrameDiffer({ gridColumns: columns, gridRows: rows });
  for await (const frame of iterateFrames(frames)) {
    const delta = differ.next(frame);
    const signature = differ.signature();
    const changed =
      current !== undefined &&
      (current.width !== frame.width || current.height !== frame.height || signatureChange(reference!, signature, chunkOptions.cellDelta) > (chunkOptions.changedFraction ?? 0.1));
    if (current && (changed || current.length >= maxFrames)) {
      await finish(i, frame.t);
    }
    if (!current) {
      current = new ChunkFrames(frame.width, frame.height);
      reference = signature;
    }
    current.add(frame, delta);
    lastTime = frame.t;
    i++;
  }
  // The last chunk runs to the end of the narration or one frame past the last frame.
  const tail = Math.max(lastTime !== undefined ? lastTime + 1e-3 : 0, ...sentences.map((u) => u.end + 1e-3));
  if (current) await finish(i, tail);
  return results;
}
