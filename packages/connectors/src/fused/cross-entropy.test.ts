import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, maxAbsDiff, useFusedPath, valueAndGrads } from '../testing/fused-check';
import { NATIVE_SPARSE_CROSS_ENTROPY } from '../kernels/native-kernels';
import { crossEntropyOverPositions } from './cross-entropy';

describe('crossEntropyOverPositions', () => {
  // vocab 12: the SIMD kernels' four-column body on wasm; 11: the body and a tail of 3 columns; 3: the tail alone
  for (const [path, V] of [...[...FUSED_PATHS, ...NATIVE_FUSED_PATHS].map((p) => [p, 12] as const), [FUSED_PATHS[1], 11] as const, [FUSED_PATHS[1], 3] as const]) {
    it(`is the weighted mean -log p(target) over trained positions, gradient by autodiff and finite differences (${path.backend}, ${path.kernels ? 'kernels' : 'composition'}, vocab ${V})`, async () => {
      // on tfjs-node the "kernel" is TensorFlow's SparseSoftmaxCrossEntropyWithLogits
      await useFusedPath(path, ['VlmCrossEntropy', 'VlmCrossEntropyGrad', ...(path.backend === 'tensorflow' ? [NATIVE_SPARSE_CROSS_ENTROPY] : [])]);
      const N = 6;
      const logits = tf.variable(seededTensor([N, V], 1, 4));
      const targets = tf.tensor1d([3, 0, 10, 7, 0, 5].map((t) => t % V), 'int32');
      // positions 1 and 4 are not trained (weight 0); the rest share 1/4
      const weights = tf.tensor1d([0.25, 0, 0.25, 0.25, 0, 0.25]);
      const reference = () => tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, V)), -1)), weights)) as tf.Scalar;
      const fusedLoss = () => crossEntropyOverPositions(logits as unknown as tf.Tensor2D, targets, weights);
      const fused = valueAndGrads(fusedLoss, [logits]);
      const ref = valueAndGrads(reference, [logits]);
      expect(Math.abs((fused.value.dataSync()[0] as number) - (ref.value.dataSync()[0] as number))).toBeLessThan(1e-5);
      expect(maxAbsDiff(fused.grads[0] as tf.Tensor, ref.grads[0] as tf.Tensor)).toBeLessThan(1e-6);
      // untrained rows get no gradient
      expect(Array.from((fused.grads[0] as tf.Tensor).slice([1, 0], [1, V]).dataSync()).every((g) => g === 0)).toBe(true);
      expect(gradientCheck(fusedLoss, logits, 8, 1e-2)).toBeLessThan(2e-2);
      if (path.backend === 'tensorflow') {
        const ran = (await tf.profile(() => fusedLoss())).kernelNames;
        expect(ran.includes(NATIVE_SPARSE_CROSS_ENTROPY)).toBe(path.kernels);
      }
      tf.dispose([logits, targets, weights, fused.value, ref.value, ...fused.grads, ...ref.grads]);
    });
  }
});
