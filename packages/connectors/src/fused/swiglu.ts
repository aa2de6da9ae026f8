// SwiGLU's gate as one op: silu(gate)·up (LLaMA's MLP between its up and down projections). The
// composition is three ops forward and eight backward over [tokens, intermediate] tensors; this keeps
// gate and up and writes d/dgate = dy·up·σ(g)·(1 + g·(1 − σ(g))) and d/dup = dy·silu(g) in one pass.
// Where the kernels are registered (wasm: the toolkit's SIMD module; cpu: JS loops) each direction is one
// pass; on tfjs-node the toolkit's TensorFlow op where setup-native built it; elsewhere the same
// hand-written gradient composes standard ops.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { NATIVE_OPS, hasNativeOp } from '../kernels/native-ops';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

type GradFn = Parameters<typeof tf.customGrad>[0];

/** [gate, up] -> [silu(gate)·up]. */
const forwardKernel = defineJsKernel(
  {
    name: 'VlmSwiglu',
    outputShapes: ([g]) => [g as number[]],
    compute({ inputs: [gate, up] }, [y]) {
      const G = gate as Float32Array;
      const U = up as Float32Array;
      const Y = y as Float32Array;
      for (let i = 0; i < G.length; i++) {
        const g = G[i] as number;
        Y[i] = (g / (1 + Math.exp(-g))) * (U[i] as number);
      }
    },
    simd(_fn, { inputs: [g, u], shapes: [s], split }, [y]) {
      const n = (s as number[]).reduce((p, d) => p * d, 1);
      if (n % 4 !== 0) return false;
      // in groups of 4 floats (one SIMD vector)
      const at = (ptr: number, k: number) => ptr + 16 * k;
      split(n / 4, 4, (k, groups) => ({ fn: 'swiglu', args: [at(g as number, k), at(u as number, k), at(y as number, k), 4 * groups] }));
    },
  },
);

/** [dy, gate, up] -> [dgate, dup]. */
const gradKernel = defineJsKernel(
  {
    name: 'VlmSwigluGrad',
    outputShapes: ([dy]) => [dy as number[], dy as number[]],
    compute({ inputs: [dy, gate, up] }, [dg, du]) {
      const DY = dy as Float32Array;
      const G = gate as Float32Array;
      const U = up as Float32Array;
      const DG = dg as Float32Array;
      const DU = du as Float32Array;
      for (let i = 0; i < G.length; i++) {
        const g = G[i] as number;
        const s = 1 / (1 + Math.exp(-g));
        const d = DY[i] as number;
        DU[i] = d * g * s;
        DG[i] = d * (U[i] as number) * s * (1 + g * (1 - s));
      }
    },
    simd(_fn, { inputs: [dy, g, u], shapes: [s], split }, [dg, du]) {
      const n = (s as number[]).reduce((p, d) => p * d, 1);
      if (n % 4 !== 0) return false;
      const at = (ptr: number, k: number) => ptr + 16 * k;
      split(n / 4, 4, (k, groups) => ({ fn: 'swigluGrad', args: [at(dy as number, k), at(g as number, k), at(u as number, k), at(dg as number, k), at(du as number, k), 4 * groups] }));
    },
  },
);

const swigluOp = tf.customGrad(((gate: tf.Tensor, up: tf.Tensor, save: tf.GradSaveFunc) => {
  save([gate, up]);
  if (gate.dtype === 'float32' && up.dtype === 'float32' && gate.shape.join() === up.shape.join() && hasNativeOp(NATIVE_OPS.swiglu)) {
    // the toolkit's TensorFlow op (tfjs-node): one pass each way
    return {
      value: tf.engine().runKernel(NATIVE_OPS.swiglu, { gate, up }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [g, u]: tf.Tensor[]) => tf.engine().runKernel(NATIVE_OPS.swigluGrad, { dy, gate: g as tf.Tensor, up: u as tf.Tensor }) as tf.Tensor[],
    };
  }
  ensureFusedKernels();
  const kernel = gate.dtype === 'float32' && up.dtype === 'float32' && gate.shape.join() === up.shape.join() && hasKernel(forwardKernel);
  return {
    value: kernel ? (runJsKernel(forwardKernel, [gate, up]) as [tf.Tensor])[0] : tf.mul(tf.mul(gate, tf.sigmoid(gate)), up),
    gradFunc: (dy: tf.Tensor, [g, u]: tf.Tensor[]) => {
      if (kernel) return runJsKernel(gradKernel, [dy, g as tf.Tensor, u as tf.Tensor]);
      const s = tf.sigmoid(g as tf.Tensor);
      const silu = tf.mul(g as tf.Tensor, s);
      // d silu/dg = σ(g)·(1 + g·(1 − σ(g)))
      const dSilu = tf.mul(s, tf.add(1, tf.mul(g as tf.Tensor, tf.sub(1, s))));
      return [tf.mul(tf.mul(dy, u as tf.Tensor), dSilu), tf.mul(dy, silu)];
    },
  };
}) as unknown as GradFn) as unknown as (gate: tf.Tensor, up: tf.Tensor) => tf.Tensor;

/**
 * SwiGLU's gate, `silu(gate)·up` (LLaMA's MLP: `down(swiglu(gate(x), up(x)))`), with a hand-written
 * gradient; one kernel pass each way where registered (wasm, cpu; on tfjs-node the toolkit's TensorFlow op
 * where setup-native built it), standard ops elsewhere.
 */
export function swigluFused(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return swigluOp(gate, up);
}
