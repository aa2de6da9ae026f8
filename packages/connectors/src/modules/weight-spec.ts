import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@vlm/core';

/** How a weight starts: PyTorch's Linear default (uniform ±1/√fanIn), a normal with a std, or constants. */
export type WeightInit =
  | { kind: 'uniform-fan-in'; fanIn: number }
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

/** A named trainable weight, declared before anything is allocated (so counting costs nothing). */
export interface WeightSpec {
  name: string;
  shape: number[];
  init: WeightInit;
}

/** Number of values in a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Specs of a dense layer `prefix.kernel` [in, out] and `prefix.bias` [out], initialised like torch.nn.Linear or BERT. */
export function denseSpecs(prefix: string, inDim: number, outDim: number, options: { bias?: boolean; std?: number } = {}): WeightSpec[] {
  const init: WeightInit = options.std !== undefined ? { kind: 'normal', std: options.std } : { kind: 'uniform-fan-in', fanIn: inDim };
  const specs: WeightSpec[] = [{ name: `${prefix}.kernel`, shape: [inDim, outDim], init }];
  if (options.bias ?? true) specs.push({ name: `${prefix}.bias`, shape: [outDim], init: options.std !== undefined ? { kind: 'zeros' } : init });
  return specs;
}

/** Specs of a LayerNorm `prefix.gamma` and `prefix.beta`. */
export function layerNormSpecs(prefix: string, dim: number): WeightSpec[] {
  return [
    { name: `${prefix}.gamma`, shape: [dim], init: { kind: 'ones' } },
    { name: `${prefix}.beta`, shape: [dim], init: { kind: 'zeros' } },
  ];
}

/** Allocates one weight from its spec with values drawn from `rng`. */
export function allocateWeight(spec: WeightSpec, rng: Rng): tf.Variable {
  const n = sizeOf(spec.shape);
  const values = new Float32Array(n);
  const init = spec.init;
  if (init.kind === 'ones') values.fill(1);
  else if (init.kind === 'uniform-fan-in') {
    const bound = 1 / Math.sqrt(init.fanIn);
    for (let i = 0; i < n; i++) values[i] = (rng.next() * 2 - 1) * bound;
  } else if (init.kind === 'normal') {
    for (let i = 0; i < n; i++) values[i] = rng.normal() * init.std;
  }
  const initial = tf.tensor(values, spec.shape, 'float32');
  const variable = tf.variable(initial, true);
  // The variable holds its own reference to the data; dropping this one lets dispose() free it.
  initial.dispose();
  return variable;
}
