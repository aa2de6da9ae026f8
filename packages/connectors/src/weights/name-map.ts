import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import type { SafeTensor } from '../safetensors/read-safetensors';
import type { TensorToWrite } from '../safetensors/write-safetensors';

/**
 * One row of a weight-name map. `transpose` marks a PyTorch Linear weight: stored upstream as
 * [out, in] (y = x·Wᵀ + b) and held here as a TF.js kernel [in, out].
 */
export interface NameMapEntry {
  ours: string;
  upstream: string;
  transpose?: boolean;
}

/** Our-name -> upstream-name map; weights without an entry keep their own name. */
export type WeightNameMap = readonly NameMapEntry[];

/** Row-major [rows, cols] -> [cols, rows]. */
export function transpose2d(data: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

function byOurs(map: WeightNameMap): Map<string, NameMapEntry> {
  return new Map(map.map((e) => [e.ours, e]));
}

/** Converts named weights to upstream names and layouts, ready for `writeSafetensors`. */
export function toUpstreamStateDict(weights: ReadonlyMap<string, tf.Tensor>, map: WeightNameMap = [], dtype: 'F32' | 'F16' = 'F32'): Map<string, TensorToWrite> {
  const entries = byOurs(map);
  const out = new Map<string, TensorToWrite>();
  for (const [name, tensor] of weights) {
    const entry = entries.get(name);
    const data = tensor.dataSync() as Float32Array;
    if (entry?.transpose) {
      const [rows, cols] = tensor.shape as [number, number];
      out.set(entry.upstream, { shape: [cols, rows], data: transpose2d(data, rows, cols), dtype });
    } else {
      out.set(entry?.upstream ?? name, { shape: [...tensor.shape], data, dtype });
    }
  }
  return out;
}

/** Options of `loadUpstreamStateDict`. */
export interface LoadStateDictOptions {
  /** Ignore upstream tensors no weight maps to (e.g. a whole LLaVA checkpoint when loading the projector). */
  allowUnexpected?: boolean;
  /** Only load weights that are present; missing ones keep their values. */
  allowMissing?: boolean;
  /** File name for error messages. */
  source?: string;
}

/**
 * Assigns upstream tensors to our weights through the map (transposing Linear weights). Checks
 * everything first and throws one `VlmError` listing missing, unexpected and mis-shaped tensors, so
 * a failed load changes no weight.
 */
export function loadUpstreamStateDict(weights: ReadonlyMap<string, tf.Variable>, tensors: ReadonlyMap<string, SafeTensor>, map: WeightNameMap = [], options: LoadStateDictOptions = {}): void {
  const entries = byOurs(map);
  const missing: string[] = [];
  const misshaped: string[] = [];
  const used = new Set<string>();
  const plan: [tf.Variable, ArrayLike<number>, boolean][] = [];
  for (const [name, variable] of weights) {
    const entry = entries.get(name);
    const upstream = entry?.upstream ?? name;
    const t = tensors.get(upstream);
    if (!t) {
      if (!options.allowMissing) missing.push(upstream);
      continue;
    }
    used.add(upstream);
    const expected = entry?.transpose ? [...variable.shape].reverse() : [...variable.shape];
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      misshaped.push(`${upstream} is [${t.shape}], expected [${expected}]`);
      continue;
    }
    if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
      misshaped.push(`${upstream} is ${t.dtype}, expected a float dtype`);
      continue;
    }
    plan.push([variable, t.data, Boolean(entry?.transpose)]);
  }
  const unexpected = options.allowUnexpected ? [] : [...tensors.keys()].filter((k) => !used.has(k));
  if (missing.length + misshaped.length + unexpected.length > 0) {
    const parts = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected: ${unexpected.join(', ')}` : '',
      misshaped.length ? `mis-shaped: ${misshaped.join('; ')}` : '',
    ].filter(Boolean);
    throw new VlmError('weights.mismatch', `state dict does not match the model (${parts.join(' | ')})`, {
      location: options.source ? { file: options.source } : {},
      hint: 'check that the checkpoint was saved for the same connector type and sizes, and the name format (llava, hf, ...)',
    });
  }
  for (const [variable, data, transpose] of plan) {
    const values = transpose ? transpose2d(data, variable.shape[1] as number, variable.shape[0] as number) : Float32Array.from(data);
    const value = tf.tensor(values, variable.shape, variable.dtype);
    variable.assign(value);
    value.dispose();
  }
}
