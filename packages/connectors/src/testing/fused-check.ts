import * as tf from '@tensorflow/tfjs-core';
import { registerFusedKernels } from '../fused/js-kernel';
import { registerNativeKernels } from '../kernels/native-kernels';
import { nativeOpsStatus, registerNativeOps, unregisterNativeOps } from '../kernels/native-ops';
import { loadNativeBackend } from './native-backend';

/**
 * The backends and paths a fused op is tested on: its JS kernel on cpu (where it is registered) and on
 * wasm (registered here only for the test), and the composition of standard ops (wasm's default).
 */
export const FUSED_PATHS = [
  { backend: 'cpu', kernels: true },
  { backend: 'wasm', kernels: true },
  { backend: 'wasm', kernels: false },
] as const;

/**
 * One way a fused op can run: a backend, with its kernel or as the composition of standard ops; `ops`: on
 * tfjs-node, with the toolkit's compiled TensorFlow ops (else they are unregistered).
 */
export interface FusedPath {
  backend: 'cpu' | 'wasm' | 'tensorflow';
  kernels: boolean;
  ops?: boolean;
}

/** A test title's words for a path. */
export function pathLabel(path: FusedPath): string {
  return `${path.backend}, ${path.ops ? "the toolkit's TensorFlow op" : path.kernels ? 'kernel' : 'composition'}`;
}

/**
 * The same two paths on tfjs-node where it loads (kernel and composition; CI requires it): the AdamW and
 * norm kernels are registered there by default, and cross-entropy runs TensorFlow's own op.
 */
export const NATIVE_FUSED_PATHS: readonly FusedPath[] = (await loadNativeBackend()).ok
  ? [
      { backend: 'tensorflow', kernels: true },
      { backend: 'tensorflow', kernels: false },
    ]
  : [];

/**
 * tfjs-node with the toolkit's compiled TensorFlow ops (bias + GELU, LayerNorm / RMSNorm, SwiGLU, AdamW), where they load;
 * CI requires them (the native backend's loader throws there without them).
 */
export const NATIVE_OPS_PATHS: readonly FusedPath[] = NATIVE_FUSED_PATHS.length > 0 && nativeOpsStatus()?.loaded ? [{ backend: 'tensorflow', kernels: true, ops: true }] : [];

/**
 * Sets the backend and registers the fused kernels, or removes them so the op composes standard ops;
 * `nativeNames`: the op's tfjs-node kernels (TensorFlow's own fused ops), counted among its kernels there.
 */
export async function useFusedPath(path: FusedPath, names: string[], nativeNames: string[] = []): Promise<void> {
  const kernelNames = path.backend === 'tensorflow' ? [...names, ...nativeNames] : names;
  await tf.setBackend(path.backend);
  registerFusedKernels(path.kernels ? [path.backend] : []);
  if (path.kernels && path.backend === 'tensorflow') registerNativeKernels();
  if (path.backend === 'tensorflow') {
    if (path.ops) registerNativeOps();
    else unregisterNativeOps();
  }
  if (!path.kernels) for (const name of kernelNames) if (tf.getKernel(name, path.backend)) tf.unregisterKernel(name, path.backend);
  for (const name of kernelNames) {
    if (Boolean(tf.getKernel(name, path.backend)) !== path.kernels) throw new Error(`kernel ${name} on ${path.backend} should be ${path.kernels ? 'registered' : 'absent'}`);
  }
}

/** Largest absolute difference between two tensors' values. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] vs [${b.shape}]`);
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst;
}

/** Value and gradients of `f` with respect to `vars`, as plain tensors (kept out of any tidy). */
export function valueAndGrads(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(f, vars);
  return { value, grads: vars.map((v) => grads[v.name] as tf.Tensor) };
}
