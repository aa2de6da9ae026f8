import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@vlm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { attentionFused, layerNormFused, registerFastWasmKernels } from '../index';
import { loadNativeBackend, nativeSuiteName } from '../testing/native-backend';
import { useLeanSavedTensors } from './saved-tensors';

const rng = createRng('saved-tensors');
const data = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const X = data(2 * 5 * 8);
const W = data(8 * 8);
const B = data(8);
const G = data(8);

/** A small step with broadcasts, reshapes, a gather, fused ops (customGrad's saved tensors) and a softmax. */
function loss(x: tf.Tensor, w: tf.Variable, b: tf.Variable, g: tf.Variable): tf.Scalar {
  const h = tf.add(tf.reshape(tf.matMul(tf.reshape(x, [10, 8]), w), [2, 5, 8]), b);
  const n = layerNormFused(h, g, b, 1e-5);
  const q = tf.reshape(n, [2, 5, 2, 4]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const mask = tf.linalg.bandPart(tf.ones([5, 5]), -1, 0).sub(1).mul(1e9).reshape([1, 1, 5, 5]);
  const a = attentionFused(q, q, q, mask);
  const picked = tf.gather(tf.reshape(a, [20, 4]), tf.tensor1d([0, 3, 3, 7, 19], 'int32'));
  return tf.sum(tf.mul(tf.softmax(picked), tf.sigmoid(picked))) as tf.Scalar;
}

type TapeNode = { kernelName: string; inputs: Record<string, tf.Tensor>; outputs: (tf.Tensor & { kept?: boolean })[] };

/** The step's value and gradients, its tape (copy = a kept copy of one tensor) and its Identity dispatches. */
function step(): { value: number; grads: Float32Array[]; tape: { name: string; copy: boolean }[]; identities: number } {
  const w = tf.variable(tf.tensor2d(W, [8, 8]));
  const b = tf.variable(tf.tensor1d(B));
  const g = tf.variable(tf.tensor1d(G));
  const x = tf.tensor3d(X, [2, 5, 8]);
  const tape: { name: string; copy: boolean }[] = [];
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown; state: { activeTape: TapeNode[] } };
  const runKernel = engine.runKernel;
  let identities = 0;
  engine.runKernel = function (name: string, ...rest: unknown[]) {
    if (name === 'Identity') identities++;
    return runKernel.call(this, name, ...rest);
  };
  const before = tf.memory().numTensors;
  let value: tf.Scalar;
  let grads: tf.NamedTensorMap;
  try {
    ({ value, grads } = tf.variableGrads(() => {
      const out = loss(x, w, b, g);
      for (const node of engine.state.activeTape) {
        const copy = node.outputs.length === 1 && node.outputs[0]?.kept === true && Object.keys(node.inputs).join() === 'x';
        tape.push({ name: node.kernelName, copy });
      }
      return out;
    }, [w, b, g]));
  } finally {
    engine.runKernel = runKernel;
  }
  const result = { value: value.dataSync()[0] as number, grads: [w, b, g].map((v) => grads[v.name]?.dataSync() as Float32Array), tape, identities };
  tf.dispose([value, ...Object.values(grads)]);
  // every copy kept for the backward pass was released with the tape
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([w, b, g, x]);
  return result;
}

// tfjs-node too where it loads (in CI it must)
const native = await loadNativeBackend();

describe('tensors kept for gradients', () => {
  afterEach(() => useLeanSavedTensors(true));

  for (const backend of ['cpu', 'wasm', 'tensorflow']) {
    const title = `give the same value and gradients without a kernel and a tape entry each (${backend})`;
    it.skipIf(backend === 'tensorflow' && !native.ok)(backend === 'tensorflow' ? nativeSuiteName(title, native) : title, async () => {
      await tf.setBackend(backend);
      if (backend === 'wasm') registerFastWasmKernels();
      useLeanSavedTensors(false);
      const stock = step();
      useLeanSavedTensors(true);
      const lean = step();
      expect(lean.value).toBe(stock.value);
      for (let i = 0; i < 3; i++) expect(Array.from(lean.grads[i] as Float32Array)).toEqual(Array.from(stock.grads[i] as Float32Array));
      // tfjs-core dispatches an Identity kernel and records a tape entry for every saved tensor
      const copies = stock.tape.filter((n) => n.copy).length;
      expect(copies).toBeGreaterThan(10);
      expect(stock.identities).toBeGreaterThanOrEqual(copies);
      // the lean copies do neither; every other tape entry is the same
      expect(lean.tape.filter((n) => n.copy)).toEqual([]);
      expect(lean.tape.map((n) => n.name)).toEqual(stock.tape.filter((n) => !n.copy).map((n) => n.name));
      expect(lean.identities).toBe(stock.identities - copies);
    });
  }

  it('leave gradients of gradients as they were (copies made inside them stay on the tape)', async () => {
    await tf.setBackend('cpu');
    const xs = [0.5, -1.25, 2];
    const run = () => {
      const x = tf.tensor1d(xs);
      // d/dx of sum(d/dx (x^3 * sin x)) = 6x sin x + 6x^2 cos x - x^3 sin x
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.pow(t, 3), tf.sin(t))) as tf.Scalar;
      const second = tf.grad((t: tf.Tensor) => tf.sum(tf.grad(f)(t)))(x);
      // a gradient penalty: the variable's gradient through the gradient with respect to the input
      const v = tf.variable(tf.tensor1d([0.3, -0.7, 1.1]));
      const { value, grads } = tf.variableGrads(() => {
        const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(tf.mul(t, v)), t)))(x);
        return tf.sum(tf.square(gx)) as tf.Scalar;
      }, [v]);
      const out = { second: Array.from(second.dataSync()), penalty: value.dataSync()[0], grad: Array.from((grads[v.name] as tf.Tensor).dataSync()) };
      tf.dispose([x, second, value, v, ...Object.values(grads)]);
      return out;
    };
    useLeanSavedTensors(false);
    const stock = run();
    useLeanSavedTensors(true);
    const lean = run();
    expect(lean).toEqual(stock);
    const exact = xs.map((x) => 6 * x * Math.sin(x) + 6 * x * x * Math.cos(x) - x ** 3 * Math.sin(x));
    lean.second.forEach((s, i) => expect(s).toBeCloseTo(exact[i] as number, 4));
    expect(lean.grad.every((g) => g !== 0)).toBe(true);
  });
});
