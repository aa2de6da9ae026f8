import * as tf from '@tensorflow/tfjs-core';
import '@vlm/connectors'; // registers the cpu backend, as @vlm/train's entry does

/** Test-only: run on the plain cpu backend (deterministic, no wasm start-up). */
export async function useCpuBackend(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}
