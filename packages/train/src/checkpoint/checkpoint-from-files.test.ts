import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VlmError, createByteTokenizer } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { prepareSamples } from '../data/prepare-samples';
import { TINY_SPEC, writeColourDataset } from '../trainer/__fixtures__/tiny-llava';
import { trainStage } from '../trainer/train-stage';
import { checkpointFromFiles } from './checkpoint-from-files';
import { buildLlavaModel } from './model-spec';
import { loadCheckpoint } from './load-checkpoint';

let dir: string;
let checkpoint: string;
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
  dir = mkdtempSync(join(tmpdir(), 'vlm-ckpt-files-'));
  const data = await writeColourDataset(dir);
  const dataset = await loadLlavaDataset(data.file, data.imageRoot);
  const tokenizer = createByteTokenizer();
  const samples = prepareSamples(dataset.records, { tokenizer, template: 'vicuna_v1', imageTokens: 4 });
  const result = await trainStage({
    model: buildLlavaModel(TINY_SPEC, 7), spec: TINY_SPEC, tokenizer, tokenizerSpec: { kind: 'bytes' }, samples, seed: 1, outDir: dir,
    images: new ImageStore({ root: data.imageRoot, size: 8 }),
    stage: { name: 'instruct', template: 'vicuna_v1', train: { connector: 1e-2, lm: 1e-2 }, steps: 2, globalBatchSize: 4 },
  });
  checkpoint = result.checkpoint!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const filesOf = (folder: string) => Object.fromEntries(readdirSync(folder).map((name) => [name, new Uint8Array(readFileSync(join(folder, name)))]));

describe('checkpointFromFiles', () => {
  it('rebuilds from bytes the same model, template and tokenizer as loadCheckpoint from disk', async () => {
    const fromDisk = await loadCheckpoint(checkpoint);
    const fromBytes = await checkpointFromFiles(filesOf(checkpoint));
    expect(fromBytes.meta).toEqual(fromDisk.meta);
    expect(fromBytes.meta.template).toBe('vicuna_v1');
    expect(fromBytes.tokenizer.vocabSize).toBe(fromDisk.tokenizer.vocabSize);
    for (const module of ['vision', 'connector', 'lm'] as const) {
      const disk = fromDisk.model.modules[module].namedVariables();
      const bytes = fromBytes.model.modules[module].namedVariables();
      expect([...bytes.keys()]).toEqual([...disk.keys()]);
      for (const [name, v] of disk) expect(bytes.get(name)!.dataSync()).toEqual(v.dataSync());
    }
  });

  it('names the missing file and the broken one', async () => {
    const files = filesOf(checkpoint);
    const { 'checkpoint.json': _meta, ...noMeta } = files;
    await expect(checkpointFromFiles(noMeta, 'ckpt')).rejects.toMatchObject({ code: 'checkpoint_file_missing', location: { file: 'ckpt/checkpoint.json' } });
    const { 'model.safetensors': _weights, ...noWeights } = files;
    await expect(checkpointFromFiles(noWeights, 'ckpt')).rejects.toMatchObject({ code: 'checkpoint_file_missing', location: { file: 'ckpt/model.safetensors' } });
    const truncated = { ...files, 'model.safetensors': files['model.safetensors']!.subarray(0, 100) };
    await expect(checkpointFromFiles(truncated)).rejects.toBeInstanceOf(VlmError);
    const badMeta = { ...files, 'checkpoint.json': new TextEncoder().encode('{"format": "something else"}') };
    await expect(checkpointFromFiles(badMeta, 'ckpt')).rejects.toMatchObject({ code: 'checkpoint_invalid', location: { file: 'ckpt/checkpoint.json' } });
  });
});
