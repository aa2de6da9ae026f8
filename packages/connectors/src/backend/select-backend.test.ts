import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend';

describe('selectBackend', () => {
  it('falls back past an unloadable tfjs-node to wasm, logs once and caches the choice', async () => {
    const lines: string[] = [];
    const first = await selectBackend({ log: (l) => lines.push(l) });
    // tfjs-node is not installed (or its native library is missing) in this project.
    expect(first.kind).toBe('wasm');
    expect(first.skipped[0]).toMatch(/^node: /);
    expect(first.fastKernels).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
    const second = await selectBackend({ log: (l) => lines.push(l) });
    expect(second).toBe(first);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/TF\.js backend: wasm \(simd (true|false)/);
  });
});
