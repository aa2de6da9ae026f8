import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isHfLlavaFolder, loadHfLlava } from '../hf/load-hf-llava';
import type { Tokenizer } from '@vlm/core';
import { VlmError } from '@vlm/core';
import { readSafetensorsFile } from '@vlm/connectors/node';
import type { LlavaModel } from '../compose/llava';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { loadClipVision, loadLlama } from '../weights/pretrained';
import { loadLoraWeights } from '../lora/lora-checkpoint';
import type { AdamW, AdamWSlot } from '../trainer/adamw';
import { CHECKPOINT_FILES, type CheckpointMeta, checkpointMetaSchema } from './checkpoint-meta';
import { type ModelSpec, buildModel, modelSpecFromJson } from './model-spec';
import { loadModelStateDict } from './model-state-dict';
import { createTokenizer } from './create-tokenizer';

/** A checkpoint read back: its metadata, the rebuilt model and tokenizer. */
export interface LoadedCheckpoint {
  dir: string;
  meta: CheckpointMeta;
  spec: ModelSpec;
  /** The model of the checkpoint's architecture (`model.architecture` tells which). */
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
}

/** Reads and validates `checkpoint.json`; errors name the file and field. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const file = join(dir, CHECKPOINT_FILES.meta);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new VlmError('checkpoint_unreadable', `cannot read ${file}: ${(cause as Error).message}`, {
      location: { file },
      hint: 'pass a checkpoint folder written by vlm-train (it holds checkpoint.json and model.safetensors)',
      cause,
    });
  }
  const parsed = checkpointMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('checkpoint_invalid', `${file}: ${issue?.message ?? 'invalid'}`, { location: { file, field: issue?.path.join('.') } });
  }
  return parsed.data;
}

/**
 * Copies a checkpoint's weights into an existing model of the same spec (any architecture). A LoRA
 * checkpoint (llava) first loads its base checkpoint (recursively), then attaches its adapters; when
 * its base is the run's initial model, the model must hold those initial weights (as a run, or
 * {@link loadCheckpoint}, builds it).
 */
export async function loadCheckpointWeights(model: VisionLanguageModel, dir: string, depth = 0): Promise<void> {
  const meta = await readCheckpointMeta(dir);
  if (meta.lora && model.architecture === 'llava') {
    const base = meta.lora.base;
    if ('checkpoint' in base) {
      if (depth >= 32) {
        throw new VlmError('checkpoint_base_loop', `${dir}: more than 32 LoRA checkpoints on top of each other`, { location: { file: join(dir, CHECKPOINT_FILES.meta), field: 'lora.base' }, hint: 'merge the adapters (vlm-train merge) and train on the merged checkpoint' });
      }
      await loadCheckpointWeights(model, resolve(dir, base.checkpoint), depth + 1);
    }
    await loadLoraWeights(model, dir, meta.lora.nonLoraModules);
    return;
  }
  if (model.architecture === 'llava') {
    model.lora?.dispose();
    model.lora = undefined;
  }
  const path = join(dir, CHECKPOINT_FILES.weights);
  const file = await readSafetensorsFile(path);
  loadModelStateDict(model, file.tensors, path);
}

/**
 * Rebuilds model and tokenizer from a checkpoint folder (config, template and tokenizer come from it):
 * a vlm-train checkpoint, or a Hugging Face `LlavaForConditionalGeneration` folder (see `loadHfLlava`).
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  if (!existsSync(join(dir, CHECKPOINT_FILES.meta)) && isHfLlavaFolder(dir)) return loadHfLlava(dir);
  const meta = await readCheckpointMeta(dir);
  const spec = modelSpecFromJson(meta.model, join(dir, CHECKPOINT_FILES.meta));
  const root = await rootLoraBase(dir, meta);
  const model = root
    ? buildModel(spec, root.seed, { lm: root.lm ? await loadLlama(root.lm) : undefined, vision: root.vision ? await loadClipVision(root.vision) : undefined })
    : buildModel(spec, 'zeros');
  await loadCheckpointWeights(model, dir);
  const tokenizer = await createTokenizer(meta.tokenizer, dir);
  return { dir, meta, spec, model, tokenizer };
}

/** {@link loadCheckpoint} for code that needs a LLaVA model (LoRA, HF LLaVA export); other architectures are refused. */
export async function loadLlavaCheckpoint(dir: string): Promise<LoadedCheckpoint & { model: LlavaModel }> {
  const loaded = await loadCheckpoint(dir);
  if (loaded.model.architecture !== 'llava') {
    throw new VlmError('checkpoint_architecture', `${dir} holds a ${loaded.model.architecture} model, and this needs a llava one`, {
      location: { file: join(dir, CHECKPOINT_FILES.meta), field: 'model.architecture' },
      hint: 'use a checkpoint trained with model.architecture: llava',
    });
  }
  return loaded as LoadedCheckpoint & { model: LlavaModel };
}

/** The initial model a chain of LoRA checkpoints ends in, or undefined when it ends in a full checkpoint. */
async function rootLoraBase(dir: string, meta: CheckpointMeta): Promise<{ seed: number; lm?: string; vision?: string } | undefined> {
  let current = meta;
  let at = dir;
  for (let depth = 0; current.lora && depth < 32; depth++) {
    const base = current.lora.base;
    if ('init' in base) return base.init;
    at = resolve(at, base.checkpoint);
    current = await readCheckpointMeta(at);
  }
  return undefined;
}

/** Restores AdamW moments and step from a checkpoint. */
export async function loadOptimizerState(optimizer: AdamW, dir: string, meta: CheckpointMeta): Promise<void> {
  if (!meta.optimizer) {
    throw new VlmError('checkpoint_optimizer', `${dir} holds no optimizer state`, { location: { file: dir }, hint: 'resume from a checkpoint written during training' });
  }
  const path = join(dir, meta.optimizer.file);
  const file = await readSafetensorsFile(path);
  const slots = new Map<string, AdamWSlot>();
  for (const p of optimizer.params) {
    const m = file.tensors.get(`${p.key}.exp_avg`);
    const v = file.tensors.get(`${p.key}.exp_avg_sq`);
    if (m && v) slots.set(p.key, { expAvg: m.data as Float32Array, expAvgSq: v.data as Float32Array, shape: [...m.shape] });
  }
  optimizer.importState(meta.optimizer.step, slots, path);
}
