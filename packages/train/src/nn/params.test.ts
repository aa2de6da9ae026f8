import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { ParamSet } from './params';

describe('ParamSet', () => {
  it('names variables uniquely across copies of the module (the CommonJS build bundles it into each entry)', async () => {
    await tf.setBackend('cpu');
    const first = new ParamSet('clip-vision');
    first.add('w', [2], new Float32Array([1, 2]));
    // a second, independent copy of this module, as `@vlm/train/node`'s CommonJS bundle holds
    vi.resetModules();
    const copy = (await import('./params')) as typeof import('./params');
    expect(copy.ParamSet).not.toBe(ParamSet);
    const second = new copy.ParamSet('clip-vision');
    expect(() => second.add('w', [2], new Float32Array([3, 4]))).not.toThrow();
    expect(second.get('w').name).not.toBe(first.get('w').name);
    first.dispose();
    second.dispose();
  });
});
