import * as tf from '@tensorflow/tfjs-core';
import '@vlm/connectors'; // registers the cpu backend and tfjs-core's gradients (see its tfjs-runtime)
import { VlmError, type Rng } from '@vlm/core';

/**
 * How a parameter is stored here versus upstream (PyTorch):
 * - `plain`: same shape and order (embeddings, norms, biases);
 * - `linear`: upstream `[out, in]`, here `[in, out]` (a tfjs matmul without transpose is ~10x faster on wasm);
 * - `patch`: upstream conv weight `[D, C, P, P]`, here `[C*P*P, D]` (conv as reshape + matmul).
 */
export type ParamLayout = 'plain' | 'linear' | 'patch';

/** A parameter with its upstream (Hugging Face) name and layout. */
export interface NamedParam {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly layout: ParamLayout;
  /** Shape in the upstream checkpoint. */
  readonly upstreamShape: readonly number[];
}

/** A named collection of trainable tensors; names are the upstream checkpoint keys. */
export class ParamSet {
  private readonly byName = new Map<string, NamedParam>();

  constructor(readonly owner: string) {}

  /** Registers a parameter created from `values` (internal layout). */
  add(name: string, shape: number[], values: Float32Array, layout: ParamLayout = 'plain', upstreamShape?: number[]): tf.Variable {
    if (this.byName.has(name)) throw new VlmError('param_duplicate', `${this.owner}: parameter ${name} registered twice`);
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, true, `${this.owner}/${name}/${nextVariableId()}`);
    initial.dispose();
    this.byName.set(name, { name, variable, layout, upstreamShape: upstreamShape ?? toUpstreamShape(shape, layout) });
    return variable;
  }

  /** The variable registered under `name`; throws a VlmError naming it when missing. */
  get(name: string): tf.Variable {
    const p = this.byName.get(name);
    if (!p) throw new VlmError('param_missing', `${this.owner}: no parameter named ${name}`);
    return p.variable;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every parameter in registration order. */
  entries(): NamedParam[] {
    return [...this.byName.values()];
  }

  variables(): tf.Variable[] {
    return this.entries().map((p) => p.variable);
  }

  /** Total number of scalars. */
  count(): number {
    let n = 0;
    for (const p of this.byName.values()) n += p.variable.size;
    return n;
  }

  /** Marks every parameter trainable or frozen. */
  setTrainable(trainable: boolean): void {
    for (const p of this.byName.values()) p.variable.trainable = trainable;
  }

  dispose(): void {
    for (const p of this.byName.values()) p.variable.dispose();
    this.byName.clear();
  }
}

// TF.js variable names must be unique in the engine, which every copy of this module shares: the CommonJS
// build bundles this file into each entry (`@vlm/train` and `@vlm/train/node` are separate bundles there), so
// a counter of the module's own would restart in each and name a second model's weights like the first's.
const VARIABLE_ID = Symbol.for('@vlm/train:variable-id');
function nextVariableId(): number {
  const shared = globalThis as { [VARIABLE_ID]?: number };
  const id = shared[VARIABLE_ID] ?? 0;
  shared[VARIABLE_ID] = id + 1;
  return id;
}

function toUpstreamShape(shape: number[], layout: ParamLayout): number[] {
  if (layout === 'linear') return [shape[1] ?? 0, shape[0] ?? 0];
  return shape.slice();
}

/**
 * How a model initialises its weights: a seeded generator, or `'zeros'` to skip random init when
 * weights are about to be loaded from a checkpoint anyway.
 */
export type ParamInit = Rng | 'zeros';

/** Normal(0, std) values from the seeded generator (HF `initializer_range` style init). */
export function normalValues(rng: ParamInit, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  if (rng === 'zeros') return out;
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

/** `size` copies of `value`. */
export function constantValues(size: number, value: number): Float32Array {
  return new Float32Array(size).fill(value);
}

/**
 * Converts upstream data (PyTorch layout, row-major) into the internal layout of `param`.
 * `patch` layout needs the upstream shape `[D, C, P, P]`.
 */
export function upstreamToInternal(param: NamedParam, data: Float32Array): Float32Array {
  if (param.layout === 'plain') return data;
  const [rows, cols] = param.layout === 'linear'
    ? [param.upstreamShape[0] ?? 0, param.upstreamShape[1] ?? 0]
    : [param.upstreamShape[0] ?? 0, data.length / (param.upstreamShape[0] ?? 1)];
  return transpose2d(data, rows, cols);
}

/** {@link upstreamToInternal} into `out` (a non-plain layout; `out` must not alias `data`). */
export function upstreamToInternalInto(param: NamedParam, data: Float32Array, out: Float32Array): void {
  if (param.layout === 'plain') {
    out.set(data);
    return;
  }
  const rows = param.upstreamShape[0] ?? 0;
  const cols = data.length / (rows || 1);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] as number;
  }
}

/** Inverse of {@link upstreamToInternal}: the PyTorch-layout data of a parameter. */
export function internalToUpstream(param: NamedParam, data: Float32Array): Float32Array {
  if (param.layout === 'plain') return data;
  const shape = param.variable.shape;
  return transpose2d(data, shape[0] ?? 0, shape[1] ?? 0);
}

/** Row-major [rows, cols] -> [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] as number;
  }
  return out;
}
