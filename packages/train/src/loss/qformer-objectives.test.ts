import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { biModalMask, hardNegativeWeights, hardNegatives, itcLoss, itgLoss, itmLoss, smoothedCrossEntropy, uniLmMask, uniModalMask } from './qformer-objectives';

beforeAll(useCpuBackend);

const scalar = (t: tf.Tensor) => (t.dataSync() as Float32Array)[0] as number;

describe('BLIP-2 stage-1 attention masks (2 queries, text [real, real, pad])', () => {
  const text = [[1, 1, 0]];
  it('uni-modal (ITC): queries see queries, text sees real text, nobody sees padding', () => {
    expect(uniModalMask(2, text)[0]).toEqual([
      [1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 1, 1, 0],
    ]);
  });
  it('bi-modal (ITM): everything sees everything but padding', () => {
    expect(biModalMask(2, text)[0]).toEqual(Array.from({ length: 5 }, () => [1, 1, 1, 1, 0]));
  });
  it('UniLM (ITG): queries see only queries; text sees every query and earlier text (LAVIS get_extended_attention_mask)', () => {
    expect(uniLmMask(2, text)[0]).toEqual([
      [1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 0],
      [1, 1, 1, 1, 0],
    ]);
  });
});

describe('BLIP-2 stage-1 losses against hand-computed values', () => {
  it('smoothed cross-entropy is (1-ε)·NLL + ε·mean(-log p), -100 rows ignored', () => {
    // logits [0, ln 3]: p = [1/4, 3/4]; target 1 -> NLL ln(4/3); mean(-log p) = (ln 4 + ln(4/3)) / 2.
    const nll = Math.log(4 / 3);
    const expected = 0.9 * nll + 0.1 * ((Math.log(4) + nll) / 2);
    const got = scalar(smoothedCrossEntropy(tf.tensor2d([[0, Math.log(3)], [5, -5]]), [1, -100], 0.1));
    expect(got).toBeCloseTo(expected, 6);
  });

  it('ITC takes the best query per pair, divides by the temperature, and averages both directions', () => {
    // image 0 queries [1,0],[0,1]; image 1 queries [.6,.8],[1,0]; texts [1,0],[.6,.8].
    // max over queries: sim_i2t = [[1, .8], [1, 1]] / 0.1 = [[10, 8], [10, 10]]; sim_t2i is its transpose.
    // Rows: CE_0.1([10,8], 0) = .9·ln(1+e^-2) + .1·(ln(1+e^-2) + 1) = 0.2269280; CE_0.1([10,10], ·) = ln 2.
    // Loss = ((0.2269280 + ln 2) / 2 + (ln 2 + 0.2269280) / 2) / 2 = 0.4600376.
    const image = tf.tensor3d([[[1, 0], [0, 1]], [[0.6, 0.8], [1, 0]]]);
    const text = tf.tensor2d([[1, 0], [0.6, 0.8]]);
    const r = itcLoss(image, text, tf.scalar(0.1));
    expect(r.simI2t.arraySync().flat().map((v) => Number(v.toFixed(4)))).toEqual([10, 8, 10, 10]);
    expect(r.simT2i.arraySync().flat().map((v) => Number(v.toFixed(4)))).toEqual([10, 10, 8, 10]);
    expect(scalar(r.loss)).toBeCloseTo(0.4600376, 5);
  });

  it('ITM is plain cross-entropy with labels 1 for the B positives and 0 for the 2B negatives', () => {
    // CE rows: [2,1]->1: 1.3132617; [0,3]->1: 0.0485874; [1,1]->0: ln 2; [.5,-.5]->0: 0.3132617;
    // [1,2]->0: 1.3132617; [3,0]->0: 0.0485874; mean 0.6216845.
    const logits = tf.tensor2d([[2, 1], [0, 3], [1, 1], [0.5, -0.5], [1, 2], [3, 0]]);
    expect(scalar(itmLoss(logits))).toBeCloseTo(0.6216845, 5);
  });

  it('ITG predicts token t+1 from position t with label smoothing 0.1; padding (-100) is skipped', () => {
    // T = 3, labels [DEC=2, 1, pad]: only position 0 predicts (target 1); the row at position 2 is never used.
    // CE_0.1([.5, 2, -1], 1) = 0.3913113.
    const logits = tf.tensor3d([[[0.5, 2, -1], [9, -9, 0], [4, 4, 4]]]);
    expect(scalar(itgLoss(logits, [[2, 1, -100]]))).toBeCloseTo(0.3913113, 5);
  });

  it('hard negatives: softmax + 1e-4 off the diagonal, zero on it, so a pair is never its own negative', () => {
    const w = hardNegativeWeights([[10, 8], [10, 10]]);
    expect(w[0]![0]).toBe(0);
    expect(w[0]![1]).toBeCloseTo(1 / (1 + Math.exp(2)) + 1e-4, 7);
    expect(w[1]).toEqual([0.5 + 1e-4, 0]);
    const sim = [[0, 50, -50], [-50, 0, 50], [50, -50, 0]];
    const rng = createRng(5);
    for (let k = 0; k < 20; k++) {
      const neg = hardNegatives(sim, sim, rng);
      // The far more similar wrong partner is drawn (weight ~1 against ~1e-4).
      expect(neg.imageForText).toEqual([1, 2, 0]);
      expect(neg.textForImage).toEqual([1, 2, 0]);
    }
  });
});
