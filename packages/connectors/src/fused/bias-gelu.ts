// Bias + exact GELU as one op: gelu(x + b) with b broadcast over the last axis. The composition saves
// five intermediates for the backward pass and differentiates erf through tfjs' generic gradients;
// this writes dgelu/du = Φ(u) + u·φ(u) out by hand. Where its kernels are registered (wasm: the
// toolkit's SIMD module, vector erf and exp; cpu: JS loops) forward and backward are one pass each and
// only u = x + b is kept; on tfjs-node the toolkit's TensorFlow op (native/vlm_tf_ops.cc, keeping x and
// b) where setup-native built it; elsewhere the composition keeps u and Φ(u).
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { NATIVE_OPS, hasNativeOp } from '../kernels/native-ops';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

type GradFn = Parameters<typeof tf.customGrad>[0];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(u), the standard normal CDF, by erf. */
const cdfOf = (u: tf.Tensor) => tf.mul(tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1), 0.5);
/** dgelu/du = Φ(u) + u·φ(u). */
const dGelu = (u: tf.Tensor, cdf: tf.Tensor) => tf.add(cdf, tf.mul(u, tf.mul(tf.exp(tf.mul(tf.square(u), -0.5)), INV_SQRT_2PI)));

/** erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7), as the SIMD kernel and tfjs' cpu Erf. */
function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x < 0 ? -y : y;
}

/** [x, bias] -> [gelu(x + bias), x + bias]; bias `[D]` over the last axis. */
const forwardKernel = defineJsKernel({
  name: 'VlmBiasGelu',
  outputShapes: ([x]) => [x as number[], x as number[]],
  compute({ inputs: [x, b], shapes: [xs] }, [y, u]) {
    const X = x as Float32Array;
    const B = b as Float32Array;
    const D = (xs as number[])[(xs as number[]).length - 1] as number;
    for (let i = 0; i < X.length; i++) {
      const v = (X[i] as number) + (B[i % D] as number);
      (u as Float32Array)[i] = v;
      (y as Float32Array)[i] = v * 0.5 * (1 + erf(v * Math.SQRT1_2));
    }
  },
  simd(_fn, { inputs: [x, b], shapes: [xs], split }, [y, u]) {
    const D = (xs as number[])[(xs as number[]).length - 1] as number;
    if (D % 4 !== 0) return false;
    const at = (ptr: number, r: number) => ptr + 4 * r * D;
    split((xs as number[]).reduce((p, d) => p * d, 1) / D, D, (r, rows) => ({ fn: 'biasGelu', args: [at(x as number, r), b as number, at(y as number, r), at(u as number, r), rows, D] }));
  },
});

/** [dy, u] -> [dy·(Φ(u) + u·φ(u))]. */
const gradKernel = defineJsKernel({
  name: 'VlmGeluGrad',
  outputShapes: ([dy]) => [dy as number[]],
  compute({ inputs: [dy, u] }, [du]) {
    const U = u as Float32Array;
    const DY = dy as Float32Array;
    for (let i = 0; i < U.length; i++) {
      const v = U[i] as number;
      (du as Float32Array)[i] = (DY[i] as number) * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
    }
  },
  simd(_fn, { inputs: [dy, u], shapes: [s], split }, [du]) {
    const n = (s as number[]).reduce((p, d) => p * d, 1);
    if (n % 4 !== 0) return false;
    // in groups of 4 floats (one SIMD vector)
    const at = (ptr: number, g: number) => ptr + 16 * g;
    split(n / 4, 4, (g, groups) => ({ fn: 'geluGrad', args: [at(dy as number, g), at(u as number, g), at(du as number, g), 4 * groups] }));
  },
});

/** Whether the kernels run `x` with a bias shaped like `bias` (pass `x` itself to ask for a zero bias). */
function useKernel(x: tf.Tensor, bias: tf.Tensor): boolean {
  ensureFusedKernels();
  const D = x.shape[x.shape.length - 1];
  return x.rank > 0 && x.dtype === 'float32' && bias.dtype === 'float32' && (bias === x || bias.size === D) && hasKernel(forwardKernel);
}

