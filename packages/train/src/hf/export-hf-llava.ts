import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { type TokenizerJson, VlmError, llama2TokenizerJson } from '@vlm/core';
import { type Connector, type SafetensorsDtype, type TensorToWrite, moduleStateDict } from '@vlm/connectors';
import { writeSafetensorsFile } from '@vlm/connectors/node';
import type { LoadedCheckpoint } from '../checkpoint/load-checkpoint';
import { internalToUpstream } from '../nn/params';
import { hfChatTemplate } from './chat-template';
import { HF_IMAGE_TOKEN, hfImageProcessorConfig, hfLlavaConfig, hfProcessorConfig } from './llava-config';

/** Options of {@link exportHfLlava}. */
export interface ExportHfLlavaOptions {
  /** Stored dtype of the weights (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Largest shard in bytes; a bigger model is split with `model.safetensors.index.json` (default 5 GB). */
  maxShardBytes?: number;
  /** Replace an existing non-empty output folder. */
  force?: boolean;
}

/** What {@link exportHfLlava} wrote. */
export interface ExportHfLlavaResult {
  dir: string;
  files: string[];
  imageTokenIndex: number;
  /** Whether `<image>` was appended to the vocabulary (one embedding row, the mean of the others). */
  addedImageToken: boolean;
  /** Things a user should know (a template without a chat-template form, pad-mode preprocessing ...). */
  notes: string[];
}

/** File name of the toolkit's own settings inside a HF folder (template, system message); transformers ignores it. */
export const HF_VLM_META_FILE = 'vlm-train.json';

const DTYPE_NAMES = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

interface PlannedTensor {
  key: string;
  shape: number[];
  bytes: number;
  data: () => Float32Array;
}

async function tokenizerJsonOf(ckpt: LoadedCheckpoint): Promise<TokenizerJson> {
  const spec = ckpt.meta.tokenizer;
  if (spec.kind === 'llama-2') return llama2TokenizerJson();
  if (spec.kind === 'hf' && spec.file) {
    const path = isAbsolute(spec.file) ? spec.file : join(ckpt.dir, spec.file);
    return JSON.parse(await readFile(path, 'utf8')) as TokenizerJson;
  }
  throw new VlmError('export_unsupported', `the checkpoint's tokenizer "${spec.kind}" has no tokenizer.json form`, {
    location: { file: join(ckpt.dir, 'checkpoint.json'), field: 'tokenizer.kind' },
    hint: 'train with a tokenizer.json (an hf tokenizer, e.g. one from trainBpeTokenizer) or llama-2 to export to transformers',
  });
}

function meanRow(table: Float32Array, rows: number, width: number): Float32Array {
  const out = new Float32Array(width);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) (out[c] as number) += table[r * width + c] as number;
  for (let c = 0; c < width; c++) (out[c] as number) /= rows;
  return out;
}

/**
 * Writes a checkpoint as a Hugging Face `LlavaForConditionalGeneration` folder that transformers loads
 * with `from_pretrained` (model) and `AutoProcessor.from_pretrained` (tokenizer + CLIP image processor):
 * config.json, weights under the names `save_pretrained` writes (`language_model.model.*`,
 * `language_model.lm_head.weight`, `vision_tower.vision_model.*`, `multi_modal_projector.*`), sharded
 * above `maxShardBytes`, tokenizer.json with `<image>` as a special token, tokenizer_config.json,
 * chat_template.jinja, processor_config.json / preprocessor_config.json and generation_config.json.
 * The folder is written beside and renamed into place, so a failure leaves no half export.
 */
