// AdamW on tfjs-node as TensorFlow's own training ops. Composed from eager ops, one parameter's update is
// ~13 TensorFlow ops, each allocating and writing a full-size temporary (the width-256 benchmark model's
// 14 large parameters: 11-12 ms on 1 thread and 18-20 ms on 2, where memory-bound element-wise ops run
// slower than on 1). TensorFlow's ResourceApplyAdam updates a resource variable in place, in one pass
// over p, m, v and g. tfjs-node has no resource variables, so each parameter's p, m and v go into scratch
// resource variables (AssignVariableOp), the decoupled weight decay runs as ResourceApplyGradientDescent
// (p ← p − lr·wd·p), then ResourceApplyAdam, and the three results come back by ReadVariableOp, which
// shares the variable's buffer: 8 ops and one copy of each of p, m and v per parameter.
//
// TensorFlow never writes into a buffer that another tensor still reads: AssignVariableOp copies a value
// that is also held elsewhere, and the training ops copy a variable's buffer before updating it when a
// read still shares it (its "copy on write"). So tensors read before the update keep their values.
//
// ResourceApplyAdam computes p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε̂); with ε̂ = ε·√(1−β2ᵗ) that is
// torch.optim.AdamW's p − lr/(1−β1ᵗ) · m/(√v/√(1−β2ᵗ) + ε).
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';

/** The kernel: inputs p0, g0, m0, v0, p1, ... float32; attrs lrs (one per parameter), beta1, beta2, epsilon, weightDecay, step; outputs every p', then every m', then every v'. */
export const NATIVE_ADAMW = 'VlmNativeAdamW';

type OpAttr = { name: string; type: number; value: unknown };
type Metadata = { id: number; shape: number[]; dtype: number };
type NodeBackend = {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_STRING: number;
    TF_ATTR_SHAPE: number;
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], outputs: number): Metadata[];
    deleteTensor(id: number): void;
  };
  getDTypeInteger(dtype: string): number;
  getInputTensorIds(inputs: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: Metadata): tf.Tensor;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
  disposeData(dataId: object, force?: boolean): boolean;
};

/**
 * Scratch resource variables per backend and shape, reused by the next update; after an update only as
 * many as it used are kept (the rest are destroyed), and those share their buffers with the tensors the
 * update returned, so they hold no memory of their own while the parameters live.
 */
const scratch = new WeakMap<NodeBackend, Map<string, number[]>>();
let created = 0;

function attrs(backend: NodeBackend) {
  const b = backend.binding;
  const f32 = backend.getDTypeInteger('float32');
  return {
    dtype: { name: 'dtype', type: b.TF_ATTR_TYPE, value: f32 },
    T: { name: 'T', type: b.TF_ATTR_TYPE, value: f32 },
    flag: (name: string, value: boolean): OpAttr => ({ name, type: b.TF_ATTR_BOOL, value }),
    string: (name: string, value: string): OpAttr => ({ name, type: b.TF_ATTR_STRING, value }),
    shape: (value: number[]): OpAttr => ({ name: 'shape', type: b.TF_ATTR_SHAPE, value }),
  };
}

function destroy(backend: NodeBackend, handle: number): void {
  try {
    backend.binding.executeOp('DestroyResourceOp', [attrs(backend).flag('ignore_lookup_error', true)], [handle], 0);
  } finally {
    backend.binding.deleteTensor(handle);
  }
}

/** Destroys every scratch resource variable kept for `backend` (their buffers go when no tensor shares them). */
export function releaseNativeAdamW(backend: object = tf.backend()): void {
  const kept = scratch.get(backend as NodeBackend);
  if (!kept) return;
  for (const handles of kept.values()) for (const h of handles) destroy(backend as NodeBackend, h);
  kept.clear();
}

