// Kernels for tfjs-node (backend `tensorflow`) that skip a TensorFlow op where none is needed, or take a
// cheaper one. A product of two matrices runs as TensorFlow's MatMul instead of BatchMatMulV2, whose
// batch set-up dominates small products (2 cores: [272, 64]·[64, 64] 115 -> 37 µs, [1104, 96]·[96, 96]
// 322 -> 227 µs); tfjs-node sends every product to BatchMatMulV2, and layers and their gradients are
// mostly rank-2 products. tfjs-core's gradients end nearly every broadcasting op with
// `reshape(dx, x.shape)` and `cast(b, 'float32')`, most of them to the shape or dtype the tensor already
// has; tfjs-node runs each as a TensorFlow op (Reshape also uploads a shape tensor), ~15-20 µs of eager
// overhead apiece, a few hundred per training step of a small model. Here those share the input's
// TensorFlow tensor (reference-counted, as tfjs-node's own Identity does); every other cast goes to
// tfjs-node's kernel, and every other reshape runs TensorFlow's Reshape with a shape tensor kept per shape.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { registerNativeAdamW } from './native-adamw';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type RefCounted = { incRef(dataId: object): void };
type OpAttr = { name: string; type: number; value: unknown };
type NodeBackend = {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number };
  getDTypeInteger(dtype: string): number;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.TensorInfo;
  write(values: Int32Array, shape: number[], dtype: 'int32'): object;
  disposeData(dataId: object, force?: boolean): boolean;
};

// tfjs-node's Reshape makes a shape tensor for every call (through the engine, then uploaded to
// TensorFlow, then disposed): keeping it takes a [8, 128, 256] -> [1024, 256] reshape from 14.1 to 10.0 µs
// (bench:native). The shapes a model asks for repeat every step, so
// each is kept here, per backend, as backend data the engine does not track (at most SHAPES_KEPT).
const SHAPES_KEPT = 1024;
const shapeTensors = new WeakMap<object, Map<string, tf.TensorInfo>>();

function shapeTensor(backend: NodeBackend, shape: number[]): tf.TensorInfo {
  let kept = shapeTensors.get(backend);
  if (!kept) shapeTensors.set(backend, (kept = new Map()));
  const key = shape.join(',');
  let info = kept.get(key);
  if (!info) {
    if (kept.size >= SHAPES_KEPT) {
      for (const old of kept.values()) backend.disposeData(old.dataId, true);
      kept.clear();
    }
    info = { dataId: backend.write(Int32Array.from(shape), [shape.length], 'int32'), shape: [shape.length], dtype: 'int32' };
    kept.set(key, info);
  }
  return info;
}

const stock = new Map<string, tf.KernelConfig>();

/** A dtype attribute (`T`, `Tshape`, ...) of a TensorFlow op. */
function typeAttr(backend: NodeBackend, name: string, dtype: string): OpAttr {
  return { name, type: backend.binding.TF_ATTR_TYPE, value: backend.getDTypeInteger(dtype) };
}

/**
 * TensorFlow's SparseSoftmaxCrossEntropyWithLogits on tfjs-node: features `[N, V]` float32 and labels
 * `[N]` int32 in, each row's −log softmax at its label `[N]` and the gradient of that loss with respect to
 * the row (softmax − one-hot) `[N, V]` out, in one multithreaded TensorFlow op. Not in tfjs-node's own
 * kernels; `crossEntropyOverPositions` uses it there.
 */
export const NATIVE_SPARSE_CROSS_ENTROPY = 'VlmSparseSoftmaxCrossEntropy';

type MultiOutputBackend = NodeBackend & { executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[], count: number): tf.TensorInfo[] };

function registerNativeCrossEntropy(): void {
  if (!tf.getKernel('BatchMatMul', 'tensorflow') || tf.getKernel(NATIVE_SPARSE_CROSS_ENTROPY, 'tensorflow')) return;
  tf.registerKernel({
    kernelName: NATIVE_SPARSE_CROSS_ENTROPY,
    backendName: 'tensorflow',
    kernelFunc: ((args: KernelArgs) => {
      const backend = args.backend as MultiOutputBackend;
      return backend.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', [typeAttr(backend, 'T', 'float32'), typeAttr(backend, 'Tlabels', 'int32')], [args.inputs.features as tf.TensorInfo, args.inputs.labels as tf.TensorInfo], 2);
    }) as tf.KernelFunc,
  });
}

function share(args: KernelArgs, x: tf.TensorInfo): tf.TensorInfo {
  (args.backend as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The shape a reshape asks for, with a `-1` resolved from the tensor's size (unlike tf.util.inferFromImplicitShape, an empty tensor gives 0 rather than an error). */
export function resolvedShape(shape: readonly number[], size: number): number[] {
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  return shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
}

/** Replaces tfjs-node's kernel by `pick`, falling back to it where `pick` gives undefined (`x`: the input named x, if any). */
function wrap(kernelName: string, pick: (args: KernelArgs, x: tf.TensorInfo) => tf.TensorInfo | undefined): void {
  const current = tf.getKernel(kernelName, 'tensorflow');
  if (!current) return;
  if (!stock.has(kernelName)) stock.set(kernelName, current);
  const original = stock.get(kernelName) as tf.KernelConfig;
  tf.unregisterKernel(kernelName, 'tensorflow');
  tf.registerKernel({
    ...original,
    kernelFunc: ((args: KernelArgs) => pick(args, args.inputs.x as tf.TensorInfo) ?? original.kernelFunc(args as Parameters<tf.KernelFunc>[0])) as tf.KernelFunc,
  });
}

/**
 * Registers the toolkit's tfjs-node kernels: Reshape to the same shape and Cast to the same dtype share
 * the input instead of running a TensorFlow op, and other reshapes reuse their shape tensor; a float32
 * product of two matrices runs as MatMul; and
 * `NATIVE_SPARSE_CROSS_ENTROPY`.
 * Needs tfjs-node loaded; idempotent; a no-op without it.
 */
export function registerNativeKernels(): void {
  wrap('BatchMatMul', (args) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const backend = args.backend as NodeBackend;
    const flag = (name: string, value: unknown): OpAttr => ({ name, type: backend.binding.TF_ATTR_BOOL, value: Boolean(value) });
    const attrs = [typeAttr(backend, 'T', 'float32'), flag('transpose_a', args.attrs?.transposeA), flag('transpose_b', args.attrs?.transposeB)];
    return backend.executeSingleOutput('MatMul', attrs, [a, b]);
  });
  wrap('Reshape', (args, x) => {
    if (x.dtype === 'string') return undefined;
    const shape = resolvedShape((args.attrs?.shape ?? []) as number[], tf.util.sizeFromShape(x.shape));
    if (tf.util.arraysEqual(shape, x.shape)) return share(args, x);
    // as tfjs-node's kernel, with the shape tensor kept
    const backend = args.backend as NodeBackend;
    return backend.executeSingleOutput('Reshape', [typeAttr(backend, 'T', x.dtype), typeAttr(backend, 'Tshape', 'int32')], [x, shapeTensor(backend, shape)]);
  });
  wrap('Cast', (args, x) => (x.dtype !== 'string' && args.attrs?.dtype === x.dtype ? share(args, x) : undefined));
  registerNativeCrossEntropy();
  registerNativeAdamW();
}

/** Puts tfjs-node's own Reshape, Cast and BatchMatMul back (for side-by-side benchmarks and tests). */
export function restoreStockNativeKernels(): void {
  for (const [name, config] of stock) {
    if (tf.getKernel(name, 'tensorflow')) tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel(config);
  }
}
