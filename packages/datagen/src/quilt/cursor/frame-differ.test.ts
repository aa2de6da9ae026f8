import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import type { RgbFrame } from '../frames/rgb-frame';
import { FrameDiffer } from './frame-differ';
import { frameSignature } from './stable-chunks';

describe('FrameDiffer', () => {
  it('reports the changed words and gives the signature of every frame bit for bit, updated only where pixels changed', () => {
    const rng = createRng('differ');
    for (const [width, height, columns, rows] of [
      [320, 180, 32, 18],
      [64, 40, 8, 5],
      [100, 60, 32, 18],
    ] as const) {
      const differ = new FrameDiffer({ gridColumns: columns, gridRows: rows });
      const data = new Uint8Array(width * height * 3).map(() => rng.int(256));
      let previous = Uint8Array.from(data);
      for (let f = 0; f < 12; f++) {
        // A moving block, scattered single bytes, and on frame 6 a change of everything (a cut).
        if (f === 6) data.forEach((v, i) => (data[i] = (v + 1 + rng.int(5)) % 256));
        const bx = rng.int(width - 8);
        const by = rng.int(height - 8);
        for (let y = by; y < by + 8; y++) data.fill(rng.int(256), (y * width + bx) * 3, (y * width + bx + 8) * 3);
        for (let k = 0; k < 15; k++) data[rng.int(data.length)] = rng.int(256);
        const frame: RgbFrame = { width, height, data: Uint8Array.from(data), t: f };
        const delta = differ.next(frame);
        expect(Array.from(differ.signature())).toEqual(Array.from(frameSignature(frame, columns, rows)));
        if (f === 0 || f === 6) {
          expect(delta).toBeNull();
        } else {
          // Applying the delta to the previous frame gives this one.
          const rebuilt = new Uint32Array(Uint8Array.from(previous).buffer);
          delta!.words.forEach((w, k) => (rebuilt[w] = delta!.values[k]!));
          expect(Buffer.compare(Buffer.from(rebuilt.buffer), Buffer.from(frame.data))).toBe(0);
          expect(delta!.words.length).toBeLessThan(rebuilt.length / 8);
        }
        previous = Uint8Array.from(frame.data);
      }
    }
  });

  it('takes a frame of another size whole', () => {
    const differ = new FrameDiffer();
    expect(differ.next({ width: 64, height: 36, data: new Uint8Array(64 * 36 * 3), t: 0 })).toBeNull();
    expect(differ.next({ width: 64, height: 36, data: new Uint8Array(64 * 36 * 3), t: 1 })).toMatchObject({ words: new Int32Array(0) });
    expect(differ.next({ width: 32, height: 36, data: new Uint8Array(32 * 36 * 3), t: 2 })).toBeNull();
  });
});
