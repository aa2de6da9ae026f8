// LayerNorm and RMSNorm with affine over the last axis, as one op each with a hand-written gradient
// that keeps only x, the weight and the per-row statistics for the backward pass. Forward and
// backward are one kernel each where registered (cpu: JS loops; wasm: the toolkit's SIMD module, for
// widths that are a multiple of 4, else the same JS loops over the wasm heap): two or three passes over
// the rows instead of ~10 ops and their temporaries. On tfjs-node both are the toolkit's TensorFlow
// op (native/vlm_tf_ops.cc) where setup-native built it, else the JS kernels up to 32,768 values and the
// composition of standard ops above.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { NATIVE_OPS, hasNativeOp } from '../kernels/native-ops';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

const rowsOf = (shape: number[]) => {
  const D = shape[shape.length - 1] as number;
  return { D, N: shape.reduce((p, d) => p * d, 1) / D };
};

/** [x, gamma, beta?] -> [y, mean, rstd]; attrs eps, rms (no centring, no beta). */
const normForward = defineJsKernel({
  name: 'VlmNormForward',
  outputShapes: ([x]) => [x as number[], [rowsOf(x as number[]).N], [rowsOf(x as number[]).N]],
  compute({ inputs: [x, gamma, beta], shapes: [xs], attrs }, [y, mean, rstd]) {
    const { D, N } = rowsOf(xs as number[]);
    const eps = Number(attrs.eps);
    const rms = Boolean(attrs.rms);
    const X = x as Float32Array;
    const G = gamma as Float32Array;
    const Y = y as Float32Array;
    for (let r = 0; r < N; r++) {
      const o = r * D;
      let mu = 0;
      if (!rms) {
        for (let j = 0; j < D; j++) mu += X[o + j] as number;
        mu /= D;
      }
      let ss = 0;
      for (let j = 0; j < D; j++) {
        const c = (X[o + j] as number) - mu;
        ss += c * c;
      }
      const rs = 1 / Math.sqrt(ss / D + eps);
      (mean as Float32Array)[r] = mu;
      (rstd as Float32Array)[r] = rs;
      if (rms) for (let j = 0; j < D; j++) Y[o + j] = (X[o + j] as number) * rs * (G[j] as number);
      else {
        const B = beta as Float32Array;
        for (let j = 0; j < D; j++) Y[o + j] = ((X[o + j] as number) - mu) * rs * (G[j] as number) + (B[j] as number);
      }
    }
  },
  simd(_fn, { inputs: [x, gamma, beta], shapes: [xs], attrs, split }, [y, mean, rstd]) {
    const { D, N } = rowsOf(xs as number[]);
    if (D % 4 !== 0) return false;
    split(N, D, (r, rows) => ({
      fn: 'normForward',
      args: [(x as number) + 4 * r * D, gamma as number, beta ?? 0, (y as number) + 4 * r * D, (mean as number) + 4 * r, (rstd as number) + 4 * r, rows, D, Number(attrs.eps), attrs.rms ? 1 : 0],
      floats: [8],
    }));
  },
}, { alsoOn: ['tensorflow'] });

/** [dy, x, gamma, mean, rstd] -> [dx, dgamma, dbeta]; attrs rms. */
const normBackward = defineJsKernel({
  name: 'VlmNormBackward',
  outputShapes: ([, x, gamma]) => [x as number[], gamma as number[], gamma as number[]],
  compute({ inputs: [dy, x, gamma, mean, rstd], shapes: [, xs], attrs }, [dx, dgamma, dbeta]) {
    const { D, N } = rowsOf(xs as number[]);
    const rms = Boolean(attrs.rms);
    const DY = dy as Float32Array;
    const X = x as Float32Array;
    const G = gamma as Float32Array;
    const DX = dx as Float32Array;
    const DG = dgamma as Float32Array;
    const DB = dbeta as Float32Array;
    DG.fill(0);
    DB.fill(0);
    for (let r = 0; r < N; r++) {
      const o = r * D;
      const mu = (mean as Float32Array)[r] as number;
      const rs = (rstd as Float32Array)[r] as number;
      // with h = (x − μ)·r and g = dy·γ: dx = r·(g − mean(g) − h·mean(g·h)); RMS drops mean(g)
      let sumG = 0;
      let sumGH = 0;
      for (let j = 0; j < D; j++) {
        const h = ((X[o + j] as number) - mu) * rs;
        const d = DY[o + j] as number;
        const g = d * (G[j] as number);
        sumG += g;
        sumGH += g * h;
        DG[j] = (DG[j] as number) + d * h;
        DB[j] = (DB[j] as number) + d;
      }
      const meanG = rms ? 0 : sumG / D;
      const meanGH = sumGH / D;
      for (let j = 0; j < D; j++) {
        const h = ((X[o + j] as number) - mu) * rs;
        DX[o + j] = rs * ((DY[o + j] as number) * (G[j] as number) - meanG - h * meanGH);
      }
    }
  },
  simd(fn, { inputs: [dy, x, gamma, mean, rstd], shapes: [, xs], attrs }, [dx, dgamma, dbeta]) {
    const { D, N } = rowsOf(xs as number[]);
    if (D % 4 !== 0) return false;
    fn.normBackward(dy as number, x as number, gamma as number, mean as number, rstd as number, dx as number, dgamma as number, dbeta as number, N, D, attrs.rms ? 1 : 0);
  },
}, { alsoOn: ['tensorflow'] });

