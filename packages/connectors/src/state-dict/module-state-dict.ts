import type { SafetensorsFile } from '../safetensors/read-safetensors';
import { readSafetensorsFile, writeSafetensorsFile } from '../safetensors/safetensors-files';
import type { TensorToWrite } from '../safetensors/write-safetensors';
import type { TrainableModule, UpstreamFormat } from '../modules/trainable-module';
import { loadUpstreamStateDict, toUpstreamStateDict, type LoadStateDictOptions } from '../weights/name-map';

/** Options naming the upstream format (and, for gated blocks, a key prefix). */
export interface StateDictOptions {
  format?: UpstreamFormat;
  dtype?: 'F32' | 'F16';
}

/** The module's weights under upstream names and PyTorch layouts, ready for `writeSafetensors`. */
export function moduleStateDict(module: TrainableModule, options: StateDictOptions = {}): Map<string, TensorToWrite> {
  return toUpstreamStateDict(module.weights(), module.upstreamNameMap(options.format ?? 'hf'), options.dtype ?? 'F32');
}

/** Loads upstream tensors into the module; missing, unexpected or mis-shaped tensors throw one VlmError. */
export function loadModuleStateDict(module: TrainableModule, file: SafetensorsFile, options: StateDictOptions & LoadStateDictOptions = {}): void {
  loadUpstreamStateDict(module.weights(), file.tensors, module.upstreamNameMap(options.format ?? 'hf'), options);
}

/** Saves the module to a safetensors file with upstream names (metadata `format: pt`, as PyTorch writers do). */
export async function saveModuleWeights(module: TrainableModule, path: string, options: StateDictOptions = {}): Promise<void> {
  await writeSafetensorsFile(path, moduleStateDict(module, options), { format: 'pt' });
}

/** Loads a safetensors file with upstream names into the module. */
export async function loadModuleWeights(module: TrainableModule, path: string, options: StateDictOptions & LoadStateDictOptions = {}): Promise<void> {
  loadModuleStateDict(module, await readSafetensorsFile(path), { source: path, ...options });
}
