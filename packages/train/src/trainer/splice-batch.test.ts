import * as tf from '@tensorflow/tfjs';
import { IMAGE_TOKEN_INDEX as IMG, createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { spliceImageFeatures } from '../compose/splice';
import { useCpuBackend } from '../testing/backend';
import { tinyLm } from '../testing/tiny-models';
import { spliceBatch } from './splice-batch';

beforeAll(useCpuBackend);

describe('spliceBatch', () => {
  it('equals spliceImageFeatures (embeddings, labels, mask) and its gradient, with text-only rows in the batch', () => {
    const lm = tinyLm(3);
    const samples = [
      { inputIds: [1, IMG, 5, 6, 7], labels: [-100, -100, -100, 6, 7] },
      { inputIds: [1, 4, 4], labels: [-100, 4, 4] },
      { inputIds: [1, IMG, 9, IMG, 3], labels: [-100, -100, 9, -100, 3] },
    ];
    const rng = createRng(1);
    const feats = tf.tensor3d(Array.from({ length: 3 * 2 * 16 }, () => rng.normal()), [3, 2, 16]);
    const ours = spliceBatch(lm, samples, feats);
    const theirs = spliceImageFeatures({ inputIds: samples.map((s) => s.inputIds), labels: samples.map((s) => s.labels), imageFeatures: feats, embedTokens: (ids) => lm.embedTokens(ids) });
    expect(ours.lengths).toEqual(theirs.lengths);
    expect(Array.from(ours.inputsEmbeds.dataSync())).toEqual(Array.from(theirs.inputsEmbeds.dataSync()));
    expect(ours.labels.arraySync()).toEqual(theirs.labels!.arraySync());
    expect(ours.attentionMask.arraySync()).toEqual(theirs.attentionMask.arraySync());
    const gOurs = tf.grad((f: tf.Tensor) => tf.sum(tf.square(spliceBatch(lm, samples, f as tf.Tensor3D).inputsEmbeds)))(feats);
    expect(Array.from(gOurs.dataSync())).toEqual(Array.from(tf.mul(feats, 2).dataSync()));
    expect(() => spliceBatch(lm, samples)).toThrow(/3 image placeholder/);
  });
});
