import * as tf from '@tensorflow/tfjs-core';
import { type EmscriptenHeap, gemmForHeap } from './wasm-gemm';

/** The parts of the wasm backend (tfjs-backend-wasm 4.22.0 `BackendWasm`) this kernel touches. */
export interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
    HEAPF32: Float32Array;
    HEAP32: Int32Array;
  };
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number; shape: number[]; dtype: string } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type Matmul2d = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, ta: number, tb: number, outId: number) => void;

const matmulByModule = new WeakMap<object, Matmul2d>();

function wasmMatmul(backend: WasmBackendInternals): Matmul2d {
  let fn = matmulByModule.get(backend.wasm);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as Matmul2d;
    matmulByModule.set(backend.wasm, fn);
  }
  return fn;
}

const shapeBytes = (shape: number[]): Uint8Array => new Uint8Array(new Int32Array(shape).buffer);

/** A tensor id registered over a slice of existing wasm memory; disposing it frees nothing. */
function registerView(backend: WasmBackendInternals, byteOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, byteOffset);
  return id;
}

/** [batch, rows, cols] -> [batch, cols, rows] with the wasm Transpose kernel; the caller disposes it. */
function transposeLast2(info: tf.TensorInfo, batch: number, rows: number, cols: number, backend: WasmBackendInternals): tf.TensorInfo {
  const transpose = tf.getKernel('Transpose', 'wasm');
  const x = { dataId: info.dataId, shape: [batch, rows, cols], dtype: info.dtype };
  return transpose.kernelFunc({ inputs: { x }, backend: backend as unknown as tf.KernelBackend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo;
}

/**
 * BatchMatMul for the wasm backend that sends every float32 product to XNNPACK's 2-D
 * fully-connected path. Stock tfjs-backend-wasm uses XNNPACK only for untransposed batch-1
 * products and a scalar loop otherwise, which is what gradients (transposes) and attention
 * (batches) need. Here transposes are made explicit, a batch sharing one right-hand matrix is
 * folded into rows, and other batches become per-batch 2-D products over views of the wasm heap.
 */
export function createFastBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackendInternals;
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const product = productOf(a, b, args.attrs);
    if (!product) return stock(args);
    const { transposeA, transposeB, m, n, k, batchA, batchB, outBatchShape } = product;
    const gemm = gemmForHeap(backend.wasm as unknown as EmscriptenHeap);
    if (gemm) {
      // The toolkit's own SIMD product: transposes are read by its packing, batches loop inside.
      const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
      const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
      gemm.run({ a: offset(a), b: offset(b), out: offset(out), batchA, batchB, m, n, k, transposeA, transposeB });
      return out;
    }
    const batch = Math.max(batchA, batchB);
    const temps: tf.TensorInfo[] = [];
    const aRows = transposeA ? transposeLast2(a, batchA, k, m, backend) : a;
    if (aRows !== a) temps.push(aRows);
    const bRows = transposeB ? transposeLast2(b, batchB, n, k, backend) : b;
    if (bRows !== b) temps.push(bRows);

    const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
    const matmul = wasmMatmul(backend);
    const aData = backend.dataIdMap.get(aRows.dataId);
    const bData = backend.dataIdMap.get(bRows.dataId);
    const outData = backend.dataIdMap.get(out.dataId);
    if (batchB === 1) {
      // One right-hand matrix for the whole batch: fold the batch into rows, one product.
      matmul(aData.id, shapeBytes([1, batchA * m, k]), 3, bData.id, shapeBytes([1, k, n]), 3, 0, 0, outData.id);
    } else {
      const bShape = shapeBytes([1, k, n]);
      const aShape = shapeBytes([1, m, k]);
      for (let i = 0; i < batch; i++) {
        const aOffset = aData.memoryOffset + (batchA === 1 ? 0 : i * m * k * 4);
        const aId = registerView(backend, aOffset, m * k);
        const bId = registerView(backend, bData.memoryOffset + i * k * n * 4, k * n);
        const oId = registerView(backend, outData.memoryOffset + i * m * n * 4, m * n);
        matmul(aId, aShape, 3, bId, bShape, 3, 0, 0, oId);
        // Views only drop their registration (and XNNPACK's cached operator for bId); memory stays.
        backend.wasm.tfjs.disposeData(aId);
        backend.wasm.tfjs.disposeData(bId);
        backend.wasm.tfjs.disposeData(oId);
      }
    }
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

/**
 * The sizes of op(a)·op(b) for a product the toolkit takes: float32, matching inner sizes, batches that
 * are equal or 1 (broadcast), not empty. Else undefined (the stock kernel runs it).
 */
function productOf(a: tf.TensorInfo, b: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined) {
  const transposeA = Boolean(attrs?.transposeA);
  const transposeB = Boolean(attrs?.transposeB);
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = (transposeA ? a.shape[ar - 1] : a.shape[ar - 2]) as number;
  const k = (transposeA ? a.shape[ar - 2] : a.shape[ar - 1]) as number;
  const kb = (transposeB ? b.shape[br - 1] : b.shape[br - 2]) as number;
  const n = (transposeB ? b.shape[br - 2] : b.shape[br - 1]) as number;
  const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const simpleBroadcast = batchA === batchB || batchA === 1 || batchB === 1;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kb || !simpleBroadcast || m * n * k === 0) return undefined;
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { transposeA, transposeB, m, n, k, batchA, batchB, outBatchShape };
}

/**
 * _FusedMatMul for the wasm backend: a product with a bias `[n]` and no activation (what `dense` asks
 * for) runs on the toolkit's gemm, the bias added as each output tile is written. Activations, PReLU
 * weights, other bias shapes and modules the gemm cannot run on go to the stock kernel.
 */
export function createFastFusedMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackendInternals;
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const bias = inputs.bias as tf.TensorInfo | undefined;
    const product = productOf(a, b, attrs);
    const gemm = gemmForHeap(backend.wasm as unknown as EmscriptenHeap);
    if (!product || !gemm) return stock(args);
    const { transposeA, transposeB, m, n, k, batchA, batchB, outBatchShape } = product;
    const plainBias = bias === undefined || (bias.dtype === 'float32' && bias.shape.reduce((p, d) => p * d, 1) === n && bias.shape.length <= 1);
    if (((attrs?.activation as string | undefined) ?? 'linear') !== 'linear' || inputs.preluActivationWeights || !plainBias) return stock(args);
    const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
    const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    gemm.run({ a: offset(a), b: offset(b), out: offset(out), batchA, batchB, m, n, k, transposeA, transposeB, bias: bias ? offset(bias) : undefined });
    return out;
  };
}
