import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { drawArrowCursor } from '../demo/arrow-cursor';
import type { RgbFrame } from '../frames/rgb-frame';
import { ChunkFrames } from './chunk-frames';
import { chunkMedian } from './chunk-median';
import { extractCursor } from './extract-cursor';
import { medianFrame } from './median-frame';
import { traceChunk } from './trace-chunk';

/**
 * A lecture-like chunk: a noisy static background, an arrow cursor moving over it, a few pixels of codec
 * noise per frame that persist (as in skip-coded video), and optionally a key frame after which every
 * pixel moved a little.
 */
function lecture(width: number, height: number, count: number, options: { keyFrameAt?: number; seed?: string; unaligned?: boolean } = {}): RgbFrame[] {
  const rng = createRng(options.seed ?? 'chunk');
  const background = new Uint8Array(width * height * 3).map(() => 90 + rng.int(60));
  const frames: RgbFrame[] = [];
  for (let f = 0; f < count; f++) {
    if (f === options.keyFrameAt) for (let i = 0; i < background.length; i++) background[i] = background[i]! + rng.int(3) - 1;
    for (let k = 0; k < 20; k++) background[rng.int(background.length)] = rng.int(256);
    const data = Uint8Array.from(background);
    drawArrowCursor(data, width, height, 10 + ((f * 13) % (width - 30)), 8 + ((f * 7) % (height - 30)));
    if (options.unaligned) {
      // The same bytes at an odd offset of a larger buffer.
      const host = new Uint8Array(data.length + 1);
      host.set(data, 1);
      frames.push({ width, height, data: host.subarray(1), t: f * 0.1 });
    } else {
      frames.push({ width, height, data, t: f * 0.1 });
    }
  }
  return frames;
}

describe('ChunkFrames', () => {
  it('stores a lecture as small differences and rebuilds every frame exactly', () => {
    const frames = lecture(160, 96, 24);
    const store = ChunkFrames.from(frames);
    expect(store.length).toBe(24);
    expect(store.wholeFrames).toBe(1);
    expect(store.bytes).toBeLessThan(frames.length * frames[0]!.data.length * 0.2);
    expect(store.times()).toEqual(frames.map((f) => f.t));
    for (const i of [0, 1, 11, 23]) expect(Buffer.compare(Buffer.from(store.frame(i).data), Buffer.from(frames[i]!.data))).toBe(0);
    for (const step of store.walk()) expect(Buffer.compare(Buffer.from(step.data), Buffer.from(frames[step.index]!.data))).toBe(0);
  });

  it('copies what it is given, so the caller may reuse its buffer', () => {
    const frames = lecture(64, 48, 6);
    const buffer = new Uint8Array(frames[0]!.data.length);
    const store = new ChunkFrames(64, 48);
    for (const frame of frames) {
      buffer.set(frame.data);
      store.add({ ...frame, data: buffer });
    }
    buffer.fill(0);
    for (let i = 0; i < frames.length; i++) expect(Buffer.compare(Buffer.from(store.frame(i).data), Buffer.from(frames[i]!.data))).toBe(0);
  });

  it('stores a frame whole after a key frame, for unaligned input and sizes that are not whole words', () => {
    const keyed = ChunkFrames.from(lecture(160, 96, 12, { keyFrameAt: 6 }));
    expect(keyed.wholeFrames).toBe(2);
    expect(keyed.changedWords(6)).toBeUndefined();
    // 33x21 pixels are 2079 bytes: three bytes past the last whole word.
    const odd = lecture(33, 21, 8, { seed: 'odd' });
    const unaligned = lecture(40, 30, 8, { unaligned: true });
    for (const frames of [odd, unaligned]) {
      const store = ChunkFrames.from(frames);
      for (let i = 0; i < frames.length; i++) expect(Buffer.compare(Buffer.from(store.frame(i).data), Buffer.from(frames[i]!.data))).toBe(0);
    }
  });

  it('refuses a frame of another size', () => {
    const store = new ChunkFrames(10, 10);
    expect(() => store.add({ width: 12, height: 10, data: new Uint8Array(360), t: 0 })).toThrow(/differ in size/);
  });
});

describe('the incremental chunk trace gives the exact results of the per-frame computation', () => {
  const cases: [string, RgbFrame[]][] = [
    ['a lecture', lecture(160, 96, 40)],
    ['a key frame inside the chunk', lecture(160, 96, 40, { keyFrameAt: 17, seed: 'key' })],
    ['unaligned frames', lecture(96, 64, 12, { unaligned: true, seed: 'u' })],
    ['rows not a multiple of four pixels', lecture(99, 64, 12, { seed: 'rows' })],
  ];
  for (const [name, frames] of cases) {
    it(name, () => {
      const median = medianFrame(frames);
      const store = ChunkFrames.from(frames);
      expect(Buffer.compare(Buffer.from(chunkMedian(store).data), Buffer.from(median.data))).toBe(0);
      for (const maxFrames of [5, 6]) expect(Buffer.compare(Buffer.from(chunkMedian(store, maxFrames).data), Buffer.from(medianFrame(frames, { maxFrames }).data))).toBe(0);
      const expected = frames.map((f) => extractCursor(f, median));
      expect(expected.filter(Boolean).length).toBeGreaterThan(frames.length / 2);
      expect(traceChunk(store).hits).toEqual(expected);
      expect(traceChunk(frames, { anchor: 'centroid' }).hits).toEqual(frames.map((f) => extractCursor(f, median, { anchor: 'centroid' })));
    });
  }
});
