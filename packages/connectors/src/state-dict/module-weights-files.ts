import type { TrainableModule } from '../modules/trainable-module';
import { readSafetensorsFile, writeSafetensorsFile } from '../safetensors/safetensors-files';
import type { LoadStateDictOptions } from '../weights/name-map';
import { loadModuleStateDict, moduleStateDict, type StateDictOptions } from './module-state-dict';

/** Saves the module to a safetensors file with upstream names (metadata `format: pt`, as PyTorch writers do). */
export async function saveModuleWeights(module: TrainableModule, path: string, options: StateDictOptions = {}): Promise<void> {
  await writeSafetensorsFile(path, moduleStateDict(module, options), { format: 'pt' });
}

/** Loads a safetensors file with upstream names into the module. */
export async function loadModuleWeights(module: TrainableModule, path: string, options: StateDictOptions & LoadStateDictOptions = {}): Promise<void> {
  loadModuleStateDict(module, await readSafetensorsFile(path), { source: path, ...options });
}
