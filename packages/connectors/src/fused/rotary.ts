// Rotary position embedding (RoPE, Hugging Face "rotate half" layout) as one op: x·cos + rotate_half(x)·sin
// with rotate_half([a, b]) = [-b, a] over the last axis. The composition is a split, a negation, a concat,
// two products and a sum forward and as many backward; split and concat along the last axis are slow
// copies on wasm. Its gradient is the transposed rotation, dy·cos + rotate_halfᵀ(dy·sin) with
// rotate_halfᵀ([a, b]) = [b, -a]: the same kernel with its `sign` attribute at -1. Where the kernel is
// registered (wasm: the toolkit's SIMD module; cpu: JS loops) each direction is one pass; elsewhere
// (tfjs-node) it composes standard ops, with the same hand-written gradient.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

type GradFn = Parameters<typeof tf.customGrad>[0];

/**
 * [x, cos, sin] -> [x·cos + rotate_half(x)·sin] (attr `sign` 1), or its transpose [x·cos +
 * rotate_halfᵀ(x·sin)] (`sign` -1, the gradient). x `[B, H, S, D]`; cos and sin `[B or 1, 1, S, D]`,
 * shared by every head.
 */
const rotaryKernel = defineJsKernel(
  {
    name: 'VlmRotary',
    outputShapes: ([x]) => [x as number[]],
    compute({ inputs: [x, cos, sin], shapes: [xs, cs], attrs }, [y]) {
      const X = x as Float32Array;
      const C = cos as Float32Array;
      const S = sin as Float32Array;
      const Y = y as Float32Array;
      const [B, H, T, D] = xs as [number, number, number, number];
      const tableBatch = (cs as number[])[0] as number;
      const half = D / 2;
      const sign = (attrs.sign as number) ?? 1;
      for (let b = 0; b < B; b++) {
        const table = (tableBatch === 1 ? 0 : b) * T * D;
        for (let h = 0; h < H; h++) {
          const base = (b * H + h) * T * D;
          for (let t = 0; t < T; t++) {
            const row = base + t * D;
            const trow = table + t * D;
            if (sign === 1) {
              // y1 = a·c1 - b·s1; y2 = b·c2 + a·s2
              for (let i = 0; i < half; i++) {
                const a = X[row + i] as number;
                const bb = X[row + half + i] as number;
                Y[row + i] = a * (C[trow + i] as number) - bb * (S[trow + i] as number);
                Y[row + half + i] = bb * (C[trow + half + i] as number) + a * (S[trow + half + i] as number);
              }
            } else {
              // the transpose: g1 = a·c1 + b·s2; g2 = b·c2 - a·s1
              for (let i = 0; i < half; i++) {
                const a = X[row + i] as number;
                const bb = X[row + half + i] as number;
                Y[row + i] = a * (C[trow + i] as number) + bb * (S[trow + half + i] as number);
                Y[row + half + i] = bb * (C[trow + half + i] as number) - a * (S[trow + i] as number);
              }
            }
          }
        }
      }
    },
    simd(_fn, { inputs: [x, cos, sin], shapes: [xs, cs], attrs, split }, [y]) {
      const [B, H, T, D] = xs as [number, number, number, number];
      if ((D / 2) % 4 !== 0) return false;
      // one call per sample (all its heads share the sample's table); a shared table does not advance
      const perSample = 4 * H * T * D;
      const perTable = (cs as number[])[0] === 1 ? 0 : 4 * T * D;
      const inv = attrs.sign === -1 ? 1 : 0;
      split(B, H * T * D, (b, count) => ({
        fn: 'rotary',
        args: [(x as number) + b * perSample, (cos as number) + b * perTable, (sin as number) + b * perTable, (y as number) + b * perSample, H, T, D, inv],
        calls: count,
        strides: [perSample, perTable, perTable, perSample, 0, 0, 0, 0],
      }));
    },
  },
);

function rotateHalf(x: tf.Tensor, sign: 1 | -1): tf.Tensor {
  const d = x.shape[x.rank - 1] as number;
  const [a, b] = tf.split(x, [d / 2, d / 2], -1) as [tf.Tensor, tf.Tensor];
  return sign === 1 ? tf.concat([tf.neg(b), a], -1) : tf.concat([b, tf.neg(a)], -1);
}

function useKernel(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): boolean {
  ensureFusedKernels();
  const [B, , T, D] = x.shape as number[];
  const tableOk = (t: tf.Tensor) => t.rank === 4 && t.dtype === 'float32' && (t.shape[0] === 1 || t.shape[0] === B) && t.shape[1] === 1 && t.shape[2] === T && t.shape[3] === D;
  return x.rank === 4 && x.dtype === 'float32' && (D as number) % 2 === 0 && tableOk(cos) && tableOk(sin) && cos.shape[0] === sin.shape[0] && hasKernel(rotaryKernel);
}

const rotaryOp = tf.customGrad(((x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, save: tf.GradSaveFunc) => {
  save([cos, sin]);
  const kernel = useKernel(x, cos, sin);
  const rotate = (t: tf.Tensor, c: tf.Tensor, s: tf.Tensor, sign: 1 | -1) =>
    kernel ? (runJsKernel(rotaryKernel, [t, c, s], { sign }) as [tf.Tensor])[0] : sign === 1 ? tf.add(tf.mul(t, c), tf.mul(rotateHalf(t, 1), s)) : tf.add(tf.mul(t, c), rotateHalf(tf.mul(t, s), -1));
  return {
    value: rotate(x, cos, sin, 1),
    // cos and sin are tables of positions: no gradient flows into them
    gradFunc: (dy: tf.Tensor, [c, s]: tf.Tensor[]) => [rotate(dy, c as tf.Tensor, s as tf.Tensor, -1), tf.zerosLike(c as tf.Tensor), tf.zerosLike(s as tf.Tensor)],
  };
}) as unknown as GradFn) as unknown as (x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor) => tf.Tensor;

/**
 * Rotary position embedding in the Hugging Face layout: `x·cos + rotate_half(x)·sin`, x `[batch, heads,
 * seq, headDim]`, cos and sin `[batch or 1, 1, seq, headDim]` (their two halves as LLaMA builds them).
 * One kernel pass forward and one backward where registered (wasm, cpu); the gradient is the inverse
 * rotation. No gradient flows into cos and sin.
 */
export function rotaryFused(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  return rotaryOp(x, cos, sin);
}
