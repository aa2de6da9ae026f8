// One AdamW update for all parameters: where the kernel is registered (cpu: a JS loop; wasm: the
// toolkit's SIMD module) a single pass reads p, g, m, v and writes the new p, m, v of every parameter
// (instead of ~12 ops and their temporaries per parameter); elsewhere the same arithmetic as standard ops,
// parameter by parameter. On tfjs-node: the toolkit's TensorFlow op (native/vlm_tf_ops.cc), one op for
// every parameter, where setup-native built it; else the JS loop up to 32,768 values per parameter (each of
// ~12 small TensorFlow ops costs 15-40 µs of eager overhead) and TensorFlow's ResourceApplyAdam above.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { NATIVE_ADAMW } from '../kernels/native-adamw';
import { NATIVE_OPS, hasNativeOp } from '../kernels/native-ops';
import { NATIVE_JS_KERNEL_MAX_VALUES, defineJsKernel, ensureFusedKernels, hasKernel, runJsKernel } from './js-kernel';

/** One parameter's update: its variable, gradient, moment variables and learning rate. */
export interface AdamWEntry {
  param: tf.Variable;
  grad: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
  lr: number;
}

/** AdamW hyper-parameters for one step; `step` is t in the bias corrections (1 for the first update). */
export interface AdamWHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  step: number;
}

/** Inputs [p, g, m, v] per parameter -> outputs [p', m', v'] per parameter; attrs lrs and the hyper-parameters. */
const adamwKernel = defineJsKernel({
  name: 'VlmAdamW',
  outputShapes: (shapes) => {
    const out: number[][] = [];
    for (let j = 0; j < shapes.length; j += 4) out.push(shapes[j] as number[], shapes[j] as number[], shapes[j] as number[]);
    return out;
  },
  compute({ inputs, attrs }, outputs) {
    const lrs = attrs.lrs as number[];
    const b1 = Number(attrs.beta1);
    const b2 = Number(attrs.beta2);
    const eps = Number(attrs.epsilon);
    const wd = Number(attrs.weightDecay);
    const t = Number(attrs.step);
    const bias1 = 1 - b1 ** t;
    const sqrtBias2 = Math.sqrt(1 - b2 ** t);
    for (let j = 0; j * 4 < inputs.length; j++) {
      const [P, G, M, V] = inputs.slice(4 * j, 4 * j + 4) as [Float32Array, Float32Array, Float32Array, Float32Array];
      const [P2, M2, V2] = outputs.slice(3 * j, 3 * j + 3) as [Float32Array, Float32Array, Float32Array];
      const lr = lrs[j] as number;
      const decay = 1 - lr * wd;
      const step = lr / bias1;
      for (let i = 0; i < P.length; i++) {
        const g = G[i] as number;
        const m = b1 * (M[i] as number) + (1 - b1) * g;
        const v = b2 * (V[i] as number) + (1 - b2) * g * g;
        M2[i] = m;
        V2[i] = v;
        P2[i] = (P[i] as number) * decay - (step * m) / (Math.sqrt(v) / sqrtBias2 + eps);
      }
    }
  },
  simd(_fn, { inputs, shapes, attrs, split }, outputs) {
    const lrs = attrs.lrs as number[];
    const b1 = Number(attrs.beta1);
    const b2 = Number(attrs.beta2);
    const t = Number(attrs.step);
    const inv = 1 / Math.sqrt(1 - b2 ** t);
    for (let j = 0; j * 4 < inputs.length; j++) {
      const [p, g, m, v] = inputs.slice(4 * j, 4 * j + 4) as [number, number, number, number];
      const [po, mo, vo] = outputs.slice(3 * j, 3 * j + 3) as [number, number, number];
      const lr = lrs[j] as number;
      const n = (shapes[4 * j] as number[]).reduce((a, d) => a * d, 1);
      const hyper = [b1, b2, Number(attrs.epsilon), 1 - lr * Number(attrs.weightDecay), lr / (1 - b1 ** t), inv];
      // in groups of 4 floats; the last band takes the tail
      split(Math.ceil(n / 4), 16, (q, groups) => ({
        fn: 'adamw',
        args: [p, g, m, v, po, mo, vo].map((ptr) => ptr + 16 * q).concat(Math.min(4 * groups, n - 4 * q), hyper),
        floats: [8, 9, 10, 11, 12, 13],
      }));
    }
  },
}, { alsoOn: ['tensorflow'] });

// Parameters per kernel call are grouped up to this many values, so the new p, m, v of a large model
// are not all alive at once.
const CHUNK = 1 << 22;

/**
 * Runs a tfjs-node AdamW kernel over `group` (inputs p${j}, g${j}, m${j}, v${j}; outputs every p', then
 * every m', then every v') and assigns the results.
 */
