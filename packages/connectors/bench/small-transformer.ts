import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { attend, dense, layerNorm, mergeHeads, splitHeads } from '../src/layers/ops';
import { gelu } from '../src/layers/gelu';
import { allocateWeight, denseSpecs, layerNormSpecs, type WeightSpec } from '../src/modules/weight-spec';

/** Sizes of the benchmark's decoder-only transformer. */
export interface TransformerSize {
  width: number;
  heads: number;
  layers: number;
  seq: number;
  batch: number;
  vocab: number;
}

/**
 * A pre-LN GPT-style decoder (token + position embeddings, causal self-attention, GELU MLP, LM head)
 * and one Adam step over a random batch, to time training on a backend.
 */
export function createTrainingStep(size: TransformerSize, seed = 0): { step: () => number; dispose: () => void } {
  const rng = createRng(seed);
  const { width: d, heads, layers, seq, batch, vocab } = size;
  const specs: WeightSpec[] = [
    { name: 'tok', shape: [vocab, d], init: { kind: 'normal', std: 0.02 } },
    { name: 'pos', shape: [seq, d], init: { kind: 'normal', std: 0.02 } },
  ];
  for (let i = 0; i < layers; i++) {
    specs.push(...layerNormSpecs(`l${i}.ln1`, d), ...denseSpecs(`l${i}.q`, d, d), ...denseSpecs(`l${i}.k`, d, d), ...denseSpecs(`l${i}.v`, d, d), ...denseSpecs(`l${i}.proj`, d, d));
    specs.push(...layerNormSpecs(`l${i}.ln2`, d), ...denseSpecs(`l${i}.fc`, d, 4 * d), ...denseSpecs(`l${i}.out`, 4 * d, d));
  }
  specs.push(...layerNormSpecs('lnf', d), ...denseSpecs('head', d, vocab));
  const w = new Map(specs.map((s) => [s.name, allocateWeight(s, rng.fork(s.name))]));
  const W = (name: string) => w.get(name) as tf.Variable;
  const ids = tf.tensor2d(Array.from({ length: batch * seq }, () => rng.int(vocab)), [batch, seq], 'int32');
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch * seq }, () => rng.int(vocab)), 'int32'), vocab);
  const causal = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)), -1e9).reshape([1, 1, seq, seq]));
  const optimizer = tf.train.adam(1e-3);
  const loss = (): tf.Scalar => {
    let x = tf.add(tf.gather(W('tok'), ids), W('pos'));
    for (let i = 0; i < layers; i++) {
      const h = layerNorm(x, W(`l${i}.ln1.gamma`), W(`l${i}.ln1.beta`), 1e-5);
      // Separate q/k/v products instead of splitting one fused activation (slicing is slow on wasm).
      const [q, k, v] = ['q', 'k', 'v'].map((m) => splitHeads(dense(h, W(`l${i}.${m}.kernel`), W(`l${i}.${m}.bias`)), heads)) as [tf.Tensor, tf.Tensor, tf.Tensor];
      x = tf.add(x, dense(mergeHeads(attend(q, k, v, { bias: causal })), W(`l${i}.proj.kernel`), W(`l${i}.proj.bias`)));
      const f = layerNorm(x, W(`l${i}.ln2.gamma`), W(`l${i}.ln2.beta`), 1e-5);
      x = tf.add(x, dense(gelu(dense(f, W(`l${i}.fc.kernel`), W(`l${i}.fc.bias`))), W(`l${i}.out.kernel`), W(`l${i}.out.bias`)));
    }
    const logits = dense(layerNorm(x, W('lnf.gamma'), W('lnf.beta'), 1e-5), W('head.kernel'), W('head.bias')).reshape([batch * seq, vocab]);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return {
    step: () => {
      const value = optimizer.minimize(loss, true) as tf.Scalar;
      const out = value.dataSync()[0] as number;
      value.dispose();
      return out;
    },
    dispose: () => {
      tf.dispose([...w.values(), ids, labels, causal]);
      optimizer.dispose();
    },
  };
}
