import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let registered = false;

/**
 * Replaces the wasm backend's Identity (a full copy) with a reference-counted alias, as the cpu
 * backend does. tfjs clones every tensor it saves for the backward pass through Identity, so on
 * wasm a differentiated forward held each activation twice; with the alias a SmolLM-135M forward +
 * backward at sequence 256 fits the 4 GB wasm heap. Tensors are immutable (variables swap their
 * data id on assign), so sharing the buffer is safe. Idempotent; a no-op off wasm.
 */
export function registerZeroCopyWasmIdentity(): void {
  if (registered || tf.getBackend() !== 'wasm') return;
  const stock = tf.getKernel('Identity', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return (stock.kernelFunc as tf.KernelFunc)({ inputs, backend, attrs: {} });
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  registered = true;
}
