import { VlmError } from '@vlm/core';

import type { RgbFrame } from '../frames/rgb-frame';
import { FrameDiffer, type FrameDelta } from './frame-differ';

/** One stored frame: whole (`key`), or the 32-bit words in which it differs from the frame before it. */
interface StoredFrame {
  t: number;
  source?: string;
  key?: Uint8Array;
  /** Indices of the words (4 bytes of the RGB data) that differ from the previous frame, ascending. */
  words?: Uint32Array;
  /** This frame's values of those words. */
  values?: Uint32Array;
}

/** Options of {@link ChunkFrames}. */
export interface ChunkFramesOptions {
  /** A frame differing from the previous one in more than this fraction of its words is stored whole. Default 1/8. */
  maxChangedFraction?: number;
}

/** A walk through the frames in order: `data` holds the current frame; `changed` what differs from the one before. */
export interface FrameStep {
  index: number;
  /** The frame's bytes (a shared buffer, overwritten by the next step). */
  data: Uint8Array;
  /** The frame was stored whole: every byte may differ from the previous step. */
  whole: boolean;
  /** Otherwise, the indices of the words that changed (each word is 4 bytes of `data`). */
  words: Uint32Array;
}

/**
 * The frames of one stable chunk, held losslessly but compactly: each frame is stored as the 32-bit words
 * in which it differs from the frame before it, or whole when too much changed (the chunk's first frame,
 * an H.264 key frame). On a lecture — a static slide and a moving cursor — a 1280x720 frame costs a few
 * kB instead of 2.7 MB. The frame handed to {@link add} is compared and copied, never kept, so a decoder
 * may reuse its buffer. Frames are read back in order with {@link walk} (the cursor pass works on what
 * changed from frame to frame) or one by one, exactly, with {@link frame}.
 */
export class ChunkFrames {
  readonly width: number;
  readonly height: number;
  private readonly stored: StoredFrame[] = [];
  private readonly options: ChunkFramesOptions;
  /** Compares added frames with the one before, when the caller does not say what changed. */
  private differ: FrameDiffer | undefined;
  private heldBytes = 0;

  constructor(width: number, height: number, options: ChunkFramesOptions = {}) {
    this.width = width;
    this.height = height;
    this.options = options;
  }

  /** Stores frames of one size. */
  static from(frames: readonly RgbFrame[], options?: ChunkFramesOptions): ChunkFrames {
    const first = frames[0];
    if (!first) throw new VlmError('median_no_frames', 'a chunk needs at least one frame');
    const store = new ChunkFrames(first.width, first.height, options);
    for (const frame of frames) store.add(frame);
    return store;
  }

  get length(): number {
    return this.stored.length;
  }

  /** Presentation time of frame `i`, seconds. */
  time(i: number): number {
    return this.stored[i]!.t;
  }

  /** Times of all frames, in order. */
  times(): number[] {
    return this.stored.map((f) => f.t);
  }

  /** Bytes held by the stored frames (whole frames and differences). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** How many frames are stored whole. */
  get wholeFrames(): number {
    return this.stored.filter((f) => f.key).length;
  }

  /** The words frame `i` changed since the frame before, or undefined when it is stored whole. */
  changedWords(i: number): Uint32Array | undefined {
    return this.stored[i]!.words;
  }

  /**
   * Appends a frame (copied). `delta` says which words changed since the previous frame added (from a
   * {@link FrameDiffer} that saw the same frames; null: store it whole); without it the frame is compared here.
   */
  add(frame: RgbFrame, delta?: FrameDelta | null): void {
    if (frame.width !== this.width || frame.height !== this.height) {
      throw new VlmError('median_size_mismatch', `frames of one chunk differ in size (${this.width}x${this.height} vs ${frame.width}x${frame.height})`, {
        location: { file: frame.source },
      });
    }
    const length = this.width * this.height * 3;
    if (frame.data.length !== length) {
      throw new VlmError('frame_bad_size', `a ${frame.width}x${frame.height} frame has ${frame.data.length} bytes, not ${length}`, { location: { file: frame.source } });
    }
    if (delta === undefined) {
      this.differ ??= new FrameDiffer({ maxChangedFraction: this.options.maxChangedFraction });
      delta = this.differ.next(frame);
    }
    // The chunk's first frame is whole whatever the caller compared it with.
    if (delta && this.stored.length > 0) {
      const n = delta.words.length;
      const words = new Uint32Array(n);
      words.set(delta.words);
      const values = new Uint32Array(n);
      values.set(delta.values);
      this.stored.push({ t: frame.t, source: frame.source, words, values });
      this.heldBytes += n * 8;
      return;
    }
    // A fresh ArrayBuffer: word-aligned whatever the input's offset.
    const key = new Uint8Array(new ArrayBuffer(length + ((4 - (length % 4)) % 4)), 0, length);
    key.set(frame.data);
    this.stored.push({ t: frame.t, source: frame.source, key });
    this.heldBytes += length;
  }

  /** Walks the frames in order, rebuilding each into one shared buffer. */
  *walk(): Generator<FrameStep> {
    const data = new Uint8Array(new ArrayBuffer(this.width * this.height * 3));
    const d32 = new Uint32Array(data.buffer, 0, data.length >> 2);
    const none = new Uint32Array(0);
    for (let index = 0; index < this.stored.length; index++) {
      const f = this.stored[index]!;
      if (f.key) {
        data.set(f.key);
        yield { index, data, whole: true, words: none };
        continue;
      }
      const words = f.words!;
      const values = f.values!;
      for (let k = 0; k < words.length; k++) d32[words[k]!] = values[k]!;
      yield { index, data, whole: false, words };
    }
  }

  /** Rebuilds frame `i` exactly (from the last whole frame before it). */
  frame(i: number): RgbFrame {
    let start = i;
    while (!this.stored[start]!.key) start--;
    const data = new Uint8Array(new ArrayBuffer(this.width * this.height * 3));
    data.set(this.stored[start]!.key!);
    const d32 = new Uint32Array(data.buffer, 0, data.length >> 2);
    for (let j = start + 1; j <= i; j++) {
      const { words, values } = this.stored[j]!;
      for (let k = 0; k < words!.length; k++) d32[words![k]!] = values![k]!;
    }
    const f = this.stored[i]!;
    return { width: this.width, height: this.height, data, t: f.t, source: f.source };
  }

  /** Rebuilds the listed frames (ascending indices) in one walk. */
  frames(indices: readonly number[]): RgbFrame[] {
    const wanted = new Set(indices);
    const out: RgbFrame[] = [];
    for (const step of this.walk()) {
      if (!wanted.has(step.index)) continue;
      const f = this.stored[step.index]!;
      out.push({ width: this.width, height: this.height, data: step.data.slice(), t: f.t, source: f.source });
      if (out.length === wanted.size) break;
    }
    return out;
  }
}
