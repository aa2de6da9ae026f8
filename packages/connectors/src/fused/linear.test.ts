import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerFastWasmKernels, useStockWasmKernels } from '../kernels/register-wasm-kernels';
import { LINEAR_GRAD_KERNEL, LINEAR_KERNEL } from '../kernels/wasm-linear';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { loadNativeBackend } from '../testing/native-backend';
import { maxAbsDiff, valueAndGrads } from '../testing/fused-check';
import { linearFused } from './linear';

/** x·W + b by standard ops (broadcast bias, the product over rows). */
function linearReference(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [K, N] = w.shape as [number, number];
  const y = tf.reshape(tf.matMul(tf.reshape(x, [-1, K]), w as tf.Tensor2D), [...x.shape.slice(0, -1), N]);
  return b ? tf.add(y, tf.reshape(b, [N])) : y;
}

type Path = { backend: 'cpu' | 'wasm' | 'tensorflow'; kernels: boolean };
const PATHS: Path[] = [
  { backend: 'wasm', kernels: true },
  { backend: 'wasm', kernels: false },
  { backend: 'cpu', kernels: false },
  ...((await loadNativeBackend()).ok ? [{ backend: 'tensorflow', kernels: false } as Path] : []),
];

async function usePath(path: Path): Promise<void> {
  await tf.setBackend(path.backend);
  if (path.backend === 'wasm') {
    registerFastWasmKernels();
    if (!path.kernels) useStockWasmKernels();
  }
}

const kernelNames = async (f: () => void) => (await tf.profile(f)).kernels.map((k) => k.name);

describe('linearFused', () => {
  // x rank 3 and 1; widths that are not a multiple of the gemm's tile (K 13, N 10); bias [N], [1, N] or none
  const cases = [
    { label: 'x [2, 5, 13], bias [10]', x: [2, 5, 13], N: 10, bias: [10] },
    { label: 'x [7, 8], bias [1, 12]', x: [7, 8], N: 12, bias: [1, 12] },
    { label: 'x [3, 4, 16], no bias', x: [3, 4, 16], N: 8, bias: undefined },
    { label: 'x [9] (one row), bias [5]', x: [9], N: 5, bias: [5] },
  ];
  for (const path of PATHS) {
    for (const c of cases) {
      it(`${c.label}: equals standard ops, gradients match autodiff and finite differences (${path.backend}, ${path.kernels ? 'kernels' : 'composition'})`, async () => {
        await usePath(path);
        const K = c.x[c.x.length - 1] as number;
        const x = tf.variable(seededTensor(c.x, 1));
        const w = tf.variable(seededTensor([K, c.N], 2, 0.5));
        const b = c.bias ? tf.variable(seededTensor(c.bias, 3)) : undefined;
        const vars = b ? [x, w, b] : [x, w];
        const probe = seededTensor([...c.x.slice(0, -1), c.N], 4);
        const loss = (f: typeof linearFused) => () => tf.sum(tf.mul(f(x, w, b), probe)) as tf.Scalar;
        const kernels = await kernelNames(() => tf.dispose(valueAndGrads(loss(linearFused), vars).grads));
        if (path.kernels) {
          // one kernel each way: no reshape, product or add of their own
          expect(kernels).toEqual(expect.arrayContaining([LINEAR_KERNEL, LINEAR_GRAD_KERNEL]));
          expect(kernels).not.toContain('BatchMatMul');
        } else expect(kernels).not.toContain(LINEAR_KERNEL);
        const y = linearFused(x, w, b);
        expect(y.shape).toEqual([...c.x.slice(0, -1), c.N]);
        expect(maxAbsDiff(y, linearReference(x, w, b))).toBeLessThan(1e-5);
        const fused = valueAndGrads(loss(linearFused), vars);
        const ref = valueAndGrads(loss(linearReference), vars);
        fused.grads.forEach((g, i) => {
          expect(g.shape).toEqual((vars[i] as tf.Variable).shape);
          expect(maxAbsDiff(g, ref.grads[i] as tf.Tensor)).toBeLessThan(1e-5);
        });
        for (const v of vars) expect(gradientCheck(loss(linearFused), v, 6, 1e-2)).toBeLessThan(1e-2);
        tf.dispose([...vars, probe, y, fused.value, ref.value, ...fused.grads, ...ref.grads]);
      });
    }
  }

  it('on the kernels (wasm), only the gradients asked for are kept and no tensors are left behind', async () => {
    await usePath({ backend: 'wasm', kernels: true });
    const x = seededTensor([4, 6, 8], 5);
    const w = tf.variable(seededTensor([8, 3], 6));
    const b = tf.variable(seededTensor([3], 7));
    linearFused(x, w, b).dispose();
    const before = tf.memory().numTensors;
    linearFused(x, w, b).dispose();
    // x is a constant: its gradient is computed by the one backward kernel, then dropped
    const { value, grads } = tf.variableGrads(() => tf.sum(linearFused(x, w, b)) as tf.Scalar, [w, b]);
    expect(Object.keys(grads).sort()).toEqual([b.name, w.name].sort());
    // the bias gradient of a sum is the row count
    expect(Array.from((grads[b.name] as tf.Tensor).dataSync())).toEqual([24, 24, 24]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});
