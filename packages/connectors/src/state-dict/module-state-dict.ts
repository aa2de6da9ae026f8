import type { SafetensorsFile } from '../safetensors/read-safetensors';
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
