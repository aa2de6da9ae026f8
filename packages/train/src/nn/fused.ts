// Fused ops: forward as a few tfjs ops, backward written out by hand. tfjs keeps every intermediate
// of a differentiated forward alive until the backward pass ends; a customGrad op keeps only what it
// saves, which is what lets a 135M-parameter LM train inside the 4 GB wasm heap.
import * as tf from '@tensorflow/tfjs-core';

type GradFn = Parameters<typeof tf.customGrad>[0];
const custom = (f: unknown) => tf.customGrad(f as GradFn);

/** RMSNorm y = x · rsqrt(mean(x²) + eps) · w over the last axis, saving only x and the inverse RMS. */
export function rmsNormFused(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return rmsNormOp(eps)(x, weight);
}

const rmsNormOps = new Map<number, (x: tf.Tensor, w: tf.Tensor) => tf.Tensor>();
function rmsNormOp(eps: number) {
  let op = rmsNormOps.get(eps);
  if (!op) {
    op = custom((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
      const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)); // [..., 1]
      save([x, w, rstd]);
      return {
        value: tf.mul(tf.mul(x, rstd), w),
        gradFunc: (dy: tf.Tensor, [sx, sw, r]: tf.Tensor[]) => {
          const xs = sx as tf.Tensor;
          const rs = r as tf.Tensor;
          const g = tf.mul(dy, sw as tf.Tensor);
          // dx = r·g − r³·x·mean(g·x)
          const dx = tf.mul(rs, tf.sub(g, tf.mul(tf.mul(xs, tf.square(rs)), tf.mean(tf.mul(g, xs), -1, true))));
          const D = xs.shape[xs.shape.length - 1] as number;
          const dw = tf.sum(tf.reshape(tf.mul(dy, tf.mul(xs, rs)), [-1, D]), 0);
          return [dx, dw];
        },
      };
    }) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
    rmsNormOps.set(eps, op);
  }
  return op;
}

/** SwiGLU gate: silu(gate) · up, saving only gate and up. */
export const swiglu = custom((gate: tf.Tensor, up: tf.Tensor, save: tf.GradSaveFunc) => {
  save([gate, up]);
  return {
    value: tf.mul(tf.mul(gate, tf.sigmoid(gate)), up),
    gradFunc: (dy: tf.Tensor, [g, u]: tf.Tensor[]) => {
      const s = tf.sigmoid(g as tf.Tensor);
      const silu = tf.mul(g as tf.Tensor, s);
      // d silu/dg = s·(1 + g·(1 − s))
      const dSilu = tf.mul(s, tf.add(1, tf.mul(g as tf.Tensor, tf.sub(1, s))));
      return [tf.mul(tf.mul(dy, u as tf.Tensor), dSilu), tf.mul(dy, silu)];
    },
  };
}) as (gate: tf.Tensor, up: tf.Tensor) => tf.Tensor;

function rotateHalf(x: tf.Tensor, sign: 1 | -1): tf.Tensor {
  const [a, b] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
  // sign 1: [-b, a] (forward); sign -1: [b, -a] (its transpose, for the gradient)
  return sign === 1 ? tf.concat([tf.neg(b), a], -1) : tf.concat([b, tf.neg(a)], -1);
}

/** RoPE x·cos + rotate_half(x)·sin (HF layout); the gradient is dy·cos + rotate_halfᵀ(dy·sin). */
export const ropeFused = custom((x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, save: tf.GradSaveFunc) => {
  save([cos, sin]);
  return {
    value: tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x, 1), sin)),
    gradFunc: (dy: tf.Tensor, [c, s]: tf.Tensor[]) => [
      tf.add(tf.mul(dy, c as tf.Tensor), rotateHalf(tf.mul(dy, s as tf.Tensor), -1)),
      tf.zerosLike(c as tf.Tensor),
      tf.zerosLike(s as tf.Tensor),
    ],
  };
}) as (x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor) => tf.Tensor;

const t2 = (x: tf.Tensor) => tf.transpose(x, [0, 1, 3, 2]);

/**
 * softmax(q·kᵀ/√d + mask)·v with grouped-query attention done by reshaping the queries of one kv
 * head into one matrix (no repeated keys/values). Saves q, k, v and the probabilities only.
 * q `[b, H, s, d]`, k/v `[b, KV, t, d]`, mask additive `[b|1, 1, s, t]` (not differentiated).
 */
export const attentionFused = custom((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, save: tf.GradSaveFunc) => {
  const [b, H, s, d] = q.shape as [number, number, number, number];
  const [, KV, t] = k.shape as [number, number, number, number];
  const g = H / KV;
  const maskShape = mask.shape;
  const scale = 1 / Math.sqrt(d);
  const qg = tf.reshape(q, [b, KV, g * s, d]);
  const scores = tf.reshape(tf.matMul(tf.mul(qg, scale) as tf.Tensor4D, t2(k) as tf.Tensor4D), [b, H, s, t]);
  const probs = tf.softmax(tf.add(scores, mask)); // [b, H, s, t]
  save([q, k, v, probs]);
  const out = tf.matMul(tf.reshape(probs, [b, KV, g * s, t]) as tf.Tensor4D, v as tf.Tensor4D); // [b, KV, g·s, d]
  return {
    value: tf.reshape(out, [b, H, s, d]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sk, sv, sp] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dOg = tf.reshape(dy, [b, KV, g * s, d]) as tf.Tensor4D;
      const pg = tf.reshape(sp, [b, KV, g * s, t]) as tf.Tensor4D;
      const dV = tf.matMul(t2(pg) as tf.Tensor4D, dOg); // [b, KV, t, d]
      const dP = tf.matMul(dOg, t2(sv) as tf.Tensor4D); // [b, KV, g·s, t]
      const dS = tf.mul(pg, tf.sub(dP, tf.sum(tf.mul(dP, pg), -1, true)));
      const dQ = tf.mul(tf.matMul(dS as tf.Tensor4D, sk as tf.Tensor4D), scale); // [b, KV, g·s, d]
      const dK = tf.mul(tf.matMul(t2(dS) as tf.Tensor4D, tf.reshape(sq, [b, KV, g * s, d]) as tf.Tensor4D), scale); // [b, KV, t, d]
      return [tf.reshape(dQ, [b, H, s, d]), dK, dV, tf.zeros(maskShape)];
    },
  };
}) as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) => tf.Tensor;
