import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { crossAttentionLayerIndices, GatedCrossAttentionBlock, textTimeFromMediaLocations } from './gated-cross-attention';

const tiny = { dim: 32, dimVisual: 32, heads: 4, dimHead: 8 };
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gated cross-attention block', () => {
  it('counts 8·D² + 1028·D + 1024·Dv + 2 (8x64 heads) and 12,418 for the tiny block', () => {
    expect(new GatedCrossAttentionBlock({ dim: 4096, dimVisual: 1024 }).parameterCount()).toBe(8 * 4096 ** 2 + 1028 * 4096 + 1024 * 1024 + 2);
    const b = new GatedCrossAttentionBlock(tiny).build(createRng(1));
    expect(b.parameterCount()).toBe(12_418);
    expect([...b.weights().values()].reduce((s, v) => s + v.size, 0)).toBe(12_418);
  });

  it('is exactly the identity when fresh (tanh gates at 0)', () => {
    const b = new GatedCrossAttentionBlock(tiny).build(createRng(2));
    const text = seededTensor([2, 5, 32], 3);
    const out = b.apply(text, seededTensor([2, 2, 3, 32], 4), { mediaLocations: tf.tensor2d([[1, 0, 0, 1, 0], [0, 1, 0, 0, 0]]) });
    expect(out.dataSync()).toEqual(text.dataSync());
  });

  it('computes text_time as the cumulative count of images', () => {
    expect(textTimeFromMediaLocations(tf.tensor2d([[1, 0, 0, 1, 0]], undefined, 'int32')).arraySync()).toEqual([[1, 1, 1, 2, 2]]);
    expect(crossAttentionLayerIndices(8, 4)).toEqual([3, 7]);
    expect(crossAttentionLayerIndices(4, 1)).toEqual([0, 1, 2, 3]);
  });

  it('leaves text before the first image untouched and attends to the immediately preceding image', () => {
    const b = new GatedCrossAttentionBlock(tiny).build(createRng(5));
    b.weights().get('attn_gate')!.assign(tf.tensor1d([0.7]));
    const text = seededTensor([1, 5, 32], 6);
    const media = seededTensor([1, 2, 3, 32], 7);
    const locations = tf.tensor2d([[0, 1, 0, 1, 0]], undefined, 'int32'); // text_time [0,1,1,2,2]
    const out = b.apply(text, media, { mediaLocations: locations });
    expect(out.slice([0, 0], [1, 1]).dataSync()).toEqual(text.slice([0, 0], [1, 1]).dataSync());
    expect(maxAbs(out.slice([0, 1], [1, 1]), text.slice([0, 1], [1, 1]))).toBeGreaterThan(1e-3);
    // Token 4 (text_time 2) sees only image 2: same as cross-attending to image 2 alone.
    const full = b.crossAttend(text, media, { mediaLocations: locations });
    const onlySecond = b.crossAttend(text, media.slice([0, 1], [1, 1]), { textTime: tf.tensor2d([[0, 0, 0, 1, 1]], undefined, 'int32') });
    expect(maxAbs(full.slice([0, 3], [1, 2]), onlySecond.slice([0, 3], [1, 2]))).toBeLessThan(1e-5);
    // Token 2 (text_time 1) sees only image 1.
    const onlyFirst = b.crossAttend(text, media.slice([0, 0], [1, 1]), { textTime: tf.tensor2d([[0, 1, 1, 0, 0]], undefined, 'int32') });
    expect(maxAbs(full.slice([0, 1], [1, 2]), onlyFirst.slice([0, 1], [1, 2]))).toBeLessThan(1e-5);
  });

  it('attends to all previous images when onlyAttendImmediateMedia is false', () => {
    const b = new GatedCrossAttentionBlock({ ...tiny, onlyAttendImmediateMedia: false }).build(createRng(8));
    const text = seededTensor([1, 4, 32], 9);
    const media = seededTensor([1, 2, 3, 32], 10);
    const masked = b.crossAttend(text, media, { textTime: tf.tensor2d([[0, 1, 2, 2]], undefined, 'int32') });
    const unmasked = b.crossAttend(text, media);
    expect(maxAbs(masked.slice([0, 2], [1, 2]), unmasked.slice([0, 2], [1, 2]))).toBeLessThan(1e-5);
    expect(maxAbs(masked.slice([0, 1], [1, 1]), unmasked.slice([0, 1], [1, 1]))).toBeGreaterThan(1e-4);
    expect(tf.max(tf.abs(masked.slice([0, 0], [1, 1]))).dataSync()[0]).toBe(0);
  });

  it('has gradients that match finite differences (gates open)', () => {
    const b = new GatedCrossAttentionBlock({ dim: 8, dimVisual: 6, heads: 2, dimHead: 4, ffMult: 2 }).build(createRng(11));
    b.weights().get('attn_gate')!.assign(tf.tensor1d([0.5]));
    b.weights().get('ff_gate')!.assign(tf.tensor1d([-0.4]));
    const text = seededTensor([1, 4, 8], 12);
    const media = seededTensor([1, 2, 3, 6], 13);
    const textTime = tf.tensor2d([[0, 1, 2, 2]], undefined, 'int32');
    const target = seededTensor([1, 4, 8], 14);
    const loss = () => tf.mean(tf.square(tf.sub(b.apply(text, media, { textTime }), target))) as tf.Scalar;
    for (const name of ['attn_gate', 'ff_gate', 'attn.to_kv', 'attn.to_q', 'ff.out', 'attn.norm.gamma']) {
      expect(gradientCheck(loss, b.weights().get(name)!, 3, 3e-2)).toBeLessThan(5e-2);
    }
  });
});
