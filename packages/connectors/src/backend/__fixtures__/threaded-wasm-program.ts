// A user's program on the wasm backend with `wasmThreads` = argv[2]: prints the backend line and the
// choice, then (argv[3]) either prints a forward and gradient result as JSON and ends on its own, or
// has a bug of its own (an uncaught error). `nosab` hides SharedArrayBuffer first, to force the fallback.
// Run in a child process by wasm-threads.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { adamwUpdate } from '../../fused/adamw-update';
import { attentionFused } from '../../fused/attention';
import { biasGelu } from '../../fused/bias-gelu';
import { crossEntropyOverPositions } from '../../fused/cross-entropy';
import { layerNormFused } from '../../fused/layer-norm';
import { linearFused } from '../../fused/linear';
import { rotaryFused } from '../../fused/rotary';
import { swigluFused } from '../../fused/swiglu';
import { seededTensor } from '../../testing/grad-check';
import { type EmscriptenHeap, gemmForHeap } from '../../kernels/wasm-gemm';
import { selectBackend } from '../select-backend';

const [threadsArg = '1', mode = 'values'] = process.argv.slice(2);
if (mode === 'nosab') delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
const choice = await selectBackend({ force: 'wasm', wasmThreads: threadsArg === 'auto' ? 'auto' : Number(threadsArg), log: (line) => console.log(line) });
console.log(JSON.stringify({ choice }));
if (mode === 'throw') {
  setTimeout(() => {
    throw new Error('user bug 43');
  }, 0);
} else {
  // Big enough for the products to be split across threads: a batched product, a dense layer's
  // forward and the gradients of a softmax cross-entropy through it.
  const x = seededTensor([256, 256], 1);
  const w = tf.variable(seededTensor([256, 192], 2, 0.1));
  const q = seededTensor([16, 96, 64], 3);
  const k = seededTensor([16, 96, 64], 4);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 256 }, (_, i) => (i * 7) % 192), 'int32'), 192);
  // an embedding lookup in front: its gradient is the toolkit's UnsortedSegmentSum on the (shared) heap
  const table = tf.variable(seededTensor([50, 256], 5, 0.5));
  const ids = tf.tensor1d(Array.from({ length: 256 }, (_, i) => (i * 13) % 50), 'int32');
  const scores = tf.matMul(q, k, false, true);
  // 37 rows: bands of 20 and 17 rows across the gemm's threads (edge tiles in both), with a bias
  const uneven = tf.fused.matMul({ a: seededTensor([1200, 37], 6) as tf.Tensor2D, b: seededTensor([1200, 200], 7) as tf.Tensor2D, bias: seededTensor([200], 8), transposeA: true });
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.add(x, tf.gather(table, ids)), w)) as tf.Scalar, [w, table]);
  // Small products in large batches (attention's): the items are split across the threads, with a
  // batch of 9 (runs of 5 and 4) and a right-hand matrix shared by the batch (packed once). Sizes: at
  // least 2^23 multiply-adds in all (SPLIT_WORK), and 2^17 floats for the element-wise kernels.
  const attention = tf.concat([
    tf.reshape(tf.matMul(seededTensor([9, 128, 64], 13), seededTensor([9, 128, 64], 14), false, true), [-1]),
    tf.reshape(tf.matMul(seededTensor([9, 128, 128], 25), seededTensor([9, 128, 64], 26)), [-1]),
  ]);
  const shared = tf.matMul(seededTensor([24, 64, 96], 15), seededTensor([1, 64, 80], 16), true, false);
  // The element-wise kernels split in bands of rows (or groups of 4 floats) across the threads: bias +
  // GELU, layer norm, SwiGLU, RoPE (bands of samples), attention's softmax backward and the cross-entropy
  // forward and backward, and an AdamW update with a tail.
  const h = seededTensor([260, 512], 17);
  const hBias = tf.variable(seededTensor([512], 18, 0.5));
  const gamma = tf.variable(seededTensor([256], 19, 0.5));
  const beta = tf.variable(seededTensor([256], 20, 0.5));
  const logits = tf.variable(seededTensor([160, 1000], 21, 3));
  const targets = tf.tensor1d(Array.from({ length: 160 }, (_, i) => (i * 31) % 1000), 'int32');
  const weights = tf.tensor1d(Array.from({ length: 160 }, (_, i) => (i % 3) / 160));
  const gate = tf.variable(seededTensor([300, 512], 27, 2));
  const up = tf.variable(seededTensor([300, 512], 28));
  const rx = tf.variable(seededTensor([6, 4, 50, 128], 29));
  // attention with a causal mask: its softmax backward in bands of rows (8 x 4 x 70 rows of 70)
  const aq = tf.variable(seededTensor([8, 4, 70, 16], 33));
  const causal = tf.reshape(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([70, 70]), -1, 0)), -1e9), [1, 1, 70, 70]);
  const angles = seededTensor([6, 1, 50, 128], 30, 3);
  const fused = tf.variableGrads(() => {
    const g = tf.sum(tf.mul(biasGelu(h, hBias), h));
    const sw = tf.sum(tf.mul(swigluFused(gate, up), seededTensor([300, 512], 31)));
    const ro = tf.sum(tf.mul(rotaryFused(rx, tf.cos(angles), tf.sin(angles)), seededTensor([6, 4, 50, 128], 32)));
    const at = tf.sum(tf.mul(attentionFused(aq, aq, aq, causal), seededTensor([8, 4, 70, 16], 34)));
    const n = tf.sum(tf.mul(layerNormFused(seededTensor([600, 256], 22, 2), gamma, beta, 1e-5), seededTensor([600, 256], 23)));
    return tf.addN([tf.mul(g, 1e-3), tf.mul(n, 1e-2), tf.mul(sw, 1e-3), tf.mul(ro, 1e-3), tf.mul(at, 1e-2), crossEntropyOverPositions(logits as tf.Tensor2D, targets, weights)]) as tf.Scalar;
  }, [hBias, gamma, beta, logits, gate, up, rx, aq]);
  // a linear layer on the toolkit's kernels: 3-D input, 520 rows (bands of 260 across two threads), bias;
  // each of its three products has more than 2^23 multiply-adds
  const lx = tf.variable(seededTensor([4, 130, 256], 35));
  const lw = tf.variable(seededTensor([256, 192], 36, 0.1));
  const lb = tf.variable(seededTensor([192], 37));
  const lin = tf.variableGrads(() => tf.sum(tf.mul(linearFused(lx, lw, lb), seededTensor([4, 130, 192], 38))) as tf.Scalar, [lx, lw, lb]);
  const param = tf.variable(seededTensor([40_001], 24));
  const moments = { m: tf.variable(tf.zeros([40_001]), false), v: tf.variable(tf.zeros([40_001]), false) };
  for (let step = 1; step <= 2; step++) {
    adamwUpdate([{ param, grad: seededTensor([40_001], 24 + step), m: moments.m, v: moments.v, lr: 1e-2 }], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, step });
  }
  const out = {
    attention: Array.from(attention.dataSync()),
    shared: Array.from(shared.dataSync()),
    fusedLoss: fused.value.dataSync()[0],
    fusedGrads: [hBias, gamma, beta, logits, gate, up, rx, aq].flatMap((v) => Array.from((fused.grads[v.name] as tf.Tensor).dataSync())),
    linear: [lx, lw, lb].flatMap((v) => Array.from((lin.grads[v.name] as tf.Tensor).dataSync())),
    adamw: [param, moments.m, moments.v].flatMap((v) => Array.from(v.dataSync())),
    scores: Array.from(scores.dataSync()),
    uneven: Array.from(uneven.dataSync()),
    loss: value.dataSync()[0],
    grad: Array.from((grads[w.name] as tf.Tensor).dataSync()),
    tableGrad: Array.from((grads[table.name] as tf.Tensor).dataSync()),
    // threads of the toolkit's gemm (helper threads on the threaded build)
    gemmThreads: gemmForHeap((tf.backend() as unknown as { wasm: EmscriptenHeap }).wasm)?.threads,
  };
  console.log(JSON.stringify(out));
}
