import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type TensorToWrite, moduleStateDict } from '@vlm/connectors';
import { writeSafetensorsFile } from '@vlm/connectors/node';
import type { Connector } from '@vlm/connectors';
import { type LlavaModel, VISION_PREFIX } from '../compose/llava';
import { paramsToStateDict } from '../weights/load-params';
import type { AdamW } from '../trainer/adamw';
import { saveLoraWeights } from '../lora/lora-checkpoint';
import { CHECKPOINT_FILES, type CheckpointMeta, type LoraBase } from './checkpoint-meta';

export { VISION_PREFIX };

/**
 * Every weight under upstream LLaVA names: the LM's own HF keys (`model.layers.*`, `lm_head.weight`),
 * the vision tower under `model.vision_tower.vision_tower.`, and the connector as `model.mm_projector.*`.
 */
export function llavaStateDict(model: LlavaModel): Map<string, TensorToWrite> {
  const out = paramsToStateDict(model.lm.params);
  for (const [k, v] of paramsToStateDict(model.vision.params, VISION_PREFIX)) out.set(k, v);
  for (const [k, v] of moduleStateDict(model.connector as unknown as Connector, { format: 'llava' })) out.set(k, v);
  return out;
}

/** Optimizer moments as tensors named `<module.param>.exp_avg` / `.exp_avg_sq` (internal layout). */
export function optimizerStateDict(optimizer: AdamW): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [key, slot] of optimizer.exportState()) {
    out.set(`${key}.exp_avg`, { shape: slot.shape, data: slot.expAvg });
    out.set(`${key}.exp_avg_sq`, { shape: slot.shape, data: slot.expAvgSq });
  }
  return out;
}

/** What {@link saveCheckpoint} writes besides the weights. */
export interface SaveCheckpointInput {
  model: LlavaModel;
  meta: Omit<CheckpointMeta, 'optimizer' | 'format' | 'version'>;
  optimizer?: AdamW;
  /** tokenizer.json to copy in (hf tokenizers), so the checkpoint is self-contained. */
  tokenizerFile?: string;
}

/**
 * Writes a checkpoint folder atomically: everything goes to a temporary sibling folder, which then
 * replaces `dir` by rename, so a crash never leaves a half-written checkpoint behind.
 */
export async function saveCheckpoint(dir: string, input: SaveCheckpointInput): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const lora = input.meta.lora;
  if (lora) await saveLoraWeights(tmp, input.model, { nonLoraModules: lora.nonLoraModules, baseModelNameOrPath: baseModelNameOrPath(lora.base) });
  else await writeSafetensorsFile(join(tmp, CHECKPOINT_FILES.weights), llavaStateDict(input.model), { format: 'pt' });
  const o = input.optimizer;
  if (o) await writeSafetensorsFile(join(tmp, CHECKPOINT_FILES.optimizer), optimizerStateDict(o));
  if (input.tokenizerFile) await copyFile(input.tokenizerFile, join(tmp, CHECKPOINT_FILES.tokenizer));
  const meta: CheckpointMeta = {
    format: 'vlm-train-checkpoint',
    version: 1,
    ...input.meta,
    tokenizer: input.tokenizerFile ? { ...input.meta.tokenizer, file: CHECKPOINT_FILES.tokenizer } : input.meta.tokenizer,
    optimizer: o ? { type: 'adamw', step: o.step, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay, file: CHECKPOINT_FILES.optimizer } : undefined,
  };
  await writeFile(join(tmp, CHECKPOINT_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
  await mkdir(dirname(dir), { recursive: true });
  const old = `${dir}.old-${process.pid}`;
  let replaced = false;
  try {
    await rename(dir, old);
    replaced = true;
  } catch {
    // no previous checkpoint at this path
  }
  await rename(tmp, dir);
  if (replaced) await rm(old, { recursive: true, force: true });
}

/** What `base_model_name_or_path` of a LoRA checkpoint's adapter_config.json says: the base checkpoint or pretrained LM folder. */
function baseModelNameOrPath(base: LoraBase): string | null {
  return 'checkpoint' in base ? base.checkpoint : (base.init.lm ?? null);
}

/** Writes a small text file atomically (temp + rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
