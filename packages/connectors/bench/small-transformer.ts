import * as tf from '@tensorflow/tfjs';
import { createRng } from '@vlm/core';
import { attend, dense, layerNorm, mergeHeads, splitHeads } from '../src/layers/ops';
import { adamwUpdate } from '../src/fused/adamw-update';
import { biasGelu } from '../src/fused/bias-gelu';
import { crossEntropyOverPositions } from '../src/fused/cross-entropy';
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

/** Which ops the step runs on: the toolkit's fused ops, or the compositions of standard tfjs ops they replace. */
export type StepOps = 'fused' | 'standard';

// The standard-op compositions (what the fused ops replaced), for the side-by-side benchmark.
const standard = {
  layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps))), gamma), beta);
  },
  attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor): tf.Tensor {
    const logits = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(q.shape[3] as number)) as tf.Tensor4D, k as tf.Tensor4D, false, true), bias);
    return tf.matMul(tf.softmax(logits) as tf.Tensor4D, v as tf.Tensor4D);
  },
  biasGelu(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
    const u = tf.add(x, b);
    return tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
  },
};

/**
 * A pre-LN GPT-style decoder (token + position embeddings, causal self-attention, GELU MLP, LM head)
 * and one Adam step over a random batch, to time training on a backend. It runs on the toolkit's fused
 * ops: LayerNorm, attention, bias + GELU, cross-entropy and one Adam(W, decay 0) update for all weights.
 */
export function createTrainingStep(size: TransformerSize, seed = 0, ops: StepOps = 'fused'): { step: () => number; dispose: () => void } {
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
  const targets = tf.tensor1d(Array.from({ length: batch * seq }, () => rng.int(vocab)), 'int32');
  const weights = tf.fill([batch * seq], 1 / (batch * seq)) as tf.Tensor1D;
  const causal = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)), -1e9).reshape([1, 1, seq, seq]));
  const vars = [...w.values()];
  const moments = vars.map((v) => ({ m: tf.variable(tf.zerosLike(v), false), v: tf.variable(tf.zerosLike(v), false) }));
  let t = 0;
  const adam = ops === 'standard' ? tf.train.adam(1e-3) : undefined;
  const labels = ops === 'standard' ? tf.oneHot(targets, vocab) : undefined;
  const norm = ops === 'fused' ? layerNorm : standard.layerNorm;
  const geluOf = ops === 'fused' ? biasGelu : standard.biasGelu;
  const loss = (): tf.Scalar => {
    let x = tf.add(tf.gather(W('tok'), ids), W('pos'));
    for (let i = 0; i < layers; i++) {
      const h = norm(x, W(`l${i}.ln1.gamma`), W(`l${i}.ln1.beta`), 1e-5);
      // Separate q/k/v products instead of splitting one fused activation (slicing is slow on wasm).
      const [q, k, v] = ['q', 'k', 'v'].map((m) => splitHeads(dense(h, W(`l${i}.${m}.kernel`), W(`l${i}.${m}.bias`)), heads)) as [tf.Tensor, tf.Tensor, tf.Tensor];
      x = tf.add(x, dense(mergeHeads(ops === 'fused' ? attend(q, k, v, { bias: causal }) : standard.attend(q, k, v, causal)), W(`l${i}.proj.kernel`), W(`l${i}.proj.bias`)));
      const f = norm(x, W(`l${i}.ln2.gamma`), W(`l${i}.ln2.beta`), 1e-5);
      x = tf.add(x, dense(geluOf(dense(f, W(`l${i}.fc.kernel`)), W(`l${i}.fc.bias`)), W(`l${i}.out.kernel`), W(`l${i}.out.bias`)));
    }
    const logits = dense(norm(x, W('lnf.gamma'), W('lnf.beta'), 1e-5), W('head.kernel'), W('head.bias')).reshape([batch * seq, vocab]);
    if (labels) return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    return crossEntropyOverPositions(logits as tf.Tensor2D, targets, weights);
  };
  return {
    step: () => {
      if (adam) {
        const value = adam.minimize(loss, true) as tf.Scalar;
        const out = value.dataSync()[0] as number;
        value.dispose();
        return out;
      }
      const { value, grads } = tf.variableGrads(loss, vars);
      t++;
      // Adam (lr 1e-3, PyTorch's defaults) as AdamW without decay: one update for all weights
      adamwUpdate(vars.map((param, i) => ({ param, grad: grads[param.name] as tf.Tensor, m: moments[i]!.m, v: moments[i]!.v, lr: 1e-3 })), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: t });
      const out = value.dataSync()[0] as number;
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    dispose: () => {
      tf.dispose([...w.values(), ids, targets, weights, causal, ...moments.flatMap((m) => [m.m, m.v])]);
      labels?.dispose();
      adam?.dispose();
    },
  };
}
