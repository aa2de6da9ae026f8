import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-batch-mat-mul';
import type { EmscriptenHeap } from './wasm-module-on-heap';
import { simdForHeap } from './wasm-simd';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

/**
 * Sum for the wasm backend that reduces leading axes (bias and LayerNorm gradients: [rows, width] ->
 * [width]) in one row-wise pass. Stock wasm first transposes the reduced axes to the end, which costs
 * more than the sum. Four columns at a time with the toolkit's SIMD module (float32 accumulation, as
 * XNNPACK and PyTorch), else a JS loop in float64. Other reductions go to the stock kernel.
 */
export function createLeadingAxesSum(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const rank = x.shape.length;
    const rawAxis = args.attrs?.axis as number | number[] | undefined;
    const axes = tf.util.parseAxisParam(rawAxis ?? [...Array(rank).keys()], x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stock(args);
    const backend = args.backend as WasmBackendInternals;
    const outer = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const innerShape = x.shape.slice(axes.length);
    const inner = innerShape.reduce((p, d) => p * d, 1);
    const outShape = args.attrs?.keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
    const out = backend.makeOutput(outShape, 'float32');
    const simd = simdForHeap(backend.wasm as unknown as EmscriptenHeap);
    if (simd) {
      simd.colSums(backend.dataIdMap.get(x.dataId).memoryOffset, backend.dataIdMap.get(out.dataId).memoryOffset, outer, inner);
      return out;
    }
    const heap = backend.wasm.HEAPF32;
    const xBase = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
    const acc = new Float64Array(inner);
    for (let i = 0; i < outer; i++) {
      const row = xBase + i * inner;
      for (let j = 0; j < inner; j++) acc[j] = (acc[j] as number) + (heap[row + j] as number);
    }
    heap.set(acc, backend.dataIdMap.get(out.dataId).memoryOffset / 4);
    return out;
  };
}
