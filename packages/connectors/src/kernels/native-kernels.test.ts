import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadNativeBackend, nativeSuiteName } from '../testing/native-backend';
import { registerNativeKernels, resolvedShape, restoreStockNativeKernels } from './native-kernels';

describe('resolvedShape', () => {
  it('resolves -1 from the size', () => {
    expect(resolvedShape([2, -1], 12)).toEqual([2, 6]);
    expect(resolvedShape([-1], 5)).toEqual([5]);
    expect(resolvedShape([0, -1], 0)).toEqual([0, 0]);
    expect(resolvedShape([3, 4], 12)).toEqual([3, 4]);
  });
});

const native = await loadNativeBackend();
describe.skipIf(!native.ok)(nativeSuiteName('tfjs-node kernels: Reshape and Cast without a TensorFlow op, products of matrices as MatMul', native), () => {
  /** Counts the TensorFlow ops tfjs-node runs while `f` runs (and their names into `names`). */
  function tfOps(f: () => void, names: string[] = []): number {
    const backend = tf.engine().backend as unknown as { executeSingleOutput: (...a: unknown[]) => unknown };
    const original = backend.executeSingleOutput;
    let n = 0;
    backend.executeSingleOutput = (...a: unknown[]) => {
      n++;
      names.push(a[0] as string);
      return original.apply(backend, a);
    };
    try {
      f();
    } finally {
      backend.executeSingleOutput = original;
    }
    return n;
  }

  it('a same-shape reshape and a same-dtype cast share the tensor: no TensorFlow op, values intact after the source is disposed', async () => {
    await tf.setBackend('tensorflow');
    registerNativeKernels();
    const x = tf.add(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), 1); // lives in TensorFlow
    let same!: tf.Tensor;
    let implied!: tf.Tensor;
    let cast!: tf.Tensor;
    expect(tfOps(() => {
      same = tf.reshape(x, [2, 3]);
      implied = tf.reshape(x, [-1, 3]);
      cast = tf.cast(x, 'float32');
    })).toBe(0);
    const before = tf.memory().numTensors;
    x.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    expect(Array.from(tf.mul(same, 2).dataSync())).toEqual([4, 6, 8, 10, 12, 14]);
    expect(implied.shape).toEqual([2, 3]);
    expect(Array.from(cast.dataSync())).toEqual([2, 3, 4, 5, 6, 7]);
    tf.dispose([same, implied, cast]);
  });

  it('a reshape to another shape and a cast to another dtype still run TensorFlow ops, with correct results', async () => {
    await tf.setBackend('tensorflow');
    registerNativeKernels();
    const x = tf.add(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), 0.5);
    let flat!: tf.Tensor;
    let ints!: tf.Tensor;
    expect(tfOps(() => {
      flat = tf.reshape(x, [3, 2]);
      ints = tf.cast(x, 'int32');
    })).toBe(2);
    // the new shape is what TensorFlow sees: a matmul with [2, 1] works only on [3, 2]
    expect(Array.from(tf.matMul(flat as tf.Tensor2D, tf.tensor2d([1, 1], [2, 1])).dataSync())).toEqual([4, 8, 12]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([x, flat, ints]);
  });

  it('a reshape to another shape keeps its shape tensor: the next reshape to that shape makes none, and the engine tracks none', async () => {
    await tf.setBackend('tensorflow');
    registerNativeKernels();
    const backend = tf.engine().backend as unknown as { numDataIds(): number };
    const x = tf.add(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]), 1);
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [6, 2], 'int32');
    const flags = tf.tensor2d([1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], [2, 6], 'bool');
    // a shape no other test asks for
    const shape = [3, 1, 4];
    const tensors = tf.memory().numTensors;
    const data = backend.numDataIds();
    const first = tf.reshape(x, shape);
    expect(first.shape).toEqual(shape);
    expect(Array.from(first.dataSync())).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    first.dispose();
    // the kept shape tensor is backend data only
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(data + 1);
    // the same shape again, from other dtypes and with -1: no new data, right values and shapes
    const again = [tf.reshape(x, [3, 1, -1]), tf.reshape(ints, shape), tf.reshape(flags, shape)];
    expect(backend.numDataIds()).toBe(data + 1 + again.length);
    expect(again.map((t) => t.shape)).toEqual([shape, shape, shape]);
    expect(again.map((t) => t.dtype)).toEqual(['float32', 'int32', 'bool']);
    expect(Array.from(again[1]!.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(again[2]!.dataSync())).toEqual([1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0]);
    // TensorFlow sees the new shape: summing over its last axis
    expect(Array.from(tf.sum(again[0]!, -1).dataSync())).toEqual([14, 30, 46]);
    tf.dispose([x, ints, flags, ...again]);
  });

  it('gradients through shared reshapes equal those of the stock kernels', async () => {
    await tf.setBackend('tensorflow');
    const run = () => {
      const w = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, 1.5, -0.75], [3, 2]));
      const b = tf.variable(tf.tensor1d([0.1, -0.2]));
      const x = tf.tensor3d([1, 2, 3, 4, 5, 6, -1, 0.5, 2, 3, -2, 1], [2, 2, 3]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.reshape(tf.matMul(tf.reshape(x, [-1, 3]), w), [2, 2, 2]), b))) as tf.Scalar, [w, b]);
      const out = [value.dataSync()[0] as number, ...Array.from(grads[w.name]!.dataSync()), ...Array.from(grads[b.name]!.dataSync())];
      tf.dispose([w, b, x, value, ...Object.values(grads)]);
      return out;
    };
    restoreStockNativeKernels();
    const stockRun = run();
    registerNativeKernels();
    const ours = run();
    ours.forEach((v, i) => expect(Math.abs(v - (stockRun[i] as number))).toBeLessThan(1e-6));
  });

  it('products of two matrices run as MatMul, with every transpose flag, equal to BatchMatMulV2; batched ones stay BatchMatMulV2', async () => {
    await tf.setBackend('tensorflow');
    const a = tf.tensor2d(Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), [3, 4]);
    const b = tf.tensor2d(Array.from({ length: 20 }, (_, i) => Math.cos(i * 0.7)), [4, 5]);
    const cases: [tf.Tensor2D, tf.Tensor2D, boolean, boolean][] = [
      [a, b, false, false],
      [tf.transpose(a), b, true, false],
      [a, tf.transpose(b), false, true],
      [tf.transpose(a), tf.transpose(b), true, true],
    ];
    for (const [x, y, ta, tb] of cases) {
      restoreStockNativeKernels();
      const stock = tf.matMul(x, y, ta, tb);
      registerNativeKernels();
      const names: string[] = [];
      let ours!: tf.Tensor;
      tfOps(() => (ours = tf.matMul(x, y, ta, tb)), names);
      expect(names).toEqual(['MatMul']);
      expect(ours.shape).toEqual([3, 5]);
      const want = stock.dataSync();
      ours.dataSync().forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(1e-6));
      tf.dispose([stock, ours]);
    }
    const names: string[] = [];
    tfOps(() => tf.dispose(tf.matMul(tf.reshape(a, [1, 3, 4]), tf.reshape(b, [1, 4, 5]))), names);
    expect(names.filter((n) => n.includes('MatMul'))).toEqual(['BatchMatMulV2']);
    tf.dispose([a, b, ...cases.flatMap(([x, y]) => [x, y])]);
  });
});
