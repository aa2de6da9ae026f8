import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX as L } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { countTrainedTokens, maskedCrossEntropy } from './masked-cross-entropy';

beforeAll(useCpuBackend);

const logSoftmax = (row: number[], i: number) => row[i]! - Math.log(row.reduce((a, v) => a + Math.exp(v), 0));

describe('maskedCrossEntropy', () => {
  const logits = [
    [[1, 2, 0], [0.5, -1, 2], [3, 0, 0], [0, 0, 0]],
    [[0, 1, 0], [2, 2, -2], [1, 0, 1], [0, 4, 1]],
  ];
  const labels = [
    [L, 2, 0, L],
    [L, L, 1, 2],
  ];

  it('is the mean over trained tokens of -log p, shifted, ignoring -100', () => {
    // position t predicts label t+1: sample 0 trains (t0 -> 2), (t1 -> 0); sample 1 trains (t1 -> 1), (t2 -> 2)
    const expected = -(logSoftmax(logits[0]![0]!, 2) + logSoftmax(logits[0]![1]!, 0) + logSoftmax(logits[1]![1]!, 1) + logSoftmax(logits[1]![2]!, 2)) / 4;
    const loss = tf.tidy(() => maskedCrossEntropy(tf.tensor3d(logits), tf.tensor2d(labels, undefined, 'int32')).arraySync());
    expect(loss).toBeCloseTo(expected, 5);
    expect(countTrainedTokens(labels)).toBe(4);
  });

  it('micro-batch losses normalised by the global count add up to the full-batch loss and gradient', () => {
    const full = tf.tidy(() => maskedCrossEntropy(tf.tensor3d(logits), tf.tensor2d(labels, undefined, 'int32')).arraySync());
    const global = countTrainedTokens(labels);
    // unequal micro-batches (3 tokens vs 1) would be mis-weighted by per-micro-batch means
    const uneven = [[L, 2, 0, L]].concat([[L, L, L, 2]]);
    const evenFull = tf.tidy(() => maskedCrossEntropy(tf.tensor3d(logits), tf.tensor2d(uneven, undefined, 'int32')).arraySync());
    const parts = [0, 1].map((i) =>
      tf.tidy(() => maskedCrossEntropy(tf.tensor3d([logits[i]!]), tf.tensor2d([uneven[i]!], undefined, 'int32'), { globalTrainedTokens: countTrainedTokens(uneven) }).arraySync()),
    );
    expect(parts[0]! + parts[1]!).toBeCloseTo(evenFull, 6);
    const perMicroMean = [0, 1].map((i) => tf.tidy(() => maskedCrossEntropy(tf.tensor3d([logits[i]!]), tf.tensor2d([uneven[i]!], undefined, 'int32')).arraySync()));
    expect((perMicroMean[0]! + perMicroMean[1]!) / 2).not.toBeCloseTo(evenFull, 3);
    expect(global).toBe(4);
    expect(full).toBeGreaterThan(0);
    // gradients: accumulated micro-batch gradients equal the full-batch gradient
    const x = tf.variable(tf.tensor3d(logits));
    const g = (f: () => tf.Scalar) => tf.tidy(() => tf.variableGrads(f, [x]).grads[x.name]!.arraySync());
    const gFull = g(() => maskedCrossEntropy(x as unknown as tf.Tensor3D, tf.tensor2d(uneven, undefined, 'int32')));
    const gParts = [0, 1].map((i) =>
      g(() => maskedCrossEntropy(tf.slice(x, [i, 0, 0], [1, 4, 3]) as tf.Tensor3D, tf.tensor2d([uneven[i]!], undefined, 'int32'), { globalTrainedTokens: 3 })),
    );
    const summed = tf.tidy(() => tf.add(tf.tensor(gParts[0]!), tf.tensor(gParts[1]!)).arraySync());
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.tensor(summed), tf.tensor(gFull)))).arraySync())).toBeLessThan(1e-6);
  });

  it('is 0 when nothing is trained', () => {
    const loss = tf.tidy(() => maskedCrossEntropy(tf.tensor3d([logits[0]!]), tf.tensor2d([[L, L, L, L]], undefined, 'int32')).arraySync());
    expect(loss).toBe(0);
  });
});
