import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { createRng, VlmError, type Rng } from '@vlm/core';
import type { WeightNameMap } from '../weights/name-map';
import { allocateWeight, sizeOf, type WeightSpec } from './weight-spec';

/** Upstream checkpoint naming a module can map its weights to. */
export type UpstreamFormat = 'llava' | 'hf' | 'open-flamingo';

/**
 * A module with named trainable weights declared up front as specs. `build` allocates them once;
 * `parameterCount` needs no allocation. Subclasses read weights with `w(name)`.
 */
export abstract class TrainableModule {
  private variables: Map<string, tf.Variable> | undefined;

  /** The weights this module will own, in a stable order. */
  abstract readonly specs: readonly WeightSpec[];

  /** Allocates the weights (idempotent). Randomness comes from `rng` (default seed 0). */
  build(rng: Rng = createRng(0)): this {
    if (this.variables) return this;
    const vars = new Map<string, tf.Variable>();
    for (const spec of this.specs) vars.set(spec.name, allocateWeight(spec, rng.fork(spec.name)));
    this.variables = vars;
    return this;
  }

  /** Whether `build` has run. */
  get built(): boolean {
    return this.variables !== undefined;
  }

  /** Named trainable weights (builds with seed 0 if needed). */
  weights(): Map<string, tf.Variable> {
    if (!this.variables) this.build();
    return this.variables as Map<string, tf.Variable>;
  }

  /** Number of trainable values, from the specs (no allocation). */
  parameterCount(): number {
    return this.specs.reduce((sum, s) => sum + sizeOf(s.shape), 0);
  }

  /** Map from our weight names to an upstream checkpoint's names. */
  abstract upstreamNameMap(format: UpstreamFormat): WeightNameMap;

  /** Frees the weights. */
  dispose(): void {
    if (this.variables) for (const v of this.variables.values()) v.dispose();
    this.variables = undefined;
  }

  protected w(name: string): tf.Variable {
    const v = this.weights().get(name);
    if (!v) throw new VlmError('module.weight', `no weight named "${name}"`, { location: { field: name }, hint: 'this is a bug in the module definition' });
    return v;
  }
}
