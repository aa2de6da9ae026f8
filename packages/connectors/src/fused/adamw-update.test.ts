import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { seededTensor } from '../testing/grad-check';
import { NATIVE_OPS } from '../kernels/native-ops';
import { FUSED_PATHS, NATIVE_FUSED_PATHS, NATIVE_OPS_PATHS, pathLabel, useFusedPath } from '../testing/fused-check';
import { NATIVE_ADAMW, nativeAdamWScratch, releaseNativeAdamW } from '../kernels/native-adamw';
import { adamwUpdate, type AdamWHyper } from './adamw-update';

/** torch.optim.AdamW's arithmetic in float64, one parameter. */
function reference(p: number[], grads: number[][], lr: number, h: Omit<AdamWHyper, 'step'>): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out = [...p];
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < out.length; i++) {
      const gi = g[i] as number;
      m[i] = h.beta1 * (m[i] as number) + (1 - h.beta1) * gi;
      v[i] = h.beta2 * (v[i] as number) + (1 - h.beta2) * gi * gi;
      const decayed = (out[i] as number) * (1 - lr * h.weightDecay);
      out[i] = decayed - (lr / (1 - h.beta1 ** t)) * ((m[i] as number) / (Math.sqrt(v[i] as number) / Math.sqrt(1 - h.beta2 ** t) + h.epsilon));
    }
  });
  return out;
}

/** Three AdamW steps of three parameters on the current backend, against {@link reference}. */
function matchesTorchOverThreeSteps(epsilon = 1e-8): void {
  const hyper = { beta1: 0.9, beta2: 0.95, epsilon, weightDecay: 0.1 };
  // the third is above NATIVE_JS_KERNEL_MAX_VALUES: on tfjs-node it takes TensorFlow's ResourceApplyAdam
  // (or, without it, the composition) in the same call
  const shapes = [[3, 4], [5], [181, 190]];
  const lrs = [1e-2, 3e-3, 5e-3];
  const params = shapes.map((s, i) => tf.variable(seededTensor(s, i + 1)));
  const start = params.map((p) => Array.from(p.dataSync()));
  const m = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const gradSteps = [0, 1, 2].map((s) => shapes.map((shape, i) => seededTensor(shape, 10 * s + i + 7, 0.5)));
  gradSteps.forEach((grads, s) => {
    adamwUpdate(params.map((param, i) => ({ param, grad: grads[i] as tf.Tensor, m: m[i] as tf.Variable, v: v[i] as tf.Variable, lr: lrs[i] as number })), { ...hyper, step: s + 1 });
  });
  params.forEach((p, i) => {
    const want = reference(start[i] as number[], gradSteps.map((g) => Array.from((g[i] as tf.Tensor).dataSync())), lrs[i] as number, hyper);
    const got = p.dataSync();
    want.forEach((w, j) => expect(Math.abs((got[j] as number) - w)).toBeLessThan(1e-6));
    expect(Array.from(got)).not.toEqual(start[i]);
  });
  tf.dispose([...params, ...m, ...v, ...gradSteps.flat()]);
}

/** Parameters of `shapes` (zero moments, fixed gradients) and one AdamW update of all of them at `step`. */
function updateFixture(shapes: number[][]) {
  const params = shapes.map((shape, s) => tf.variable(seededTensor(shape, s + 1)));
  const m = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const grads = params.map((p, s) => seededTensor(p.shape, s + 11));
  const update = (step: number) =>
    adamwUpdate(params.map((param, i) => ({ param, grad: grads[i] as tf.Tensor, m: m[i] as tf.Variable, v: v[i] as tf.Variable, lr: 1e-2 })), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, step });
  return { params, m, v, grads, update, dispose: () => tf.dispose([...params, ...m, ...v, ...grads]) };
}

/**
 * Runs the fixture's second update under tf.profile: tensors sharing the earlier values (clones share
 * TensorFlow's buffer on tfjs-node) keep them, the parameters change, no tensor is left behind. Returns
 * the names of the kernels that ran.
 */
