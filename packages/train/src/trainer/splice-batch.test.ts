import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_TOKEN_INDEX as IMG, createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { spliceImageFeatures } from '../compose/splice';
import { maskedCrossEntropy } from '../loss/masked-cross-entropy';
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

  it('scores only trained positions with the same loss and gradients as the full LM head', () => {
    const lm = tinyLm(5);
    const samples = [
      { inputIds: [1, IMG, 5, 6, 7], labels: [-100, -100, -100, 6, 7] },
      { inputIds: [1, 4, 4, 9], labels: [-100, -100, 4, 9] },
    ];
    const rng = createRng(2);
    const feats = tf.tensor3d(Array.from({ length: 1 * 2 * 16 }, () => rng.normal()), [1, 2, 16]);
    const spliced = spliceBatch(lm, samples, feats);
    // Row 0 is [1, img, img, 5, 6, 7] (L = 6): positions 3 and 4 predict 6 and 7; row 1 predicts 4 and 9.
    expect(Array.from(spliced.trained.positions)).toEqual([3, 4, 7, 8]);
    expect(Array.from(spliced.trained.targets)).toEqual([6, 7, 4, 9]);
    const vars = lm.params.variables();
    const full = tf.variableGrads(() => maskedCrossEntropy(lm.forward({ inputsEmbeds: spliced.inputsEmbeds }).logits, spliced.labels, { globalTrainedTokens: 4 }), vars);
    const sparse = tf.variableGrads(() => {
      const { logits } = lm.forward({ inputsEmbeds: spliced.inputsEmbeds, logitPositions: tf.tensor1d(spliced.trained.positions, 'int32') });
      return maskedCrossEntropy(logits, tf.tensor2d(spliced.trained.targets, [1, 4], 'int32'), { globalTrainedTokens: 4, shift: false });
    }, vars);
    expect(sparse.value.dataSync()[0]).toBeCloseTo(full.value.dataSync()[0] as number, 6);
    for (const name of Object.keys(full.grads)) {
      const a = full.grads[name]!.dataSync();
      const b = sparse.grads[name]!.dataSync();
      const scale = Math.max(1e-6, ...Array.from(a, Math.abs));
      expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] as number)))) / scale).toBeLessThan(1e-5);
    }
  });
});
