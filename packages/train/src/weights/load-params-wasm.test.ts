import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { selectBackend, writeSafetensors } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipVisionModel } from '../models/clip-vision';
import { LlamaModel } from '../models/llama';
import { loadParams, paramsToStateDict } from './load-params';

// On wasm the loader writes straight into the variables' heap memory, in row chunks: F32 read in place,
// F16/BF16 decoded, linear and patch layouts transposed. Same values as the assign path must come out.
let root: string;
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
  root = await mkdtemp(join(tmpdir(), 'vlm-load-wasm-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loading in place on the wasm backend', () => {
  it('fills F32, F16 and BF16 tensors of every layout exactly', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const lm = new LlamaModel({ vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 2, maxPositionEmbeddings: 16, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false }, createRng(3));
    const vision = new ClipVisionModel({ hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, imageSize: 8, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' }, createRng(4));
    for (const [i, model] of [lm, vision].entries()) {
      const dtypes = ['F32', 'F16', 'BF16'] as const;
      const sd = [...paramsToStateDict(model.params)].map(([k, v], j) => [k, { ...v, dtype: dtypes[j % 3] }] as const);
      const dir = join(root, `m${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'model.safetensors'), writeSafetensors(new Map(sd)));
      const target = i === 0 ? new LlamaModel(lm.config, 'zeros') : new ClipVisionModel(vision.config, 'zeros');
      await loadParams(target.params, dir);
      // what the loaded weights must be: the source rounded to each tensor's dtype
      const expected = paramsToStateDict(target.params);
      for (const [k, t] of sd) {
        const rounded = (await import('@vlm/connectors')).readSafetensors(writeSafetensors({ [k]: t })).tensor(k).data as Float32Array;
        expect([...(expected.get(k)!.data as Float32Array)], k).toEqual([...rounded]);
      }
      target.params.dispose();
      model.params.dispose();
    }
  });
});
