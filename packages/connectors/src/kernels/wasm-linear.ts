// A linear layer, y = x·W (+ b) over x's last axis, as one wasm kernel forward and one backward, on the
// toolkit's gemm (wasm-gemm.ts). Composed of standard ops, each linear of a training step costs about ten
// kernels (reshape in and out, the product, the bias add, and their gradients: the reshapes again, two
// products, a sum and a reshape for the bias), each with tfjs-core's dispatch and tape overhead (~5-10 µs
// on wasm, more than the work of most of them at the demo's sizes). Here the leading axes of x fold into
// the product's rows without a reshape, the bias is added as the output tiles are written, and the
// gradient kernel writes dx = dy·Wᵀ, dW = xᵀ·dy and db = Σ dy in one call.
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-batch-mat-mul';
import { type EmscriptenHeap, gemmForHeap } from './wasm-gemm';
import { simdForHeap } from './wasm-simd';

/** Kernel names: [x, w, b?] -> y; [dy, x, w] -> [dx, dw, db?] (attr `bias`). */
export const LINEAR_KERNEL = 'VlmLinear';
export const LINEAR_GRAD_KERNEL = 'VlmLinearGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

function gemmOf(backend: WasmBackendInternals) {
  const gemm = gemmForHeap(backend.wasm as unknown as EmscriptenHeap);
  if (!gemm) throw new Error(`${LINEAR_KERNEL}: the toolkit's gemm cannot run on this wasm module (the op checks linearKernelRuns first)`);
  return gemm;
}

/** Whether the wasm backend `backend` runs the linear kernels (the toolkit's gemm and SIMD module on its memory). */
export function linearKernelsRunOn(backend: object): boolean {
  const wasm = (backend as Partial<WasmBackendInternals>).wasm;
  return wasm !== undefined && gemmForHeap(wasm as unknown as EmscriptenHeap) !== null && simdForHeap(wasm as unknown as EmscriptenHeap) !== null;
}

/** y = x·W (+ b): x `[..., K]`, W `[K, N]`, b `[N]`. */
export function linearWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x as tf.TensorInfo;
  const w = args.inputs.w as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo | undefined;
  const [K, N] = w.shape as [number, number];
  const out = backend.makeOutput([...x.shape.slice(0, -1), N], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  gemmOf(backend).run({ a: offset(x), b: offset(w), out: offset(out), batchA: 1, batchB: 1, m: size(x.shape) / K, n: N, k: K, transposeA: false, transposeB: false, bias: b ? offset(b) : undefined });
  return out;
}

/** [dy, x, w] -> [dx = dy·Wᵀ, dW = xᵀ·dy] and, with attr `bias`, db = the column sums of dy. */
export function linearGradWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const dy = args.inputs.dy as tf.TensorInfo;
  const x = args.inputs.x as tf.TensorInfo;
  const w = args.inputs.w as tf.TensorInfo;
  const [K, N] = w.shape as [number, number];
  const rows = size(x.shape) / K;
  const gemm = gemmOf(backend);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dw = backend.makeOutput([K, N], 'float32');
  const db = args.attrs?.bias ? backend.makeOutput([N], 'float32') : undefined;
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  gemm.run({ a: offset(dy), b: offset(w), out: offset(dx), batchA: 1, batchB: 1, m: rows, n: K, k: N, transposeA: false, transposeB: true });
  gemm.run({ a: offset(x), b: offset(dy), out: offset(dw), batchA: 1, batchB: 1, m: K, n: N, k: rows, transposeA: true, transposeB: false });
  if (db) (simdForHeap(backend.wasm as unknown as EmscriptenHeap) as NonNullable<ReturnType<typeof simdForHeap>>).colSums(offset(dy), offset(db), rows, N);
  return db ? [dx, dw, db] : [dx, dw];
}
