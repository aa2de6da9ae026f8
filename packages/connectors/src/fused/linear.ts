// y = x·W (+ b) over the last axis as one op with a hand-written gradient. On wasm, where the toolkit's
// kernels run (wasm-linear.ts), forward and backward are one kernel each; elsewhere (cpu, tfjs-node,
// the stock wasm kernels) the same values come from the composition `dense` always used: fold the
// leading axes into rows, one 2-D product with the bias, unfold.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { LINEAR_GRAD_KERNEL, LINEAR_KERNEL, linearKernelsRunOn } from '../kernels/wasm-linear';

tf.registerGradient({
  kernelName: LINEAR_KERNEL,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved, attrs) => {
    const [x, w] = saved as [tf.Tensor, tf.Tensor];
    const withBias = Boolean((attrs as { bias?: boolean }).bias);
    // one kernel for all three; each input's gradient function hands out its part
    const grads = tf.engine().runKernel(LINEAR_GRAD_KERNEL, { dy: dy as tf.Tensor, x, w }, { bias: withBias }) as tf.Tensor[];
    return { x: () => grads[0] as tf.Tensor, w: () => grads[1] as tf.Tensor, ...(withBias ? { b: () => grads[2] as tf.Tensor } : {}) };
  },
});

/** The composition: `[..., K]` -> `[N', K]` rows, one product (the bias riding in `tf.fused.matMul`), back to `[..., N]`. */
function composed(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1] as number;
  const outDim = kernel.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  const a = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  const y: tf.Tensor = bias && bias.rank === 1 && bias.dtype === 'float32' ? tf.fused.matMul({ a, b: kernel as tf.Tensor2D, bias }) : tf.matMul(a, kernel as tf.Tensor2D);
  return tf.reshape(bias && y.rank === 2 && !(bias.rank === 1 && bias.dtype === 'float32') ? tf.add(y, bias) : y, [...lead, outDim]);
}

/** Whether the active backend runs `x·kernel (+ bias)` as the toolkit's linear kernels. */
function useKernels(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.getKernel(LINEAR_KERNEL, 'wasm') || !tf.getKernel(LINEAR_GRAD_KERNEL, 'wasm')) return false;
  const [K, N] = kernel.shape as [number, number];
  const fits = kernel.rank === 2 && x.rank >= 1 && x.shape[x.rank - 1] === K && x.size > 0 && K > 0 && N > 0;
  const floats = x.dtype === 'float32' && kernel.dtype === 'float32' && (bias === undefined || (bias.dtype === 'float32' && bias.size === N));
  return fits && floats && linearKernelsRunOn(tf.backend());
}

/**
 * `x·kernel + bias` over the last axis: x `[..., K]`, kernel `[K, N]` (the `[in, out]` layout), bias `[N]`
 * (any shape of N values) or none. One kernel each way on wasm with the toolkit's kernels; the same values
 * from standard ops elsewhere.
 */
export function linearFused(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  if (!useKernels(x, kernel, bias)) return composed(x, kernel, bias);
  const b = bias && bias.rank !== 1 ? tf.reshape(bias, [-1]) : bias;
  const inputs: tf.NamedTensorMap = b ? { x, w: kernel, b } : { x, w: kernel };
  return tf.engine().runKernel(LINEAR_KERNEL, inputs, { bias: b !== undefined }) as tf.Tensor;
}
