import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerFastWasmKernels } from '../kernels/register-wasm-kernels';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, maxAbsDiff, useFusedPath, valueAndGrads } from '../testing/fused-check';
import { attentionFused } from './attention';

/** softmax(q·kᵀ·scale + mask)·v with keys and values repeated per query head, by standard ops. */
function attentionReference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, scale: number): tf.Tensor {
  const g = (q.shape[1] as number) / (k.shape[1] as number);
  // query head h reads kv head ⌊h/g⌋ (Hugging Face repeat_kv)
  const heads = tf.tensor1d(Array.from({ length: q.shape[1] as number }, (_, h) => Math.floor(h / g)), 'int32');
  const rep = (x: tf.Tensor) => tf.gather(x, heads, 1);
  const logits = tf.add(tf.mul(tf.matMul(q as tf.Tensor4D, rep(k) as tf.Tensor4D, false, true), scale), mask);
  return tf.matMul(tf.softmax(logits) as tf.Tensor4D, rep(v) as tf.Tensor4D);
}

type MaskKind = 'causal' | 'causal + key padding per sample' | 'none';

/** Additive masks `[1, 1, s, s]` (causal), `[b, 1, s, s]` (causal, and sample 1's last key padded) or one zero. */
function maskOf(kind: MaskKind, b: number, s: number): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'none') return tf.zeros([1, 1, 1, 1]);
    const causal = tf.reshape(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([s, s]), -1, 0)), -1e9), [1, 1, s, s]);
    if (kind === 'causal') return causal;
    const keys = tf.tensor4d(Array.from({ length: b * s }, (_, i) => (i === 2 * s - 1 ? -1e9 : 0)), [b, 1, 1, s]);
    return tf.add(causal, keys);
  });
}

describe('attentionFused', () => {
  // the softmax backward kernel (wasm: SIMD; cpu: JS loops) and the composition, on every backend; s = 5
  // keys: the SIMD rows' vector body and a one-by-one tail; s = 8 on wasm: vectors only
  const cases = [
    ...[...FUSED_PATHS, ...NATIVE_FUSED_PATHS].flatMap((path) => [
      { path, label: 'multi-head, causal', kvHeads: 4, scale: undefined, mask: 'causal' as MaskKind, s: 5 },
      { path, label: 'grouped-query, scale 0.3, causal + key padding per sample', kvHeads: 2, scale: 0.3, mask: 'causal + key padding per sample' as MaskKind, s: 5 },
    ]),
    { path: FUSED_PATHS[1], label: 'multi-head, no mask, 8 keys', kvHeads: 4, scale: undefined, mask: 'none' as MaskKind, s: 8 },
  ];
  for (const { path, label, kvHeads, scale, mask: maskKind, s } of cases) {
    it(`${label}: equals standard ops; gradients match autodiff and finite differences (${path.backend}, ${path.kernels ? 'kernels' : 'composition'})`, async () => {
      await useFusedPath(path, ['VlmSoftmaxGrad']);
      // the reference repeats kv heads with gather, whose gradient needs the toolkit's UnsortedSegmentSum on wasm
      if (path.backend === 'wasm') registerFastWasmKernels();
      const [b, H, d] = [2, 4, 8];
      const q = tf.variable(seededTensor([b, H, s, d], 1));
      const k = tf.variable(seededTensor([b, kvHeads, s, d], 2));
      const v = tf.variable(seededTensor([b, kvHeads, s, d], 3));
      const mask = maskOf(maskKind, b, s);
      const probe = seededTensor([b, H, s, d], 4);
      const sc = scale ?? 1 / Math.sqrt(d);
      const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), probe)) as tf.Scalar;
      const fusedLoss = loss(() => attentionFused(q, k, v, mask, scale));
      const refLoss = loss(() => attentionReference(q, k, v, mask, sc));
      const fused = valueAndGrads(fusedLoss, [q, k, v]);
      const ref = valueAndGrads(refLoss, [q, k, v]);
      expect(maxAbsDiff(attentionFused(q, k, v, mask, scale), attentionReference(q, k, v, mask, sc))).toBeLessThan(1e-5);
      fused.grads.forEach((g, i) => expect(maxAbsDiff(g, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-5));
      for (const x of [q, k, v]) expect(gradientCheck(fusedLoss, x, 6, 1e-2)).toBeLessThan(2e-2);
      const ran = (await tf.profile(() => valueAndGrads(fusedLoss, [q, k, v]))).kernelNames;
      expect(ran.includes('VlmSoftmaxGrad')).toBe(path.kernels);
      tf.dispose([q, k, v, mask, probe, fused.value, ref.value, ...fused.grads, ...ref.grads]);
    });
  }
});
