// Cross-entropy over trained positions as one op: Σᵢ wᵢ·(logsumexp(xᵢ) − xᵢ[tᵢ]) with the gradient
// wᵢ·(softmax(xᵢ) − onehot(tᵢ)) written out, keeping only the logits and the per-row logsumexp. tfjs'
// own gradient of logSumExp goes through Max/Equal over [positions, vocab], which dominated backward
// time on wasm. Where its kernels are registered (wasm: the toolkit's SIMD module; cpu: JS loops)
// forward and backward are one pass over the logits each; elsewhere (tfjs-node) standard ops.
// Untrained positions carry weight 0.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { NATIVE_SPARSE_CROSS_ENTROPY } from '../kernels/native-kernels';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

type GradFn = Parameters<typeof tf.customGrad>[0];

/** Loss from the per-row max and Σ exp(x − max): writes lse and returns Σ w·(lse − x[t]). */
function lossFromRows(X: Float32Array, T: Float32Array, W: Float32Array, max: Float32Array, sums: Float32Array, lse: Float32Array, V: number): number {
  let loss = 0;
  for (let r = 0; r < T.length; r++) {
    const l = (max[r] as number) + Math.log(sums[r] as number);
    lse[r] = l;
    loss += (W[r] as number) * (l - (X[r * V + (T[r] as number)] as number));
  }
  return loss;
}

/** [x [N, V], targets as float32 [N], w [N]] -> [loss [], lse [N], row max [N] (scratch)]. */
const forwardKernel = defineJsKernel({
  name: 'VlmCrossEntropy',
  outputShapes: ([x]) => [[], [(x as number[])[0] as number], [(x as number[])[0] as number]],
  compute({ inputs: [x, t, w], shapes: [xs] }, [loss, lse, max]) {
    const X = x as Float32Array;
    const [N, V] = xs as [number, number];
    const sums = new Float32Array(N);
    for (let r = 0; r < N; r++) {
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = Math.max(m, X[r * V + j] as number);
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp((X[r * V + j] as number) - m);
      (max as Float32Array)[r] = m;
      sums[r] = s;
    }
    (loss as Float32Array)[0] = lossFromRows(X, t as Float32Array, w as Float32Array, max as Float32Array, sums, lse as Float32Array, V);
  },
  simd(_fn, { inputs: [x, t, w], shapes: [xs], heap, split }, [loss, lse, max]) {
    const [N, V] = xs as [number, number];
    split(N, V, (r, rows) => ({ fn: 'rowMaxSumExp', args: [(x as number) + 4 * r * V, rows, V, (max as number) + 4 * r, (lse as number) + 4 * r] }));
    const view = (ptr: number, n: number) => heap.subarray(ptr / 4, ptr / 4 + n);
    const sums = view(lse as number, N).slice();
    heap[(loss as number) / 4] = lossFromRows(view(x as number, N * V), view(t as number, N), view(w as number, N), view(max as number, N), sums, view(lse as number, N), V);
  },
});

/** [x, targets as float32, w, lse, dy []] -> [w·dy·(softmax(x) − onehot(t))]. */
const gradKernel = defineJsKernel({
  name: 'VlmCrossEntropyGrad',
  outputShapes: ([x]) => [x as number[]],
  compute({ inputs: [x, t, w, lse, dy], shapes: [xs] }, [grad]) {
    const [N, V] = xs as [number, number];
    const G = grad as Float32Array;
    const d = (dy as Float32Array)[0] as number;
    for (let r = 0; r < N; r++) {
      const scale = ((w as Float32Array)[r] as number) * d;
      const l = (lse as Float32Array)[r] as number;
      for (let j = 0; j < V; j++) G[r * V + j] = Math.exp(((x as Float32Array)[r * V + j] as number) - l) * scale;
      const at = r * V + ((t as Float32Array)[r] as number);
      G[at] = (G[at] as number) - scale;
    }
  },
  simd(_fn, { inputs: [x, t, w, lse, dy], shapes: [xs], heap, split }, [grad]) {
    const [N, V] = xs as [number, number];
    const d = heap[(dy as number) / 4] as number;
    split(N, V, (r, rows) => ({
      fn: 'softmaxScaled',
      args: [(x as number) + 4 * r * V, (lse as number) + 4 * r, (w as number) + 4 * r, d, rows, V, (grad as number) + 4 * r * V],
      floats: [3],
    }));
    for (let r = 0; r < N; r++) {
      const at = (grad as number) / 4 + r * V + (heap[(t as number) / 4 + r] as number);
      heap[at] = (heap[at] as number) - (heap[(w as number) / 4 + r] as number) * d;
    }
  },
});

function useKernel(x: tf.Tensor): boolean {
  ensureFusedKernels();
  return x.dtype === 'float32' && hasKernel(forwardKernel);
}

const crossEntropyOp = tf.customGrad(((x: tf.Tensor, t: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  if (x.dtype === 'float32' && tf.getBackend() === 'tensorflow' && tf.getKernel(NATIVE_SPARSE_CROSS_ENTROPY, 'tensorflow')) {
    // tfjs-node: TensorFlow's own op gives each row's loss and its gradient at once
    const [targetShape, targetDtype, weightShape, weightDtype] = [t.shape, t.dtype, w.shape, w.dtype];
    const labels = t.dtype === 'int32' ? t : tf.cast(t, 'int32');
    const [rowLoss, rowGrad] = tf.engine().runKernel(NATIVE_SPARSE_CROSS_ENTROPY, { features: x, labels }) as unknown as [tf.Tensor, tf.Tensor];
    const wf = tf.cast(w, 'float32');
    save([rowGrad as tf.Tensor, wf]);
    return {
      value: tf.sum(tf.mul(rowLoss as tf.Tensor, wf)),
      gradFunc: (dy: tf.Tensor, [g, sw]: tf.Tensor[]) => [
        tf.mul(g as tf.Tensor, tf.reshape(tf.mul(sw as tf.Tensor, dy), [-1, 1])),
        tf.zeros(targetShape, targetDtype),
        tf.zeros(weightShape, weightDtype),
      ],
    };
  }
  if (useKernel(x)) {
    const [targetShape, targetDtype, weightShape, weightDtype] = [t.shape, t.dtype, w.shape, w.dtype];
    const tf32 = tf.cast(t, 'float32');
    const wf = tf.cast(w, 'float32');
    const [value, lse, max] = runJsKernel(forwardKernel, [x, tf32, wf]) as [tf.Tensor, tf.Tensor, tf.Tensor];
    max.dispose();
    save([x, tf32, wf, lse]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, st, sw, slse] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [grad] = runJsKernel(gradKernel, [sx, st, sw, slse, tf.cast(dy, 'float32')]) as [tf.Tensor];
        // shapes and dtypes only: the forward's inputs may be disposed by the time the gradient runs
        return [grad, tf.zeros(targetShape, targetDtype), tf.zeros(weightShape, weightDtype)];
      },
    };
  }
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
