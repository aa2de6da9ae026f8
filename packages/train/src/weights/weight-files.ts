import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VlmError } from '@vlm/core';

/** The safetensors files of a checkpoint: one file, or the shards its index lists. */
export interface WeightFiles {
  /** Folder holding the files (and `config.json`). */
  dir: string;
  /** Files in load order (shards sorted by name). */
  files: string[];
  /** Tensor name -> file, when a sharded index was read. */
  weightMap?: Map<string, string>;
}

/** File name of a sharded checkpoint's index. */
export const SHARD_INDEX_FILE = 'model.safetensors.index.json';

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function readIndex(indexPath: string): Promise<WeightFiles> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    throw new VlmError('weights_index', `cannot read ${indexPath}: ${(error as Error).message}`, {
      location: { file: indexPath },
      hint: 'a sharded checkpoint index holds {"metadata": {...}, "weight_map": {"tensor name": "shard file"}}',
    });
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap) || !Object.values(weightMap).every((v) => typeof v === 'string' && v.length > 0)) {
    throw new VlmError('weights_index', `${indexPath} has no weight_map of tensor names to shard files`, {
      location: { file: indexPath, field: 'weight_map' },
      hint: 'a sharded checkpoint index holds {"weight_map": {"tensor name": "shard file"}}',
    });
  }
  const dir = dirname(indexPath);
  const map = new Map(Object.entries(weightMap as Record<string, string>).map(([k, f]) => [k, join(dir, f)]));
  const files = [...new Set(map.values())].sort();
  for (const f of files) {
    if ((await kindOf(f)) !== 'file') {
      throw new VlmError('weights_missing_shard', `shard ${basename(f)} listed in ${indexPath} does not exist`, {
        location: { file: f },
        hint: 'download every shard the index lists into the same folder',
      });
    }
  }
  return { dir, files, weightMap: map };
}

/**
 * Resolves where a checkpoint's weights are: a folder with `model.safetensors.index.json` (sharded)
 * or `model.safetensors`; an explicit `.safetensors` file; or an explicit index file. Checks that every
 * file exists before anything is loaded.
 */
export async function resolveWeightFiles(path: string): Promise<WeightFiles> {
  const kind = await kindOf(path);
  if (kind === undefined) {
    throw new VlmError('weights_not_found', `${path} does not exist`, { location: { file: path }, hint: 'pass a model folder, a .safetensors file or a model.safetensors.index.json' });
  }
  if (kind === 'file') {
    if (path.endsWith('.index.json')) return readIndex(path);
    if (path.endsWith('.safetensors')) return { dir: dirname(path), files: [path] };
    throw new VlmError('weights_not_found', `${path} is neither a .safetensors file nor a .index.json`, { location: { file: path }, hint: 'pass a model folder, a .safetensors file or a model.safetensors.index.json' });
  }
  if ((await kindOf(join(path, SHARD_INDEX_FILE))) === 'file') return readIndex(join(path, SHARD_INDEX_FILE));
  if ((await kindOf(join(path, 'model.safetensors'))) === 'file') return { dir: path, files: [join(path, 'model.safetensors')] };
  const found = (await readdir(path)).filter((f) => f.endsWith('.safetensors'));
  throw new VlmError('weights_not_found', `${path} holds neither ${SHARD_INDEX_FILE} nor model.safetensors${found.length ? ` (found ${found.slice(0, 3).join(', ')})` : ''}`, {
    location: { file: path },
    hint: found.length === 1 ? `pass the file itself: ${join(path, found[0] as string)}` : 'pass the folder of a Hugging Face checkpoint saved with safetensors (PyTorch .bin files are not read)',
  });
}
