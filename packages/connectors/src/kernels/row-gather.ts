import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-batch-mat-mul';
import { currentView, type EmscriptenHeap } from './wasm-module-on-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

/**
 * GatherV2 for the wasm backend that copies whole rows (embedding lookups: axis 0, no batch dims, float32
 * table, int32 ids) with one `copyWithin` per row. Stock wasm computes every element's index in a scalar
 * loop: ~11 ms for 1,024 rows of 256 against ~0.1 ms. Ids outside the table throw, as on the cpu
 * backend. Other gathers go to the stock kernel.
 */
export function createRowGather(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const indices = args.inputs.indices as tf.TensorInfo;
    const axis = tf.util.parseAxisParam(Number(args.attrs?.axis ?? 0), x.shape)[0];
    if (x.dtype !== 'float32' || indices.dtype !== 'int32' || axis !== 0 || Number(args.attrs?.batchDims ?? 0) !== 0 || x.shape.length === 0) return stock(args);
    const backend = args.backend as WasmBackendInternals;
    const rows = x.shape[0] as number;
    const width = x.shape.slice(1).reduce((p, d) => p * d, 1);
    const count = indices.shape.reduce((p, d) => p * d, 1);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    const heap = currentView(backend.wasm as unknown as EmscriptenHeap, backend.wasm.HEAPF32);
    const ids = new Int32Array(heap.buffer, backend.dataIdMap.get(indices.dataId).memoryOffset, count);
    const src = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
    const dst = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
    for (let i = 0; i < count; i++) {
      const id = ids[i] as number;
      if (id < 0 || id >= rows) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
      }
      heap.copyWithin(dst + i * width, src + id * width, src + (id + 1) * width);
    }
    return out;
  };
}
