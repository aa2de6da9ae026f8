// Attention as one op: softmax(q·kᵀ·scale + mask)·v with grouped-query heads, keeping q, k, v and the
// probabilities for the backward pass (not the logits, the scaled queries or the masked logits) and a
// hand-written gradient. The products stay on the backend's matmul (the toolkit's gemm on wasm), with
// transposed operands as flags (the toolkit's wasm gemm and tfjs-node read them in place) rather than as
// Transpose ops, and the forward softmax on the backend's own kernel (on wasm a SIMD pass of the toolkit's
// measured slower than XNNPACK's: 0.91 vs 0.61 ms for [16, 4, 69, 69] with the mask added). The softmax
// backward, with the scale of the logits folded in, is one kernel pass where registered (wasm: the
// toolkit's SIMD module, split across helper threads, 0.12 vs 0.45 ms for the four ops it replaces;
// cpu: JS loops); elsewhere (tfjs-node) it composes standard ops.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

type GradFn = Parameters<typeof tf.customGrad>[0];

/** [p, dp] (rows of the last axis; attr scale) -> [scale·p·(dp − rowsum(dp·p))]. */
const softmaxGradKernel = defineJsKernel({
  name: 'VlmSoftmaxGrad',
  outputShapes: ([p]) => [p as number[]],
  compute({ inputs: [p, dp], shapes: [ps], attrs }, [out]) {
    const P = p as Float32Array;
    const D = dp as Float32Array;
    const O = out as Float32Array;
    const t = (ps as number[])[(ps as number[]).length - 1] as number;
    const scale = attrs.scale as number;
    for (let row = 0; row < P.length; row += t) {
      let dot = 0;
      for (let j = 0; j < t; j++) dot += (D[row + j] as number) * (P[row + j] as number);
      for (let j = 0; j < t; j++) O[row + j] = ((D[row + j] as number) - dot) * (P[row + j] as number) * scale;
    }
  },
  simd(_fn, { inputs: [p, dp], shapes: [ps], attrs, split }, [out]) {
    const t = (ps as number[])[(ps as number[]).length - 1] as number;
    const rows = (ps as number[]).reduce((a, d) => a * d, 1) / t;
    const at = (ptr: number, r: number) => ptr + 4 * r * t;
    split(rows, t, (r, count) => ({ fn: 'softmaxGrad', args: [at(p as number, r), at(dp as number, r), at(out as number, r), count, t, attrs.scale as number], floats: [5] }));
  },
});

/** Whether the softmax backward kernel runs here. */
function useKernel(q: tf.Tensor): boolean {
  ensureFusedKernels();
  return q.dtype === 'float32' && hasKernel(softmaxGradKernel);
}

const ops = new Map<number | undefined, (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) => tf.Tensor>();

function attentionOp(scaleOverride: number | undefined) {
  let op = ops.get(scaleOverride);
  if (!op) {
    op = tf.customGrad(((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, save: tf.GradSaveFunc) => {
      const [b, H, s, d] = q.shape as [number, number, number, number];
      const [, KV, t] = k.shape as [number, number, number, number];
      const g = H / KV;
      const maskShape = mask.shape;
      const scale = scaleOverride ?? 1 / Math.sqrt(d);
      // The g query heads of one kv head become one matrix: no repeated keys or values.
      const qg = tf.reshape(q, [b, KV, g * s, d]);
      const kernel = useKernel(q);
      const scores = tf.reshape(tf.matMul(tf.mul(qg, scale) as tf.Tensor4D, k as tf.Tensor4D, false, true), [b, H, s, t]);
      const probs = tf.softmax(tf.add(scores, mask)); // [b, H, s, t]
      save([q, k, v, probs]);
      const out = tf.matMul(tf.reshape(probs, [b, KV, g * s, t]) as tf.Tensor4D, v as tf.Tensor4D); // [b, KV, g·s, d]
      return {
        value: tf.reshape(out, [b, H, s, d]),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sq, sk, sv, sp] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const dOg = tf.reshape(dy, [b, KV, g * s, d]) as tf.Tensor4D;
          const pg = tf.reshape(sp, [b, KV, g * s, t]) as tf.Tensor4D;
          const dV = tf.matMul(pg, dOg, true, false); // [b, KV, t, d]
          const dP = tf.matMul(dOg, sv as tf.Tensor4D, false, true); // [b, KV, g·s, t]
          // softmax backward: dS = P ⊙ (dP − rowsum(dP ⊙ P)), times the scale of the logits
          if (kernel) {
            const [dS] = runJsKernel(softmaxGradKernel, [pg, dP], { scale }) as [tf.Tensor4D];
            const dQ = tf.matMul(dS, sk as tf.Tensor4D); // [b, KV, g·s, d]
            const dK = tf.matMul(dS, tf.reshape(sq, [b, KV, g * s, d]) as tf.Tensor4D, true, false); // [b, KV, t, d]
            return [tf.reshape(dQ, [b, H, s, d]), dK, dV, tf.zeros(maskShape)];
          }
          const dS = tf.mul(pg, tf.sub(dP, tf.sum(tf.mul(dP, pg), -1, true)));
          const dQ = tf.mul(tf.matMul(dS as tf.Tensor4D, sk as tf.Tensor4D), scale); // [b, KV, g·s, d]
          const dK = tf.mul(tf.matMul(dS as tf.Tensor4D, tf.reshape(sq, [b, KV, g * s, d]) as tf.Tensor4D, true, false), scale); // [b, KV, t, d]
          return [tf.reshape(dQ, [b, H, s, d]), dK, dV, tf.zeros(maskShape)];
        },
      };
    }) as unknown as GradFn) as unknown as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) => tf.Tensor;
    ops.set(scaleOverride, op);
  }
  return op;
}

/**
 * softmax(q·kᵀ·scale + mask)·v over heads as one op with a hand-written gradient.
 * q `[b, H, s, d]`; k, v `[b, KV, t, d]` with H a multiple of KV (grouped-query attention);
 * mask additive, broadcastable to `[b, H, s, t]` and not differentiated (zeros when omitted);
 * scale defaults to 1/√d. Returns `[b, H, s, d]`.
 */
export function attentionFused(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor, scale?: number): tf.Tensor {
  return attentionOp(scale)(q, k, v, mask ?? tf.zeros([1, 1, 1, 1]));
}
