import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import type { SafeTensor, TensorToWrite } from '@vlm/connectors';
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

/** The parameters as an upstream state dict (PyTorch names and layouts) for `writeSafetensors`. */
export function paramsToStateDict(params: ParamSet, prefix = ''): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const p of params.entries()) {
    out.set(prefix + p.name, { shape: [...p.upstreamShape], data: internalToUpstream(p, p.variable.dataSync() as Float32Array) });
  }
  return out;
}
