import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { applyRope, ropeInverseFrequencies, ropeTables } from './rope';

beforeAll(useCpuBackend);

describe('rotary position embeddings', () => {
  it('inverse frequencies are theta^(-2i/d)', () => {
    expect(Array.from(ropeInverseFrequencies(4, 10000))).toEqual([1, Math.fround(0.01)]);
  });

  it('rotates [1, 2, 3, 4] at position 1 as computed by hand', () => {
    // pairs (x0, x2) by angle 1 and (x1, x3) by angle 0.01:
    // [1·cos1 − 3·sin1, 2·cos.01 − 4·sin.01, 3·cos1 + 1·sin1, 4·cos.01 + 2·sin.01]
    const expected = [-1.98411065, 1.95990067, 2.4623779, 4.01979967];
    const out = tf.tidy(() => {
      const { cos, sin } = ropeTables(tf.tensor2d([[0, 1]], undefined, 'int32'), ropeInverseFrequencies(4, 10000));
      return applyRope(tf.tensor4d([[[[1, 2, 3, 4], [1, 2, 3, 4]]]]), cos, sin).arraySync() as number[][][][];
    });
    const atZero = out[0]![0]![0]!;
    const atOne = out[0]![0]![1]!;
    atZero.forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3, 4][i]!, 6));
    atOne.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });
});
