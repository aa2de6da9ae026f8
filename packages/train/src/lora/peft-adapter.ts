// LoRA adapters in PEFT's on-disk format (peft/utils/save_and_load.py, tuners/lora/config.py):
// adapter_config.json (json.dumps(indent=2, sort_keys=True)) and adapter_model.safetensors whose keys
// are the PeftModel state-dict keys without the adapter name: `base_model.model.<module>.lora_A.weight`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { type SafeTensor, type TensorToWrite } from '@vlm/connectors';
import { readSafetensorsFile, writeSafetensorsFile } from '@vlm/connectors/node';
import { assignParams, paramsToStateDict } from '../weights/load-params';
import { LoraAdapters, type LoraShape, type LoraTower } from './lora-adapters';

/** File names PEFT uses (peft/utils/constants.py). */
export const PEFT_FILES = { config: 'adapter_config.json', weights: 'adapter_model.safetensors' } as const;
/** Prefix of every key in a PEFT adapter of a transformers model (`PeftModel.base_model.model`). */
export const PEFT_PREFIX = 'base_model.model.';

/**
 * Module paths of the same layers under the model classes an adapter can be trained on: upstream
 * LLaVA's `LlavaLlamaForCausalLM` and a bare `LlamaForCausalLM` (this toolkit's names), and transformers'
 * `LlavaForConditionalGeneration` (`model.language_model.*` since 4.52, `language_model.model.*` before).
 */
export const ADAPTER_NAMINGS = {
  llava: { lm: 'model.layers.', vision: 'model.vision_tower.vision_tower.vision_model.' },
  'hf-llava': { lm: 'model.language_model.layers.', vision: 'model.vision_tower.vision_model.' },
  'hf-llava-legacy': { lm: 'language_model.model.layers.', vision: 'vision_tower.vision_model.' },
} as const;

/** One of {@link ADAPTER_NAMINGS}. */
export type AdapterNaming = keyof typeof ADAPTER_NAMINGS;

function renamePath(path: string, from: AdapterNaming, to: AdapterNaming): string {
  for (const part of ['lm', 'vision'] as const) {
    const prefix = ADAPTER_NAMINGS[from][part];
    if (path.startsWith(prefix)) return ADAPTER_NAMINGS[to][part] + path.slice(prefix.length);
  }
  return path;
}

/** The naming a module path is written in (the toolkit's own when none of the others matches). */
function namingOf(path: string): AdapterNaming {
  for (const naming of ['hf-llava', 'hf-llava-legacy'] as const) {
    if (path.startsWith(ADAPTER_NAMINGS[naming].lm) || path.startsWith(ADAPTER_NAMINGS[naming].vision)) return naming;
  }
  return 'llava';
}