export async function exportHfLlava(ckpt: LoadedCheckpoint, outDir: string, options: ExportHfLlavaOptions = {}): Promise<ExportHfLlavaResult> {
  const { spec, model, tokenizer } = ckpt;
  if (model.architecture !== 'llava') {
    throw new VlmError('checkpoint_architecture', `${ckpt.dir} holds a ${model.architecture} model; a Hugging Face LLaVA folder needs a llava one`, {
      location: { field: 'model.architecture' },
      hint: 'export a checkpoint trained with model.architecture: llava',
    });
  }
  const where = { file: join(ckpt.dir, 'checkpoint.json') };
  if (spec.connector.type !== 'mlp2x_gelu') {
    throw new VlmError('export_unsupported', `a ${spec.connector.type} connector has no LlavaForConditionalGeneration form`, { location: { ...where, field: 'model.connector.type' }, hint: 'transformers LLaVA uses the mlp2x_gelu projector (linear_1, GELU, linear_2)' });
  }
  if (spec.featureSelection?.postLayerNorm) {
    throw new VlmError('export_unsupported', 'features taken after the vision post_layernorm have no LLaVA form', { location: { ...where, field: 'model.featureSelection.postLayerNorm' }, hint: 'LLaVA reads a hidden state of the vision tower as is' });
  }
  let existing: string[] = [];
  try {
    existing = await readdir(outDir);
  } catch {
    existing = [];
  }
  if (existing.length > 0 && !options.force) {
    throw new VlmError('output_exists', `${outDir} already exists and is not empty`, { location: { file: outDir }, hint: 'choose another --out folder or pass --force to replace it' });
  }
  const notes: string[] = [];
  const json = structuredClone(await tokenizerJsonOf(ckpt));
  const added = (json.added_tokens ??= []);
  const addSpecial = (content: string, id: number) => {
    if (!added.some((t) => t.content === content)) added.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true } as (typeof added)[number]);
  };
  for (const [content, id] of tokenizer.specialTokens) addSpecial(content, id);
  const V = spec.lm.vocabSize;
  const D = spec.lm.hiddenSize;
  const known = tokenizer.tokenToId(HF_IMAGE_TOKEN);
  const addedImageToken = known === undefined || known >= V;
  if (tokenizer.vocabSize > V) {
    throw new VlmError('export_unsupported', `the tokenizer has ${tokenizer.vocabSize} ids but the LM only ${V}`, { location: { ...where, field: 'model.lm.vocab_size' }, hint: 'the LM vocabulary must cover the tokenizer' });
  }
  const imageTokenIndex = addedImageToken ? V : known;
  addSpecial(HF_IMAGE_TOKEN, imageTokenIndex);
  added.sort((a, b) => a.id - b.id);
  const vocabSize = addedImageToken ? V + 1 : V;
  if (addedImageToken) notes.push(`<image> appended to the vocabulary as id ${imageTokenIndex} (embedding row = the mean of the others)`);
  if ((spec.image?.mode ?? 'pad') === 'pad') notes.push('the model was trained on images padded to a square (LLaVA pad); transformers\' CLIPImageProcessor resizes the shortest edge and centre-crops instead');

  // Tensors in save order, each materialised only when its shard is written.
  const dtype = options.dtype ?? 'F32';
  const size = dtype === 'F32' ? 4 : 2;
  const planned: PlannedTensor[] = [];
  for (const p of model.lm.params.entries()) {
    const grow = addedImageToken && (p.name === 'model.embed_tokens.weight' || p.name === 'lm_head.weight');
    const shape = grow ? [V + 1, D] : [...p.upstreamShape];
    planned.push({
      key: `language_model.${p.name}`,
      shape,
      bytes: shape.reduce((a, b) => a * b, 1) * size,
      data: () => {
        const upstream = internalToUpstream(p, p.variable.dataSync() as Float32Array);
        if (!grow) return upstream;
        const out = new Float32Array((V + 1) * D);
        out.set(upstream);
        out.set(meanRow(upstream, V, D), V * D);
        return out;
      },
    });
  }
  for (const p of model.vision.params.entries()) {
    planned.push({ key: `vision_tower.${p.name}`, shape: [...p.upstreamShape], bytes: p.variable.size * size, data: () => internalToUpstream(p, p.variable.dataSync() as Float32Array) });
  }
  for (const [key, t] of moduleStateDict(model.connector as unknown as Connector, { format: 'hf' })) {
    planned.push({ key, shape: t.shape, bytes: t.data.length * size, data: () => Float32Array.from(t.data as ArrayLike<number>) });
  }
  const maxShard = options.maxShardBytes ?? 5 * 1024 ** 3;
  const shards: PlannedTensor[][] = [[]];
  let used = 0;
  for (const t of planned) {
    if (used + t.bytes > maxShard && (shards.at(-1) as PlannedTensor[]).length > 0) {
      shards.push([]);
      used = 0;
    }
    (shards.at(-1) as PlannedTensor[]).push(t);
    used += t.bytes;
  }

  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const files: string[] = [];
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const name = shards.length === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
      const tensors = new Map<string, TensorToWrite>(shard.map((t) => [t.key, { shape: t.shape, data: t.data(), dtype: dtype as SafetensorsDtype }]));
      await writeSafetensorsFile(join(tmp, name), tensors, { format: 'pt' });
      for (const t of shard) weightMap[t.key] = name;
      files.push(name);
    }
    if (shards.length > 1) {
      const totalSize = planned.reduce((a, t) => a + t.bytes, 0);
      await writeFile(join(tmp, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`);
      files.push('model.safetensors.index.json');
    }
    const text = (name: string, value: unknown) => {
      files.push(name);
      return writeFile(join(tmp, name), typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
    };
    const tokenName = (id: number | undefined) => (id === undefined ? undefined : tokenizer.idToToken(id));
    const bos = tokenName(tokenizer.bosId);
    const eos = tokenName(tokenizer.eosId);
    const pad = tokenName(tokenizer.padId);
    await text('config.json', hfLlavaConfig(spec, { imageTokenIndex, vocabSize, dtype: DTYPE_NAMES[dtype] }));
    await text('generation_config.json', { ...(tokenizer.bosId !== undefined ? { bos_token_id: tokenizer.bosId } : {}), ...(tokenizer.eosId !== undefined ? { eos_token_id: tokenizer.eosId } : {}), pad_token_id: tokenizer.padId });
    await text('tokenizer.json', json);
    await text('tokenizer_config.json', {
      tokenizer_class: 'PreTrainedTokenizerFast',
      ...(bos ? { bos_token: bos } : {}),
      ...(eos ? { eos_token: eos } : {}),
      ...(pad ? { pad_token: pad } : {}),
      add_bos_token: tokenizer.addBos,
      image_token: HF_IMAGE_TOKEN,
      extra_special_tokens: { image_token: HF_IMAGE_TOKEN },
      model_max_length: spec.lm.maxPositionEmbeddings,
      clean_up_tokenization_spaces: false,
      processor_class: 'LlavaProcessor',
    });
    const chat = hfChatTemplate(ckpt.meta.template);
    if (chat) await text('chat_template.jinja', chat);
    else notes.push(`template ${ckpt.meta.template} has no Jinja chat-template form here; none was written`);
    await text('processor_config.json', hfProcessorConfig(spec));
    await text('preprocessor_config.json', { ...hfImageProcessorConfig(spec), processor_class: 'LlavaProcessor' });
    await text(HF_VLM_META_FILE, { format: 'vlm-train-hf', version: 1, template: ckpt.meta.template, systemMessage: ckpt.meta.systemMessage, image: spec.image, imageTokenIndex });
    await mkdir(dirname(outDir), { recursive: true });
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
    return { dir: outDir, files, imageTokenIndex, addedImageToken, notes };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
