import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@vlm/core';
import { writeSafetensors, type TensorToWrite } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaModel } from '../models/llama';
import { llamaConfigToHf } from '../models/hf-config';
import { useCpuBackend } from '../testing/backend';
import { loadParams, paramsToStateDict } from './load-params';
import { loadLlama } from './pretrained';
import { resolveWeightFiles } from './weight-files';

const config = { vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2, numAttentionHeads: 2, numKeyValueHeads: 2, maxPositionEmbeddings: 32, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false };

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(join(tmpdir(), 'vlm-load-params-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `sd` as shards of `perShard` tensors with an index, like save_pretrained(max_shard_size). */
async function writeSharded(dir: string, sd: Map<string, TensorToWrite>, perShard: number, extra: Record<string, TensorToWrite> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(llamaConfigToHf(config)));
  const names = [...sd.keys()];
  const count = Math.ceil(names.length / perShard);
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
    const shard = new Map(names.slice(i * perShard, (i + 1) * perShard).map((n) => [n, sd.get(n)!]));
    if (i === 0) for (const [k, v] of Object.entries(extra)) shard.set(k, v);
    for (const n of shard.keys()) weightMap[n] = file;
    await writeFile(join(dir, file), writeSafetensors(shard, { format: 'pt' }));
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
}

function values(model: LlamaModel): number[][] {
  return model.params.entries().map((p) => [...(p.variable.dataSync() as Float32Array)]);
}

describe('loading weights lazily from a folder, an index or a file', () => {
  const source = new LlamaModel(config, createRng(5));
  const sd = paramsToStateDict(source.params);

  it('loads a sharded folder, its index file, and a single explicit file identically', async () => {
    const sharded = join(root, 'sharded');
    // an I64 tensor beyond int32 in a shard is only decoded if asked for, so it cannot break the load
    await writeSharded(sharded, sd, 4, { 'model.position_ids': { shape: [1], data: [2n ** 40n], dtype: 'I64' } });
    const single = join(root, 'single');
    await mkdir(single, { recursive: true });
    await writeFile(join(single, 'config.json'), JSON.stringify(llamaConfigToHf(config)));
    await writeFile(join(single, 'weights-bf16.safetensors'), writeSafetensors(new Map([...sd].map(([k, v]) => [k, { ...v, dtype: 'BF16' as const }]))));
    expect((await resolveWeightFiles(sharded)).files).toHaveLength(Math.ceil(sd.size / 4));
    const expected = values(source);
    for (const path of [sharded, join(sharded, 'model.safetensors.index.json')]) {
      const model = await loadLlama(path);
      expect(values(model)).toEqual(expected);
      model.params.dispose();
    }
    const bf16 = await loadLlama(join(single, 'weights-bf16.safetensors'));
    const diff = Math.max(...values(bf16).flatMap((row, i) => row.map((v, j) => Math.abs(v - (expected[i]?.[j] as number)))));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.01);
    bf16.params.dispose();
  });

  it('reads keys under another naming through keyOf', async () => {
    const dir = join(root, 'renamed');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.safetensors'), writeSafetensors(new Map([...sd].map(([k, v]) => [`model.language_model.${k.replace(/^model\./, '')}`, v]))));
    const target = new LlamaModel(config, 'zeros');
    await loadParams(target.params, dir, { keyOf: (name) => `model.language_model.${name.replace(/^model\./, '')}` });
    expect(values(target)).toEqual(values(source));
    target.params.dispose();
  });

  it('checks every shard before assigning anything, and says what is wrong where', async () => {
    const dir = join(root, 'bad-shape');
    const bad = new Map(sd);
    const last = [...sd.keys()].at(-1)!;
    bad.set(last, { shape: [3], data: [1, 2, 3] });
    await writeSharded(dir, bad, 4);
    const target = new LlamaModel(config, 'zeros');
    await expect(loadParams(target.params, dir)).rejects.toMatchObject({ code: 'weights_shape', location: { field: last } });
    expect(values(target).flat().every((v) => v === 0 || v === 1)).toBe(true); // zeros init (norms are ones); nothing assigned
    target.params.dispose();

    const missingShard = join(root, 'missing-shard');
    await writeSharded(missingShard, sd, 4);
    const { files } = await resolveWeightFiles(missingShard);
    await rm(files[1]!);
    await expect(loadLlama(missingShard)).rejects.toMatchObject({ code: 'weights_missing_shard' });

    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'other.safetensors'), writeSafetensors({}));
    await expect(loadLlama(empty)).rejects.toMatchObject({ code: 'weights_not_found', hint: `pass the file itself: ${join(empty, 'other.safetensors')}` });
    await expect(loadLlama(join(root, 'nope'))).rejects.toMatchObject({ code: 'weights_not_found' });
  });
});
