import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { createConnector } from './create-connector';
import { PerceiverResampler } from './perceiver-resampler';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Perceiver resampler', () => {
  it('counts 48·D² + 12390·D at depth 6', () => {
    for (const d of [32, 1024, 1408]) expect(new PerceiverResampler({ type: 'perceiver', dim: d }).parameterCount()).toBe(48 * d * d + 12390 * d);
    const built = new PerceiverResampler({ type: 'perceiver', dim: 32 }).build(createRng(1));
    expect([...built.weights().values()].reduce((s, v) => s + v.size, 0)).toBe(48 * 32 * 32 + 12390 * 32);
  });

  it('resamples [b, T, n, D] to [b, T, latents, D] and one image [b, n, D] to [b, latents, D]', () => {
    const p = createConnector({ type: 'perceiver', dim: 16, depth: 2, heads: 2, dimHead: 8, numLatents: 4, maxNumMedia: 3 }, createRng(2));
    expect(p.apply(seededTensor([2, 3, 5, 16], 3)).shape).toEqual([2, 3, 4, 16]);
    expect(p.apply(seededTensor([2, 5, 16], 4)).shape).toEqual([2, 4, 16]);
  });

  it('treats each medium independently', () => {
    const p = createConnector({ type: 'perceiver', dim: 16, depth: 1, heads: 2, dimHead: 8, numLatents: 4 }, createRng(3));
    const a = seededTensor([1, 1, 5, 16], 5);
    const b = seededTensor([1, 1, 5, 16], 6);
    const both = p.apply(tf.concat([a, b], 1));
    const alone = p.apply(b);
    expect(tf.max(tf.abs(tf.sub(both.slice([0, 1], [1, 1]), alone))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('has gradients that match finite differences', () => {
    const p = createConnector({ type: 'perceiver', dim: 8, depth: 1, heads: 2, dimHead: 4, numLatents: 3 }, createRng(4));
    const x = seededTensor([1, 1, 4, 8], 7);
    const target = seededTensor([1, 1, 3, 8], 8);
    const loss = () => tf.mean(tf.square(tf.sub(p.apply(x), target))) as tf.Scalar;
    for (const name of ['latents', 'layer_0.to_kv', 'layer_0.to_q', 'layer_0.ff_in']) {
      expect(gradientCheck(loss, p.weights().get(name)!, 3, 3e-2)).toBeLessThan(5e-2);
    }
  });
});
