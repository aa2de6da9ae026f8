import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-batch-mat-mul';
import { currentView, type EmscriptenHeap } from './wasm-module-on-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type HeapBackend = WasmBackendInternals & { wasm: { HEAPU8: Uint8Array } };

/**
 * Copies the block `[begin, begin + size)` of the tensor at byte `src` (shape `shape`, `bytes` per
 * element) to byte `dst`, as runs over the innermost axes the block spans whole.
 */
function copyBlock(heap: Uint8Array, src: number, dst: number, shape: readonly number[], begin: readonly number[], size: readonly number[], bytes: number): void {
  const rank = shape.length;
  if (size.some((s) => s === 0)) return;
  // the run: from the innermost partial axis `a` on, a contiguous stretch of the input
  let a = rank - 1;
  while (a > 0 && size[a] === shape[a]) a--;
  const strides = tf.util.computeStrides(shape as number[]).concat(1);
  const run = (size[a] as number) * (strides[a] as number) * bytes;
  let from = src + begin.reduce((o, b, i) => o + b * (strides[i] as number), 0) * bytes;
  if (a === 0) {
    heap.copyWithin(dst, from, from + run);
    return;
  }
  // odometer over the outer axes 0..a-1
  const index = new Array<number>(a).fill(0);
  for (let to = dst; ; to += run) {
    heap.copyWithin(to, from, from + run);
    let axis = a - 1;
    for (; axis >= 0; axis--) {
      from += (strides[axis] as number) * bytes;
      if (++(index[axis] as number) < (size[axis] as number)) break;
      from -= (size[axis] as number) * (strides[axis] as number) * bytes;
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** One slice straight from the wasm heap into a new output. */
function sliceOnHeap(backend: HeapBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  copyBlock(currentView(backend.wasm as unknown as EmscriptenHeap, backend.wasm.HEAPU8), backend.dataIdMap.get(x.dataId).memoryOffset, backend.dataIdMap.get(out.dataId).memoryOffset, x.shape, begin, size, tf.util.bytesPerElement(x.dtype));
  return out;
}

/** Tensors these kernels copy (others go to the stock kernels). */
const copiable = (x: tf.TensorInfo) => x.shape.length > 0 && (x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool');

/**
 * Slice for the wasm backend that copies straight from the heap, in contiguous runs. Stock wasm first
 * copies the whole input out of the heap (`readSync`), then the slice: splitting a [16, 69, 512] product
 * in two took ~1 ms per half.
 */
export function createHeapSlice(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (!copiable(x)) return stock(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x, args.attrs?.begin as number[], args.attrs?.size as number[] | undefined) as [number[], number[]];
    return sliceOnHeap(args.backend as HeapBackend, x, begin, size);
  };
}

/** SplitV for the wasm backend: its parts as heap slices (see {@link createHeapSlice}); stock wasm slices as that kernel does. */
export function createHeapSplit(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (!copiable(x)) return stock(args);
    const axis = tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0] as number;
    const parts = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, args.attrs?.numOrSizeSplits as number | number[], axis);
    const begin = x.shape.map(() => 0);
    return parts.map((part) => {
      const size = x.shape.slice();
      size[axis] = part;
      const out = sliceOnHeap(args.backend as HeapBackend, x, begin, size);
      begin[axis] = (begin[axis] as number) + part;
      return out;
    });
  };
}

/**
 * Tile for the wasm backend (`tf.tile`, `tf.broadcastTo`, the gradient of `tf.sum`): each axis's first
 * copy is written, then doubled in place until the axis is full, all with `copyWithin` over runs as long
 * as the untiled inner axes. Stock wasm computes every element's source index: 10.4 ms to broadcast a
 * [16, 1, 64] gradient to [16, 183, 64], against 0.02 ms this way (`pnpm bench`).
 */
export function createHeapTile(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = args.attrs?.reps as number[];
    if (!copiable(x) || reps.length !== x.shape.length) return stock(args);
    const backend = args.backend as HeapBackend;
    const shape = x.shape;
    const outShape = shape.map((d, i) => d * (reps[i] as number));
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((d) => d === 0)) return out;
    const heap = currentView(backend.wasm as unknown as EmscriptenHeap, backend.wasm.HEAPU8);
    const bytes = tf.util.bytesPerElement(x.dtype);
    const rank = shape.length;
    // axes from `inner` on are not tiled: they are copied as one run
    let inner = rank;
    while (inner > 0 && reps[inner - 1] === 1) inner--;
    const xStrides = tf.util.computeStrides(shape).concat(1);
    const outStrides = tf.util.computeStrides(outShape).concat(1);
    const run = shape.slice(inner).reduce((p, d) => p * d, 1) * bytes;
    const fill = (axis: number, src: number, dst: number) => {
      if (axis === inner) {
        heap.copyWithin(dst, src, src + run);
        return;
      }
      const d = shape[axis] as number;
      const outStep = (outStrides[axis] as number) * bytes;
      for (let i = 0; i < d; i++) fill(axis + 1, src + i * (xStrides[axis] as number) * bytes, dst + i * outStep);
      const tile = d * outStep;
      const total = tile * (reps[axis] as number);
      for (let filled = tile; filled < total; filled += Math.min(filled, total - filled)) heap.copyWithin(dst + filled, dst, dst + Math.min(filled, total - filled));
    };
    fill(0, backend.dataIdMap.get(x.dataId).memoryOffset, backend.dataIdMap.get(out.dataId).memoryOffset);
    return out;
  };
}
