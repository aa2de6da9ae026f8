// `vlm-train merge`: folds LoRA adapters into their base and writes the merged model (PEFT's
// merge_and_unload followed by save_pretrained, for a vlm-train checkpoint or a Hugging Face LLaMA folder).
import { copyFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { CHECKPOINT_FILES, type CheckpointMeta } from '../checkpoint/checkpoint-meta';
import { loadCheckpoint, readCheckpointMeta } from '../checkpoint/load-checkpoint';
import { saveCheckpoint } from '../checkpoint/save-checkpoint';
import { loadLlama, saveLlama } from '../weights/pretrained';
import { allLlavaLoraTowers, mergeLora } from './llava-lora';
import { LM_LINEAR_PATTERN } from './lora-adapters';
import { lmLoraTargets } from './lora-config';
import { NON_LORA_TRAINABLES, loadLoraWeights } from './lora-checkpoint';
import { PEFT_FILES, loadPeftAdapter } from './peft-adapter';

/** Options of {@link mergeAdapter}. */
export interface MergeAdapterOptions {
  /** A LoRA checkpoint written by vlm-train, or a PEFT adapter folder. */
  adapter: string;
  /** The base: required for a plain PEFT adapter (a vlm-train checkpoint or a Hugging Face LLaMA folder); overrides a checkpoint's recorded base. */
  base?: string;
  /** Output folder; must not exist unless `force`. */
  out: string;
  force?: boolean;
}

/** What {@link mergeAdapter} wrote. */
export interface MergeAdapterResult {
  out: string;
  /** `checkpoint` (vlm-train checkpoint folder) or `hf-llama` (config.json + model.safetensors). */
  kind: 'checkpoint' | 'hf-llama';
  layers: number;
  base: string;
}

// Tokenizer files a Hugging Face folder carries; copied beside the merged weights when present.
const HF_SIDE_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model', 'generation_config.json'];

async function refuseExisting(out: string, force: boolean | undefined): Promise<void> {
  if (!existsSync(out)) return;
  const entries = await readdir(out).catch(() => [] as string[]);
  if (entries.length === 0) return;
  if (!force) {
    throw new VlmError('output_exists', `${out} already exists`, { location: { file: out, field: '--out' }, hint: 'choose another --out folder, or pass --force to replace it' });
  }
}

/**
 * Merges a LoRA adapter into its base: W ← W + scaling · B·A on every adapted layer, the non-LoRA
 * trainables (projector) loaded too, and writes the merged model: a vlm-train checkpoint (chat, eval and
 * further stages read it) or, for a Hugging Face LLaMA base, a Hugging Face folder.
 */
export async function mergeAdapter(options: MergeAdapterOptions): Promise<MergeAdapterResult> {
  const { adapter, out } = options;
  if (!existsSync(join(adapter, PEFT_FILES.config))) {
    throw new VlmError('adapter_unreadable', `${adapter} holds no ${PEFT_FILES.config}`, {
      location: { file: adapter, field: '--adapter' },
      hint: 'pass a LoRA stage checkpoint of vlm-train or a folder written by PeftModel.save_pretrained',
    });
  }
  await refuseExisting(out, options.force);
  const ownCheckpoint = existsSync(join(adapter, CHECKPOINT_FILES.meta));
  const adapterMeta = ownCheckpoint ? await readCheckpointMeta(adapter) : undefined;
  if (adapterMeta && !adapterMeta.lora) {
    throw new VlmError('adapter_unreadable', `${adapter} is a full checkpoint, not a LoRA one`, { location: { file: join(adapter, CHECKPOINT_FILES.meta), field: 'lora' }, hint: 'it needs no merge: chat with it or train on it directly' });
  }
  const base = options.base;
  if (!adapterMeta && !base) {
    throw new VlmError('cli_usage', `${adapter} is a plain PEFT adapter: its base must be given`, {
      location: { field: '--base' },
      hint: 'add --base <a vlm-train checkpoint or a Hugging Face LLaMA folder>',
    });
  }

  // A Hugging Face LLaMA base: merge into the LM alone and write a Hugging Face folder.
  if (base && !existsSync(join(base, CHECKPOINT_FILES.meta))) {
    if (!existsSync(join(base, 'config.json'))) {
      throw new VlmError('base_unreadable', `${base} is neither a vlm-train checkpoint (checkpoint.json) nor a Hugging Face folder (config.json)`, { location: { file: base, field: '--base' } });
    }
    const lm = await loadLlama(base);
    const adapters = await loadPeftAdapter(adapter, [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: lmLoraTargets }]);
    const layers = adapters.modules().length;
    adapters.mergeIntoBase();
    if (options.force) await rm(out, { recursive: true, force: true });
    await saveLlama(lm, out);
    for (const f of HF_SIDE_FILES) if (existsSync(join(base, f))) await copyFile(join(base, f), join(out, f));
    lm.params.dispose();
    return { out, kind: 'hf-llama', layers, base };
  }

  // A vlm-train base: the adapter's own checkpoint chain, or the base checkpoint given.
  let meta: CheckpointMeta;
  let loaded: Awaited<ReturnType<typeof loadCheckpoint>>;
  let tokenizerDir: string;
  if (base) {
    loaded = await loadCheckpoint(base);
    mergeLora(loaded.model);
    const nonLora = adapterMeta?.lora?.nonLoraModules ?? (existsSync(join(adapter, NON_LORA_TRAINABLES)) ? ['connector' as const] : []);
    if (nonLora.length > 0) await loadLoraWeights(loaded.model, adapter, nonLora);
    else loaded.model.lora = await loadPeftAdapter(adapter, allLlavaLoraTowers(loaded.model));
    meta = adapterMeta ?? loaded.meta;
    tokenizerDir = adapterMeta ? adapter : base;
  } else {
    loaded = await loadCheckpoint(adapter);
    meta = loaded.meta;
    tokenizerDir = adapter;
  }
  const layers = loaded.model.lora?.modules().length ?? 0;
  mergeLora(loaded.model);
  const { lora: _lora, optimizer: _optimizer, format: _format, version: _version, ...rest } = meta;
  const tokenizerFile = meta.tokenizer.file && existsSync(join(tokenizerDir, meta.tokenizer.file)) ? join(tokenizerDir, meta.tokenizer.file) : undefined;
  await saveCheckpoint(out, { model: loaded.model, meta: rest, tokenizerFile });
  return { out, kind: 'checkpoint', layers, base: base ?? (adapterMeta?.lora && 'checkpoint' in adapterMeta.lora.base ? join(adapter, adapterMeta.lora.base.checkpoint) : 'the run\'s initial model') };
}
