import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { writeSafetensorsFile } from '@vlm/connectors/node';
import { ClipVisionModel } from '../models/clip-vision';
import { clipVisionConfigFromHf, clipVisionConfigToHf, llamaConfigFromHf, llamaConfigToHf } from '../models/hf-config';
import { LlamaModel } from '../models/llama';
import type { ParamSet } from '../nn/params';
import { loadParamsFromDir, paramsToStateDict } from './load-params';

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
}

// Loads a freshly built model's weights; on any failure its tensors are freed before rethrowing.
async function fillFromDir<M extends { params: ParamSet }>(model: M, dir: string, options: LoadPretrainedOptions): Promise<M> {
  try {
    await loadParamsFromDir(model.params, dir, options);
  } catch (error) {
    model.params.dispose();
    throw error;
  }
  return model;
}

/** Loads a LLaMA-family model (TinyLlama, SmolLM, Vicuna ...) from a Hugging Face directory. */
export async function loadLlama(dir: string, options: LoadPretrainedOptions = {}): Promise<LlamaModel> {
  const config = llamaConfigFromHf(await readHfConfig(dir), { file: join(dir, 'config.json') });
  return fillFromDir(new LlamaModel(config, 'zeros'), dir, options);
}

/** Loads a CLIP vision tower (`vision_model.*` keys; full CLIP checkpoints work too). */
export async function loadClipVision(dir: string, options: LoadPretrainedOptions = {}): Promise<ClipVisionModel> {
  const config = clipVisionConfigFromHf(await readHfConfig(dir), { file: join(dir, 'config.json') });
  return fillFromDir(new ClipVisionModel(config, 'zeros'), dir, options);
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
