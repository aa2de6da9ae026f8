import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { type SafeTensor, type TensorToWrite } from '@vlm/connectors';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { type ParamSet, internalToUpstream, upstreamToInternal } from '../nn/params';

/** Options of {@link assignParams}. */
export interface AssignParamsOptions {
  /** Prefix of the upstream keys (`language_model.` in a HF LLaVA checkpoint, `vision_tower.` ...). */
  prefix?: string;
  /** File named in errors. */
  source?: string;
  /** Missing tensors are only reported when `complete` is true (default): a partial shard is fine. */
  complete?: boolean;
}

/**
 * Copies upstream tensors (PyTorch layout, any float dtype already widened to F32) into `params`.
 * Shapes are checked before anything is assigned, so a failed load changes no weight. Returns the
 * names assigned.
 */
export function assignParams(params: ParamSet, tensors: ReadonlyMap<string, SafeTensor>, options: AssignParamsOptions = {}): Set<string> {
  const prefix = options.prefix ?? '';
  const plan: [ReturnType<ParamSet['entries']>[number], SafeTensor][] = [];
  const missing: string[] = [];
  for (const p of params.entries()) {
    const t = tensors.get(prefix + p.name);
    if (!t) {
      missing.push(prefix + p.name);
      continue;
    }
    if (!(t.data instanceof Float32Array)) {
      throw new VlmError('weights_dtype', `tensor ${prefix + p.name} has dtype ${t.dtype}, expected a float type`, {
        location: { file: options.source, field: prefix + p.name },
        hint: 'weights must be F32, F16 or BF16',
      });
    }
    if (t.shape.join(',') !== p.upstreamShape.join(',')) {
      throw new VlmError('weights_shape', `tensor ${prefix + p.name} has shape [${t.shape}] but the config needs [${p.upstreamShape}]`, {
        location: { file: options.source, field: prefix + p.name },
        hint: 'the config.json does not match these weights; use the config saved with the checkpoint',
      });
    }
    plan.push([p, t]);
  }
  if ((options.complete ?? true) && missing.length > 0) {
    throw new VlmError('weights_missing', `${missing.length} ${params.owner} tensor(s) missing, e.g. ${missing.slice(0, 3).join(', ')}`, {
      location: { file: options.source, field: missing[0] },
      hint: prefix ? `check the key prefix "${prefix}"` : 'check that the checkpoint belongs to this architecture (or pass a key prefix)',
    });
  }
  for (const [p, t] of plan) {
    tf.tidy(() => p.variable.assign(tf.tensor(upstreamToInternal(p, t.data as Float32Array), p.variable.shape, 'float32')));
  }
  return new Set(plan.map(([p]) => p.name));
}

/**
 * Loads weights from a Hugging Face model directory: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (one shard in memory at a time).
 */
export async function loadParamsFromDir(params: ParamSet, dir: string, options: Omit<AssignParamsOptions, 'source' | 'complete'> = {}): Promise<void> {
  const files = await safetensorsFilesIn(dir);
  const assigned = new Set<string>();
  for (const file of files) {
    const { tensors } = await readSafetensorsFile(file);
    for (const name of assignParams(params, tensors, { ...options, source: file, complete: files.length === 1 })) assigned.add(name);
  }
  const missing = params.entries().filter((p) => !assigned.has(p.name));
  if (missing.length > 0) {
    throw new VlmError('weights_missing', `${missing.length} ${params.owner} tensor(s) missing from ${dir}, e.g. ${missing.slice(0, 3).map((p) => (options.prefix ?? '') + p.name).join(', ')}`, {
      location: { file: dir },
      hint: 'the shards do not hold every weight this config needs',
    });
  }
}

/** The safetensors files of a model directory, sharded or not. */
export async function safetensorsFilesIn(dir: string): Promise<string[]> {
  const indexPath = join(dir, 'model.safetensors.index.json');
  let indexText: string | undefined;
  try {
    indexText = await readFile(indexPath, 'utf8');
  } catch {
    indexText = undefined;
  }
  if (indexText === undefined) return [join(dir, 'model.safetensors')];
  let weightMap: Record<string, string>;
  try {
    weightMap = (JSON.parse(indexText) as { weight_map: Record<string, string> }).weight_map;
    if (typeof weightMap !== 'object' || weightMap === null) throw new Error('no weight_map object');
  } catch (error) {
    throw new VlmError('weights_index', `cannot parse ${indexPath}: ${(error as Error).message}`, {
      location: { file: indexPath },
      hint: 'a sharded checkpoint index holds {"weight_map": {"tensor name": "shard file"}}',
    });
  }
  return [...new Set(Object.values(weightMap))].sort().map((f) => join(dir, f));
}

/** The parameters as an upstream state dict (PyTorch names and layouts) for `writeSafetensors`. */
export function paramsToStateDict(params: ParamSet, prefix = ''): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const p of params.entries()) {
    out.set(prefix + p.name, { shape: [...p.upstreamShape], data: internalToUpstream(p, p.variable.dataSync() as Float32Array) });
  }
  return out;
}