/** Sum of `du` over all but the last axis, shaped as the bias. */
const biasGrad = (du: tf.Tensor, bias: tf.Tensor) => {
  const D = bias.shape[bias.shape.length - 1] as number;
  return tf.reshape(tf.sum(tf.reshape(du, [-1, D]), 0), bias.shape);
};

/** Whether the toolkit's TensorFlow ops run `x` with a bias of `bias.size` values (tfjs-node). */
function useNativeOp(x: tf.Tensor, bias: tf.Tensor): boolean {
  const D = x.shape[x.shape.length - 1] as number;
  return x.rank > 0 && D > 0 && x.dtype === 'float32' && bias.dtype === 'float32' && bias.size === D && hasNativeOp(NATIVE_OPS.biasGelu);
}

/**
 * GELU(x + bias) as the toolkit's TensorFlow op (one pass each way; keeps x and the bias); the gradient
 * is [dx, dbias shaped as `bias`], or dx alone for `geluFused`'s zero bias (`withBias` false).
 */
function nativeBiasGelu(x: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc, withBias: boolean) {
  const flat = tf.reshape(bias, [-1]);
  save([x, flat]);
  return {
    value: tf.engine().runKernel(NATIVE_OPS.biasGelu, { x, bias: flat }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [sx, sb]: tf.Tensor[]) => {
      const [dx, dbias] = tf.engine().runKernel(NATIVE_OPS.biasGeluGrad, { dy, x: sx as tf.Tensor, bias: sb as tf.Tensor }) as [tf.Tensor, tf.Tensor];
      if (withBias) return [dx, tf.reshape(dbias, bias.shape)];
      dbias.dispose();
      return dx;
    },
  };
}

const biasGeluOp = tf.customGrad(((x: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  if (useNativeOp(x, bias)) return nativeBiasGelu(x, bias, save, true);
  if (useKernel(x, bias)) {
    const [y, u] = runJsKernel(forwardKernel, [x, tf.reshape(bias, [-1])]) as [tf.Tensor, tf.Tensor];
    save([u]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [su]: tf.Tensor[]) => {
        const [du] = runJsKernel(gradKernel, [dy, su as tf.Tensor]) as [tf.Tensor];
        return [du, biasGrad(du, bias)];
      },
    };
  }
  const u = tf.add(x, bias);
  const cdf = cdfOf(u);
  save([u, cdf]);
  return {
    value: tf.mul(u, cdf),
    gradFunc: (dy: tf.Tensor, [su, sc]: tf.Tensor[]) => {
      const du = tf.mul(dy, dGelu(su as tf.Tensor, sc as tf.Tensor));
      return [du, biasGrad(du, bias)];
    },
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** Exact (erf) GELU of `x + bias`, as PyTorch's `F.gelu(linear(x))`, with a hand-written gradient. */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return biasGeluOp(x, bias);
}

/** Exact (erf) GELU with a hand-written gradient: the bias + GELU kernels where registered (keeping the input), else the composition (keeping the input and Φ(input)). */
export const geluFused = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const D = x.rank > 0 ? (x.shape[x.rank - 1] as number) : 0;
  if (D > 0 && x.dtype === 'float32' && hasNativeOp(NATIVE_OPS.biasGelu)) return nativeBiasGelu(x, tf.zeros([D]), save, false);
  const zeroBias = D > 0 && useKernel(x, x) ? tf.zeros([D]) : undefined;
  if (zeroBias) {
    // the bias kernels with a zero bias: u = x is kept for the backward pass
    const [y, u] = runJsKernel(forwardKernel, [x, zeroBias]) as [tf.Tensor, tf.Tensor];
    save([u]);
    return { value: y, gradFunc: (dy: tf.Tensor, [su]: tf.Tensor[]) => (runJsKernel(gradKernel, [dy, su as tf.Tensor]) as [tf.Tensor])[0] };
  }
  const cdf = cdfOf(x);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, [sx, sc]: tf.Tensor[]) => tf.mul(dy, dGelu(sx as tf.Tensor, sc as tf.Tensor)),
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor) => tf.Tensor;
