import type { ParamInit } from '../nn/params';
import { type LlavaModel, VISION_PREFIX } from '../compose/llava';
import { LM_LINEAR_PATTERN, LoraAdapters, type LoraShape, type LoraTower, VISION_LINEAR_PATTERN } from './lora-adapters';

/**
 * The towers of a LLaVA model LoRA can adapt, named as in its checkpoints: the LM without prefix
 * (`model.layers.*`), CLIP under `model.vision_tower.vision_tower.`.
 */
export function llavaLoraTowers(model: LlavaModel, shape: Pick<LoraShape, 'targetModules' | 'visionTargetModules'>): LoraTower[] {
  const towers: LoraTower[] = [];
  if (shape.targetModules.length > 0) towers.push({ model: model.lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: shape.targetModules });
  if (shape.visionTargetModules.length > 0) towers.push({ model: model.vision, prefix: VISION_PREFIX, pattern: VISION_LINEAR_PATTERN, targets: shape.visionTargetModules });
  return towers;
}

/** Every tower with every layer name allowed (for loading adapters whose targets come from their tensors). */
export function allLlavaLoraTowers(model: LlavaModel): LoraTower[] {
  return llavaLoraTowers(model, { targetModules: ['q_proj'], visionTargetModules: ['q_proj'] });
}

/**
 * Attaches fresh LoRA adapters to a LLaVA model (A seeded, B zero, so the model's output is unchanged).
 * Adapters already attached are folded into the base weights first.
 */
export function attachLora(model: LlavaModel, shape: LoraShape, init: ParamInit): LoraAdapters {
  mergeLora(model);
  const adapters = new LoraAdapters(shape, llavaLoraTowers(model, shape), init).attach();
  model.lora = adapters;
  return adapters;
}

/** Installs ready adapters (loaded from a file) on a model, folding any attached ones in first. */
export function setLora(model: LlavaModel, adapters: LoraAdapters): void {
  if (model.lora !== adapters) mergeLora(model);
  model.lora = adapters.isAttached ? adapters : adapters.attach();
}

/** Folds the attached adapters into the base weights (`merge_and_unload`); no-op without adapters. */
export function mergeLora(model: LlavaModel): void {
  model.lora?.mergeIntoBase();
  model.lora = undefined;
}
