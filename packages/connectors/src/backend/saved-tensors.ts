import * as tf from '@tensorflow/tfjs-core';

// The parts of tfjs-core 4.22's Engine this file touches.
interface EngineInternals {
  backendName: string;
  backend: tf.KernelBackend;
  state: { gradientDepth: number };
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

let installed = false;
let lean = true;

/**
 * Keeps the tensors a gradient needs without a kernel dispatch and a tape entry each, where nothing
 * can differentiate through them.
 *
 * For every tensor a kernel's gradient will need, tfjs-core's engine makes a copy (`Engine.clone`, called
 * only for these): an Identity kernel through the whole kernel path, recorded on the tape so that a
 * gradient of the gradient can flow through the copy. Those copies are ~30 % of the kernels of a
 * training step (274 of 918 in the demo's contrastive step). A copy made while only one gradient is being
 * recorded (depth 1) is read by that gradient's backward pass alone, which runs with the tape off, so its
 * tape entry is never used: here it is made by the backend's Identity kernel directly (memory shared,
 * reference-counted, on cpu, wasm and tfjs-node) as a tensor the current scope tracks, like
 * `runKernel` would. Copies made inside a gradient of a gradient (depth 2 and more) stay tfjs-core's.
 * Same values, same gradients of every order. Installed once, when the runtime loads.
 */
export function installLeanSavedTensors(): void {
  if (installed) return;
  const proto = Object.getPrototypeOf(tf.engine()) as EngineInternals;
  if (typeof proto.clone !== 'function' || typeof proto.makeTensorFromTensorInfo !== 'function') return;
  const stock = proto.clone;
  installed = true;
  proto.clone = function (this: EngineInternals, x: tf.Tensor): tf.Tensor {
    const identity = lean && this.state.gradientDepth === 1 ? tf.getKernel('Identity', this.backendName) : undefined;
    if (!identity) return stock.call(this, x);
    return this.makeTensorFromTensorInfo(identity.kernelFunc({ inputs: { x }, backend: this.backend, attrs: {} }) as tf.TensorInfo);
  };
}

/** For tests and benchmarks: `false` puts tfjs-core's copies back (every one a kernel and a tape entry), `true` the lean ones. */
export function useLeanSavedTensors(on: boolean): void {
  lean = on;
}
