import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { type Connector, type SafeTensor, loadUpstreamStateDict } from '@vlm/connectors';
import { openSafetensorsFile } from '@vlm/connectors/node';
import type { LlavaModel } from '../compose/llava';
import type { CheckpointMeta } from '../checkpoint/checkpoint-meta';
import type { LoadedCheckpoint } from '../checkpoint/load-checkpoint';
import { buildLlavaModel, modelSpecToJson } from '../checkpoint/model-spec';
import { createTokenizer } from '../checkpoint/create-tokenizer';
import { loadParamTargets } from '../weights/load-params';
import { readHfConfig } from '../weights/pretrained';
import { resolveWeightFiles } from '../weights/weight-files';
import { HF_VLM_META_FILE } from './export-hf-llava';
import { imageSettingsFromHf, parseHfLlavaConfig } from './llava-config';

/** Key naming of a HF LLaVA checkpoint: as saved on disk, or the in-memory names of transformers >= 4.52. */
export type HfLlavaNaming = 'disk' | 'memory';

/**
 * Where each part's weights live under a naming; `lm` maps an LM parameter name to its key. The vision
 * tower's keys keep CLIPVisionModel's `vision_model.` level in transformers 4.x; transformers 5 drops it
 * (PrefixChange in its conversion_mapping) and saves `vision_tower.embeddings.*`: `visionModelLevel` says which.
 */
export function hfLlavaKeys(naming: HfLlavaNaming, visionModelLevel = true): { lm: (name: string) => string; vision: (name: string) => string; projector: string } {
  const towerPrefix = naming === 'disk' ? 'vision_tower.' : 'model.vision_tower.';
  const vision = (name: string) => towerPrefix + (visionModelLevel ? name : name.replace(/^vision_model\./, ''));
  if (naming === 'disk') return { lm: (name) => `language_model.${name}`, vision, projector: 'multi_modal_projector.' };
  // transformers >= 4.52 in memory (and 4.52.0-4.52.3 on disk): model.language_model.* without the inner
  // "model.", lm_head.weight at the top, model.vision_tower.*, model.multi_modal_projector.*
  return { lm: (name) => (name.startsWith('model.') ? `model.language_model.${name.slice('model.'.length)}` : name), vision, projector: 'model.multi_modal_projector.' };
}

/** Whether a folder is a Hugging Face LLaVA checkpoint (config.json with model_type llava). */
export function isHfLlavaFolder(dir: string): boolean {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return false;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { model_type?: unknown }).model_type === 'llava';
  } catch {
    return false;
  }
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new VlmError('config_invalid', `${path} is not valid JSON: ${(error as Error).message}`, { location: { file: path }, hint: 'fix or re-download the file' });
  }
}

/** Copies the weights of a HF LLaVA folder into a model of its spec, one shard and one tensor at a time. */
export async function loadHfLlavaWeights(model: LlavaModel, dir: string): Promise<HfLlavaNaming> {
  const { files, weightMap } = await resolveWeightFiles(dir);
  const names = new Set<string>(weightMap?.keys() ?? []);
  if (!weightMap) for (const f of files) {
    const r = await openSafetensorsFile(f);
    for (const e of r.entries) names.add(e.name);
    await r.close();
  }
  const naming: HfLlavaNaming = [...names].some((k) => k.startsWith('model.language_model.')) ? 'memory' : 'disk';
  const keys = hfLlavaKeys(naming, [...names].some((k) => /^(model\.)?vision_tower\.vision_model\./.test(k)));
  // The projector is small: its four tensors are read first and checked with the rest before any assignment.
  const connector = model.connector as unknown as Connector;
  const projector = new Map<string, SafeTensor>();
  for (const f of files) {
    const r = await openSafetensorsFile(f);
    try {
      for (const e of r.entries) if (e.name.startsWith(keys.projector)) projector.set(`multi_modal_projector.${e.name.slice(keys.projector.length)}`, await r.read(e.name));
    } finally {
      await r.close();
    }
  }
  const weights = connector.weights();
  for (const entry of connector.upstreamNameMap('hf')) {
    const t = projector.get(entry.upstream);
    const shape = [...(weights.get(entry.ours)?.shape ?? [])];
    const expected = entry.transpose ? shape.reverse() : shape;
    if (!t || t.shape.join(',') !== expected.join(',')) {
      const key = keys.projector + entry.upstream.slice('multi_modal_projector.'.length);
      throw new VlmError(t ? 'weights_shape' : 'weights_missing', t ? `tensor ${key} has shape [${t.shape}] but the config needs [${expected}]` : `projector tensor ${key} is missing`, {
        location: { file: dir, field: key },
        hint: 'the checkpoint does not match its config.json (a LLaVA mlp2x_gelu projector: linear_1, linear_2)',
      });
    }
  }
  await loadParamTargets(dir, [
    { params: model.lm.params, keyOf: keys.lm },
    { params: model.vision.params, keyOf: keys.vision },
  ]);
  loadUpstreamStateDict(connector.weights(), projector, connector.upstreamNameMap('hf'), { source: dir });
  return naming;
}

/**
 * Loads a Hugging Face `LlavaForConditionalGeneration` folder (single file or sharded, F32/F16/BF16,
 * on-disk or 4.52 in-memory key names) as a checkpoint: the model, its tokenizer.json, and image settings
 * from the saved processor. The template comes from the toolkit's `vlm-train.json` when the folder was
 * exported here, else `template` (default vicuna_v1, LLaVA-1.5's).
 */
export async function loadHfLlava(dir: string, options: { template?: string } = {}): Promise<LoadedCheckpoint> {
  const configFile = join(dir, 'config.json');
  const { spec } = parseHfLlavaConfig(await readHfConfig(dir), { file: configFile });
  const processorFile = [join(dir, 'processor_config.json'), join(dir, 'preprocessor_config.json')].find((f) => existsSync(f));
  const processor = processorFile ? await readJsonIfPresent(processorFile) : undefined;
  spec.image = processor ? imageSettingsFromHf(processor, spec.vision.imageSize, { file: processorFile }) : { mode: 'crop' };
  const ours = (await readJsonIfPresent(join(dir, HF_VLM_META_FILE))) as { template?: string; systemMessage?: string } | undefined;
  if (!existsSync(join(dir, 'tokenizer.json'))) {
    throw new VlmError('tokenizer_missing', `${dir} has no tokenizer.json`, { location: { file: dir }, hint: 'save the processor or tokenizer into the folder too (processor.save_pretrained(dir))' });
  }
  const tokenizerSpec = { kind: 'hf' as const, file: 'tokenizer.json' };
  const tokenizer = await createTokenizer(tokenizerSpec, dir);
  const model = buildLlavaModel(spec, 'zeros');
  try {
    await loadHfLlavaWeights(model, dir);
  } catch (error) {
    model.lm.params.dispose();
    model.vision.params.dispose();
    throw error;
  }
  const meta: CheckpointMeta = {
    format: 'vlm-train-checkpoint',
    version: 1,
    model: modelSpecToJson(spec),
    tokenizer: { ...tokenizerSpec, name: tokenizer.name, vocabSize: tokenizer.vocabSize },
    template: options.template ?? ours?.template ?? 'vicuna_v1',
    systemMessage: ours?.systemMessage,
    seed: 0,
    stage: { index: 0, name: 'hf', spec: {} },
    step: 0,
    totalSteps: 0,
    dataPosition: { epoch: 0, batch: 0 },
    losses: [],
  };
  return { dir, meta, spec, model, tokenizer };
}
