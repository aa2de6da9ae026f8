import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend';
import { loadNativeBackend, nativeSuiteName } from './native-backend';

/** A model run for a parity test: its trainable variables and a forward pass that returns one tensor. */
export interface ParityCase {
  variables: tf.Variable[];
  forward: () => tf.Tensor;
}

/** The forward output and the gradient of every variable (in the case's order), as plain arrays. */
export interface ParityRun {
  output: Float32Array;
  names: string[];
  grads: Float32Array[];
}

/**
 * Runs `make()`'s forward pass and the gradients of every variable on `backend`. The loss is the output
 * weighted by a fixed pseudo-random tensor (so every output element reaches the gradients with its own
 * weight); the variables are re-created on the backend from their values first.
 */
export async function runOnBackend(backend: string, make: () => ParityCase): Promise<ParityRun> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  const { variables, forward } = make();
  for (const v of variables) v.assign(tf.tensor(v.dataSync().slice(), v.shape, v.dtype));
  const y = forward();
  const output = y.dataSync().slice() as Float32Array;
  const weights = tf.tensor(Float32Array.from(output, (_, i) => Math.sin(1 + i * 0.7)), y.shape);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(), weights)) as tf.Scalar, variables);
  // a variable the output does not depend on gets no gradient: zeros, on both backends alike
  const out = variables.map((v) => (grads[v.name] ? (grads[v.name]!.dataSync().slice() as Float32Array) : new Float32Array(v.size)));
  tf.dispose([y, weights, ...Object.values(grads)]);
  return { output, names: variables.map((v) => v.name), grads: out };
}

/**
 * Largest |a − b| over two arrays, relative to the tensor's scale max(1, max |b|): float32 sums taken in a
 * different order (oneDNN vs XNNPACK) differ by rounding relative to their terms, not to a result that
 * happens to cancel to near zero.
 */
export function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / scale;
}

/** Asserts that two runs give the same output and the same gradient for every variable within `tol`. */
export function expectSameRun(actual: ParityRun, expected: ParityRun, tol: number): void {
  expect(worstDifference(actual.output, expected.output), 'forward output').toBeLessThan(tol);
  expect(actual.grads.length).toBe(expected.grads.length);
  expect(expected.grads.length).toBeGreaterThan(0);
  let nonZero = 0;
  expected.grads.forEach((g, i) => {
    const worst = worstDifference(actual.grads[i]!, g);
    expect(worst, `gradient of ${expected.names[i]}`).toBeLessThan(tol);
    if (g.some((x) => Math.abs(x) > 1e-6)) nonZero++;
  });
  // the comparison means something only if gradients flow
  expect(nonZero).toBeGreaterThan(0);
}

/**
 * The native-parity suite: each case run on wasm (set up exactly as `selectBackend` does, toolkit kernels
 * registered) and on tfjs-node, forward output and every variable's gradient equal within `tol`. Skipped,
 * with the reason and the enabling command in its title, where tfjs-node does not load (an error in CI).
 */
export async function describeNativeParity(title: string, cases: readonly (readonly [string, () => ParityCase])[], tol = 1e-5): Promise<void> {
  const native = await loadNativeBackend();
  describe.skipIf(!native.ok)(nativeSuiteName(title, native), () => {
    beforeAll(async () => {
      await selectBackend({ force: 'wasm', log: () => {} });
    });
    for (const [name, make] of cases) {
      it(name, async () => {
        const wasm = await runOnBackend('wasm', make);
        const node = await runOnBackend('tensorflow', make);
        expectSameRun(node, wasm, tol);
      });
    }
  });
}
