import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { QFormer } from './q-former';

const tiny = { type: 'qformer', hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, encoderWidth: 32, numQueries: 8, crossAttentionFrequency: 2 } as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Q-Former', () => {
  it('counts BLIP-2 parameters (no text FFN, encoder 1408) without allocating', () => {
    expect(new QFormer({ type: 'qformer' }).parameterCount()).toBe(105_162_240);
    expect(new QFormer({ type: 'qformer' }).crossAttentionLayers).toBe(6);
  });

  it('tiny config: 21,696 weights, +2,112 with a projection, one cross-attention layer in two', () => {
    const q = new QFormer(tiny).build(createRng(1));
    expect([...q.weights().values()].reduce((s, v) => s + v.size, 0)).toBe(21_696);
    expect(q.parameterCount()).toBe(21_696);
    expect(new QFormer({ ...tiny, outputDim: 64 }).parameterCount()).toBe(21_696 + 2_112);
    expect(q.crossAttentionLayers).toBe(1);
    expect([...q.weights().keys()].filter((k) => k.includes('.cross.query.kernel'))).toEqual(['layer_0.cross.query.kernel']);
  });

  it('maps image features to the learned queries in the LM width', () => {
    const q = new QFormer({ ...tiny, outputDim: 64 }).build(createRng(2));
    const y = q.apply(seededTensor([2, 17, 32], 3));
    expect(y.shape).toEqual([2, 8, 64]);
    expect(q.outputTokens()).toBe(8);
  });

  it('applies post-LN: without projection every query state has mean 0 and unit variance', () => {
    const q = new QFormer(tiny).build(createRng(3));
    const y = q.apply(seededTensor([1, 5, 32], 4));
    const { mean, variance } = tf.moments(y, -1);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]).toBeLessThan(1e-3);
  });

  it('uses dropout only in training mode', () => {
    const q = new QFormer({ ...tiny, dropout: 0.5 }).build(createRng(4));
    const x = seededTensor([1, 5, 32], 5);
    const a = q.apply(x).dataSync();
    expect(q.apply(x).dataSync()).toEqual(a);
    expect(q.apply(x, { training: true }).dataSync()).not.toEqual(a);
  });

  it('reads the image through cross-attention (output depends on the features)', () => {
    const q = new QFormer(tiny).build(createRng(5));
    const a = q.apply(seededTensor([1, 5, 32], 6));
    const b = q.apply(seededTensor([1, 5, 32], 7));
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  it('has gradients that match finite differences', () => {
    const q = new QFormer({ ...tiny, outputDim: 6, dropout: 0 }).build(createRng(6));
    const x = seededTensor([1, 4, 32], 8);
    const target = seededTensor([1, 8, 6], 9);
    const loss = () => tf.mean(tf.square(tf.sub(q.apply(x), target))) as tf.Scalar;
    for (const name of ['query_tokens', 'layer_0.cross.key.kernel', 'layer_1.self.value.kernel', 'layer_1.ffn.intermediate.bias', 'layer_0.self.norm.gamma']) {
      expect(gradientCheck(loss, q.weights().get(name)!, 3, 3e-2)).toBeLessThan(5e-2);
    }
  });
});