function runNativeKernel(kernelName: string, group: readonly AdamWEntry[], hyper: AdamWHyper): void {
  const inputs: tf.NamedTensorMap = {};
  group.forEach((e, j) => Object.assign(inputs, { [`p${j}`]: e.param, [`g${j}`]: e.grad, [`m${j}`]: e.m, [`v${j}`]: e.v }));
  const attrs = { lrs: group.map((e) => e.lr), beta1: hyper.beta1, beta2: hyper.beta2, epsilon: hyper.epsilon, weightDecay: hyper.weightDecay, step: hyper.step };
  const outs = tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor[];
  const n = group.length;
  group.forEach((e, j) => {
    e.param.assign(outs[j] as tf.Tensor);
    e.m.assign(outs[n + j] as tf.Tensor);
    e.v.assign(outs[2 * n + j] as tf.Tensor);
  });
  tf.dispose(outs);
}

const nativeTakes = (e: AdamWEntry) => e.param.dtype === 'float32' && e.grad.dtype === 'float32' && e.param.size > 0;

/** The toolkit's TensorFlow op (tfjs-node): one pass over every float32 parameter, up to CHUNK values per call. */
function nativeOpUpdate(entries: readonly AdamWEntry[], hyper: AdamWHyper): void {
  let group: AdamWEntry[] = [];
  let size = 0;
  for (const e of entries) {
    if (!nativeTakes(e)) {
      composedUpdate(e, hyper);
      continue;
    }
    group.push(e);
    size += e.param.size;
    if (size >= CHUNK) {
      runNativeKernel(NATIVE_OPS.adamw, group, hyper);
      group = [];
      size = 0;
    }
  }
  if (group.length > 0) runNativeKernel(NATIVE_OPS.adamw, group, hyper);
}

function composedUpdate(e: AdamWEntry, h: AdamWHyper): void {
  const bias1 = 1 - h.beta1 ** h.step;
  const bias2 = 1 - h.beta2 ** h.step;
  tf.tidy(() => {
    e.m.assign(tf.add(tf.mul(e.m, h.beta1), tf.mul(e.grad, 1 - h.beta1)));
    e.v.assign(tf.add(tf.mul(e.v, h.beta2), tf.mul(tf.square(e.grad), 1 - h.beta2)));
    const decayed = h.weightDecay > 0 ? tf.mul(e.param, 1 - e.lr * h.weightDecay) : e.param;
    const denom = tf.add(tf.div(tf.sqrt(e.v), Math.sqrt(bias2)), h.epsilon);
    e.param.assign(tf.sub(decayed, tf.mul(tf.div(e.m, denom), e.lr / bias1)));
  });
}


/**
 * Applies one AdamW step, exactly as `torch.optim.AdamW`: `p ← p·(1 − lr·wd)`, then
 * `p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)` with the moments updated first.
 */
export function adamwUpdate(entries: readonly AdamWEntry[], hyper: AdamWHyper): void {
  if (hasNativeOp(NATIVE_OPS.adamw)) {
    nativeOpUpdate(entries, hyper);
    return;
  }
  ensureFusedKernels();
  const fused = hasKernel(adamwKernel);
  // on tfjs-node only parameters up to NATIVE_JS_KERNEL_MAX_VALUES: larger ones are faster as TensorFlow ops
  const native = tf.getBackend() === 'tensorflow';
  const rest: AdamWEntry[] = [];
  let group: AdamWEntry[] = [];
  let groupSize = 0;
  const flush = () => {
    if (group.length === 0) return;
    const outs = runJsKernel(
      adamwKernel,
      group.flatMap((e) => [e.param, e.grad, e.m, e.v]),
      { lrs: group.map((e) => e.lr), beta1: hyper.beta1, beta2: hyper.beta2, epsilon: hyper.epsilon, weightDecay: hyper.weightDecay, step: hyper.step },
    );
    group.forEach((e, j) => {
      e.param.assign(outs[3 * j] as tf.Tensor);
      e.m.assign(outs[3 * j + 1] as tf.Tensor);
      e.v.assign(outs[3 * j + 2] as tf.Tensor);
    });
    tf.dispose(outs);
    group = [];
    groupSize = 0;
  };
  for (const e of entries) {
    if (!fused || e.param.dtype !== 'float32' || e.grad.dtype !== 'float32' || (native && e.param.size > NATIVE_JS_KERNEL_MAX_VALUES)) {
      rest.push(e);
      continue;
    }
    group.push(e);
    groupSize += e.param.size;
    if (groupSize >= CHUNK) flush();
  }
  flush();
  if (native && tf.getKernel(NATIVE_ADAMW, 'tensorflow')) {
    // TensorFlow's ResourceApplyAdam, in place on scratch resource variables (kernels/native-adamw.ts)
    const large = rest.filter(nativeTakes);
    if (large.length > 0) runNativeKernel(NATIVE_ADAMW, large, hyper);
    for (const e of rest) if (!nativeTakes(e)) composedUpdate(e, hyper);
    return;
  }
  for (const e of rest) composedUpdate(e, hyper);
}
