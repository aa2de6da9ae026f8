import type * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-batch-mat-mul';
import { currentView, type EmscriptenHeap } from './wasm-module-on-heap';
import { simdForHeap } from './wasm-simd';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

/**
 * UnsortedSegmentSum for the wasm backend, which ships without it although it is the gradient of
 * gather (embedding lookups). Rows of `x` are added into `numSegments` output rows; ids outside
 * [0, numSegments) are dropped, as in TensorFlow. float32 in SIMD with the toolkit's element-wise module
 * (the demo's word-embedding gradient: ~1 ms per step as a JavaScript loop), else a JavaScript loop.
 */
export function unsortedSegmentSumWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = Number(args.attrs?.numSegments);
  const rows = ids.shape.reduce((p, d) => p * d, 1);
  const total = x.shape.reduce((p, d) => p * d, 1);
  const inner = rows === 0 ? 0 : total / rows;
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const xData = backend.dataIdMap.get(x.dataId);
  const idData = backend.dataIdMap.get(ids.dataId);
  const outData = backend.dataIdMap.get(out.dataId);
  const simd = x.dtype === 'float32' ? simdForHeap(backend.wasm as unknown as EmscriptenHeap) : null;
  if (simd) {
    // ids outside [0, numSegments) are skipped there too (compared unsigned, so negatives are)
    simd.segmentSum(xData.memoryOffset, idData.memoryOffset, outData.memoryOffset, rows, inner, numSegments);
    return out;
  }
  const emscripten = backend.wasm as unknown as EmscriptenHeap;
  const idHeap = currentView(emscripten, backend.wasm.HEAP32);
  const heap = x.dtype === 'float32' ? currentView(emscripten, backend.wasm.HEAPF32) : idHeap;
  const xs = heap.subarray(xData.memoryOffset / 4, xData.memoryOffset / 4 + total);
  const os = heap.subarray(outData.memoryOffset / 4, outData.memoryOffset / 4 + numSegments * inner);
  os.fill(0);
  const idBase = idData.memoryOffset / 4;
  for (let r = 0; r < rows; r++) {
    const seg = idHeap[idBase + r] as number;
    if (seg < 0 || seg >= numSegments) continue;
    const src = r * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) os[dst + j] = (os[dst + j] as number) + (xs[src + j] as number);
  }
  return out;
}
