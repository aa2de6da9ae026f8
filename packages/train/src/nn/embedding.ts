import * as tf from '@tensorflow/tfjs-core';

/**
 * Row lookup `table[ids]` with a scatter-add gradient. tfjs' own gather gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks; ScatterNd (summing duplicates) exists everywhere.
 */
export function embed(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const vocab = table.shape[0];
  const dim = table.shape[1];
  const flatIds = tf.cast(tf.reshape(ids, [-1]), 'int32');
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([flatIds]);
    return {
      value: tf.gather(t, flatIds), // [N, D]
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const idx = tf.reshape(saved[0] as tf.Tensor, [-1, 1]);
        return tf.scatterND(idx, dy, [vocab, dim]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const rows = lookup(table) as tf.Tensor;
  return tf.reshape(rows, [...ids.shape, dim]);
}
