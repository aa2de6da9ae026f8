import type { RgbFrame } from '../frames/rgb-frame';
import type { ChunkFrames } from './chunk-frames';
import { medianFrame, medianOfArrays, medianSample } from './median-frame';

/**
 * {@link medianFrame} of a chunk's frames (the same `maxFrames` subsample, the same bytes), computed where
 * it can differ from the first frame only: a word no frame of the sample's span changed is the same in
 * every sampled frame and so is its own median. Chunks holding a second whole frame (a key frame that
 * changed everything) take the plain median of the rebuilt frames.
 */
export function chunkMedian(store: ChunkFrames, maxFrames = 31): RgbFrame {
  const sample = medianSample(store.length, maxFrames);
  const wordCount = (store.width * store.height * 3) >> 2;
  const span = sample[sample.length - 1]!;
  let plain = (store.width * store.height * 3) % 4 !== 0;
  const touched = new Uint8Array(plain ? 0 : wordCount);
  const list: number[] = [];
  for (let i = 1; i <= span && !plain; i++) {
    const words = store.changedWords(i);
    if (!words) {
      plain = true;
      break;
    }
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      if (touched[w] === 0) {
        touched[w] = 1;
        list.push(w);
      }
    }
  }
  if (plain) return medianFrame(store.frames(sample), { maxFrames: sample.length });
  // The sampled frames' values of the touched words, one column per frame.
  const columns = sample.map(() => new Uint32Array(list.length));
  let j = 0;
  for (const step of store.walk()) {
    if (step.index !== sample[j]) continue;
    const d32 = new Uint32Array(step.data.buffer, step.data.byteOffset, step.data.length >> 2);
    const column = columns[j]!;
    for (let k = 0; k < list.length; k++) column[k] = d32[list[k]!]!;
    if (++j === sample.length) break;
  }
  const medians = new Uint32Array(list.length);
  medianOfArrays(
    columns.map((c) => new Uint8Array(c.buffer)),
    new Uint8Array(medians.buffer),
  );
  const median = store.frame(0);
  const out32 = new Uint32Array(median.data.buffer, median.data.byteOffset, median.data.length >> 2);
  for (let k = 0; k < list.length; k++) out32[list[k]!] = medians[k]!;
  return median;
}
