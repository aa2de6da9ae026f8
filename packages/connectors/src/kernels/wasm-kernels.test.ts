import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFastWasmKernels } from './register-wasm-kernels';
import { type EmscriptenHeap, gemmForHeap } from './wasm-gemm';
import { simdForHeap } from './wasm-simd';

const rng = createRng('wasm-kernels');
const randomData = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** Runs `fn` on the wasm and the cpu backend over the same inputs and returns both results. */
async function onBoth(fn: () => tf.Tensor): Promise<[Float32Array, Float32Array, number[]]> {
  await tf.setBackend('wasm');
  const w = fn();
  const wasm = w.dataSync() as Float32Array;
  const shape = w.shape;
  tf.dispose(w);
  await tf.setBackend('cpu');
  const c = fn();
  expect(c.shape).toEqual(shape);
  const cpu = c.dataSync() as Float32Array;
  tf.dispose(c);
  return [wasm, cpu, shape];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('fast wasm kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFastWasmKernels();
  });

  it('BatchMatMul agrees with the cpu backend on random shapes, transposes and broadcasts', async () => {
    // the toolkit's SIMD gemm runs the products on the single-threaded build
    const heap = (tf.backend() as unknown as { wasm: EmscriptenHeap }).wasm;
    expect(gemmForHeap(heap)).not.toBeNull();
    // and the element-wise module the Sum, AdamW and GELU kernels use
    expect(simdForHeap(heap)).not.toBeNull();
    for (let trial = 0; trial < 28; trial++) {
      // a few larger ones cover whole 4x8 tiles and the k blocks
      const big = trial >= 24;
      const m = 1 + rng.int(big ? 40 : 9);
      const k = 1 + rng.int(big ? 300 : 9);
      const n = 1 + rng.int(big ? 40 : 9);
      const ta = rng.bool();
      const tb = rng.bool();
      const layout = rng.int(5);
      // no batch / shared right matrix / shared left matrix / equal batches / rank-4 batches
      const batchA = [[], [3], [], [2], [2, 3]][layout] as number[];
      const batchB = [[], [], [3], [2], [2, 3]][layout] as number[];
      const aShape = [...batchA, ...(ta ? [k, m] : [m, k])];
      const bShape = [...batchB, ...(tb ? [n, k] : [k, n])];
      const aData = randomData(aShape.reduce((p, d) => p * d, 1));
      const bData = randomData(bShape.reduce((p, d) => p * d, 1));
      const [wasm, cpu, shape] = await onBoth(() => tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape), ta, tb));
      expect(shape).toEqual([...(batchA.length >= batchB.length ? batchA : batchB), m, n]);
      expect(maxDiff(wasm, cpu)).toBeLessThan(1e-4);
    }
  });

  it('_FusedMatMul with a bias (the toolkit gemm) and with an activation (stock) agrees with the cpu backend, gradients too', async () => {
    for (const [ta, tb, activation] of [[false, false, 'linear'], [true, false, 'linear'], [false, true, 'linear'], [false, false, 'relu']] as const) {
      const [m, k, n] = [13, 37, 21];
      const a = randomData(m * k);
      const b = randomData(k * n);
      const bias = randomData(n);
      const make = () => [tf.tensor(a, ta ? [k, m] : [m, k]), tf.tensor(b, tb ? [n, k] : [k, n]), tf.tensor1d(bias)] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const [wasm, cpu, shape] = await onBoth(() => {
        const [x, w, c] = make();
        return tf.fused.matMul({ a: x, b: w, bias: c, transposeA: ta, transposeB: tb, activation });
      });
      expect(shape).toEqual([m, n]);
      expect(maxDiff(wasm, cpu)).toBeLessThan(1e-4);
      for (const which of [0, 1, 2] as const) {
        const [gw, gc] = await onBoth(() => {
          const f = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: c, transposeA: ta, transposeB: tb, activation }).square().sum();
          return tf.grads(f)(make())[which] as tf.Tensor;
        });
        expect(maxDiff(gw, gc)).toBeLessThan(1e-3);
      }
    }
  });

  it('BatchMatMul gradients agree with the cpu backend (2-D and batched)', async () => {
    // tfjs 4.22 cannot differentiate a rank-broadcast matMul, so models reshape to 2-D first.
    for (const [aShape, bShape] of [[[10, 6], [6, 4]], [[2, 5, 6], [2, 6, 4]]] as const) {
      const x = randomData(aShape.reduce((p, d) => p * d, 1));
      const w = randomData(bShape.reduce((p, d) => p * d, 1));
      for (const which of [0, 1] as const) {
        const [wasm, cpu] = await onBoth(() => {
          const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b).square().sum();
          return tf.grads(f)([tf.tensor(x, [...aShape]), tf.tensor(w, [...bShape])])[which] as tf.Tensor;
        });
        expect(maxDiff(wasm, cpu)).toBeLessThan(1e-3);
      }
    }
  });

  it('Sum over leading axes (and others, through the stock kernel) agrees with the cpu backend', async () => {
    const x = randomData(3 * 4 * 5);
    for (const [axis, keepDims] of [[0, false], [[0, 1], true], [[1, 0], false], [1, false], [2, true], [[0, 2], false], [undefined, false]] as const) {
      const [wasm, cpu, shape] = await onBoth(() => tf.sum(tf.tensor(x, [3, 4, 5]), axis as number | number[] | undefined, keepDims));
      expect(shape.length).toBe(keepDims ? 3 : 3 - (axis === undefined ? 3 : [axis].flat().length));
      expect(maxDiff(wasm, cpu)).toBeLessThan(1e-5);
    }
  });

  it('Identity shares memory safely: a clone outlives its source', async () => {
    await tf.setBackend('wasm');
    const buffers = () => (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    const before = buffers();
    const a = tf.tensor1d([1, 2, 3]);
    const b = a.clone();
    expect(buffers() - before).toBe(1);
    a.dispose();
    expect([...b.dataSync()]).toEqual([1, 2, 3]);
    b.dispose();
    expect(buffers()).toBe(before);
  });

  it('GatherV2 of rows agrees with the cpu backend (other gathers through the stock kernel) and rejects ids outside the table', async () => {
    const table = randomData(6 * 3 * 2);
    const ids = [5, 0, 5, 2, 1, 3];
    for (const [idShape, axis] of [[[6], 0], [[2, 3], 0], [[2, 3], 1]] as const) {
      const [wasm, cpu, shape] = await onBoth(() => tf.gather(tf.tensor(table, [6, 3, 2]), tf.tensor(axis === 1 ? [2, 0, 1, 1, 2, 0] : ids, [...idShape], 'int32'), axis));
      expect(shape).toEqual(axis === 0 ? [...idShape, 3, 2] : [6, ...idShape, 2]);
      expect(maxDiff(wasm, cpu)).toBe(0);
    }
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.tensor(table, [6, 3, 2]), tf.tensor1d([0, 6], 'int32'))).toThrow(/index value 6 is not in \[0, 5\]/);
  });

  it('UnsortedSegmentSum (gather gradient) agrees with the cpu backend', async () => {
    const ids = [3, 0, 3, 1, 7, 3];
    const x = randomData(ids.length * 5);
    const [wasm, cpu, shape] = await onBoth(() => tf.unsortedSegmentSum(tf.tensor(x, [6, 5]), tf.tensor1d(ids, 'int32'), 8));
    expect(shape).toEqual([8, 5]);
    expect(maxDiff(wasm, cpu)).toBeLessThan(1e-5);
    // ids outside [0, numSegments) are dropped (negative ones too), and 7 columns leave a tail after the SIMD body
    const x7 = randomData(5 * 7);
    const [ow, oc] = await onBoth(() => tf.unsortedSegmentSum(tf.tensor(x7, [5, 7]), tf.tensor1d([-1, 2, 9, 2, 0], 'int32'), 4));
    expect(maxDiff(ow, oc)).toBe(0);
    expect(oc.slice(7, 14).every((v) => v === 0)).toBe(true);
    // int32 rows take the JavaScript loop (the SIMD function adds float32 only)
    const [iw, ic] = await onBoth(() => tf.unsortedSegmentSum(tf.tensor(Array.from({ length: 35 }, (_, i) => i - 9), [5, 7], 'int32'), tf.tensor1d([-1, 2, 9, 2, 0], 'int32'), 4));
    expect([...iw]).toEqual([...ic]);
    expect(ic[14]).toBe(7 - 9 + (21 - 9)); // segment 2, column 0: rows 1 and 3
    const table = randomData(10 * 4);
    const [gw, gc] = await onBoth(() => tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([1, 4, 1, 9], 'int32')).square().sum())(tf.tensor(table, [10, 4])));
    expect(maxDiff(gw, gc)).toBeLessThan(1e-5);
  });

  it('Slice and SplitV copy straight from the heap and agree with the cpu backend on every rank, dtype and edge', async () => {
    // the fast kernels never read the whole input out of the heap (the stock ones do, with readSync)
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
    const readSync = backend.readSync;
    let reads = 0;
    backend.readSync = (...a: unknown[]) => {
      reads++;
      return readSync.apply(backend, a);
    };
    try {
      tf.tidy(() => {
        tf.slice(tf.ones([4, 6]), [1, 2], [2, 3]);
        tf.split(tf.ones([2, 3, 8]), [5, 3], 2);
      });
    } finally {
      backend.readSync = readSync;
    }
    expect(reads).toBe(0);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + rng.int(6);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
      const begin = shape.map((d) => rng.int(d));
      // -1: to the end; sometimes an empty block
      const size = shape.map((d, i) => (rng.int(4) === 0 ? -1 : trial % 13 === 5 && i === rank - 1 ? 0 : 1 + rng.int(d - (begin[i] as number))));
      const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3] as 'float32' | 'int32' | 'bool';
      const values = Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i - 7 : rng.normal()));
      const make = () => (dtype === 'bool' ? tf.tensor(values as boolean[], shape, 'bool') : tf.tensor(values as number[], shape, dtype));
      const [wasm, cpu, outShape] = await onBoth(() => tf.slice(make(), begin, size));
      expect(outShape, JSON.stringify({ shape, begin, size })).toEqual(size.map((s, i) => (s === -1 ? (shape[i] as number) - (begin[i] as number) : s)));
      expect([...wasm], JSON.stringify({ shape, begin, size, dtype })).toEqual([...cpu]);
      // SplitV along a random axis, by sizes (one of them -1) or into equal parts
      const axis = rng.int(rank);
      const d = shape[axis] as number;
      const first = rng.int(d + 1);
      const splits: number | number[] = trial % 2 === 0 ? [first, -1] : d;
      for (let part = 0; part < (Array.isArray(splits) ? 2 : d); part++) {
        const [w, c] = await onBoth(() => tf.split(make(), splits, axis)[part] as tf.Tensor);
        expect([...w], JSON.stringify({ shape, splits, axis, part, dtype })).toEqual([...c]);
      }
    }
  });

  it('Tile copies runs on the heap and agrees with the cpu backend; the gradient of sum broadcasts with it', async () => {
    for (let trial = 0; trial < 30; trial++) {
      const rank = 1 + rng.int(5);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(4));
      const reps = shape.map(() => (rng.int(3) === 0 ? 1 : 1 + rng.int(5)));
      if (trial === 7) reps.fill(1);
      if (trial === 11) reps[rank - 1] = 0;
      const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3] as 'float32' | 'int32' | 'bool';
      const values = Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => (dtype === 'bool' ? i % 2 === 0 : dtype === 'int32' ? 3 * i - 5 : rng.normal()));
      const make = () => (dtype === 'bool' ? tf.tensor(values as boolean[], shape, 'bool') : tf.tensor(values as number[], shape, dtype));
      const [wasm, cpu, outShape] = await onBoth(() => tf.tile(make(), reps));
      expect(outShape).toEqual(shape.map((d, i) => d * (reps[i] as number)));
      expect([...wasm], JSON.stringify({ shape, reps, dtype })).toEqual([...cpu]);
    }
    // the gradient of a sum is dy broadcast back (now through Tile): each element gets the weight of its sum
    const dims = [4, 7, 3];
    const x = randomData(4 * 7 * 3);
    for (const [axis, keepDims] of [[1, false], [[0, 2], true], [undefined, false], [-1, false]] as const) {
      const axes = axis === undefined ? [0, 1, 2] : [axis].flat().map((a) => (a < 0 ? a + 3 : a));
      const kept = dims.map((d, i) => (axes.includes(i) ? 1 : d));
      const w = randomData(kept.reduce((p, d) => p * d, 1));
      const [gw, gc] = await onBoth(() =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.sum(v, axis as number | number[] | undefined, keepDims), [-1]), tf.tensor1d(w))))(tf.tensor(x, dims)),
      );
      const expected = Array.from({ length: x.length }, (_, e) => {
        const at = [Math.floor(e / 21), Math.floor(e / 3) % 7, e % 3].map((v, a) => (axes.includes(a) ? 0 : v)) as [number, number, number];
        return w[(at[0] * (kept[1] as number) + at[1]) * (kept[2] as number) + at[2]] as number;
      });
      expect([...gw], JSON.stringify({ axis, keepDims })).toEqual(expected);
      expect([...gc]).toEqual(expected);
    }
  });
});
