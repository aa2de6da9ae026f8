// Cross-entropy over trained positions as one op: Σᵢ wᵢ·(logsumexp(xᵢ) − xᵢ[tᵢ]) with the gradient
// wᵢ·(softmax(xᵢ) − onehot(tᵢ)) written out, keeping only the logits and the per-row logsumexp. tfjs'
// own gradient of logSumExp goes through Max/Equal over [positions, vocab], which dominated backward
// time on wasm. Untrained positions carry weight 0.
import * as tf from '@tensorflow/tfjs';

type GradFn = Parameters<typeof tf.customGrad>[0];

const crossEntropyOp = tf.customGrad(((x: tf.Tensor, t: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  const vocab = x.shape[1] as number;
  const max = tf.max(x, -1, true); // [N, 1]
  const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, max)), -1, true)), max); // [N, 1]
  const picked = tf.sum(tf.mul(x, tf.oneHot(t as tf.Tensor1D, vocab)), -1, true); // [N, 1]
  const value = tf.sum(tf.mul(tf.reshape(tf.sub(lse, picked), [-1]), w));
  save([x, t, w, lse]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, st, sw, slse] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const probs = tf.exp(tf.sub(sx, slse)); // softmax [N, V]
      const grad = tf.mul(tf.sub(probs, tf.oneHot(st as tf.Tensor1D, vocab)), tf.mul(tf.reshape(sw, [-1, 1]), dy));
      return [grad, tf.zerosLike(st), tf.zerosLike(sw)];
    },
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor, t: tf.Tensor, w: tf.Tensor) => tf.Scalar;

/**
 * Σᵢ weightsᵢ · −log softmax(logitsᵢ)[targetsᵢ] as one op with a hand-written gradient.
 * logits `[N, vocab]` float32, targets `[N]` int32 (any valid id where the weight is 0), weights `[N]`
 * (e.g. 1/trained-count at trained positions, 0 elsewhere). Only the logits receive a gradient.
 */
export function crossEntropyOverPositions(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return crossEntropyOp(logits, targets, weights);
}
