// The weights of a LoRA checkpoint: PEFT's adapter files plus the other modules the stage trained,
// saved as upstream LLaVA's finetune_lora saves them (`non_lora_trainables`), under the PeftModel's
// parameter names: `base_model.model.model.mm_projector.0.weight` ...
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Connector, type SafetensorsFile, type TensorToWrite, loadModuleStateDict, moduleStateDict } from '@vlm/connectors';
import { readSafetensorsFile, writeSafetensorsFile } from '@vlm/connectors/node';
import { type LlavaModel, VISION_PREFIX } from '../compose/llava';
import type { ModuleName } from '../trainer/stage';
import { assignParams, paramsToStateDict } from '../weights/load-params';
import { allLlavaLoraTowers, mergeLora } from './llava-lora';
import { PEFT_PREFIX, loadPeftAdapter, savePeftAdapter } from './peft-adapter';

/**
 * File of the non-LoRA trainables. Upstream writes `non_lora_trainables.bin` with `torch.save` (a
 * pickle: reading it runs code, and only Python reads it); safetensors holds the same name -> tensor map,
 * is what PEFT itself uses for adapters, and converts with one line:
 * `torch.save(safetensors.torch.load_file(f), "non_lora_trainables.bin")` for LLaVA's builder.py.
 */
export const NON_LORA_TRAINABLES = 'non_lora_trainables.safetensors';

/** The trained non-LoRA modules under the names LLaVA's `get_peft_state_non_lora_maybe_zero_3` gives them. */
export function nonLoraStateDict(model: LlavaModel, modules: readonly ModuleName[]): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  const add = (entries: Map<string, TensorToWrite>) => {
    for (const [k, v] of entries) out.set(PEFT_PREFIX + k, v);
  };
  if (modules.includes('lm')) add(paramsToStateDict(model.lm.params));
  if (modules.includes('vision')) add(paramsToStateDict(model.vision.params, VISION_PREFIX));
  if (modules.includes('connector')) add(moduleStateDict(model.connector as unknown as Connector, { format: 'llava' }));
  return out;
}

/** Writes the attached adapters (PEFT layout) and the non-LoRA trainables into `dir`. */
export async function saveLoraWeights(dir: string, model: LlavaModel, options: { nonLoraModules: readonly ModuleName[]; baseModelNameOrPath: string | null }): Promise<void> {
  if (!model.lora) throw new Error('saveLoraWeights: the model has no LoRA adapters attached');
  await savePeftAdapter(dir, model.lora, { baseModelNameOrPath: options.baseModelNameOrPath });
  await writeSafetensorsFile(join(dir, NON_LORA_TRAINABLES), nonLoraStateDict(model, options.nonLoraModules), { format: 'pt' });
}

/** Strips `base_model.model.` (and, as LLaVA's builder.py does, accepts keys without it). */
function withoutPeftPrefix(file: SafetensorsFile): SafetensorsFile {
  const rename = (k: string) => (k.startsWith(PEFT_PREFIX) ? k.slice(PEFT_PREFIX.length) : k);
  const original = new Map(file.entries.map((e) => [rename(e.name), e.name]));
  return {
    tensors: new Map([...file.tensors].map(([k, v]) => [rename(k), v] as const)),
    metadata: file.metadata,
    entries: file.entries.map((e) => ({ ...e, name: rename(e.name) })),
    tensor: (name, options) => file.tensor(original.get(name) ?? name, options),
  };
}

/** Which modules a non-LoRA trainables file holds, by their LLaVA names. */
export async function nonLoraModulesIn(dir: string): Promise<ModuleName[]> {
  const path = join(dir, NON_LORA_TRAINABLES);
  if (!existsSync(path)) return [];
  const names = withoutPeftPrefix(await readSafetensorsFile(path)).entries.map((e) => e.name);
  const modules: ModuleName[] = [];
  if (names.some((n) => n.startsWith('model.mm_projector.'))) modules.push('connector');
  if (names.some((n) => n.startsWith(VISION_PREFIX))) modules.push('vision');
  if (names.some((n) => n.startsWith('model.layers.') || n === 'lm_head.weight')) modules.push('lm');
  return modules;
}

/**
 * Loads a LoRA checkpoint's adapters and non-LoRA trainables onto a model that already holds the base
 * weights. Adapters attached before are folded into the base first (a LoRA stage on a LoRA stage).
 */
export async function loadLoraWeights(model: LlavaModel, dir: string, nonLoraModules: readonly ModuleName[]): Promise<void> {
  mergeLora(model);
  if (nonLoraModules.length === 0) {
    model.lora = await loadPeftAdapter(dir, allLlavaLoraTowers(model));
    return;
  }
  const path = join(dir, NON_LORA_TRAINABLES);
  const file = withoutPeftPrefix(await readSafetensorsFile(path));
  if (nonLoraModules.includes('lm')) assignParams(model.lm.params, file.tensors, { source: path });
  if (nonLoraModules.includes('vision')) assignParams(model.vision.params, file.tensors, { source: path, prefix: VISION_PREFIX });
  if (nonLoraModules.includes('connector')) loadModuleStateDict(model.connector as unknown as Connector, file, { format: 'llava', allowUnexpected: true, source: path });
  model.lora = await loadPeftAdapter(dir, allLlavaLoraTowers(model));
}