async function secondUpdateKeepsEarlierValues(f: ReturnType<typeof updateFixture>): Promise<string[]> {
  f.update(1);
  const held = [...f.params, ...f.m, ...f.v].map((t) => tf.clone(t));
  const values = held.map((t) => Array.from(t.dataSync()));
  const before = tf.memory().numTensors;
  const kernels = (await tf.profile(() => f.update(2))).kernels.map((k) => k.name);
  expect(tf.memory().numTensors).toBe(before);
  held.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(values[i]));
  f.params.forEach((p, i) => expect(Array.from(p.dataSync())).not.toEqual(values[i]));
  tf.dispose(held);
  return kernels;
}

describe('adamwUpdate', () => {
  for (const path of [...FUSED_PATHS, ...NATIVE_FUSED_PATHS, ...NATIVE_OPS_PATHS]) {
    it(`equals torch.optim.AdamW over 3 steps, three learning rates, weight decay (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmAdamW'], [NATIVE_ADAMW]);
      matchesTorchOverThreeSteps();
    });
  }

  for (const path of [FUSED_PATHS[1], ...NATIVE_FUSED_PATHS.filter((p) => p.kernels), ...NATIVE_OPS_PATHS]) {
    it(`leaves no tensors behind, and the new values work as inputs of the next ops (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmAdamW'], [NATIVE_ADAMW]);
      const param = tf.variable(seededTensor([64], 1));
      const grad = seededTensor([64], 2);
      const m = tf.variable(tf.zerosLike(param), false);
      const v = tf.variable(tf.zerosLike(param), false);
      adamwUpdate([{ param, grad, m, v, lr: 1e-3 }], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: 1 });
      const before = tf.memory().numTensors;
      adamwUpdate([{ param, grad, m, v, lr: 1e-3 }], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: 2 });
      expect(tf.memory().numTensors).toBe(before);
      // on tfjs-node the kernel's outputs are JS arrays that TensorFlow takes in when an op uses them
      const doubled = tf.add(param, param);
      expect(Array.from(doubled.dataSync())).toEqual(Array.from(param.dataSync(), (x) => 2 * x));
      tf.dispose([param, grad, m, v, doubled]);
    });
  }

  for (const path of NATIVE_OPS_PATHS) {
    it(`runs every parameter through one toolkit TensorFlow op, with torch.optim.AdamW's epsilon; earlier values untouched (${pathLabel(path)})`, async () => {
      await useFusedPath(path, ['VlmAdamW'], [NATIVE_ADAMW]);
      matchesTorchOverThreeSteps(0.05);
      const fixture = updateFixture([[200, 200], [7], [3, 5]]);
      const kernels = await secondUpdateKeepsEarlierValues(fixture);
      expect(kernels.filter((k) => k === NATIVE_OPS.adamw)).toHaveLength(1);
      expect(kernels).not.toContain(NATIVE_ADAMW);
      fixture.dispose();
    });
  }

  for (const path of NATIVE_FUSED_PATHS.filter((p) => p.kernels)) {
    it('runs large parameters as TensorFlow\'s ResourceApplyAdam: torch.optim.AdamW\'s epsilon, earlier values untouched, scratch variables bounded (tensorflow)', async () => {
      await useFusedPath(path, ['VlmAdamW'], [NATIVE_ADAMW]);
      // a large epsilon: TensorFlow adds it to √v, torch to √v/√(1−β2ᵗ); the kernel rescales it
      matchesTorchOverThreeSteps(0.05);
      const fixture = updateFixture([[200, 200], [200, 200]]);
      expect(await secondUpdateKeepsEarlierValues(fixture)).toContain(NATIVE_ADAMW);
      // three scratch variables per parameter of the last update, then none after a release
      expect(nativeAdamWScratch()).toBe(6);
      fixture.update(3);
      expect(nativeAdamWScratch()).toBe(6);
      const { params, m, v, grads } = fixture;
      adamwUpdate([{ param: params[0]!, grad: grads[0]!, m: m[0]!, v: v[0]!, lr: 1e-2 }], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: 4 });
      expect(nativeAdamWScratch()).toBe(3);
      releaseNativeAdamW();
      expect(nativeAdamWScratch()).toBe(0);
      fixture.update(5);
      expect(nativeAdamWScratch()).toBe(6);
      fixture.dispose();
    });
  }
});
