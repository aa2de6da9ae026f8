import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerFastWasmKernels } from '../kernels/register-wasm-kernels';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { maxAbsDiff, valueAndGrads } from '../testing/fused-check';
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

describe('attentionFused', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const [label, kvHeads, scale] of [['multi-head, causal', 4, undefined], ['grouped-query, scale 0.3', 2, 0.3]] as const) {
      it(`${label}: equals standard ops; gradients match autodiff and finite differences (${backend})`, async () => {
        await tf.setBackend(backend);
        // the reference repeats kv heads with gather, whose gradient needs the toolkit's UnsortedSegmentSum on wasm
        if (backend === 'wasm') registerFastWasmKernels();
        const [b, H, s, d] = [2, 4, 5, 8];
        const q = tf.variable(seededTensor([b, H, s, d], 1));
        const k = tf.variable(seededTensor([b, kvHeads, s, d], 2));
        const v = tf.variable(seededTensor([b, kvHeads, s, d], 3));
        const mask = tf.tidy(() => tf.reshape(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([s, s]), -1, 0)), -1e9), [1, 1, s, s]));
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
        tf.dispose([q, k, v, mask, probe, fused.value, ref.value, ...fused.grads, ...ref.grads]);
      });
    }
  }
});
