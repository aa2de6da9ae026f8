import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { readSafetensorsFile } from '@vlm/connectors/node';
import type { ParamSet } from '../nn/params';
import { type AssignParamsOptions, assignParams } from './assign-params';

export { assignParams, paramsToStateDict, type AssignParamsOptions } from './assign-params';

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