/** What `adapter_config.json` says about a LoRA adapter (the fields this toolkit reads and writes). */
export interface PeftLoraConfig {
  peft_type: 'LORA';
  task_type: string | null;
  base_model_name_or_path: string | null;
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  use_rslora: boolean;
  target_modules: string[] | string | null;
  bias: string;
  fan_in_fan_out: boolean;
  [field: string]: unknown;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `target_modules` of an adapter: a regular expression PEFT fully matches against module paths
 * (`match_target_against_key`), naming exactly the adapted layers. Short names (`["q_proj"]`) would
 * also catch the vision tower's `q_proj` in a LLaVA model, the accident of haotian-liu/LLaVA#1647.
 */
export function peftTargetModules(adapters: LoraAdapters, naming: AdapterNaming = 'llava'): string {
  const groups = new Map<string, Set<string>>();
  for (const path of adapters.modules().map((p) => renamePath(p, 'llava', naming))) {
    const m = /^(.*\.layers\.)\d+\.(self_attn|mlp)\.(\w+)$/.exec(path);
    if (!m) throw new VlmError('lora_unknown_module', `cannot name ${path} in target_modules`);
    const key = `${escapeRegExp(m[1] as string)}\\d+\\.(?:self_attn|mlp)\\.`;
    const set = groups.get(key) ?? new Set<string>();
    set.add(m[3] as string);
    groups.set(key, set);
  }
  const parts = [...groups].map(([head, names]) => `${head}(?:${[...names].sort().join('|')})`);
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`;
}

/** The `adapter_config.json` object PEFT writes for a `LoraConfig` with these settings (inference_mode true, as `save_pretrained` sets it). */
export function peftAdapterConfig(adapters: LoraAdapters, baseModelNameOrPath: string | null, naming: AdapterNaming = 'llava'): PeftLoraConfig {
  const s = adapters.shape;
  const config: PeftLoraConfig = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModelNameOrPath,
    bias: 'none',
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: s.alpha,
    lora_bias: false,
    lora_dropout: s.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: s.r,
    rank_pattern: {},
    revision: null,
    target_modules: peftTargetModules(adapters, naming),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: s.rslora,
  };
  return Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as PeftLoraConfig;
}

/**
 * The adapters as PEFT's state dict: `base_model.model.<module>.lora_A.weight` `[r, in]`,
 * `...lora_B.weight` `[out, r]`, module paths in the given naming (default: LLaVA's, `model.layers.*`).
 */
export function peftStateDict(adapters: LoraAdapters, naming: AdapterNaming = 'llava'): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [k, v] of paramsToStateDict(adapters.params)) out.set(PEFT_PREFIX + renamePath(k, 'llava', naming), v);
  return out;
}

/** Options of {@link savePeftAdapter}. */
export interface SavePeftAdapterOptions {
  /** `base_model_name_or_path` of adapter_config.json. */
  baseModelNameOrPath?: string | null;
  /** Module paths of the model class the adapter will be loaded onto (`hf-llava` for a transformers LlavaForConditionalGeneration). */
  naming?: AdapterNaming;
}

/** Writes `adapter_config.json` and `adapter_model.safetensors` into `dir` (created if needed). */
export async function savePeftAdapter(dir: string, adapters: LoraAdapters, options: SavePeftAdapterOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const naming = options.naming ?? 'llava';
  const config = peftAdapterConfig(adapters, options.baseModelNameOrPath ?? null, naming);
  await writeFile(join(dir, PEFT_FILES.config), JSON.stringify(config, null, 2));
  await writeSafetensorsFile(join(dir, PEFT_FILES.weights), peftStateDict(adapters, naming), { format: 'pt' });
}

/** A PEFT adapter folder read back: its config, the shape it implies, and its tensors (keys without `base_model.model.`). */
export interface PeftAdapterFiles {
  dir: string;
  config: PeftLoraConfig;
  tensors: Map<string, SafeTensor>;
  /** Adapted module paths in this toolkit's naming (`model.layers.0.self_attn.q_proj`, in file order). */
  modules: string[];
  /** The naming the file uses (transformers' LLaVA names are mapped onto the toolkit's). */
  naming: AdapterNaming;
}

/** Reads and checks a PEFT LoRA adapter folder; anything this toolkit cannot reproduce exactly is an error naming the field. */
export async function readPeftAdapter(dir: string): Promise<PeftAdapterFiles> {
  const configFile = join(dir, PEFT_FILES.config);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new VlmError('adapter_unreadable', `cannot read ${configFile}: ${(cause as Error).message}`, {
      location: { file: configFile },
      hint: 'pass a folder written by PeftModel.save_pretrained or vlm-train (adapter_config.json + adapter_model.safetensors)',
      cause,
    });
  }
  const bad = (field: string, message: string, hint: string): never => {
    throw new VlmError('adapter_unsupported', `${configFile}: ${field} ${message}`, { location: { file: configFile, field }, hint });
  };
  if (raw.peft_type !== 'LORA') bad('peft_type', `is ${JSON.stringify(raw.peft_type)}, not "LORA"`, 'only LoRA adapters load here');
  if (typeof raw.r !== 'number' || !Number.isInteger(raw.r) || raw.r <= 0) bad('r', 'must be a positive integer', 'fix adapter_config.json');
  if (typeof raw.lora_alpha !== 'number') bad('lora_alpha', 'must be a number', 'fix adapter_config.json');
  if (raw.use_dora === true) bad('use_dora', 'is true', 'DoRA adapters are not supported; train a plain LoRA adapter');
  if (raw.fan_in_fan_out === true) bad('fan_in_fan_out', 'is true', 'LLaMA and CLIP linears store [out, in]; fan_in_fan_out is for GPT-2 Conv1D layers');
  if (raw.bias !== undefined && raw.bias !== 'none') bad('bias', `is ${JSON.stringify(raw.bias)}`, 'only bias "none" is supported (biases stay frozen)');
  if (raw.lora_bias === true) bad('lora_bias', 'is true', 'lora_B biases are not supported');
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = raw[field];
    if (v && typeof v === 'object' && Object.keys(v).length > 0) bad(field, 'is not empty', 'per-layer ranks and alphas are not supported; use one r and lora_alpha');
  }
  const config = raw as PeftLoraConfig;
  const weightsFile = join(dir, PEFT_FILES.weights);
  const file = await readSafetensorsFile(weightsFile);
  const tensors = new Map<string, SafeTensor>();
  const modules: string[] = [];
  const first = file.entries[0]?.name ?? '';
  const naming = namingOf(first.startsWith(PEFT_PREFIX) ? first.slice(PEFT_PREFIX.length) : first);
  for (const [key, t] of file.tensors) {
    const name = renamePath(key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key, naming, 'llava');
    const m = /^(.*)\.lora_([AB])\.weight$/.exec(name);
    if (!m) {
      throw new VlmError('adapter_unsupported', `${weightsFile}: tensor ${key} is not a LoRA A/B weight`, {
        location: { file: weightsFile, field: key },
        hint: 'adapters with modules_to_save, trained biases or embedding LoRA are not supported; save only LoRA layers',
      });
    }
    if (m[2] === 'A') modules.push(m[1] as string);
    tensors.set(name, t);
  }
  if (modules.length === 0) throw new VlmError('adapter_empty', `${weightsFile} holds no lora_A weights`, { location: { file: weightsFile } });
  return { dir, config, tensors, modules, naming };
}

/** The shape of a read adapter over towers: rank, alpha, rsLoRA and dropout from its config, targets from its tensors. */
export function peftAdapterShape(files: PeftAdapterFiles, towers: readonly LoraTower[]): { shape: LoraShape; towers: LoraTower[] } {
  const c = files.config;
  const lm = new Set<string>();
  const vision = new Set<string>();
  const perTower = towers.map(() => new Set<string>());
  for (const path of files.modules) {
    const i = towers.findIndex((t) => path.startsWith(t.prefix) && t.pattern.test(path.slice(t.prefix.length)));
    if (i < 0) {
      throw new VlmError('adapter_mismatch', `${join(files.dir, PEFT_FILES.weights)}: no layer ${path} in this model to adapt`, {
        location: { file: join(files.dir, PEFT_FILES.weights), field: `${PEFT_PREFIX}${path}.lora_A.weight` },
        hint: 'the adapter was trained on another architecture, or on layers this toolkit does not adapt (only attention and MLP linears)',
      });
    }
    const t = towers[i] as LoraTower;
    const last = (t.pattern.exec(path.slice(t.prefix.length)) as RegExpExecArray)[1] as string;
    (perTower[i] as Set<string>).add(last);
    (t.prefix === '' ? lm : vision).add(last);
  }
  const shape: LoraShape = {
    r: c.r,
    alpha: c.lora_alpha,
    dropout: typeof c.lora_dropout === 'number' ? c.lora_dropout : 0,
    rslora: c.use_rslora === true,
    targetModules: [...lm] as LoraShape['targetModules'],
    visionTargetModules: [...vision] as LoraShape['visionTargetModules'],
  };
  return { shape, towers: towers.map((t, i) => ({ ...t, targets: [...(perTower[i] as Set<string>)] })) };
}

/**
 * Loads a PEFT LoRA adapter onto towers (attached, trainable). Every tensor must match a layer and
 * shape of the model, and every adapted layer must get both of its tensors.
 */
export async function loadPeftAdapter(dir: string, towers: readonly LoraTower[]): Promise<LoraAdapters> {
  const files = await readPeftAdapter(dir);
  const { shape, towers: targeted } = peftAdapterShape(files, towers);
  const adapters = new LoraAdapters(shape, targeted.filter((t) => t.targets.length > 0), 'zeros');
  try {
    assignParams(adapters.params, files.tensors, { source: join(dir, PEFT_FILES.weights) });
  } catch (error) {
    adapters.dispose();
    throw error;
  }
  return adapters.attach();
}
