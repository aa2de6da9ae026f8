import { type Tokenizer, VlmError, createByteTokenizer, createHfTokenizer, loadLlama2Tokenizer, type TokenizerJson } from '@vlm/core';
import { type Connector, loadModuleStateDict, readSafetensors } from '@vlm/connectors';
import { type LlavaModel, VISION_PREFIX } from '../compose/llava';
import { assignParams } from '../weights/assign-params';
import { CHECKPOINT_FILES, type CheckpointMeta, checkpointMetaSchema } from './checkpoint-meta';
import { type LlavaModelSpec, buildLlavaModel, modelSpecFromJson } from './model-spec';

/** A checkpoint rebuilt from its files' bytes: metadata, model and tokenizer. */
export interface CheckpointFromFiles {
  meta: CheckpointMeta;
  spec: LlavaModelSpec;
  model: LlavaModel;
  tokenizer: Tokenizer;
}

const HINT = `give the files of a checkpoint folder written by vlm-train: ${CHECKPOINT_FILES.meta}, ${CHECKPOINT_FILES.weights} and (for a BPE model) ${CHECKPOINT_FILES.tokenizer}`;

function fileOf(files: Readonly<Record<string, Uint8Array>>, name: string, folder: string): Uint8Array {
  const bytes = files[name];
  if (!bytes) throw new VlmError('checkpoint_file_missing', `${folder} has no ${name}`, { location: { file: `${folder}/${name}` }, hint: HINT });
  return bytes;
}

function jsonOf(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new VlmError('checkpoint_unreadable', `cannot parse ${file}: ${(cause as Error).message}`, { location: { file }, hint: HINT, cause });
  }
}

/**
 * Rebuilds a checkpoint from the bytes of its files (name -> content), with no file system: what a
 * browser gets from a dropped folder. The same model, template and tokenizer as `loadCheckpoint` from
 * `@vlm/train/node` reads from disk.
 */
export async function checkpointFromFiles(files: Readonly<Record<string, Uint8Array>>, folder = 'checkpoint'): Promise<CheckpointFromFiles> {
  const metaFile = `${folder}/${CHECKPOINT_FILES.meta}`;
  const parsed = checkpointMetaSchema.safeParse(jsonOf(fileOf(files, CHECKPOINT_FILES.meta, folder), metaFile));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('checkpoint_invalid', `${metaFile}: ${issue?.message ?? 'invalid'}`, { location: { file: metaFile, field: issue?.path.join('.') }, hint: HINT });
  }
  const meta = parsed.data;
  if (meta.lora) {
    throw new VlmError('checkpoint_lora', `${metaFile} holds LoRA adapters on top of a base model in another folder`, {
      location: { file: metaFile, field: 'lora' },
      hint: 'merge the adapters into one checkpoint first (vlm-train merge), then open the merged folder',
    });
  }
  const spec = modelSpecFromJson(meta.model, metaFile);

  let base: Tokenizer;
  if (meta.tokenizer.kind === 'bytes') base = createByteTokenizer();
  else if (meta.tokenizer.kind === 'llama-2') base = await loadLlama2Tokenizer();
  else {
    const name = meta.tokenizer.file ?? CHECKPOINT_FILES.tokenizer;
    base = createHfTokenizer(jsonOf(fileOf(files, name, folder), `${folder}/${name}`) as TokenizerJson, { name: meta.tokenizer.name });
  }
  const tokenizer = meta.tokenizer.extraSpecialTokens?.length ? base.withSpecialTokens(meta.tokenizer.extraSpecialTokens) : base;

  const weightsFile = `${folder}/${CHECKPOINT_FILES.weights}`;
  const weights = readSafetensors(fileOf(files, CHECKPOINT_FILES.weights, folder), weightsFile);
  const model = buildLlavaModel(spec, 'zeros');
  try {
    assignParams(model.lm.params, weights.tensors, { source: weightsFile });
    assignParams(model.vision.params, weights.tensors, { source: weightsFile, prefix: VISION_PREFIX });
    loadModuleStateDict(model.connector as unknown as Connector, weights, { format: 'llava', allowUnexpected: true, source: weightsFile });
  } catch (error) {
    model.lm.params.dispose();
    model.vision.params.dispose();
    throw error;
  }
  return { meta, spec, model, tokenizer };
}