type GradFn = Parameters<typeof tf.customGrad>[0];

function composedForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | undefined, eps: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const mean = beta ? tf.mean(x, -1, true) : tf.zeros([...x.shape.slice(0, -1), 1]);
  const centred = tf.sub(x, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
  const y = tf.mul(tf.mul(centred, rstd), gamma);
  return [beta ? tf.add(y, beta) : y, mean, rstd];
}

function composedBackward(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor, rms: boolean): tf.Tensor[] {
  const D = x.shape[x.shape.length - 1] as number;
  const h = tf.mul(tf.sub(x, mean), rstd);
  const g = tf.mul(dy, gamma);
  const inner = tf.sub(g, tf.mul(h, tf.mean(tf.mul(g, h), -1, true)));
  const dx = tf.mul(rstd, rms ? inner : tf.sub(inner, tf.mean(g, -1, true)));
  const dgamma = tf.sum(tf.reshape(tf.mul(dy, h), [-1, D]), 0);
  const dbeta = tf.sum(tf.reshape(dy, [-1, D]), 0);
  return [dx, dgamma, dbeta];
}

function useKernel(x: tf.Tensor): boolean {
  ensureFusedKernels();
  return x.dtype === 'float32' && hasKernel(normForward, x.size);
}

const ops = new Map<string, (...args: tf.Tensor[]) => tf.Tensor>();
function normOp(eps: number, rms: boolean): (...args: tf.Tensor[]) => tf.Tensor {
  const key = `${eps}:${rms}`;
  let op = ops.get(key);
  if (!op) {
    const forward = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
      if (x.dtype === 'float32' && x.size > 0 && gamma.dtype === 'float32' && gamma.rank === 1 && (!beta || beta.rank === 1) && hasNativeOp(NATIVE_OPS.layerNorm)) {
        // the toolkit's TensorFlow op (tfjs-node): one pass each way, keeping x and the row statistics
        const [y, mean, rstd] = tf.engine().runKernel(NATIVE_OPS.layerNorm, { x, gamma, beta: beta ?? gamma }, { eps, rms }) as tf.Tensor[];
        save([x, gamma, mean as tf.Tensor, rstd as tf.Tensor]);
        return {
          value: y as tf.Tensor,
          gradFunc: (dy: tf.Tensor, [sx, sg, sm, sr]: tf.Tensor[]) => {
            const grads = tf.engine().runKernel(NATIVE_OPS.layerNormGrad, { dy, x: sx as tf.Tensor, gamma: sg as tf.Tensor, mean: sm as tf.Tensor, rstd: sr as tf.Tensor }, { rms }) as tf.Tensor[];
            if (!beta) (grads.pop() as tf.Tensor).dispose();
            return grads;
          },
        };
      }
      const kernel = useKernel(x);
      const [y, mean, rstd] = kernel
        ? (runJsKernel(normForward, beta ? [x, gamma, beta] : [x, gamma], { eps, rms }) as [tf.Tensor, tf.Tensor, tf.Tensor])
        : composedForward(x, gamma, beta, eps);
      save([x, gamma, mean, rstd]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sg, sm, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const [dx, dgamma, dbeta] = kernel
            ? runJsKernel(normBackward, [dy, sx, sg, sm, sr], { rms })
            : composedBackward(dy, sx, sg, tf.reshape(sm, [...sx.shape.slice(0, -1), 1]), tf.reshape(sr, [...sx.shape.slice(0, -1), 1]), rms);
          return beta ? [dx, dgamma, dbeta] : [dx, dgamma];
        },
      };
    };
    op = (rms
      ? tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, save: tf.GradSaveFunc) => forward(x, gamma, undefined, save)) as unknown as GradFn)
      : tf.customGrad(forward as unknown as GradFn)) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
    ops.set(key, op);
  }
  return op;
}

/**
 * LayerNorm over the last axis, `(x − mean)/√(var + eps)·gamma + beta` (biased variance, as PyTorch),
 * as one fused op with a hand-written gradient.
 */
export function layerNormFused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return normOp(eps, false)(x, gamma, beta);
}

/** RMSNorm over the last axis, `x/√(mean(x²) + eps)·weight` (LLaMA), as one fused op with a hand-written gradient. */
export function rmsNormFused(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return normOp(eps, true)(x, weight);
}