/** How many scratch resource variables are kept for `backend` (for tests). */
export function nativeAdamWScratch(backend: object = tf.backend()): number {
  let n = 0;
  for (const handles of scratch.get(backend as NodeBackend)?.values() ?? []) n += handles.length;
  return n;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

function nativeAdamW(args: KernelArgs): tf.Tensor[] {
  const backend = args.backend as NodeBackend;
  const a = attrs(backend);
  const lrs = args.attrs?.lrs as number[];
  const b1 = Number(args.attrs?.beta1);
  const b2 = Number(args.attrs?.beta2);
  const eps = Number(args.attrs?.epsilon);
  const wd = Number(args.attrs?.weightDecay);
  const t = Number(args.attrs?.step);
  let kept = scratch.get(backend);
  if (!kept) scratch.set(backend, (kept = new Map()));
  const used = new Map<string, number>();
  const handle = (shape: number[]): number => {
    const key = shape.join(',');
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const list = kept.get(key) ?? [];
    kept.set(key, list);
    if (n < list.length) return list[n] as number;
    const [meta] = backend.binding.executeOp('VarHandleOp', [a.string('container', ''), a.string('shared_name', `vlm_adamw_${created++}`), a.dtype, a.shape(shape)], [], 1);
    list.push((meta as Metadata).id);
    return (meta as Metadata).id;
  };
  // scalars as backend data the engine does not track, uploaded once, freed at the end
  const scalars: object[] = [];
  const byValue = new Map<number, number>();
  const scalar = (x: number): number => {
    let id = byValue.get(x);
    if (id === undefined) {
      const dataId = backend.write(Float32Array.of(x), [], 'float32');
      scalars.push(dataId);
      id = backend.getInputTensorIds([{ dataId, shape: [], dtype: 'float32' }])[0] as number;
      byValue.set(x, id);
    }
    return id;
  };
  const outputs: tf.Tensor[][] = [[], [], []];
  try {
    const beta1Power = scalar(b1 ** t);
    const beta2Power = scalar(b2 ** t);
    const beta1 = scalar(b1);
    const beta2 = scalar(b2);
    const epsilonHat = scalar(eps * Math.sqrt(1 - b2 ** t));
    for (let j = 0; j < lrs.length; j++) {
      const infos = ['p', 'g', 'm', 'v'].map((n) => args.inputs[`${n}${j}`] as tf.TensorInfo);
      const [p, g, m, v] = backend.getInputTensorIds(infos) as [number, number, number, number];
      const shape = (infos[0] as tf.TensorInfo).shape;
      const hp = handle(shape);
      const hm = handle(shape);
      const hv = handle(shape);
      backend.binding.executeOp('AssignVariableOp', [a.dtype], [hp, p], 0);
      backend.binding.executeOp('AssignVariableOp', [a.dtype], [hm, m], 0);
      backend.binding.executeOp('AssignVariableOp', [a.dtype], [hv, v], 0);
      const lr = lrs[j] as number;
      if (wd !== 0) backend.binding.executeOp('ResourceApplyGradientDescent', [a.T, a.flag('use_locking', false)], [hp, scalar(lr * wd), p], 0);
      backend.binding.executeOp(
        'ResourceApplyAdam',
        [a.T, a.flag('use_locking', false), a.flag('use_nesterov', false)],
        [hp, hm, hv, beta1Power, beta2Power, scalar(lr), beta1, beta2, epsilonHat, g],
        0,
      );
      [hp, hm, hv].forEach((h, k) => outputs[k]?.push(backend.createOutputTensor((backend.binding.executeOp('ReadVariableOp', [a.dtype], [h], 1) as Metadata[])[0] as Metadata)));
    }
  } catch (error) {
    tf.dispose(outputs.flat());
    throw error;
  } finally {
    for (const dataId of scalars) backend.disposeData(dataId, true);
    // keep as many scratch variables per shape as this update used
    for (const [key, list] of kept) {
      const n = used.get(key) ?? 0;
      for (const h of list.splice(n)) destroy(backend, h);
      if (list.length === 0) kept.delete(key);
    }
  }
  return outputs.flat();
}

/** Registers {@link NATIVE_ADAMW} on tfjs-node (needs it loaded; idempotent; a no-op without it). */
export function registerNativeAdamW(): void {
  if (!tf.getKernel('BatchMatMul', 'tensorflow') || tf.getKernel(NATIVE_ADAMW, 'tensorflow')) return;
  tf.registerKernel({ kernelName: NATIVE_ADAMW, backendName: 'tensorflow', kernelFunc: nativeAdamW as unknown as tf.KernelFunc });
}
