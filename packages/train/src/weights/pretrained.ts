import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { writeSafetensorsFile } from '@vlm/connectors/node';
import { ClipVisionModel } from '../models/clip-vision';
import { clipVisionConfigFromHf, clipVisionConfigToHf, llamaConfigFromHf, llamaConfigToHf } from '../models/hf-config';
import { LlamaModel } from '../models/llama';
import type { ParamSet } from '../nn/params';
import { type LoadParamsOptions, loadParams, paramsToStateDict } from './load-params';
import { resolveWeightFiles } from './weight-files';

/** Reads and parses `config.json` of a model directory; errors name the file. */
export async function readHfConfig(dir: string): Promise<unknown> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VlmError('config_missing', `cannot read ${path}`, { location: { file: path }, hint: 'a Hugging Face model directory holds config.json next to its safetensors', cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new VlmError('config_invalid', `${path} is not valid JSON: ${(error as Error).message}`, { location: { file: path }, hint: 'fix or re-download config.json' });
  }
}

/** Options of the pretrained loaders. */
export interface LoadPretrainedOptions {
  /** Key prefix inside the checkpoint, e.g. `language_model.` for a HF LLaVA checkpoint. */
  prefix?: string;
  /** The checkpoint key of each parameter (overrides `prefix`). */
  keyOf?: LoadParamsOptions['keyOf'];
}

// Loads a freshly built model's weights; on any failure its tensors are freed before rethrowing.
async function fill<M extends { params: ParamSet }>(model: M, path: string, options: LoadPretrainedOptions): Promise<M> {
  try {
    await loadParams(model.params, path, options);
  } catch (error) {
    model.params.dispose();
    throw error;
  }
  return model;
}

/**
 * Loads a LLaMA-family model (TinyLlama, SmolLM, Vicuna ...) from a Hugging Face checkpoint: a folder
 * with `model.safetensors` or sharded files and `model.safetensors.index.json`, or an explicit file
 * (its folder holds `config.json`). Shards are read one at a time and tensors converted one at a time.
 */
export async function loadLlama(path: string, options: LoadPretrainedOptions = {}): Promise<LlamaModel> {
  const { dir } = await resolveWeightFiles(path);
  const json = (await readHfConfig(dir)) as Record<string, unknown> | null;
  const text = json && typeof json.text_config === 'object' ? json.text_config : json; // a LLaVA folder's LM
  const config = llamaConfigFromHf(text, { file: join(dir, 'config.json') });
  return fill(new LlamaModel(config, 'zeros'), path, options);
}

/** Loads a CLIP vision tower (`vision_model.*` keys; full CLIP checkpoints work too); same inputs as {@link loadLlama}. */
export async function loadClipVision(path: string, options: LoadPretrainedOptions = {}): Promise<ClipVisionModel> {
  const { dir } = await resolveWeightFiles(path);
  const config = clipVisionConfigFromHf(await readHfConfig(dir), { file: join(dir, 'config.json') });
  return fill(new ClipVisionModel(config, 'zeros'), path, options);
}

/** Writes `config.json` + `model.safetensors` in the Hugging Face layout (upstream names). */
export async function saveLlama(model: LlamaModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(llamaConfigToHf(model.config), null, 2)}\n`);
  await writeSafetensorsFile(join(dir, 'model.safetensors'), paramsToStateDict(model.params), { format: 'pt' });
}

/** Writes a CLIP vision tower as `config.json` + `model.safetensors` (`vision_model.*`). */
export async function saveClipVision(model: ClipVisionModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(clipVisionConfigToHf(model.config), null, 2)}\n`);
  await writeSafetensorsFile(join(dir, 'model.safetensors'), paramsToStateDict(model.params), { format: 'pt' });
}
