import { VlmError } from '@vlm/core';

import type { RgbFrame } from '../frames/rgb-frame';

// In-place quickselect: after it, values[k] holds the k-th smallest of values[0..n).
function select(values: Uint8Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const tmp = values[i]!;
        values[i] = values[j]!;
        values[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

/** Which of `count` frames a median reads: all of them, or `maxFrames` evenly spaced ones. */
export function medianSample(count: number, maxFrames = 31): number[] {
  return count <= maxFrames ? Array.from({ length: count }, (_, i) => i) : Array.from({ length: maxFrames }, (_, i) => Math.floor((i * count) / maxFrames));
}

/**
 * Per-pixel, per-channel median of frames of one size (numpy's median: the mean of the two middle
 * values for an even count, rounded). A moving cursor vanishes from it as long as it rests on any
 * pixel in fewer than half of the frames. `maxFrames` evenly subsamples long chunks to bound the cost.
 */
export function medianFrame(frames: readonly RgbFrame[], options: { maxFrames?: number } = {}): RgbFrame {
  const first = frames[0];
  if (!first) throw new VlmError('median_no_frames', 'a median frame needs at least one frame');
  const maxFrames = options.maxFrames ?? 31;
  const chosen = medianSample(frames.length, maxFrames).map((i) => frames[i]!);
  for (const frame of chosen) {
    if (frame.width !== first.width || frame.height !== first.height) {
      throw new VlmError('median_size_mismatch', `frames of one chunk differ in size (${first.width}x${first.height} vs ${frame.width}x${frame.height})`, {
        location: { file: frame.source },
      });
    }
  }
  const out = new Uint8Array(first.data.length);
  medianOfArrays(chosen.map((f) => f.data), out);
  return { width: first.width, height: first.height, data: out, t: first.t };
}

/**
 * Byte-wise median of equally long arrays into `out` (numpy's median: the mean of the two middle values
 * for an even count, rounded), a word at a time where more than half of the arrays agree.
 */
export function medianOfArrays(sources: readonly Uint8Array[], out: Uint8Array): void {
  const n = sources.length;
  const scratch = new Uint8Array(n);
  const lower = (n - 1) >> 1;
  const even = n % 2 === 0;
  const need = (n >> 1) + 1;
  const medianAt = (i: number) => {
    const first = sources[0]![i]!;
    let same = 0;
    for (let f = 0; f < n; f++) {
      const v = sources[f]![i]!;
      scratch[f] = v;
      if (v === first) same++;
    }
    // A value held by more than half of the frames is the median (a static background pixel, lossless video).
    if (same >= need) {
      out[i] = first;
      return;
    }
    const low = select(scratch, n, lower);
    if (!even) {
      out[i] = low;
    } else {
      let high = 255;
      for (let f = lower + 1; f < n; f++) if (scratch[f]! < high) high = scratch[f]!;
      out[i] = Math.round((low + high) / 2);
    }
  };
  const aligned = out.length % 4 === 0 && out.byteOffset % 4 === 0 && sources.every((d) => d.byteOffset % 4 === 0);
  if (!aligned) {
    for (let i = 0; i < out.length; i++) medianAt(i);
  } else {
    // Four bytes at a time: a word equal in more than half of the frames is the median of each of its bytes.
    const words = sources.map((d) => new Uint32Array(d.buffer, d.byteOffset, d.length >> 2));
    const out32 = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
    const w0 = words[0]!;
    for (let w = 0; w < out32.length; w++) {
      let v = w0[w]!;
      let same = 1;
      for (let f = 1; f < n && same < need; f++) {
        if (words[f]![w] === v) same++;
        // Too few frames left to reach a majority of the first frame's word.
        else if (same + (n - 1 - f) < need) break;
      }
      if (same < need) {
        // Another word may still hold the majority (a background that changed early in the chunk):
        // Boyer-Moore's vote finds the only candidate, one more pass counts it.
        let votes = 0;
        for (let f = 0; f < n; f++) {
          const x = words[f]![w]!;
          if (votes === 0) {
            v = x;
            votes = 1;
          } else if (x === v) votes++;
          else votes--;
        }
        same = 0;
        for (let f = 0; f < n; f++) if (words[f]![w] === v) same++;
      }
      if (same >= need) {
        out32[w] = v;
      } else {
        const i = w << 2;
        medianAt(i);
        medianAt(i + 1);
        medianAt(i + 2);
        medianAt(i + 3);
      }
    }
  }
}
