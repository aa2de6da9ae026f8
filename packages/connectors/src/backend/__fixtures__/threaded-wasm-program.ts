// A user's program on the wasm backend with `wasmThreads` = argv[2]: prints the backend line and the
// choice, then (argv[3]) either prints a forward and gradient result as JSON and ends on its own, or
// has a bug of its own (an uncaught error). `nosab` hides SharedArrayBuffer first, to force the fallback.
// Run in a child process by wasm-threads.test.ts.
import * as tf from '@tensorflow/tfjs-core';
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
  const x = seededTensor([64, 256], 1);
  const w = tf.variable(seededTensor([256, 192], 2, 0.1));
  const q = seededTensor([4, 96, 64], 3);
  const k = seededTensor([4, 96, 64], 4);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 7) % 192), 'int32'), 192);
  // an embedding lookup in front: its gradient is the toolkit's UnsortedSegmentSum on the (shared) heap
  const table = tf.variable(seededTensor([50, 256], 5, 0.5));
  const ids = tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 13) % 50), 'int32');
  const scores = tf.matMul(q, k, false, true);
  // 37 rows: bands of 20 and 17 rows across the gemm's threads (edge tiles in both), with a bias
  const uneven = tf.fused.matMul({ a: seededTensor([300, 37], 6) as tf.Tensor2D, b: seededTensor([300, 200], 7) as tf.Tensor2D, bias: seededTensor([200], 8), transposeA: true });
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.add(x, tf.gather(table, ids)), w)) as tf.Scalar, [w, table]);
  const out = {
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
