import type * as tf from '@tensorflow/tfjs-core';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type RefCounted = { incRef(dataId: object): void };

/**
 * Identity for the wasm backend that shares the input's memory (reference-counted), as the cpu and
 * webgl backends do. Stock wasm copies, and the engine clones every tensor it saves for the
 * backward pass, so a training step copied all its activations once more.
 */
export function createSharedIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    (args.backend as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
